"""Seed data: the matches on the schedule and the subscriber accounts.

Kickoff times are relative to the moment the stack is seeded, so there is
always a match live and one about to kick off, whenever the stack starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

SUBSCRIBER_COUNT = 2000
SUBSCRIBER_PASSWORD = "matchday"
PRE_SHOW_SECONDS = 30 * 60
MATCH_SECONDS = 120 * 60


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    competition: str
    kickoff_offset: int  # seconds from seeding
    free_to_air: bool
    pass_price_cents: int  # a match pass for viewers without a subscription; 0 when free


EVENTS = (
    Event("fck-tsv1860", "1. FC Kaiserslautern v TSV 1860 München", "3. Liga", 120, True, 0),
    Event("sge-bvb", "Eintracht Frankfurt v Borussia Dortmund", "Bundesliga", 120, False, 999),
    Event("fcb-svw", "FC Bayern München v SV Werder Bremen", "Bundesliga", -1800, False, 999),
    Event("s04-h96", "FC Schalke 04 v Hannover 96", "2. Bundesliga", 3 * 3600, False, 499),
)
EVENT_IDS = frozenset(event.id for event in EVENTS)


def event_record(event: Event, seeded_at: int) -> dict[str, str]:
    """The event as stored in Redis (a hash of strings)."""
    record = asdict(event)
    del record["kickoff_offset"]
    kickoff = seeded_at + event.kickoff_offset
    record.update(
        kickoff=str(kickoff),
        starts=str(kickoff - PRE_SHOW_SECONDS),
        ends=str(kickoff + MATCH_SECONDS),
        free_to_air="1" if event.free_to_air else "0",
        pass_price_cents=str(event.pass_price_cents),
        playback=f"/auth/entitlement/{event.id}",
    )
    return record


def subscriber_name(number: int) -> str:
    return f"subscriber-{number:04d}"


def password_hash(username: str, password: str) -> str:
    # Salted SHA-256 keeps a login storm CPU-cheap on a small test machine;
    # a production stack would use a slow KDF here.
    return hashlib.sha256(f"{username}:{password}".encode()).hexdigest()

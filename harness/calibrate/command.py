"""`harness calibrate URL`: kickoff's viewer beside hls.js or dash.js on the
user's own stream, with the bounds they must keep, before a verdict is trusted.

Traffic goes only to the stream's host, which must be this machine or be
named by a targets file's allow_hosts (as for `harness run`). The manifest is
read once to tell HLS from DASH and, on a live MPD, when its segments start
(play is pressed at one phase of a segment: harness/calibrate/phase.py);
then both players play for the seconds asked. Exit 0 every bound held, 1 one
broke, 2 a bad URL or option, 3 Chromium or the player files are missing
(the message says how to get them) or the stream could not be reached.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from harness.calibrate.agreement import held, judge, table
from harness.calibrate.installed import find
from harness.calibrate.phase import segment_phase
from harness.calibrate.side_by_side import play_both
from harness.load.protocol import PROTOCOLS
from harness.load.protocol.model import ManifestError
from harness.platforms.hosts import host_problem
from harness.platforms.targets import load_targets
from harness.spec.errors import InfrastructureMissing, InvalidInput

READ_TIMEOUT_S = 10.0  # for the one look at the manifest
MANIFEST_MAX = 4 << 20  # bytes of it read: a live MPD's timeline can be long


def _checked_url(url: str, targets: Path | None) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"URL: {url!r} is not an http/https URL with a host (write e.g. "
            f"http://HOST:PORT/live/master.m3u8)"
        )
    allow_hosts = load_targets(targets).allow_hosts if targets else ()
    problem = host_problem(url, allow_hosts)
    if problem:
        where = (
            f"{targets}'s allow_hosts"
            if targets
            else "allow_hosts of a targets file given with --targets FILE"
        )
        raise InvalidInput(f"URL: {problem.replace('allow_hosts', where)}")
    return url


def manifest_of(url: str) -> tuple[str, str]:
    """The manifest's protocol ("hls" or "dash", by its body) and body, read once."""
    try:
        with urllib.request.urlopen(url, timeout=READ_TIMEOUT_S) as answer:
            text = answer.read(MANIFEST_MAX).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise InvalidInput(f"URL: {url} answered HTTP {error.code}, not a manifest") from None
    except OSError as error:
        raise InfrastructureMissing(f"the stream at {url} could not be reached ({error})") from None
    for module in PROTOCOLS:
        if module.sniff(text):
            return module.PROTOCOL, text
    raise InvalidInput(f"URL: {url} is neither an HLS playlist (#EXTM3U) nor a DASH MPD (<MPD>)")


def calibrate(
    url: str,
    seconds: float,
    client: str,
    chromium: str | None,
    players: Path | None,
    targets: Path | None,
) -> int:
    """Play, print the comparison; the exit code."""
    url = _checked_url(url, targets)
    protocol, text = manifest_of(url)
    try:
        press_at = segment_phase(text, url)
    except ManifestError as error:
        raise InvalidInput(f"URL: {url} is not a usable MPD: {error}") from None
    yardstick = find(chromium, players, protocol)
    print(
        f"calibrating on {url} ({protocol}) for {seconds:g} s: kickoff's {client} viewer "
        f"beside the real player, both at once"
    )
    kickoff, (real,) = play_both(yardstick, protocol, seconds, url, [url], client, press_at)
    checks = judge(kickoff, [real], seconds)
    print(table([(f"{protocol}, {seconds:g} s", kickoff, [real], checks)]))
    broken = [check.figure for check in checks if check.broken]
    if held(checks):
        print(
            f"\nkickoff's {client} viewer agrees with {real.player} on this stream: every "
            f"bound held"
        )
        return 0
    print(
        f"\nkickoff's {client} viewer disagrees with {real.player} on this stream: "
        f"{', '.join(broken)} out of bounds (docs/calibration.md says what each measures)"
    )
    return 1

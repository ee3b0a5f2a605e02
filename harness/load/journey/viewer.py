"""Who runs a journey: the viewer (or API user) whose attempt it is, and the
variables its templates and conditions may ask about."""

from __future__ import annotations

from dataclasses import dataclass

from harness.load.journey.newcomers import Newcomer


@dataclass(frozen=True)
class Viewer:
    """Who runs a journey: what its templates and conditions may ask about."""

    number: int  # the viewer's (or API user's) number in the run, from 0
    client: str  # web, app or tv; "" for an API user
    subscriber: bool
    event: str | None  # the scenario's audience.event
    account: dict[str, str] | None  # this viewer's row of the accounts file
    newcomer: Newcomer | None = None  # a newcomer's sign-up for this attempt; None: has an account

    def variables(self) -> dict[str, str]:
        """The variables every template may use from the start."""
        variables = {
            "viewer": str(self.number),
            "client": self.client,
            "subscriber": "true" if self.subscriber else "false",
            "event": self.event or "",
        }
        variables.update((f"account.{k}", v) for k, v in (self.account or {}).items())
        variables.update(self.newcomer.variables() if self.newcomer else {})
        return variables

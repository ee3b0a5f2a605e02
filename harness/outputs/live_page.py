"""The live page beside /metrics: `/` is one self-contained page (live_page.html
with the report's style: inline script and style, nothing fetched but from its
own address) that asks
`/live.json?from=N` each second and draws the report's charts from it;
`/live.json` is the run so far: each second's point from N on, the phases and
faults in match time, and the verdict so far (harness.outputs.live_checks).

Serving stays cheap however long the run: each second's point is encoded once
as it is recorded, the rest of the document once a second at most (the first
time it is asked after a change), and a page asks only for the points it has
not got."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from harness.judge.recorded_scenario import read_scenario, slos_of
from harness.measure.metrics import checked_metric
from harness.outputs.hooks import RunEvents
from harness.outputs.live_checks import Checks
from harness.report.html import STYLE
from harness.runfolder.recorder import Second

JSON_TYPE = "application/json"
# A fault's events -> its state on the page (and in kickoff_fault_state).
FAULT_STATES = {
    "fault_scheduled": "scheduled",
    "fault_injected": "in",
    "fault_reverted": "reverted",
    "fault_failed": "failed",
}


def point(second: Second, groups: Sequence[str]) -> dict:
    """One second as the page charts it: the audience, the starts, the stalls and
    the requests (a rate over one second is its count)."""
    window = second.window

    def figure(name: str) -> float | None:
        return checked_metric(name).formula([window], window)

    return {
        "second": window.second,
        "match_s": second.match_s,
        "phase": second.phase,
        "target": second.target_viewers,
        "viewers": second.viewers,
        "joining": window.joining,
        "playing": window.playing,
        "stalled": window.stalled,
        "starts": window.starts,
        "start_failures": window.start_failures,
        "startup_p50": figure("startup_time_p50"),
        "startup_p95": figure("startup_time_p95"),
        "stalls": window.stalls,
        "rebuffering": figure("rebuffering_ratio"),
        "requests": {
            g: window.requests[g].count if g in window.requests else 0
            for g in (*groups, *(g for g in window.requests if g not in groups))
        },
        "failed": sum(tally.failures for tally in window.requests.values()),
    }


class LiveRun:
    """One run as the page shows it, kept up by the run's events."""

    def __init__(self, run: str, groups: Sequence[str], checks: Checks) -> None:
        self.run, self.groups, self.checks = run, tuple(groups), checks
        self.scenario = ""
        self.active = False
        self.timeline_start: float | None = None
        self.points: list[str] = []  # each second's point, encoded
        self.phases: list[dict] = []
        self.faults: dict[str, dict] = {}
        self._rest: str | None = None  # the document but its points; None: to be made again
        self._lock = threading.Lock()

    def event(self, kind: str, match_s: float | None = None, **fields: Any) -> None:
        if kind == "run_started":
            self.scenario, self.timeline_start = str(fields.get("scenario", "")), match_s
        elif kind == "phase":
            self.phases.append({"name": fields["phase"], "match_s": match_s})
        elif kind in FAULT_STATES:
            fault = self.faults.setdefault(
                str(fields["fault"]), {"state": "", "from_match_s": None, "to_match_s": None}
            )
            fault["state"] = FAULT_STATES[kind]
            if kind == "fault_injected":
                fault["from_match_s"] = match_s
            elif kind == "fault_reverted":
                fault["to_match_s"] = match_s
        self.checks.event(kind, **fields)
        self._rest = None

    def second(self, second: Second) -> None:
        self.checks.second(second)
        self.points.append(json.dumps(point(second, self.groups), separators=(",", ":")))
        self._rest = None

    def running(self, active: bool) -> None:
        self.active, self._rest = active, None

    def document(self, start: int) -> bytes:
        """/live.json: the points from second `start` on, and the rest."""
        rest = self._rest
        if rest is None:
            with self._lock:  # one request makes it, the others wait for it
                rest = self._rest or self._made()
                self._rest = rest
        points = self.points[start:]
        return f'{{"from":{start},"points":[{",".join(points)}],{rest[1:]}'.encode()

    def _made(self) -> str:
        recorded = len(self.points)
        return json.dumps(
            {
                "run": self.run,
                "scenario": self.scenario,
                "active": self.active,
                "recorded": recorded,
                "groups": self.groups,
                "timeline_start": self.timeline_start,
                "phases": self.phases,
                "faults": [{"name": name, **fault} for name, fault in self.faults.items()],
                "verdict": self.checks.verdict(recorded),
            },
            separators=(",", ":"),
        )


class LivePage:
    """What `/` and `/live.json` serve: the latest run (none before the first)."""

    def __init__(self) -> None:
        self.run: LiveRun | None = None
        page = resources.files("harness.outputs").joinpath("live_page.html").read_text()
        self.html = page.replace("/* REPORT STYLE */", STYLE, 1).encode()

    def page(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [self.html]

    def json(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        asked = parse_qs(environ.get("QUERY_STRING", "")).get("from", ["0"])[0]
        if not asked.isdigit():
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"from: a second's number (0, 1, 2 ...)\n"]
        run = self.run
        body = run.document(int(asked)) if run else b'{"run":null}'
        start_response("200 OK", [("Content-Type", JSON_TYPE), ("Cache-Control", "no-store")])
        return [body]

    def attach(self, events: RunEvents, run_dir: Path, groups: Sequence[str]) -> None:
        """Show this run from now on (its SLOs from its scenario.yaml)."""
        scenario = read_scenario(run_dir / "scenario.yaml")
        checks = Checks(slos_of(scenario), scenario["timeline"]["peak"], groups)
        run = LiveRun(run_dir.name, groups, checks)
        self.run = run
        events.event_recorded.add_listener(run.event)
        events.second_recorded.add_listener(run.second)
        events.run_started.add_listener(lambda: run.running(True))
        events.run_stopping.add_listener(lambda: run.running(False))

"""harness run: one scenario end to end.

no faults left over -> the load generator ready (this process, or its
workers joined: harness.generator) -> target up (if kickoff manages it and it
is down, or not at the scenario's stack_size) -> run folder -> a Session:
Locust drives the audience shape and the fault timeline fires while the
recorder writes, one second at a time, the window the generator's source
gives -> rollback (every fault reverted) -> components' CPU use (managed
platforms) -> summary -> target left as it was found. The end, SIGINT,
SIGTERM, a halt condition and an exception all go through the rollback and
still write everything measured so far.
"""

from __future__ import annotations

import logging
import math
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import gevent.event
import yaml

from harness.faults.health_watch import HealthWatch
from harness.faults.journal import Journal
from harness.faults.marks import MarkInbox
from harness.faults.owner import this_run
from harness.faults.registry import driver
from harness.faults.side_by_side import check_before_run
from harness.generator.audience import target_at
from harness.generator.choice import Generator, open_source
from harness.generator.source import WindowSource
from harness.judge.regression import TOLERANCE
from harness.judge.summary import console_tables, regression_line
from harness.judge.verdict import exit_code as verdict_exit_code
from harness.load import journey
from harness.outputs.hooks import RunEvents
from harness.outputs.registry import attach_all
from harness.platforms.base import PlatformSpec
from harness.platforms.registry import platform_spec, stack_of
from harness.platforms.stack import Stack
from harness.platforms.usage import UsageMeter
from harness.report.results import SCENARIO, write_results
from harness.run.chaos import expand
from harness.run.fault_timeline import FaultTimeline
from harness.run.halt import HaltWatch
from harness.run.server_watch import ServerWatch
from harness.run.status_line import StatusLine
from harness.runfolder.recorder import Recorder, Second
from harness.scenario import Scenario
from harness.spec.errors import InfrastructureMissing, InvalidInput
from harness.spec.shown import escaped

log = logging.getLogger(__name__)
EXIT_ON_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass(frozen=True)
class RunOptions:
    """How a run is judged; recorded in its events, so `harness report` judges alike."""

    duration: float | None = None  # wall seconds at most
    strict: bool = False  # degraded is a failure too
    baseline_run: Path | None = None  # compare with this run's SLO rows
    fail_on_regression: bool = False
    regression_tolerance: float = TOLERANCE
    generator: Generator = Generator()  # where the viewers run


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    outcome: str  # "completed", "interrupted (SIGINT)" ...
    exit_code: int
    summary: dict


# --- the target ---------------------------------------------------------------


def _noop() -> None:
    pass


def _check_reachable(url: str) -> None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=3).close()
    except OSError as error:
        raise InfrastructureMissing(
            f"the edge {url} does not answer ({error}); is the stack up?"
        ) from None


def acquire_target(platform_name: str, stack: Stack, size: str | None = None) -> Callable[[], None]:
    """Make sure the stack is up (at `size`; None: at whatever size it runs,
    normal if it is down); how to leave it as it was found."""
    spec = platform_spec(platform_name)
    if spec.manager is None:  # somebody else's stack: it must be there already
        if stack.edge is not None:
            _check_reachable(stack.edge)
        for context in stack.contexts.values():  # and so must what its faults go through
            driver(context).check()
        return _noop
    platform = spec.manager()
    found = platform.size()
    if size in (None, found) and all(row.health == "healthy" for row in platform.status()):
        return _noop
    was_running = platform.is_managed()
    log.info(
        "bringing the %s stack up for this run%s", platform.name, f" at size {size}" if size else ""
    )
    platform.up(size or found)
    if not was_running:
        return platform.down
    if found is not None and size not in (None, found):
        return lambda: platform.up(found)  # back to the size it had
    return _noop


# --- the run folder -----------------------------------------------------------


def fresh_folder(results_root: Path, name: str, started: float) -> Path:
    """A new folder `<UTC stamp>_<name>` in results_root (a run's, or an orchestrator's)."""
    stamp = datetime.fromtimestamp(started, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = results_root / f"{stamp}_{name}"
    suffix = 1
    while folder.exists():  # two in one second
        suffix += 1
        folder = results_root / f"{stamp}_{name}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def make_run_dir(results_root: Path, scenario: Scenario, started: float) -> Path:
    run_dir = fresh_folder(results_root, scenario.name, started)
    resolved = yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)
    (run_dir / SCENARIO).write_text(
        f"# {scenario.source} as this run used it (command-line overrides applied)\n{resolved}"
    )
    return run_dir


# --- the run ------------------------------------------------------------------


class SignalStop:
    """SIGINT/SIGTERM during a run: stop measuring, keep what was measured."""

    def __init__(self) -> None:
        self.event = gevent.event.Event()
        self.signal: signal.Signals | None = None
        self._handlers = [gevent.signal_handler(sig, self._caught, sig) for sig in EXIT_ON_SIGNAL]

    def _caught(self, sig: signal.Signals) -> None:
        self.signal = sig
        self.event.set()

    def release(self) -> None:
        for handler in self._handlers:
            handler.cancel()


def run(scenario: Scenario, results_root: Path, options: RunOptions = RunOptions()) -> RunResult:
    """Run `scenario` for its timeline (or options.duration wall seconds at most)."""
    stack = stack_of(scenario.platform, scenario.targets)
    # Invalid input first (exit 2), then what is left on the stack (exit 3), then the stack.
    spec = journey_spec(scenario, stack)
    viewers_journey = scenario_journey(scenario, spec)
    base = viewers_base(scenario, stack)
    check_before_run(stack, len(scenario.faults))
    wall_duration = min(scenario.wall_duration, options.duration or scenario.wall_duration)
    # Workers join before the stack is touched: without them there is no run.
    source = open_source(options.generator, scenario, viewers_journey, spec, base, wall_duration)
    try:
        release = acquire_target(scenario.platform, stack, scenario.stack_size)
    except BaseException:
        source.stop()
        raise
    try:
        return _measure(scenario, source, stack, results_root, options, wall_duration)
    finally:
        release()


def journey_spec(scenario: Scenario, stack: Stack) -> str | dict | None:
    """The journey the scenario's viewers run, as written (paths absolute): its
    own, else its platform's default; None when it plays a bare stream."""
    spec = scenario.journey or (None if scenario.audience.stream else stack.journey)
    if spec is None and not scenario.audience.stream:
        raise InvalidInput(
            f"{scenario.source}: viewers have nothing to play: platform "
            f"{scenario.platform} has no default journey (add journey: FILE, "
            f"or audience.stream: URL; see docs/journeys.md)"
        )
    return str(spec) if isinstance(spec, Path) else spec


def viewers_base(scenario: Scenario, stack: Stack) -> str:
    """The base URL viewers' relative URLs resolve against (Locust's host): the
    stack's edge, else the origin of the bare stream they play."""
    if stack.edge is not None:
        return stack.edge
    if scenario.audience.stream:
        parts = urlsplit(scenario.audience.stream)
        return f"{parts.scheme}://{parts.netloc}"
    raise InvalidInput(
        f"{scenario.targets or scenario.source}: edge: needed: the viewers run a "
        f"journey, whose URLs resolve against the stack's edge (add edge: URL)"
    )


def scenario_journey(scenario: Scenario, spec: str | dict | None) -> journey.AnyJourney | None:
    """The journey `spec` names, read for the run."""
    if spec is None:
        return None
    return journey.load(spec, scenario.source.parent, str(scenario.source))


class Session:
    """One run's collaborators, in the spirit of Locust's Environment: the
    window source (the viewers), the run's fault journal, the fault timeline,
    the marks of faults done by hand and the health watch; and its events
    (harness.outputs.hooks), which the recorder, the status line, the halt
    watch, the component usage meter and every output listen to, the recorder
    first. start(), tick() once a second, stop() (the rollback) however the
    run ends, then end()."""

    def __init__(
        self,
        scenario: Scenario,
        source: WindowSource,
        stack: Stack,
        run_dir: Path,
        wall_duration: float,
    ) -> None:
        self.scenario, self.source, self.wall_duration = scenario, source, wall_duration
        self.run_dir = run_dir
        self.target_at = target_at(scenario)
        self.events = RunEvents()
        self.recorder = Recorder(run_dir, scenario.groups)
        self.events.event_recorded.add_listener(self.recorder.event)
        self.events.second_recorded.add_listener(lambda second: self.recorder.second(second))
        faults = expand(scenario, stack)
        # The run's journal names it from the start: other runs and `harness
        # reset` see it is going, and `harness mark` finds it.
        names = [fault.name for fault in faults]
        self.journal = Journal(owner=this_run(run_dir, scenario.name, stack, names))
        self.journal.open()
        self.faults = FaultTimeline(scenario, faults, self.event, stack, self.journal)
        self.marks = MarkInbox(
            self.journal,
            self.event,
            {f.name: f.recover_within for f in scenario.faults_by_hand},
            names,
            lambda: time.perf_counter() - self.zero,
            scenario.match,
        )
        # a mark given during the second is taken as the second is recorded
        self.events.second_recorded.add_listener(lambda second: self.marks.take())
        self.zero = time.perf_counter()  # until start(): health events before the run read 0
        self.watch = HealthWatch(
            stack.checks, self.event, lambda: time.perf_counter() - self.zero, self.faults.probes()
        )
        self.phase: str | None = None
        self.halted: str | None = None  # the halt condition that held, once one has
        self._listen(HaltWatch(scenario.halt_if), StatusLine(), platform_spec(stack.platform))
        attach_all(self.events, run_dir, scenario.groups)
        server = stack.server and stack.server.adding(scenario.server_metrics)
        if server and server.queries:  # the platform's own figures (server.jsonl)
            ServerWatch(server, run_dir, self.event).listen(self.events)

    def _listen(self, halts: HaltWatch, status: StatusLine, spec: PlatformSpec) -> None:
        """The run's own listeners besides the recorder: halt conditions, the
        status line and (on a platform kickoff manages) the components' CPU use."""

        def halt_check(second: Second) -> None:
            met = halts.check(second)
            if met and self.halted is None:
                self.halted = met
                self.event("halt", second.match_s, condition=met)

        self.events.second_recorded.add_listener(lambda second: status.show(second))
        self.events.second_recorded.add_listener(halt_check)
        self.events.run_stopping.add_listener(status.close)
        if spec.manager is None:
            return
        usage = UsageMeter(spec.manager())

        def usage_recorded() -> None:
            components = usage.stop()
            if components is not None:
                self.event("component_usage", components=components)

        self.events.run_started.add_listener(usage.start)
        self.events.run_stopping.add_listener(usage_recorded)

    def event(self, kind: str, match_s: float | None = None, **fields: object) -> None:
        """An event of the run (events.jsonl and every listener)."""
        self.events.event_recorded.fire(kind=kind, match_s=match_s, **fields)

    def start(self) -> None:
        self.events.run_started.fire()
        self.zero = self.source.start()
        self.faults.start(self.zero)
        self.marks.announce(self.scenario.timeline.start)
        self.watch.start()

    def tick(self, number: int) -> str | None:
        """Record second `number` (over by now); the halt condition it met, if any."""
        measured = self.source.window(number)  # a master may wait a little for its workers
        late = time.perf_counter() - self.zero - (number + 1)
        wall_s = min(number + 1, self.wall_duration)  # the second's end, on the run's timeline
        match_s = self.scenario.match(wall_s)
        for note in measured.notes:
            self.event(note.kind, match_s, **note.fields)
        if self.scenario.phase_at(match_s) != self.phase:
            self.phase = self.scenario.phase_at(match_s)
            self.event("phase", match_s, phase=self.phase)
        # Viewer users on a break or idle in the arrivals' pool are not in the audience.
        viewers = max(0, measured.viewers - measured.window.away)
        second = Second(
            measured.window,
            time.time() - late,
            match_s,
            self.phase,
            self.target_at(wall_s),
            viewers,
        )
        self.events.second_recorded.fire(second=second)
        return self.halted

    def stop(self) -> list[str]:
        """Rollback first (the stack is whole again before anything else); the
        faults it could not revert."""
        unreverted = self.faults.stop()
        self.marks.take()  # a mark given in the last second
        self.journal.finish()
        self.events.run_stopping.fire()
        self.watch.stop()
        self.source.stop()
        return unreverted

    def end(self, outcome: str) -> dict:
        """The run's last event, its folder sealed and judged; the summary."""
        self.event("run_ended", outcome=outcome)
        self.recorder.close()
        summary = write_results(self.run_dir)
        self.events.run_ended.fire(run_dir=self.run_dir, outcome=outcome, summary=summary)
        return summary


def _measure(
    scenario: Scenario,
    source: WindowSource,
    stack: Stack,
    results_root: Path,
    options: RunOptions,
    wall_duration: float,
) -> RunResult:
    try:
        run_dir = make_run_dir(results_root, scenario, time.time())
        session = Session(scenario, source, stack, run_dir, wall_duration)
    except BaseException:
        source.stop()
        raise
    stop = SignalStop()
    outcome, exit_code = "completed", 0
    session.event(
        "run_started",
        scenario.timeline.start,
        scenario=scenario.name,
        edge=stack.edge,
        wall_duration_s=wall_duration,
        time_scale=scenario.time_scale,
        fault_time_scale=scenario.fault_time_scale,
        time_map=[[s.start, s.end, s.rate] for s in scenario.time_map.stretches],
        request_groups=list(scenario.groups),
        workers=options.generator.processes,
        strict=options.strict,
        regression_tolerance=options.regression_tolerance,
        baseline_run=str(options.baseline_run) if options.baseline_run else None,
    )
    try:
        session.start()
        for number in range(math.ceil(wall_duration)):
            if stop.event.wait(timeout=max(0.0, session.zero + number + 1 - time.perf_counter())):
                caught = stop.signal
                assert caught is not None  # the event is set when a signal is caught
                outcome = f"interrupted ({caught.name})"
                exit_code = EXIT_ON_SIGNAL[caught]
                break
            halted = session.tick(number)
            if halted:
                outcome, exit_code = f"halted: {halted}", 1
                break
    except Exception as error:
        outcome, exit_code = f"failed: {error.__class__.__name__}: {error}", 1
        raise
    finally:
        unreverted = session.stop()
        stop.release()
        if unreverted:
            outcome += "; NOT reverted: " + "; ".join(unreverted) + " (run `harness reset`)"
            exit_code = exit_code or 1
        summary = session.end(outcome)
    if exit_code == 0:  # the run itself went through: the verdict decides
        exit_code = verdict_exit_code(summary["verdict"])
        if options.fail_on_regression and any(r["worse"] for r in summary.get("regressions", [])):
            exit_code = 1
    return RunResult(run_dir, outcome, exit_code, summary)


def print_result(result: RunResult) -> None:
    print(console_tables(result.summary))
    print(f"\n{escaped(result.summary['verdict']['headline'])}")
    if regression_line(result.summary):
        print(escaped(regression_line(result.summary)))
    print(
        escaped(
            f"{result.summary['scenario']}: {result.outcome}; results in "
            f"{result.run_dir} (report.html, junit.xml, summary.json)"
        )
    )

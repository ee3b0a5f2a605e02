"""harness run: one scenario end to end.

no faults left over -> target up (if kickoff manages it and it is down) ->
run folder -> Locust drives the audience shape and the fault timeline fires
while the recorder writes one second at a time -> rollback (every fault
reverted) -> summary -> target left as it was found. The end, SIGINT,
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
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import gevent.event
import yaml

from locust.env import Environment

from harness.errors import InfrastructureMissing, InvalidInput
from harness.faults.chaos import expand
from harness.faults.health_watch import HealthWatch
from harness.faults.journal import Journal
from harness.faults.registry import driver
from harness.faults.timeline import FaultTimeline
from harness.halt import HaltWatch
from harness.load import journey
from harness.load.clients import CLIENTS
from harness.load.collector import Collector
from harness.load.shape import AudienceShape, viewers_at
from harness.load.viewer import AudienceSettings, user_classes
from harness.platforms.registry import platform_spec, stack_of
from harness.platforms.stack import Stack
from harness.recorder import Recorder, Second
from harness.regression import TOLERANCE
from harness.results import SCENARIO, write_results
from harness.scenario import Scenario
from harness.status_line import StatusLine
from harness.summary import console_tables, regression_line
from harness.verdict import exit_code as verdict_exit_code

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
        raise InfrastructureMissing(f"the edge {url} does not answer ({error}); is the stack up?") \
            from None


def acquire_target(platform_name: str, stack: Stack) -> Callable[[], None]:
    """Make sure the stack is up; how to leave it as it was found."""
    spec = platform_spec(platform_name)
    if spec.manager is None:  # somebody else's stack: it must be there already
        if stack.edge is not None:
            _check_reachable(stack.edge)
        for context in stack.contexts.values():  # and so must what its faults go through
            driver(context).check()
        return _noop
    platform = spec.manager()
    if all(row.health == "healthy" for row in platform.status()):
        return _noop
    was_running = platform.is_managed()
    log.info("bringing the %s stack up for this run", platform.name)
    platform.up()
    return _noop if was_running else platform.down


# --- the run folder -----------------------------------------------------------

def make_run_dir(results_root: Path, scenario: Scenario, started: float) -> Path:
    stamp = datetime.fromtimestamp(started, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = results_root / f"{stamp}_{scenario.name}"
    suffix = 1
    while run_dir.exists():  # two runs in one second
        suffix += 1
        run_dir = results_root / f"{stamp}_{scenario.name}-{suffix}"
    run_dir.mkdir(parents=True)
    resolved = yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)
    (run_dir / SCENARIO).write_text(
        f"# {scenario.source} as this run used it (command-line overrides applied)\n{resolved}")
    return run_dir


# --- the run ------------------------------------------------------------------

class _Stop:
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


def check_journal() -> None:
    """Refuse to run over faults a killed harness left behind."""
    left = Journal().entries()
    if left:
        names = ", ".join(sorted({entry["fault"] for entry in left.values()}))
        raise InfrastructureMissing(f"the fault journal still holds {len(left)} unreverted "
                                    f"fault(s) ({names}) from a run that did not finish; run "
                                    f"`harness reset` to revert them first")


def run(scenario: Scenario, results_root: Path, options: RunOptions = RunOptions()) -> RunResult:
    """Run `scenario` for its timeline (or options.duration wall seconds at most)."""
    stack = stack_of(scenario.platform, scenario.targets)
    # Invalid input first (exit 2), then what is left on the stack (exit 3), then the stack.
    viewers_journey = scenario_journey(scenario, stack)
    check_journal()
    release = acquire_target(scenario.platform, stack)
    try:
        return _measure(scenario, viewers_journey, stack, results_root, options)
    finally:
        release()


def _environment(scenario: Scenario, viewers_journey: journey.AnyJourney | None,
                 edge: str | None, collector: Collector, target_at: Callable[[float], int],
                 wall_duration: float) -> Environment:
    """Locust's environment for the run: viewer and API user classes, the shape."""
    audience = scenario.audience
    settings = AudienceSettings(collector, audience.event, audience.subscribers, scenario.seed,
                                journey=viewers_journey, stream=audience.stream,
                                cmcd=None if scenario.cmcd == "off" else scenario.cmcd)
    api_users = [(u.kind, u.users, u.interval) for u in audience.api_users]
    env = Environment(
        user_classes=user_classes(settings, CLIENTS, audience.clients, api_users, edge,
                                  audience.fidelity),
        shape_class=AudienceShape(target_at, wall_duration, _api_count(scenario)), host=edge)
    env.events.request.add_listener(
        lambda name, response_time, exception, response=None, context=None, **_:
        collector.request(name, response_time / 1000, failure_reason(exception, response),
                          (context or {}).get("fidelity")))
    return env


def scenario_journey(scenario: Scenario, stack: Stack) -> journey.AnyJourney | None:
    """The journey the scenario's viewers run: its own, else its platform's
    default; None when it plays a bare stream and names no journey."""
    spec = scenario.journey or (None if scenario.audience.stream else stack.journey)
    if spec is None:
        if not scenario.audience.stream:
            raise InvalidInput(f"{scenario.source}: viewers have nothing to play: platform "
                               f"{scenario.platform} has no default journey (add journey: FILE, "
                               f"or audience.stream: URL; see docs/journeys.md)")
        return None
    return journey.load(str(spec) if isinstance(spec, Path) else spec, scenario.source.parent,
                        str(scenario.source))


def failure_reason(exception: BaseException | None, response: object) -> str | None:
    """Why a request failed, shortly: its HTTP status, else the exception's class."""
    if exception is None:
        return None
    status = getattr(response, "status_code", 0)
    return str(status) if status else exception.__class__.__name__


def _api_count(scenario: Scenario) -> int:
    return sum(u.users for u in scenario.audience.api_users)


def _measure(scenario: Scenario, viewers_journey: journey.AnyJourney | None, stack: Stack,
             results_root: Path, options: RunOptions) -> RunResult:
    run_dir = make_run_dir(results_root, scenario, time.time())
    recorder = Recorder(run_dir, scenario.groups)
    collector = Collector()
    wall_duration = min(scenario.wall_duration, options.duration or scenario.wall_duration)

    def target_at(wall_s: float) -> int:
        audience = scenario.audience
        return viewers_at(audience.points, scenario.match(wall_s), audience.scale)

    runner = _environment(scenario, viewers_journey, stack.edge, collector, target_at,
                          wall_duration).create_local_runner()
    faults = FaultTimeline(scenario, expand(scenario, stack), recorder.event, stack)
    watch = HealthWatch(stack.checks, recorder.event, lambda: time.perf_counter() - zero)
    halts = HaltWatch(scenario.halt_if)
    stop = _Stop()
    status = StatusLine()
    outcome, exit_code = "completed", 0
    recorder.event("run_started", scenario.timeline.start, scenario=scenario.name, edge=stack.edge,
                   wall_duration_s=wall_duration, time_scale=scenario.time_scale,
                   request_groups=list(scenario.groups),
                   strict=options.strict, regression_tolerance=options.regression_tolerance,
                   baseline_run=str(options.baseline_run) if options.baseline_run else None)
    phase = None
    try:
        runner.start_shape()
        zero = time.perf_counter()
        faults.start(zero)
        watch.start()
        for number in range(math.ceil(wall_duration)):
            if stop.event.wait(timeout=max(0.0, zero + number + 1 - time.perf_counter())):
                outcome = f"interrupted ({stop.signal.name})"
                exit_code = EXIT_ON_SIGNAL[stop.signal]
                break
            wall_s = time.perf_counter() - zero
            match_s = scenario.match(min(wall_s, wall_duration))
            if scenario.phase_at(match_s) != phase:
                phase = scenario.phase_at(match_s)
                recorder.event("phase", match_s, phase=phase)
            second = Second(collector.close(number, time.monotonic()), time.time(), match_s,
                            phase, target_at(wall_s), max(0, runner.user_count - _api_count(scenario)))
            recorder.second(second)
            status.show(second)
            halted = halts.check(second)
            if halted:
                outcome, exit_code = f"halted: {halted}", 1
                recorder.event("halt", match_s, condition=halted)
                break
    except Exception as error:
        outcome, exit_code = f"failed: {error.__class__.__name__}: {error}", 1
        raise
    finally:
        # Rollback first: the stack is whole again before anything else happens.
        unreverted = faults.stop()
        watch.stop()
        runner.quit()
        collector.stop()
        stop.release()
        status.close()
        if unreverted:
            outcome += "; NOT reverted: " + "; ".join(unreverted) + " (run `harness reset`)"
            exit_code = exit_code or 1
        recorder.event("run_ended", outcome=outcome)
        recorder.close()
        summary = write_results(run_dir)
    if exit_code == 0:  # the run itself went through: the verdict decides
        exit_code = verdict_exit_code(summary["verdict"])
        if options.fail_on_regression and any(r["worse"] for r in summary.get("regressions", [])):
            exit_code = 1
    return RunResult(run_dir, outcome, exit_code, summary)


def print_result(result: RunResult) -> None:
    print(console_tables(result.summary))
    print(f"\n{result.summary['verdict']['headline']}")
    if regression_line(result.summary):
        print(regression_line(result.summary))
    print(f"{result.summary['scenario']}: {result.outcome}; results in {result.run_dir} "
          f"(report.html, junit.xml, summary.json)")

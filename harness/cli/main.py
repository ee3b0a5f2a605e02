"""The `harness` command: argument parsing and exit codes, nothing else.

Exit codes: 0 passed (or degraded), 1 an SLO failed, also one judged for a
fault that recovered within its budget (or another error; degraded too with
--strict), 2 invalid input, 3 the infrastructure was not there (stack,
Toxiproxy, Docker, a program) or the load generator's shortfall could have
changed the verdict (generator-bound).
"""

from __future__ import annotations

# Locust runs on gevent, whose patching of the standard library must come
# before anything imports ssl, requests or docker (or ssl recurses).
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 (after the patching, on purpose)
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from tabulate import tabulate  # noqa: E402

from harness import __version__  # noqa: E402
from harness.platforms.base import STACK_SIZES, Platform  # noqa: E402
from harness.platforms.registry import MANAGED, PLATFORMS, get_platform  # noqa: E402
from harness.spec.errors import HarnessError, InvalidInput  # noqa: E402
from harness.spec.paths import RESULTS_DIR  # noqa: E402
from harness.spec.shown import escaped  # noqa: E402

if TYPE_CHECKING:
    from harness.generator.address import Address
    from harness.scenario import Scenario


def _stack_up(args: argparse.Namespace) -> int:
    from harness.platforms.reference import free_to_air_url

    platform = get_platform(args.platform)
    if args.restart_after is not None:
        if not platform.supervised:
            raise InvalidInput(
                f"--restart-after is for a platform with a supervisor of its own "
                f"(not {platform.name}: {platform.restarts})"
            )
        platform.restart_after = args.restart_after
    platform.up(args.size)
    _print_status(platform)
    print(f"\nplay the free-to-air match: {free_to_air_url()}")
    print("  (for example: ffplay '<url>', or paste it into an hls.js demo page)")
    return 0


def _stack_down(args: argparse.Namespace) -> int:
    get_platform(args.platform).down()
    print(f"the {args.platform} stack is down")
    return 0


def _print_status(platform: Platform) -> bool:
    rows = platform.status()
    print(
        tabulate(
            [(r.component, r.handle, r.port, r.health) for r in rows],
            headers=("component", f"{platform.name} handle", "port", "health"),
        )
    )
    size = platform.size()
    print(f"\nsize: {size}" if size else "\nsize: - (not running)")
    supervision = platform.supervision()
    if supervision is not None:
        print(f"\n{supervision}")
    return all(r.health == "healthy" for r in rows)


def _stack_status(args: argparse.Namespace) -> int:
    healthy = _print_status(get_platform(args.platform))
    return 0 if healthy else 3


def _stack_restart(args: argparse.Namespace) -> int:
    platform = get_platform(args.platform)
    platform.start(args.component)
    platform.wait_healthy()
    print(f"{args.component} is running and the stack is healthy")
    return 0


def _stack_url(args: argparse.Namespace) -> int:
    from harness.platforms.reference import free_to_air_url

    print(free_to_air_url())
    return 0


def _stack_build(args: argparse.Namespace) -> int:
    from harness.platforms import images

    made = images.build(mode=args.mode, force=args.force)
    print(
        "built: " + (", ".join(made) if made else "nothing (every image exists; --force rebuilds)")
    )
    return 0


def _image(args: argparse.Namespace) -> int:
    from harness.platforms import harness_image

    print(harness_image.build(mode=args.mode, force=args.force))
    return 0


def _image_command(commands: argparse._SubParsersAction) -> None:
    image = commands.add_parser(
        "image",
        help="build kickoff's own Docker image (a master or "
        "worker in a container) when missing; print its name",
    )
    _build_options(
        image,
        "a missing base image: debootstrap + docker import",
        "a missing base image: FROM debian:bookworm-slim",
        "rebuild it when it exists",
    )
    image.set_defaults(handler=_image)


def _build_options(
    build: argparse.ArgumentParser, offline: str, connected: str, force: str
) -> None:
    """--offline | --connected (default: whichever works here) and --force, with their helps."""
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="mode", action="store_const", const="offline", help=offline)
    mode.add_argument(
        "--connected", dest="mode", action="store_const", const="connected", help=connected
    )
    build.add_argument("--force", action="store_true", help=force)
    build.set_defaults(mode="auto")


def _validate(args: argparse.Namespace) -> int:
    from harness import scenario
    from harness.cli import overrides

    invalid = 0
    for file in args.files:
        try:
            chosen = overrides.load(
                file, platform=args.platform, targets=args.targets, journey=args.journey
            )
            print(escaped(f"ok  {file}  ({scenario.describe(chosen)})"))
            _print_warnings(file, chosen)
        except InvalidInput as error:
            _print_error(error)
            invalid += 1
    return 2 if invalid else 0


def _print_warnings(file: str | Path, chosen: Scenario) -> None:
    """What is valid but will not judge what the user likely means (faults too short)."""
    from harness.scenario.horizon import short_faults

    for warning in short_faults(chosen):
        print(escaped(f"warning: {file}: {warning}"), file=sys.stderr)


def _schema(args: argparse.Namespace) -> int:
    from harness import scenario

    print(json.dumps(scenario.json_schema(), indent=2))
    return 0


def _seconds(text: str) -> float:
    """An argparse type: a duration as in scenario files (90s, 2m, 1h30m, or
    seconds as a plain number), at most the 7 days a scenario's times may span."""
    from harness.spec.bounds import MAX_MATCH_TIME
    from harness.spec.quantities import parse_time

    seconds = parse_time(text)
    if seconds is None and re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text):
        seconds = float(text)
    if seconds is None or not 0 < seconds <= MAX_MATCH_TIME:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration of up to 7 days (write e.g. 90, 90s, 2m or 1h30m)"
        )
    return seconds


def _baseline_run(args: argparse.Namespace, name: str) -> Path | None:
    from harness.judge.regression import latest_pass, read_summary

    if args.baseline is None:
        return None
    if args.baseline == "latest-pass":
        return latest_pass(args.results_dir, name)
    baseline = Path(args.baseline)
    read_summary(baseline)  # a run folder with a summary, or exit 2 now
    return baseline.resolve()


def _share(text: str) -> float:
    """An argparse type: a share as 0.2 or 20%."""
    from harness.spec.quantities import parse_percent

    try:
        value = parse_percent(text) if text.endswith("%") else float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < float("inf"):  # NaN fails both comparisons
        raise argparse.ArgumentTypeError(f"{text!r} is not a share (write e.g. 20% or 0.2)")
    return value


def _count(text: str) -> int:
    """An argparse type: a number of worker processes, at least 1."""
    if not re.fullmatch(r"[0-9]{1,4}", text.strip()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1 or more, e.g. 2)")
    return int(text)


def _address(port_required: bool) -> Callable[[str], Address]:
    """An argparse type: HOST[:PORT] (HOST:PORT when `port_required`)."""
    from harness.generator.address import parse_address

    def parse(text: str) -> Address:
        try:
            return parse_address(text, port_required)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _metrics_bind(text: str) -> Address | str:
    """An argparse type: HOST:PORT, or off."""
    return "off" if text == "off" else _address(True)(text)


def _worker(args: argparse.Namespace) -> int:
    from harness.generator.worker import run_worker

    logging.getLogger("locust").setLevel(logging.WARNING)
    return run_worker(args.master)


def _run(args: argparse.Namespace) -> int:
    from harness.cli.prepare import prepared
    from harness.run import session as run

    chosen, options = prepared(
        args,
        run.RunOptions(
            duration=args.duration,
            strict=args.strict,
            fail_on_regression=args.fail_on_regression,
            regression_tolerance=args.tolerance,
        ),
        no_faults=args.no_faults,
    )
    _print_warnings(args.scenario, chosen)
    options = replace(options, baseline_run=_baseline_run(args, chosen.name))
    if args.metrics_bind != "off":  # before the stack is touched: a bad address stops here
        from harness.outputs.live_metrics import DEFAULT_BIND, serve

        serve(args.metrics_bind or DEFAULT_BIND)
    if args.control:  # the same audience without faults first: was it the fault or load?
        from harness.orchestrate import control

        done = control.run_with_control(chosen, args.results_dir, options, args.control)
        control.print_result(done)
        return done.exit_code
    result = run.run(chosen, args.results_dir, options)
    run.print_result(result)
    return result.exit_code


def _compare(args: argparse.Namespace) -> int:
    from harness.judge.regression import compared, deltas, losses, slo_rows
    from harness.judge.summary import delta_table

    rows = deltas(slo_rows(args.run_b), slo_rows(args.run_a), args.tolerance)
    lost = [
        f"INCOMPLETE: {run}: {line}" for run in (args.run_a, args.run_b) for line in losses(run)
    ]
    if not compared(rows):
        print("the two runs share no SLO rows (same metric, phase and fault) to compare")
    if rows:
        print(f"{args.run_a.name} -> {args.run_b.name}")
        print(delta_table(rows, args.run_a.name))
    for line in lost:
        print(line)
    return 1 if lost else 0  # figures of lost data are never a clean comparison


def _report(args: argparse.Namespace) -> int:
    from harness.judge.summary import console_tables
    from harness.judge.verdict import exit_code
    from harness.report.results import write_results

    summary = write_results(args.run_dir)
    print(console_tables(summary))
    print(f"\n{escaped(summary['verdict']['headline'])}")
    print(f"reports written to {args.run_dir} (summary.json, report.html, junit.xml)")
    return exit_code(summary["verdict"])


def _init(args: argparse.Namespace) -> int:
    from harness.starter import write_starter

    for path in write_starter(args.folder, force=args.force):
        print(f"wrote {path}")
    scenario = args.folder / "scenario.yaml"
    print(
        f"\nnext: set your platform's edge in {args.folder / 'targets.yaml'}, your app's calls "
        f"in {args.folder / 'journey.yaml'}, the audience and SLOs in {scenario}; then\n"
        f"  harness validate {scenario}\n  harness run {scenario}"
    )
    return 0


def _reset(args: argparse.Namespace) -> int:
    from harness.faults.journal import journals_dir
    from harness.faults.reset import reset

    found = reset()
    print(f"fault journals: {journals_dir()} (KICKOFF_STATE_DIR={journals_dir().parent})")
    for line in found.done + found.left or [
        "nothing to reset: no run that is over left a fault, no stack running"
    ]:
        print(escaped(line))  # names from fault journals
    for line in found.failed:
        print(f"error: {escaped(line)}", file=sys.stderr)
    return 1 if found.failed else 0


def _mark(args: argparse.Namespace) -> int:
    from harness.faults.marks import mark, running_run
    from harness.faults.owner import who

    journal = running_run(args.run)
    taken = mark(journal, args.action, args.name, args.recover_within, args.target)
    print(
        f"{args.name}: {args.action} marked by hand in {who(journal.owner)} at "
        f"{taken['second']:g} s of the run (match time {taken['match_s']:g} s)"
    )
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from harness.calibrate.command import calibrate

    return calibrate(args.url, args.seconds, args.client, args.chromium, args.players, args.targets)


def _calibrate_command(commands: argparse._SubParsersAction) -> None:
    from harness.calibrate.installed import CHROMIUM_ENV, PLAYERS_ENV
    from harness.load.clients import CLIENTS

    command = commands.add_parser(
        "calibrate",
        help="play a stream with one kickoff viewer and "
        "with hls.js or dash.js in Chromium, side by side with the "
        "bounds they must keep",
    )
    command.add_argument("url", metavar="URL", help="an HLS master or media playlist, or an MPD")
    command.add_argument(
        "--seconds",
        type=_seconds,
        default=60.0,
        metavar="DURATION",
        help="how long both play (default 60s)",
    )
    command.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="web",
        help="kickoff's client type to compare (default web)",
    )
    command.add_argument(
        "--chromium",
        metavar="PATH",
        help=f"the Chromium to run (default ${CHROMIUM_ENV}, else chromium on PATH)",
    )
    command.add_argument(
        "--players",
        type=Path,
        metavar="DIR",
        help=f"where npm put hls.js and dash.js (default ${PLAYERS_ENV}, else "
        f"~/.cache/kickoff/players)",
    )
    command.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="a targets file whose allow_hosts names the stream's host, if it is not this machine",
    )
    command.set_defaults(handler=_calibrate)


def _print_error(error: HarnessError) -> None:
    # One line per problem: a scenario's InvalidInput lists all of them. Each is
    # escaped again here, so no message can carry a file's ESC or bidi characters.
    for line in str(error).split("\n"):
        print(f"error: {escaped(line)}", file=sys.stderr)


def _stack_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--platform", choices=sorted(PLATFORMS), help="override the scenario's platform"
    )
    command.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="with platform external: the targets file to use instead of the "
        "scenario's (relative to the current directory)",
    )
    command.add_argument(
        "--journey",
        type=Path,
        metavar="FILE",
        help="a journey file to use instead of the scenario's (relative to the current directory)",
    )
    command.add_argument(
        "--allow-code-outside",
        action="store_true",
        help="let a code journey's module come from outside the folder of the "
        "file naming it (its module is imported and run; see "
        "docs/journeys.md)",
    )


def _time_scale_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--time-scale", type=float, help="override the scenario's time_scale")
    command.add_argument(
        "--fault-time-scale",
        type=float,
        help="override the scenario's fault_time_scale (default 1: faults and "
        "the spans judged around them at real time)",
    )


def _generator_options(run: argparse.ArgumentParser) -> None:
    from harness.generator.address import DEFAULT_BIND, DEFAULT_PORT

    group = run.add_argument_group(
        "load generator (default: every viewer in this process; see docs/distributed.md)"
    )
    group.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="start N worker processes on this machine and run the viewers on "
        "them (this process keeps the shape, faults, recorder and verdict)",
    )
    group.add_argument(
        "--expect-workers",
        type=_count,
        metavar="N",
        help="wait for N workers (`harness worker --master HOST:PORT`, e.g. on "
        "other machines) to join, then run",
    )
    group.add_argument(
        "--master-bind",
        type=_address(True),
        metavar="HOST:PORT",
        help=f"with --expect-workers: where to listen for workers (default "
        f"{DEFAULT_BIND}; 0.0.0.0:{DEFAULT_PORT} to accept other machines)",
    )
    group.add_argument(
        "--expect-timeout",
        type=_seconds,
        metavar="DURATION",
        help="with --expect-workers: how long to wait for them before giving up "
        "with exit 3 (default 60s)",
    )


def _run_commands(commands: argparse._SubParsersAction) -> None:
    """`harness run` and `harness worker`."""
    run = commands.add_parser("run", help="run a match-day scenario and record what viewers felt")
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario file (scenarios/*.yaml)")
    _stack_options(run)
    _time_scale_options(run)
    run.add_argument(
        "--duration",
        type=_seconds,
        help="stop after this much wall-clock time (e.g. 90s), even mid-timeline",
    )
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument(
        "--no-faults",
        action="store_true",
        help="the audience alone: none of the scenario's faults (the demand)",
    )
    run.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"where run folders go (default: {RESULTS_DIR}/ in the current directory)",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="a degraded verdict (a fault viewers noticed, whose SLOs held and "
        "that recovered within its budget) exits 1 too",
    )
    run.add_argument(
        "--baseline",
        metavar="RUN_DIR|latest-pass",
        help="flag SLO metrics worse than in this run (latest-pass: the newest "
        "passing run of the same scenario in the results dir)",
    )
    run.add_argument(
        "--fail-on-regression", action="store_true", help="with --baseline: a regression exits 1"
    )
    run.add_argument(
        "--tolerance",
        type=_share,
        default=0.2,
        metavar="SHARE",
        help="how much worse than the baseline counts as a regression (default 20%%)",
    )
    run.add_argument(
        "--control",
        nargs="?",
        const="before",
        choices=("before", "interleaved"),
        help="run the same audience and seed without faults too (before the "
        "experiment, or interleaved: before and after it) and say of every "
        "SLO breach whether the fault or load caused it (docs/control-runs.md)",
    )
    run.add_argument(
        "--metrics-bind",
        type=_metrics_bind,
        metavar="HOST:PORT|off",
        help="serve the run's figures for Prometheus at http://HOST:PORT/metrics "
        "(default: a free port of 127.0.0.1, printed when the run starts; "
        "0.0.0.0:PORT for other machines; off: none; docs/live.md)",
    )
    _generator_options(run)
    run.set_defaults(handler=_run)

    worker = commands.add_parser(
        "worker",
        help="run viewers for a master (`harness run "
        "--expect-workers N`): everything else comes from the master",
    )
    worker.add_argument(
        "--master",
        type=_address(False),
        required=True,
        metavar="HOST[:PORT]",
        help="where the master listens (default port: Locust's 5557)",
    )
    worker.set_defaults(handler=_worker)


def _sweep(args: argparse.Namespace) -> int:
    from harness.cli.prepare import prepared
    from harness.orchestrate.sweep import SweepOptions, sweep
    from harness.orchestrate.sweep_report import console_table
    from harness.scenario.horizon import short_fault

    only = tuple(name.strip() for name in (args.only or "").split(",") if name.strip())
    if args.only is not None and not only:
        raise InvalidInput(
            "--only: name at least one component or link (e.g. --only redis,origin-a)"
        )
    if not 0 <= args.joining < 1:
        raise InvalidInput(f"--joining: {args.joining:g} is not a share below 1 (e.g. 25%)")
    chosen, run_options = prepared(args)
    warning = short_fault("--fault-for", args.fault_for, chosen)
    if warning:
        print(escaped(f"warning: {warning}"), file=sys.stderr)
    options = SweepOptions(
        fault_for=args.fault_for,
        after=args.after,
        gap=args.gap,
        healthy_within=args.healthy_within,
        joining=args.joining,
        only=only,
        run=run_options,
    )
    result = sweep(chosen, args.results_dir, options)
    print(console_table(result.sweep))
    print(f"results in {result.folder} (sweep.json, report.html, junit.xml)")
    return result.exit_code


def _sweep_command(commands: argparse._SubParsersAction) -> None:
    """`harness sweep`: one fault at a time under the peak audience (docs/sweep.md)."""
    sweep = commands.add_parser(
        "sweep",
        help="kill each component and cut each link, one at a "
        "time, under the scenario's peak audience: which single failure "
        "takes which user journeys down",
    )
    sweep.add_argument("scenario", metavar="SCENARIO", help="a scenario file (scenarios/*.yaml)")
    _stack_options(sweep)
    sweep.add_argument(
        "--only",
        metavar="T1,T2",
        help="only these components and links (default: every one the stack lets the sweep break)",
    )
    sweep.add_argument(
        "--fault-for",
        type=_seconds,
        default=60.0,
        metavar="DURATION",
        help="match time each fault is in (default 60s)",
    )
    sweep.add_argument(
        "--after",
        type=_seconds,
        default=60.0,
        metavar="DURATION",
        help="match time watched after each fault's revert (default 60s)",
    )
    sweep.add_argument(
        "--gap",
        type=_seconds,
        default=5.0,
        metavar="DURATION",
        help="wall time between one fault's run and the health check before the next (default 5s)",
    )
    sweep.add_argument(
        "--healthy-within",
        type=_seconds,
        default=60.0,
        metavar="DURATION",
        help="wall time the stack may take to be healthy again before the next "
        "fault; else the sweep stops with exit 3 (default 60s)",
    )
    sweep.add_argument(
        "--joining",
        type=_share,
        default=0.25,
        metavar="SHARE",
        help="share of the peak audience that arrives during the hold, so new "
        "viewers press play while each fault is in (default 25%%)",
    )
    _orchestrator_options(sweep, "the sweep's folder")
    sweep.set_defaults(handler=_sweep)


def _orchestrator_options(command: argparse.ArgumentParser, folder: str) -> None:
    """The run options every orchestrator over many runs takes, after its own."""
    _time_scale_options(command)
    command.add_argument("--seed", type=int, help="override the scenario's seed")
    command.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"where {folder} goes (default: {RESULTS_DIR}/)",
    )
    _generator_options(command)


def _capacity(args: argparse.Namespace) -> int:
    from harness.cli.prepare import prepared
    from harness.orchestrate.capacity import CapacityOptions, capacity
    from harness.orchestrate.capacity_report import console

    chosen, run_options = prepared(args)
    options = CapacityOptions(
        axis=args.axis,
        start=args.start,
        maximum=args.max,
        step=args.step,
        resolution=args.resolution,
        without=args.without,
        run=run_options,
    )
    result = capacity(chosen, args.results_dir, options)
    print(console(result.document))
    print(f"\nresults in {result.folder} (capacity.json, report.html, a run folder per level)")
    return result.exit_code


def _parsed(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a parser that raises ValueError with the message to show."""

    def read(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return read


def _level(text: str) -> float:
    """An argparse type: a level of the search, a number above 0."""
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text.strip()) or float(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a level (a number above 0, e.g. 40)")
    return float(text)


def _capacity_command(commands: argparse._SubParsersAction) -> None:
    """`harness capacity` (docs/capacity.md)."""
    from harness.orchestrate.capacity_search import (
        AXES,
        DEFAULT_REACH,
        parse_resolution,
        parse_step,
    )

    command = commands.add_parser(
        "capacity",
        help="raise the scenario's audience level by "
        "level until an SLO breaks: the last level that held, the "
        "first that broke and why (docs/capacity.md)",
    )
    command.add_argument("scenario", metavar="SCENARIO", help="a scenario file")
    command.add_argument(
        "--axis",
        choices=tuple(AXES),
        default="viewers",
        help="viewers: peak concurrent viewers (default); arrival: viewers "
        "joining per second in the rush, the peak kept",
    )
    command.add_argument(
        "--start",
        type=_level,
        help="the first level (default: the scenario's own peak, or its own rush rate)",
    )
    command.add_argument(
        "--max",
        type=_level,
        help=f"the highest level tried (default {DEFAULT_REACH} times the start)",
    )
    command.add_argument(
        "--step",
        type=_parsed(parse_step),
        default=parse_step("2x"),
        help="how levels go up until one breaks: a factor like 2x (default) or an amount like 50",
    )
    command.add_argument(
        "--resolution",
        type=_parsed(parse_resolution),
        default=parse_resolution("10%"),
        help="bisect until held and broke are this close: a share of the "
        "held level like 10%% (default) or an amount like 20",
    )
    command.add_argument(
        "--without",
        metavar="COMPONENT",
        help="the same search with this component down for every whole level (N-1 capacity)",
    )
    _stack_options(command)
    _orchestrator_options(command, "the capacity folder")
    command.set_defaults(handler=_capacity)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="harness", description="kickoff: load and chaos testing for live sports streaming"
    )
    top.add_argument("--version", action="version", version=f"kickoff {__version__}")
    top.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands = top.add_subparsers(dest="command", required=True)

    stack = commands.add_parser("stack", help="the reference streaming stack")
    actions = stack.add_subparsers(dest="action", required=True)

    def action(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help)
        sub.add_argument(
            "--platform",
            choices=sorted(MANAGED),
            default="local",
            help="where the stack runs (default: local processes)",
        )
        sub.set_defaults(handler=handler)
        return sub

    up = action("up", _stack_up, "start the stack, wait until healthy, print a playable URL")
    up.add_argument(
        "--restart-after",
        type=_seconds,
        metavar="DURATION",
        help="local: how long the supervisor waits before starting a killed "
        "component again (default 5s)",
    )
    up.add_argument(
        "--size",
        choices=STACK_SIZES,
        default=None,
        help="normal (default), or small: limits one machine's load can reach "
        "(a stack running at another size is restarted at this one)",
    )
    action("down", _stack_down, "stop and remove everything the stack started")
    action("status", _stack_status, "a table of components, handles, ports and health")
    action("url", _stack_url, "print a playable URL of the free-to-air match")
    restart = action("restart", _stack_restart, "start one stopped or killed component again")
    restart.add_argument("component")
    build = actions.add_parser("build", help="build the stack's Docker images")
    _build_options(
        build,
        "debootstrap + docker import, no container registry needed",
        "FROM debian:bookworm-slim and the official Toxiproxy image",
        "rebuild images that exist",
    )
    build.set_defaults(handler=_stack_build)

    _run_commands(commands)
    _capacity_command(commands)
    _sweep_command(commands)
    _calibrate_command(commands)

    compare = commands.add_parser("compare", help="SLO metrics of two runs side by side")
    compare.add_argument("run_a", type=Path, metavar="RUN_A", help="the earlier run folder")
    compare.add_argument("run_b", type=Path, metavar="RUN_B", help="the later run folder")
    compare.add_argument(
        "--tolerance",
        type=_share,
        default=0.2,
        metavar="SHARE",
        help="how much worse counts as worse (default 20%%)",
    )
    compare.set_defaults(handler=_compare)

    report = commands.add_parser(
        "report", help="compute a run folder's summary and reports again from its recorded data"
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    report.set_defaults(handler=_report)

    reset = commands.add_parser(
        "reset",
        help="revert every fault runs that are over left "
        "behind (their fault journals) and reset the links and "
        "components of stacks no live run has faults on",
    )
    reset.set_defaults(handler=_reset)

    mark = commands.add_parser(
        "mark",
        help="record in the running run a fault done by hand, "
        "outside kickoff: `mark start NAME` when it begins, `mark end "
        "NAME` when it is undone; judged like any fault",
    )
    mark.add_argument("action", choices=("start", "end"))
    mark.add_argument("name", metavar="NAME", help="the fault's name in the run's reports")
    mark.add_argument(
        "--run",
        metavar="PID|FOLDER",
        help="which run, when several are going (its PID or its run folder)",
    )
    mark.add_argument(
        "--recover-within",
        type=_seconds,
        metavar="DURATION",
        help="start: the recovery budget from the end mark (default: the "
        "scenario's faults_by_hand, else 30s)",
    )
    mark.add_argument(
        "--target", default="-", metavar="WHAT", help="start: what was broken, for the fault table"
    )
    mark.set_defaults(handler=_mark)

    validate = commands.add_parser(
        "validate", help="check scenario files: every problem, one line each"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    _stack_options(validate)
    validate.set_defaults(handler=_validate)
    init = commands.add_parser(
        "init",
        help="write a starter scenario, journey and targets file for your own platform, to edit",
    )
    init.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=Path("."),
        metavar="DIR",
        help="where to write them (default: the current directory)",
    )
    init.add_argument("--force", action="store_true", help="replace files that are there")
    init.set_defaults(handler=_init)
    schema = commands.add_parser(
        "schema", help="print the scenario format as JSON Schema, for editors"
    )
    schema.set_defaults(handler=_schema)
    _image_command(commands)
    return top


class _EscapedFormatter(logging.Formatter):
    """Log lines escaped: they quote fault, phase and component names from files."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escaped(super().formatMessage(record))


def _plugins_checked() -> None:
    """Every registry loaded, with the installed plugins; InvalidInput naming
    those it had to leave out (harness/spec/plugins.py)."""
    from harness.faults import registry as _drivers  # noqa: F401 (loading is the point)
    from harness.load.journey import plugin_journeys
    from harness.outputs import registry as _outputs  # noqa: F401
    from harness.platforms import registry as _platforms  # noqa: F401
    from harness.spec import plugins

    plugin_journeys()
    plugins.check()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EscapedFormatter("kickoff: %(message)s"))
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, handlers=[handler])
    if getattr(args, "allow_code_outside", False):
        from harness.load.journey.code import allow_outside

        allow_outside(True)
    try:
        _plugins_checked()
        return args.handler(args)
    except HarnessError as error:
        _print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

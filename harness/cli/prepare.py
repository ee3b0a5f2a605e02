"""What every command that runs a scenario does first (`run`, its control
runs, `sweep`, `capacity`): choose the load generator from the command line,
load the scenario with the command line's overrides, and make the run options
that carry the generator."""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace

from harness.cli import overrides
from harness.generator.choice import Generator
from harness.run.session import RunOptions
from harness.scenario import Scenario
from harness.spec.errors import InvalidInput


def prepared(
    args: argparse.Namespace, options: RunOptions | None = None, *, no_faults: bool = False
) -> tuple[Scenario, RunOptions]:
    """The scenario of `args.scenario` with the command line's overrides
    (`no_faults`: none of its faults), and `options` (default: RunOptions())
    with the generator `args` choose.

    The generator options are checked first, before the scenario file is read.
    Locust's own logging is quieted to warnings for the run."""
    generator = _generator(args)
    chosen = overrides.load(
        args.scenario,
        platform=args.platform,
        targets=args.targets,
        journey=args.journey,
        time_scale=args.time_scale,
        fault_time_scale=args.fault_time_scale,
        seed=args.seed,
        no_faults=no_faults,
    )
    logging.getLogger("locust").setLevel(logging.WARNING)
    return chosen, replace(options or RunOptions(), generator=generator)


def _generator(args: argparse.Namespace) -> Generator:
    """The load generator --workers, --expect-workers, --master-bind and
    --expect-timeout choose (default: every viewer in this process)."""
    if args.workers and args.expect_workers:
        raise InvalidInput(
            "--workers starts workers here, --expect-workers waits for workers "
            "from elsewhere: give one of them"
        )
    if not args.expect_workers and (args.master_bind or args.expect_timeout):
        raise InvalidInput("--master-bind and --expect-timeout go with --expect-workers N")
    chosen = {
        name: value
        for name, value in (
            ("master_bind", args.master_bind),
            ("expect_timeout", args.expect_timeout),
        )
        if value is not None
    }
    return Generator(workers=args.workers or 0, expect_workers=args.expect_workers or 0, **chosen)

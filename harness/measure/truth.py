"""Generator truth: whether this process kept up with the load it was asked to make.

A figure measured by a starved load generator says nothing about the stack:
requests wait in the generator before they are sent, timers fire late and
the audience it was asked for is not all there. So every process measures
itself each second, and what the OS says about the machine
(harness.measure.machine), and the verdict refuses to judge the stack
where the generator's shortfall could have changed the answer
(harness.measure.saturation says which seconds; harness.judge.verdict how).

The bounds (per process, per second): a second is over the bounds when
- its CPU use is at least CPU_BOUND (0.9) of one core: a gevent process runs
  its viewers on one core, so at 90% it has no headroom left and work queues
  behind work; or
- its event-loop lag p99 is above LAG_BOUND_S (100 ms): a probe greenlet
  sleeps TICK_S (50 ms) over and over and measures how late it wakes. A loop
  that late adds up to 100 ms to every request and startup time the process
  measures, a tenth of the tightest default SLO (playlist latency p99 <= 1 s).
  A second holds at most 20 wake-ups, so its p99 is its latest wake-up: one
  stall of over 100 ms puts the second over the bounds. The probe costs
  about 0.3% of a core (measured here: 0.005% without it, 1.4% at a 10 ms tick).
One second over the bounds is not yet a saturated generator: see
harness.measure.saturation.

Monitor measures one process; GeneratorTruth is one second of it, and
merges across processes (counts and total CPU add; the worst lag, the
busiest process and the worst of the machine's figures are kept), so a
run's windows carry every process's truth.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import TypeVar

import gevent

from harness.measure import shapes
from harness.measure.machine import MachineMeter

CPU_BOUND = 0.9  # cores of one process
LAG_BOUND_S = 0.1
TICK_S = 0.05  # the lag probe's sleep
ORPHANED_S = 60.0  # a probe nobody read for this long ends by itself
# Reads closer together than this are seconds closed in a burst, after the loop
# was held up: they share the reading of the stretch that held it up.
BURST_S = 0.1
# What an SLO reads when the generator's shortfall could have changed its verdict
# (harness.judge.verdict).
GENERATOR_BOUND = "generator-bound"
# Fields of runs recorded before the machine was read: absent there, None here.
MACHINE_FIELDS = ("machine_idle_share", "machine_steal_share", "run_queue", "cpus")


def over_bounds(cpu_cores: float, lag_p99_s: float) -> bool:
    """Whether a process's second is over the bounds (see the module's docstring)."""
    return cpu_cores >= CPU_BOUND or lag_p99_s > LAG_BOUND_S


_Number = TypeVar("_Number", int, float)


def _worst(
    values: Iterable[_Number | None], pick: Callable[[list[_Number]], _Number]
) -> _Number | None:
    known = [v for v in values if v is not None]
    return pick(known) if known else None


@dataclass
class GeneratorTruth:
    """One second of the load generator: one process's, or several merged."""

    processes: int = 0  # processes measured this second
    over_bounds: int = 0  # of them, over the bounds (windows.jsonl before: "saturated")
    cpu_cores: float = 0.0  # their CPU use, added up
    cpu_max_cores: float = 0.0  # the busiest process's CPU use
    lag_p99_s: float = 0.0  # the worst process's event-loop lag p99
    # The machine (harness.measure.machine), the worst any process saw; None: not read.
    machine_idle_share: float | None = None  # the least idle
    machine_steal_share: float | None = None  # the most stolen
    run_queue: int | None = None  # the longest run queue
    cpus: int | None = None  # the fewest CPUs

    @classmethod
    def of_process(
        cls,
        cpu_cores: float,
        lag_p99_s: float,
        machine_idle_share: float | None = None,
        machine_steal_share: float | None = None,
        run_queue: int | None = None,
        cpus: int | None = None,
    ) -> GeneratorTruth:
        return cls(
            1,
            int(over_bounds(cpu_cores, lag_p99_s)),
            cpu_cores,
            cpu_cores,
            lag_p99_s,
            machine_idle_share,
            machine_steal_share,
            run_queue,
            cpus,
        )

    def merge(self, other: GeneratorTruth) -> None:
        """Add another process's (or processes') truth of the same second."""
        self.processes += other.processes
        self.over_bounds += other.over_bounds
        self.cpu_cores += other.cpu_cores
        self.cpu_max_cores = max(self.cpu_max_cores, other.cpu_max_cores)
        self.lag_p99_s = max(self.lag_p99_s, other.lag_p99_s)
        pair = (self, other)
        self.machine_idle_share = _worst((t.machine_idle_share for t in pair), min)
        self.machine_steal_share = _worst((t.machine_steal_share for t in pair), max)
        self.run_queue = _worst((t.run_queue for t in pair), max)
        self.cpus = _worst((t.cpus for t in pair), min)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object, where: str) -> GeneratorTruth:
        """The truth to_json() wrote, also as written before the machine was read
        (no machine fields) and before over_bounds had its name ("saturated");
        ValueError("where.field: problem")."""
        data = dict(shapes.mapping(data, where))
        if "over_bounds" not in data and "saturated" in data:
            data["over_bounds"] = data.pop("saturated")
        required = {"processes", "over_bounds", "cpu_cores", "cpu_max_cores", "lag_p99_s"}
        if not required <= set(data) or not set(data) <= required | set(MACHINE_FIELDS):
            raise ValueError(
                f"{where}: wants {', '.join(sorted(required))} (and the "
                f"machine's {', '.join(MACHINE_FIELDS)})"
            )

        def amount(name: str) -> float:
            return shapes.number(data[name], f"{where}.{name}", 0.0, shapes.MOST)

        def share(name: str) -> float | None:
            return (
                None
                if data.get(name) is None
                else shapes.number(data[name], f"{where}.{name}", 0.0, 1.0)
            )

        def count(name: str) -> int | None:
            return None if data.get(name) is None else shapes.count(data[name], f"{where}.{name}")

        truth = cls(
            shapes.count(data["processes"], f"{where}.processes"),
            shapes.count(data["over_bounds"], f"{where}.over_bounds"),
            amount("cpu_cores"),
            amount("cpu_max_cores"),
            amount("lag_p99_s"),
            share("machine_idle_share"),
            share("machine_steal_share"),
            count("run_queue"),
            count("cpus"),
        )
        if truth.over_bounds > truth.processes:
            raise ValueError(
                f"{where}.over_bounds: {truth.over_bounds} is more than its "
                f"{truth.processes} processes"
            )
        return truth


def p99(samples: list[float]) -> float:
    """Nearest-rank p99 (the worst sample when there are fewer than 100); 0 without any."""
    if not samples:
        return 0.0
    return sorted(samples)[max(1, math.ceil(0.99 * len(samples))) - 1]


def cpu_seconds() -> float:
    """CPU time this process used so far, user and system, all its threads
    (the kernel's per-process clock: nanoseconds, where os.times() counts 10 ms ticks)."""
    return time.process_time()


class Monitor:
    """Measures this process: CPU between reads, a probe greenlet's lateness,
    and the machine's figures over the same stretch."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = cpu_seconds,
        machine: MachineMeter | None = None,
    ) -> None:
        self._clock, self._cpu = clock, cpu
        self._machine = machine or MachineMeter()
        self._since, self._cpu_since = clock(), cpu()
        self._lags: list[float] = []
        self._due: float | None = None  # when the probe asked to wake
        self._probe: gevent.Greenlet | None = None
        self._last: GeneratorTruth | None = None

    def start(self) -> None:
        if self._probe is None:
            self._since, self._cpu_since = self._clock(), self._cpu()
            self._machine.read()  # the machine's figures count from here too
            self._probe = gevent.spawn(self._run_probe)

    def stop(self) -> None:
        if self._probe is not None:
            self._probe.kill(block=False)
            self._probe = None

    def _run_probe(self) -> None:
        while self._clock() - self._since < ORPHANED_S:
            self._due = self._clock() + TICK_S
            gevent.sleep(TICK_S)
            self._lags.append(max(0.0, self._clock() - self._due))
        self._due = None

    def read(self) -> GeneratorTruth:
        """This process's truth since the last read (or the start); a read
        within BURST_S of the last one repeats it."""
        now, cpu = self._clock(), self._cpu()
        if self._last is not None and now - self._since < BURST_S:
            return replace(self._last)
        lags = self._lags
        if self._due is not None and now > self._due + TICK_S:
            # The probe is late right now: count it in this second, the rest in the next.
            lags, self._due = lags + [now - self._due], now
        cores = (cpu - self._cpu_since) / (now - self._since) if now > self._since else 0.0
        self._since, self._cpu_since, self._lags = now, cpu, []
        machine = self._machine.read()
        self._last = GeneratorTruth.of_process(
            max(0.0, cores),
            p99(lags),
            machine.idle_share,
            machine.steal_share,
            machine.run_queue,
            machine.cpus,
        )
        return replace(self._last)


def merged(truths: Iterable[GeneratorTruth | None]) -> GeneratorTruth | None:
    """The truths merged into a new one; None when none was measured."""
    total = None
    for truth in truths:
        if truth is not None:
            if total is None:
                total = GeneratorTruth()
            total.merge(truth)
    return total

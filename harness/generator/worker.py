"""`harness worker --master HOST[:PORT]`: one worker process of a distributed run.

It joins the master on Locust's WorkerRunner, asks for the plan (plan.py),
builds the run's user classes from it and runs the viewers the master
dispatches to it: never faults, health checks, recorder or the stack. From
the master's zero (epoch time: the clocks of master and workers must agree,
see docs/distributed.md) it closes its collector's window on every second
boundary and sends it with the viewers it ran. It ends when the master ends
the run (Locust's quit), or when Locust's own heartbeat check finds the
master gone.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from pathlib import Path

import gevent
from locust.env import Environment
from locust.rpc import Message
from locust.runners import WorkerRunner

from harness.generator import audience
from harness.generator.address import Address
from harness.generator.master import PLAN, PLAN_PLEASE, READY, REFUSED, START, WINDOW
from harness.generator.plan import Plan, unpack
from harness.generator.shape import STOP_GRACE
from harness.load.collector import Collector
from harness.spec.errors import HarnessError, InfrastructureMissing

log = logging.getLogger(__name__)


class _Worker:
    def __init__(self, env: Environment, runner: WorkerRunner, folder: Path) -> None:
        self.env, self.runner, self.folder = env, runner, folder
        self.collector = Collector()
        self.seconds = 0  # how many windows this worker may send at most
        self.problem: HarnessError | None = None

    def plan(self, msg: Message, **_) -> None:
        """Build the run's user classes from the master's plan, then say ready."""
        try:
            plan = Plan.from_message(msg.data)
            scenario, viewers_journey = unpack(plan, self.folder)
        except (HarnessError, OSError) as error:  # OSError: the plan's files cannot be written
            self.problem = (
                error
                if isinstance(error, HarnessError)
                else InfrastructureMissing(f"cannot write the plan's files: {error}")
            )
            self.runner.send_message(REFUSED, {"error": str(self.problem)})
            return
        self.env.host = plan.edge
        self.env.user_classes[:] = audience.classes(
            scenario, viewers_journey, plan.edge, self.collector, plan.index, plan.stride
        )
        audience.listen(self.env, self.collector)
        self.seconds = math.ceil(scenario.wall_duration + STOP_GRACE)
        log.info("worker %d of %d: %s", plan.index, plan.stride, scenario.name)
        self.runner.send_message(READY, {})

    def start(self, msg: Message, **_) -> None:
        zero_epoch = float(msg.data["zero_epoch"])
        audience.begin(self.env.user_classes, time.monotonic() - (time.time() - zero_epoch))
        self.runner.greenlet.spawn(self._close_windows, zero_epoch)

    def _close_windows(self, zero_epoch: float) -> None:
        """One window per second of the master's run, closed on its boundaries."""
        for second in range(self.seconds):
            gevent.sleep(max(0.0, zero_epoch + second + 1 - time.time()))
            window = self.collector.close(second, time.monotonic())
            self.runner.send_message(
                WINDOW,
                {"window": window.to_json(), "viewers": audience.viewers_running(self.runner)},
            )


def run_worker(master: Address) -> int:
    """Join the run at `master` and serve it to its end; the exit code."""
    env = Environment(user_classes=[])  # the classes come with the master's plan
    try:
        runner = env.create_worker_runner(master.host, master.port)
    except ConnectionError:
        raise InfrastructureMissing(
            f"no master answered at {master} (is `harness run ... "
            f"--expect-workers N` running there?)"
        ) from None
    with tempfile.TemporaryDirectory(prefix="kickoff-worker-") as folder:
        worker = _Worker(env, runner, Path(folder))
        runner.register_message(PLAN, worker.plan)
        runner.register_message(START, worker.start)
        runner.send_message(PLAN_PLEASE)
        runner.greenlet.join()  # until the master's quit
        worker.collector.stop()
    if worker.problem is not None:
        raise worker.problem
    if worker.seconds == 0:
        env.events.quitting.fire(environment=env)  # Locust's goodbye: the master drops us now
        raise InfrastructureMissing(
            f"the master at {master} sent this worker away before the run (it had all its workers)"
        )
    return 0

"""The master: Locust's MasterRunner drives the audience shape over workers,
and their windows of each second arrive as Locust custom messages to merge.

Messages (Locust's transport, register_message / send_message):
  worker -> master  kickoff_plan_please         ask for the plan
  master -> worker  kickoff_plan    Plan        everything the worker needs
  worker -> master  kickoff_ready / kickoff_refused {error}
  master -> workers kickoff_start   {zero_epoch} the run's zero, as epoch time
  worker -> master  kickoff_window  {window, viewers} one closed second
A worker Locust marks missing (its heartbeats stopped) or that left is lost:
the run goes on without it, and Locust gives its users to the others.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import gevent
from locust.env import Environment
from locust.exception import RPCError
from locust.rpc import Message
from locust.runners import STATE_MISSING, MasterRunner

from harness.generator.address import Address
from harness.generator.merge import Merger
from harness.generator.plan import Plan
from harness.generator.source import Measured, Note
from harness.generator.spawn import STOP_WAIT, LocalWorkers
from harness.load.collector import Collector
from harness.measure.window import Window
from harness.spec.errors import InfrastructureMissing, InvalidInput

log = logging.getLogger(__name__)

PLAN_PLEASE, PLAN, READY, REFUSED = (
    "kickoff_plan_please",
    "kickoff_plan",
    "kickoff_ready",
    "kickoff_refused",
)
START, WINDOW = "kickoff_start", "kickoff_window"
GRACE = 2.0  # seconds past a second's end the master waits for its workers' windows
POLL = 0.05


def _master_runner(env: Environment, bind: Address) -> MasterRunner:
    # Locust reports a busy port by logging and exiting; the CLI wants one line and exit 3.
    try:
        return env.create_master_runner(bind.host, bind.port)
    except (SystemExit, RPCError) as error:
        raise InfrastructureMissing(
            f"cannot listen for workers on {bind} (the port is busy, or "
            f"the address is not this machine's): {error}"
        ) from None


class MasterSource:
    """Windows merged from plan.stride workers, each in a slot of its own (0 ..
    stride-1: the worker index its viewer numbers start from)."""

    def __init__(self, env: Environment, collector: Collector, plan: Plan, bind: Address) -> None:
        self._plan = plan
        self._collector = collector  # the master's own: its truth joins every second
        self._slots: dict[str, int] = {}  # client id -> slot (worker index), as given
        self._runner = _master_runner(env, bind)
        self._merger = Merger()
        self._clients: dict[str, int] = {}  # client id -> worker index, of ready workers
        self._refused: list[str] = []
        self._notes: list[Note] = []
        self._zero = 0.0
        self.workers: LocalWorkers | None = None  # worker processes this run started, to reap
        for kind, handler in (
            (PLAN_PLEASE, self._send_plan),
            (READY, self._ready),
            (REFUSED, self._refuse),
            (WINDOW, self._window),
        ):
            self._runner.register_message(kind, handler)

    # --- messages from workers -------------------------------------------------

    def _slot(self, client_id: str) -> int | None:
        """The worker's slot: its own if it has one, else the lowest no connected
        worker holds; None once the run started or every slot is held."""
        if client_id in self._slots:
            return self._slots[client_id]
        held = {
            slot
            for holder, slot in self._slots.items()
            if holder in self._runner.clients
            and self._runner.clients[holder].state != STATE_MISSING
        }
        free = sorted(set(range(self._plan.stride)) - held)
        if self._zero or not free:
            return None
        self._slots[client_id] = free[0]
        return free[0]

    def _send_plan(self, msg: Message, **_) -> None:
        slot = self._slot(msg.node_id)
        if slot is None:  # its viewer numbers would collide: the run has its workers
            log.warning(
                "worker %s joined a run that has its %d workers: sent away",
                msg.node_id,
                self._plan.stride,
            )
            self._runner.send_message("quit", client_id=msg.node_id)
            return
        plan = dataclasses.replace(self._plan, index=slot)
        self._runner.send_message(PLAN, plan.to_message(), client_id=msg.node_id)

    def _ready(self, msg: Message, **_) -> None:
        if msg.node_id in self._slots:
            self._clients[msg.node_id] = self._slots[msg.node_id]
            self._merger.join(self._slots[msg.node_id])

    def _refuse(self, msg: Message, **_) -> None:
        self._refused.append(str(msg.data.get("error", "no reason given")))

    def _window(self, msg: Message, **_) -> None:
        index = self._slots.get(msg.node_id)
        if index is None:
            return  # not a worker of this run
        try:
            window, viewers = Window.from_json(msg.data["window"]), int(msg.data["viewers"])
        except (KeyError, TypeError, ValueError) as error:
            log.warning("worker %d sent a window that does not read (%s): dropped", index, error)
            return
        late = self._merger.add(index, window, viewers)
        if late is not None:
            self._notes.append(
                Note(
                    "window_late",
                    {
                        "worker": late.worker,
                        "second": late.second,
                        "attempts": late.attempts,
                        "requests": late.requests,
                    },
                )
            )

    # --- the run ----------------------------------------------------------------

    def wait_for_workers(self, timeout: float) -> None:
        """Until all `stride` workers are ready; InfrastructureMissing after `timeout` s."""
        deadline = time.monotonic() + timeout
        while len(self._clients) < self._plan.stride and time.monotonic() < deadline:
            if self._refused:
                raise InvalidInput(f"a worker could not use this run's plan: {self._refused[0]}")
            gevent.sleep(POLL)
        if len(self._clients) < self._plan.stride:
            raise InfrastructureMissing(
                f"{len(self._clients)} of {self._plan.stride} workers joined within {timeout:g}s; "
                f"start them with `harness worker --master HOST:PORT` (see docs/distributed.md)"
            )

    def start(self) -> float:
        zero_epoch, self._zero = time.time(), time.perf_counter()
        self._runner.send_message(START, {"zero_epoch": zero_epoch})
        self._runner.start_shape()
        return self._zero

    def window(self, second: int) -> Measured:
        if not self._clients:  # every worker lost: the run has no viewers left to measure
            raise InfrastructureMissing(
                "every worker of the run was lost (see the worker_lost "
                "events): no viewers left to measure"
            )
        deadline = self._zero + second + 1 + GRACE
        while True:
            self._note_lost()
            if not self._merger.missing(second) or time.perf_counter() >= deadline:
                break
            gevent.sleep(POLL)
        self._notes += [
            Note("window_missing", {"worker": i, "second": second})
            for i in self._merger.missing(second)
        ]
        window, viewers = self._merger.take(second)
        window.merge(self._collector.close(second, time.monotonic()))
        notes, self._notes = self._notes, []
        return Measured(window, viewers, notes)

    def _note_lost(self) -> None:
        """Workers Locust marked missing, or that left, are no longer waited for."""
        for client_id, index in list(self._clients.items()):
            node = self._runner.clients.get(client_id)
            if node is None or node.state == STATE_MISSING:
                del self._clients[client_id]
                viewers = self._merger.lose(index)
                log.warning(
                    "worker %d lost (%s) with %d viewers",
                    index,
                    "missing heartbeats" if node else "left",
                    viewers,
                )
                self._notes.append(
                    Note(
                        "worker_lost",
                        {
                            "worker": index,
                            "viewers": viewers,
                            "why": "no heartbeat" if node else "left",
                        },
                    )
                )

    def stop(self) -> None:
        self._collector.stop()
        self._runner.quit()  # Locust's quit message to every worker
        if self.workers is not None:  # they leave on the quit; before the run they never came
            self.workers.reap(STOP_WAIT if self._zero else 0.0)

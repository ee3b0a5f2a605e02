"""The platform's own figures during a run: a listener on the run's events
that, for each recorded second, asks the targets file's Prometheus every
server_metrics query at the second's end and appends the answers to
server.jsonl (harness.runfolder.server_metrics). The asking runs in a
greenlet of its own, each query bounded by a timeout, so a slow or absent
Prometheus never holds up the run's second. A query whose figure goes
missing (or whose reason changes) is said on the console and in events.jsonl
(server_metric_missing), and again when it answers (server_metric_back)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import gevent.pool

from harness.outputs.hooks import RunEvents
from harness.platforms.prometheus import QUERY_TIMEOUT, ServerQueries, ask
from harness.runfolder.recorder import Second
from harness.runfolder.server_metrics import ServerSecond, ServerWriter
from harness.spec.shown import escaped

log = logging.getLogger(__name__)
Event = Callable[..., None]  # the session's event(kind, match_s, **fields)


class ServerWatch:
    def __init__(self, queries: ServerQueries, run_dir: Path, event: Event) -> None:
        self.queries, self.event = queries, event
        self.writer = ServerWriter(run_dir)
        self.asking = gevent.pool.Group()
        self.problems: dict[str, str | None] = dict.fromkeys(queries.queries)  # the last said

    def listen(self, events: RunEvents) -> None:
        events.run_started.add_listener(self.started)
        events.second_recorded.add_listener(self.second)
        events.run_stopping.add_listener(self.stop)

    def started(self) -> None:
        """What will be asked, in events.jsonl (summary.json's server block names it)."""
        q = self.queries
        self.event("server_metrics", prometheus=q.prometheus, queries=dict(q.queries))

    def second(self, second: Second) -> None:
        self.asking.spawn(self._ask, second)

    def _ask(self, second: Second) -> None:
        answers = {
            name: ask(self.queries.prometheus, query, second.epoch)
            for name, query in self.queries.queries.items()
        }
        missing = {name: a.problem or "no figure" for name, a in answers.items() if a.value is None}
        values = {name: a.value for name, a in answers.items()}
        self.writer.write(ServerSecond(second.window.second, values, missing))
        for name in answers:
            self._say(name, missing.get(name), second.match_s)

    def _say(self, name: str, problem: str | None, match_s: float) -> None:
        """A change in whether (and why) `name` has a figure, said once."""
        if problem == self.problems[name]:
            return
        self.problems[name] = problem
        if problem is None:
            log.info("server metric %s answers again", name)
            self.event("server_metric_back", match_s, metric=name)
        else:
            log.warning("server metric %s missing: %s", name, escaped(problem))
            self.event("server_metric_missing", match_s, metric=name, problem=problem)

    def stop(self) -> None:
        """The last seconds' answers (each query is bounded), then the file closed."""
        self.asking.join(timeout=QUERY_TIMEOUT * (len(self.queries.queries) + 1))
        self.asking.kill()
        self.writer.close()

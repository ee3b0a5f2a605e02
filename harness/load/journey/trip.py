"""One viewer's run through its journey: the steps before the player, the
stream URL, the flows repeated while watching, an API user's rounds.

Whatever stops a viewer before the player is a JourneyFailed naming the
step (or the class) and why, e.g. "journey step 'login': HTTP 401": the
window's start-failure reasons show it. Nothing in a reason comes from an
account or a URL; an extraction that found nothing shows the start of the
answer, its secrets and the journey's values hidden (excerpt.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from harness.load.journey.code import Journey
from harness.load.journey.excerpt import excerpt
from harness.load.journey.http import Fetch
from harness.load.journey.model import BUILT_IN, CodeJourney, DataJourney, Step
from harness.load.journey.viewer import Viewer
from harness.load.retry import TRIES, FetchError, journey_step
from harness.spec.template import Template, TemplateError

Sleep = Callable[[float], None]
Repeats = list[tuple[float, Callable[[], None]]]  # (seconds between rounds, one round)


class JourneyFailed(Exception):
    """The journey could not give the player a stream; `reason` says where and
    why, `group` the request group of the step it failed at (None: not a data
    journey's step)."""

    def __init__(self, reason: str, group: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.group = reason, group


class DataTrip:
    def __init__(self, journey: DataJourney, fetch: Fetch, viewer: Viewer, sleep: Sleep) -> None:
        self.journey, self.fetch, self.viewer, self.sleep = journey, fetch, viewer, sleep
        self.variables = viewer.variables()
        self.jar: dict[str, str] = {}  # cookies seen, for {cookie: NAME} extractions

    def playback_url(self) -> str:
        for step in self.journey.steps:
            if step.when.holds(self.viewer):
                self._run(step, step.tries or TRIES)
        try:
            return self.journey.play.render(self.variables)
        except TemplateError as error:
            raise JourneyFailed(f"journey play: {error}") from None

    def repeats(self) -> Repeats:
        return [
            (repeat.every[self.viewer.client], functools.partial(self._round, repeat.steps))
            for repeat in self.journey.while_watching
        ]

    def api_round(self, kind: str) -> None:
        self._round((self.journey.api_users or {})[kind])

    def leave(self, flow: str) -> None:
        """The leaving flow `flow`, with the variables the trip has so far."""
        self._round(self.journey.leaving[flow])

    def _round(self, steps: tuple[Step, ...]) -> None:
        """A repeated flow: a failed step is counted under its group; the others go on."""
        for step in steps:
            if step.when.holds(self.viewer):
                try:
                    self._run(step, step.tries or 1)
                except JourneyFailed:
                    pass

    def _run(self, step: Step, tries: int) -> None:
        try:
            request = self._request(step)
        except TemplateError as error:
            raise JourneyFailed(f"journey step {step.name!r}: {error}", step.group) from None

        def call() -> dict[str, str]:
            response = self.fetch(**request)
            self.jar.update(response.cookies)
            try:
                return {e.variable: e.value(response, self.jar) for e in step.extract}
            except (LookupError, ValueError) as error:  # ValueError: the body is not JSON
                raise FetchError(
                    f"extract: {error}; the answer (HTTP {response.status}): "
                    f"{excerpt(response.body, self._secrets())}"
                ) from None

        try:
            self.variables.update(journey_step(tries).call(call, self.sleep))
        except FetchError as error:
            raise JourneyFailed(f"journey step {step.name!r}: {error}", step.group) from None

    def _secrets(self) -> list[str]:
        """The journey's values that an excerpt must not show: all but the built-ins."""
        return [value for name, value in self.variables.items() if name not in BUILT_IN]

    def _request(self, step: Step) -> dict:
        url = step.url.render(self.variables)
        if step.query:
            url += ("&" if "?" in url else "?") + urlencode(self._pairs(step.query))
        return {
            "method": step.method,
            "url": url,
            "group": step.group,
            "headers": dict(self._pairs(step.headers)),
            "accept": step.accept,
            "json": _rendered(step.json, self.variables),
            "data": dict(self._pairs(step.form)) if step.form is not None else None,
        }

    def _pairs(self, pairs: tuple[tuple[str, Template], ...]) -> list[tuple[str, str]]:
        return [(name, template.render(self.variables)) for name, template in pairs]


def _rendered(value: object, variables: dict[str, str]) -> object:
    if isinstance(value, Template):
        return value.render(variables)
    if isinstance(value, dict):
        return {k: _rendered(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_rendered(v, variables) for v in value]
    return value


class CodeTrip:
    """A user's Journey class behind the same calls. Its exceptions
    become JourneyFailed (before playing) or are counted and ignored (after)."""

    def __init__(self, journey: CodeJourney, fetch: Fetch, viewer: Viewer, sleep: Sleep) -> None:
        self.name = journey.cls.__name__
        try:
            self.app: Journey = journey.cls(fetch, viewer)
        except Exception as error:
            raise JourneyFailed(self._reason("__init__", error)) from None

    def playback_url(self) -> str:
        try:
            url = self.app.playback_url()
        except Exception as error:
            raise JourneyFailed(self._reason("playback_url", error)) from None
        if not isinstance(url, str) or not url:
            raise JourneyFailed(f"journey {self.name}.playback_url: returned {url!r}, not a URL")
        return url

    def repeats(self) -> Repeats:
        every = self.app.watch_every
        return [(every, lambda: self._quietly(self.app.while_watching))] if every else []

    def api_round(self, kind: str) -> None:
        self._quietly(lambda: self.app.api_user(kind))

    def leave(self, flow: str) -> None:
        self._quietly(lambda: self.app.leaving(flow))

    @staticmethod
    def _quietly(call: Callable[[], None]) -> None:
        try:
            call()
        except Exception:  # a failed request is already counted under its group
            pass

    def _reason(self, method: str, error: Exception) -> str:
        return f"journey {self.name}.{method}: {error.__class__.__name__}: {error}"


def start(
    journey: DataJourney | CodeJourney, fetch: Fetch, viewer: Viewer, sleep: Sleep
) -> DataTrip | CodeTrip:
    """A viewer's trip through `journey` (JourneyFailed when a class will not start)."""
    if isinstance(journey, DataJourney):
        return DataTrip(journey, fetch, viewer, sleep)
    return CodeTrip(journey, fetch, viewer, sleep)

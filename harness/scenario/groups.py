"""The request groups a scenario's viewers count their requests under: the
player's own (harness.measure.metrics.PLAYER_GROUPS) and those its journey names.
SLOs and halt conditions may name `<kind>.<group>` metrics of these groups
only; the run declares them to the recorder and the summary."""

from __future__ import annotations

import difflib

from harness.load.journey import AnyJourney
from harness.measure.metrics import (
    GROUP_PATTERN,
    GROUP_RULE,
    PLAYER_GROUPS,
    RANGE_GROUP,
    REQUEST_KINDS,
    SERVER,
    VIEWER_METRICS,
    Metric,
    group_of,
    is_group,
    known_metric,
    metric,
    metric_names,
    ordered_groups,
    server_metric,
)
from harness.spec.document import Document, Where
from harness.spec.fields import Text, unknown

CATALOGUE_HINT = "see the metric catalogue in docs/scenarios.md"


def request_groups(journey: AnyJourney | None, manifest: bool = False) -> tuple[str, ...]:
    """The groups of a scenario whose viewers run `journey` (None: they play a
    bare stream), in the catalogue's order; with `manifest`, some viewers are
    of the manifest tier and ask for segments' first bytes (RANGE_GROUP)."""
    player = (*PLAYER_GROUPS, RANGE_GROUP) if manifest else PLAYER_GROUPS
    return ordered_groups((*player, *(journey.groups if journey else ())))


def check_metric(
    name: str | None,
    groups: tuple[str, ...] | None,
    where: Where,
    document: Document,
    servers: tuple[str, ...] | None = (),
) -> Metric | None:
    """The metric `name` names among the scenario's groups and the stack's
    server metrics (the scenario's and its targets file's server_metrics); else report it (a
    misspelt name, a group the scenario does not have) and None. Groups or
    servers None: not known yet (the journey or targets file has problems),
    any well-formed one passes."""
    if name is None:  # absent or already reported
        return None
    if name.startswith(f"{SERVER}."):
        return _check_server_metric(name, servers, where, document)
    if groups is None:
        return known_metric(name)
    found = metric(name, groups)
    if found is not None:
        return found
    group = group_of(name)
    if group is None:
        unknown(
            document, where, f"unknown metric {name!r}", name, metric_names(groups), CATALOGUE_HINT
        )
        return None
    if not is_group(group):
        document.problem(where, f"{group!r} is not {GROUP_RULE}")
        return None
    close = difflib.get_close_matches(group, groups, n=1)
    meant = f"did you mean '{name.partition('.')[0]}.{close[0]}'? " if close else ""
    document.problem(
        where,
        f"the scenario has no request group {group!r} ({meant}its groups: {', '.join(groups)})",
    )
    return None


class MetricName(Text):
    """A metric's name: read as text, checked against the scenario's request
    groups by the rules (check_metric); the schema gives the names' shape."""

    def schema(self) -> dict:
        return {
            **super().schema(),
            "pattern": (
                f"^({'|'.join(VIEWER_METRICS)})$|^({'|'.join(REQUEST_KINDS)})"
                f"(\\.{GROUP_PATTERN.strip('^$')})?$"
            ),
        }


def _check_server_metric(
    name: str, servers: tuple[str, ...] | None, where: Where, document: Document
) -> Metric | None:
    found, short = server_metric(name), name.partition(".")[2]
    if found is None:
        document.problem(where, f"{short!r} is not {GROUP_RULE}, as a server metric's name")
    elif servers is not None and not servers:
        document.problem(
            where,
            f"{name!r}: neither the scenario nor the stack names server_metrics (give the "
            f"scenario server_metrics:, see docs/scenarios.md#server-metrics)",
        )
    elif servers is not None and short not in servers:
        unknown(
            document,
            where,
            f"unknown server metric {name!r}: not one of the server_metrics of the "
            f"scenario or its targets file",
            name,
            [f"{SERVER}.{s}" for s in servers],
        )
    else:
        return found
    return None

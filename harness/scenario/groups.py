"""The request groups a scenario's viewers count their requests under: the
player's own (harness.metrics.PLAYER_GROUPS) and those its journey names.
SLOs and halt conditions may name `<kind>.<group>` metrics of these groups
only; the run declares them to the recorder and the summary."""

from __future__ import annotations

import difflib

from harness.document import Document, Where
from harness.fields import Text, unknown
from harness.metrics import (GROUP_PATTERN, GROUP_RULE, PLAYER_GROUPS, REQUEST_KINDS,
                             VIEWER_METRICS, Metric, group_of, is_group, metric, metric_names,
                             ordered_groups)

CATALOGUE_HINT = "see the metric catalogue in docs/scenarios.md"
# The groups of the journey every scenario plays today (the reference stack's
# app: its catalog calls, then login and entitlement), until a scenario names
# its own journey; this is the one place that knows them.
_REFERENCE_JOURNEY_GROUPS = ("catalog", "auth")


def request_groups(values: dict) -> tuple[str, ...]:
    """The groups of a scenario as read from its file (`values`, as
    rules.check returns them), in the catalogue's order. Today every scenario
    plays the reference journey, so `values` do not change them yet."""
    return ordered_groups((*PLAYER_GROUPS, *_REFERENCE_JOURNEY_GROUPS))


def check_metric(name: str | None, groups: tuple[str, ...], where: Where,
                 document: Document) -> Metric | None:
    """The metric `name` names among the scenario's groups; else report it
    (a misspelt name, or a group the scenario does not have) and None."""
    if name is None:  # absent or already reported
        return None
    found = metric(name, groups)
    if found is not None:
        return found
    group = group_of(name)
    if group is None:
        unknown(document, where, f"unknown metric {name!r}", name, metric_names(groups),
                CATALOGUE_HINT)
        return None
    if not is_group(group):
        document.problem(where, f"{group!r} is not {GROUP_RULE}")
        return None
    close = difflib.get_close_matches(group, groups, n=1)
    meant = f"did you mean '{name.partition('.')[0]}.{close[0]}'? " if close else ""
    document.problem(where, f"the scenario has no request group {group!r} ({meant}its groups: "
                            f"{', '.join(groups)})")
    return None


class MetricName(Text):
    """A metric's name: read as text, checked against the scenario's request
    groups by the rules (check_metric); the schema gives the names' shape."""

    def schema(self) -> dict:
        return {**super().schema(), "pattern": (
            f"^({'|'.join(VIEWER_METRICS)})$|^({'|'.join(REQUEST_KINDS)})"
            f"(\\.{GROUP_PATTERN.strip('^$')})?$")}

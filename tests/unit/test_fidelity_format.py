"""`audience.fidelity` in scenario files: full by default, manifest per client
type, the request group `segment_range` only where manifest viewers are, and
every wrong value as one FILE:LINE: FIELD message (exit 2 from the CLI)."""

from __future__ import annotations

import pytest

from harness import scenario
from harness.measure.metrics import PLAYER_GROUPS, RANGE_GROUP
from tests.cli import harness
from tests.unit.test_scenario import MINIMAL, problems, write

TIERED = MINIMAL + """\
  clients: {web: 0.7, tv: 0.3}
  fidelity: {tv: manifest}
"""


def test_every_client_type_is_full_unless_the_file_says_otherwise(tmp_path):
    plain = scenario.load(write(tmp_path, MINIMAL))
    assert plain.audience.fidelity == {"web": "full", "app": "full", "tv": "full"}
    assert RANGE_GROUP not in plain.groups
    tiered = scenario.load(write(tmp_path, TIERED, "tiered.yaml"))
    assert tiered.audience.fidelity == {"web": "full", "app": "full", "tv": "manifest"}
    assert tiered.groups[-len(PLAYER_GROUPS) - 1:] == (*PLAYER_GROUPS, RANGE_GROUP)
    assert scenario.replace(tiered, seed=3).audience == tiered.audience  # written out and back


def test_a_manifest_client_type_without_viewers_adds_no_group(tmp_path):
    idle = scenario.load(write(tmp_path, MINIMAL + "  clients: {web: 1}\n"
                                                    "  fidelity: {app: manifest}\n"))
    assert RANGE_GROUP not in idle.groups


def test_slos_may_name_the_range_group_only_with_manifest_viewers(tmp_path):
    slo = f"slos:\n  - {{metric: latency_p99.{RANGE_GROUP}, max: 1s}}\n"
    assert scenario.load(write(tmp_path, TIERED + slo)).slos[0].metric == \
        f"latency_p99.{RANGE_GROUP}"
    (found,) = problems(tmp_path, MINIMAL + slo)
    assert found.startswith(f":7: slos[0].metric: the scenario has no request group "
                            f"'{RANGE_GROUP}'")


@pytest.mark.parametrize("fidelity, expected", [
    ("{tv: manifst}", ":6: audience.fidelity.tv: unknown fidelity 'manifst' "
                      "(did you mean 'manifest'?)"),
    ("{radio: full}", ":6: audience.fidelity.radio: unknown key (choose from web, app, tv)"),
    ("{web: 3}", ":6: audience.fidelity.web: 3 is not a fidelity name"),
    ("manifest", ":6: audience.fidelity: 'manifest' is not a mapping"),
])
def test_a_wrong_fidelity_is_one_line_naming_the_field(tmp_path, fidelity, expected):
    (found,) = problems(tmp_path, MINIMAL + f"  fidelity: {fidelity}\n")
    assert found.startswith(expected), found


def test_validate_exits_2_on_an_unknown_fidelity(tmp_path):
    bad = write(tmp_path, MINIMAL + "  fidelity: {web: half}\n", "bad.yaml")
    result = harness("validate", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {bad}:6: audience.fidelity.web: unknown fidelity 'half' "
        f"(choose from full, manifest)"]

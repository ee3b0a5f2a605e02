"""The journey format: what a journey file says, read into steps; and every
mistake in one reported as FILE:LINE: field: problem (hint), all at once."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from harness import scenario
from harness.spec.document import parse_document
from harness.spec.errors import InvalidInput
from harness.load.journey import CodeJourney, DataJourney, read_journey
from harness.load.journey.code import LoadError, load_class
from harness.spec.paths import REFERENCE_JOURNEY
from harness.measure.window import Window
from tests.cli import harness

ACCOUNTS = "username,password,region\nalice,pw-1,north\nbob,pw-2,south\n"
GOOD = """\
accounts: accounts.csv
steps:
  - name: token
    group: token
    url: /oauth/token
    form: {grant_type: password, username: "{account.username}", password: "{account.password}"}
    extract:
      token: {json: $.access_token}
  - group: info
    url: https://cdn.example/info/{event}
    when: {subscriber: true, client: [tv, app]}
    headers: {Authorization: "Bearer {token}"}
    query: {region: "{account.region}", n: 3}
    accept: [200, 203]
    tries: 2
    extract:
      stream: {json: "$.sources[?(@.type == 'hls')].url"}
      etag: {header: ETag}
      sid: {cookie: sid}
      id: {regex: 'id=(\\d+)'}
play: "{stream}"
while_watching:
  - every: {web: 60s, app: 30s, tv: 2m}
    steps:
      - {group: heartbeat, url: /beat, json: {viewer: "{viewer}", ids: ["{id}", 1]}}
api_users:
  storm:
    steps:
      - {group: token, url: /oauth/token, form: {username: "{account.username}"}}
"""


def journey_file(folder: Path, text: str, accounts: str | None = ACCOUNTS) -> Path:
    if accounts is not None:
        (folder / "accounts.csv").write_text(accounts)
    path = folder / "journey.yaml"
    path.write_text(text)
    return path


def scenario_file(folder: Path, journey: str, audience: str = "") -> Path:
    """s.yaml in `folder`: one viewer for ten seconds, `journey` (a line) after the audience."""
    path = folder / "s.yaml"
    path.write_text("name: s\ntimeline: {start: 0s, end: 10s}\naudience:\n  viewers: [{at: 0s, "
                    f"viewers: 1}}]\n{audience}{journey}")
    return path


def read(folder: Path, text: str, accounts: str | None = ACCOUNTS) -> DataJourney | CodeJourney:
    path = journey_file(folder, text, accounts)
    document = parse_document("", str(folder / "scenario.yaml"))
    journey = read_journey(path.name, ("journey",), folder, document)
    document.check()
    return journey


def problems(folder: Path, text: str, accounts: str | None = ACCOUNTS) -> list[str]:
    with pytest.raises(InvalidInput) as error:
        read(folder, text, accounts)
    prefix = f"{folder / 'journey.yaml'}"
    return [line.removeprefix(prefix) for line in str(error.value).splitlines()]


def test_a_journey_file_reads_into_steps_flows_and_groups(tmp_path):
    journey = read(tmp_path, GOOD)
    token, info = journey.steps
    assert (token.name, token.group, token.method) == ("token", "token", "POST")
    assert dict(token.form)["username"].names == ("account.username",)
    assert (info.name, info.method, info.accept, info.tries) == ("info", "GET",
                                                                  frozenset({200, 203}), 2)
    assert (info.when.subscriber, info.when.clients, info.when.event) == (True, ("tv", "app"),
                                                                          None)
    assert [(e.variable, e.source) for e in info.extract] == [
        ("stream", "json"), ("etag", "header"), ("sid", "cookie"), ("id", "regex")]
    assert journey.play.names == ("stream",)
    assert journey.while_watching[0].every == {"web": 60, "app": 30, "tv": 120}
    assert journey.groups == ("token", "info", "heartbeat")
    assert journey.api_kinds == ("storm",)
    assert journey.accounts.columns == ("username", "password", "region")


def test_the_shipped_reference_journey_reads_and_keeps_the_reference_groups():
    document = parse_document("", "scenario.yaml")
    journey = read_journey(str(REFERENCE_JOURNEY), ("journey",), Path("."), document)
    document.check()
    assert journey.groups == ("catalog", "auth", "signup", "booking", "home")
    assert journey.api_kinds == ("epg", "login")
    assert journey.leaving_flows == ("home",)
    assert len(journey.accounts.rows) == 2000
    assert journey.accounts.for_viewer(0)["username"] == "subscriber-0001"
    assert journey.accounts.for_viewer(2000)["username"] == "subscriber-0001"


BAD = [
    ("play: '{stream}'\n", [":1: play: unknown variable {stream} (variables here: client, event, "
                            "subscriber, viewer)"]),
    ("steps:\n  - {group: a, url: '/x/{evnt}'}\nplay: /p\n",
     [":2: steps[0].url: unknown variable {evnt} (did you mean 'event'?)"]),
    ("steps:\n  - {group: a, url: /x, extract: {v: {json: 'events[0]'}}}\nplay: '{v}'\n",
     [":2: steps[0].extract.v.json: bad JSONPath: a JSONPath starts with $ (e.g. "
      "$.events[0].id)"]),
    ("steps:\n  - {group: a, url: /x, extract: {v: {json: '$.a[?(@.b > 1)]'}}}\nplay: '{v}'\n",
     [":2: steps[0].extract.v.json: bad JSONPath: cannot read '[?(@.b > 1)]' (character 4); the "
      "subset is .name, ['name'], [index], [*] and [?(@.key == value)]"]),
    ("steps:\n  - {group: a, url: /x, extract: {v: {regex: 'id=(\\d+'}}}\nplay: '{v}'\n",
     [":2: steps[0].extract.v.regex: bad regular expression: missing ) at position 7"]),
    ("steps:\n  - {group: a, url: /x, extract: {v: {json: $.a, header: B}}}\nplay: /p\n",
     [":2: steps[0].extract.v: give exactly one of json or header or cookie or regex"]),
    ("steps:\n  - {group: a, url: /x, extract: {client: {json: $.a}}}\nplay: /p\n",
     [":2: steps[0].extract.client: 'client' cannot be a variable's name (letters, digits and _, "
      "not viewer, client, subscriber)"]),
    ("steps:\n  - {group: a, url: '/x/{a b}'}\nplay: /p\n",
     [":2: steps[0].url: {a b} is not a variable name (write e.g. {token} or "
      "{account.username})"]),
    ("steps:\n  - {group: a, url: '/x/{'}\nplay: /p\n",
     [":2: steps[0].url: a lone '{' at character 4 (write {{ for a literal brace)"]),
    ("steps:\n  - {url: /x, methd: GET, when: {client: [phone]}}\nplay: /p\n",
     [":2: steps[0].methd: unknown key (did you mean 'method'?)",
      ":2: steps[0].when.client[0]: unknown client type 'phone' (choose from web, app, tv)",
      ":2: steps[0].group: is required but missing"]),
    ("steps:\n  - {group: a, url: /x, json: {a: 1}, form: {b: '2'}}\nplay: /p\n",
     [":2: steps[0].form: a step sends a json or a form body, not both"]),
    ("steps:\n  - {group: a, url: /x, accept: [700], tries: 0}\nplay: /p\n",
     [":2: steps[0].accept[0]: 700 must be <= 599", ":2: steps[0].tries: 0 must be >= 1"]),
    ("play: /p\nwhile_watching:\n  - every: {web: 60s}\n    steps: []\n",
     [":3: while_watching[0].every.app: is required but missing",
      ":3: while_watching[0].every.tv: is required but missing",
      ":4: while_watching[0].steps: lists 0 entries; it needs at least 1"]),
    ("play: /p\napi_users:\n  epg: {stepz: []}\n",
     [":3: api_users.epg.stepz: unknown key (did you mean 'steps'?)",
      ":3: api_users.epg.steps: is required but missing"]),
    ("steps:\n  - {group: a, url: '/u/{account.username}'}\nplay: /p\n",
     [":2: steps[0].url: {account.username} needs accounts (add accounts: FILE, a CSV file with "
      "username,password,... columns)"]),
    ("steps:\n  - {group: Login Page, url: /login}\nplay: /p\n",
     [":2: steps[0].group: 'Login Page' is not a request group name (lowercase letters, digits, "
      "'_' and '-', starting with a letter or digit)"]),
    ("accounts: accounts.csv\nsteps:\n  - {group: a, url: '/u/{account.usernme}'}\nplay: /p\n",
     [":3: steps[0].url: unknown variable {account.usernme} (did you mean "
      "'account.username'?)"]),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_every_mistake_is_one_line_with_its_place(tmp_path, text, expected):
    assert problems(tmp_path, text) == expected


def test_a_variable_set_later_or_in_another_flow_is_unknown_where_it_is_used(tmp_path):
    text = textwrap.dedent("""\
        steps:
          - {group: a, url: '/a/{late}'}
          - {group: b, url: /b, extract: {late: {json: $.x}}}
        play: '{late}'
        api_users:
          poll:
            steps: [{group: c, url: '/c/{late}'}]
        """)
    assert problems(tmp_path, text) == [
        ":2: steps[0].url: unknown variable {late} (variables here: client, event, subscriber, "
        "viewer)",
        ":7: api_users.poll.steps[0].url: unknown variable {late} (variables here: client, event, "
        "subscriber, viewer)"]


@pytest.mark.parametrize("accounts, problem", [
    (None, "{accounts}: cannot read: No such file or directory"),
    ("username,password\na\x01,b\n", "{accounts}:2: cannot read: control character U+0001 (only "
                                     "tabs and line breaks may appear)"),
    ("user,password\na,b\n", "{accounts} has no column username (its first row must name the "
                             "columns: username,password,...)"),
    ("username,password\n", "{accounts} lists no accounts (one a row after the header row)"),
    ("username,password\na,b\nc\n", "{accounts}:3: has another number of fields than the header "
                                    "row (2)"),
])
def test_an_accounts_file_that_cannot_be_used_is_named_without_its_values(tmp_path, accounts,
                                                                          problem):
    text = "accounts: accounts.csv\nplay: '/p/{account.username}'\n"
    found = problems(tmp_path, text, accounts)
    assert found == [":1: accounts: " + problem.format(accounts=tmp_path / "accounts.csv")
                     + " (a relative path is read from this file's folder)"]


@pytest.mark.parametrize("kind, url, expected", [
    ("epgg", "/a", "7: audience.api_users[0].kind: unknown api user kind 'epgg' (did you mean "
                   "'epg'?)"),
    ("epg", "/a/{tokn}", "10: journey.steps[0].url: unknown variable {tokn} (variables here: "
                         "client, event, subscriber, viewer)"),
])
def test_a_scenario_reports_its_inline_journey_on_its_own_lines(tmp_path, kind, url, expected):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent("""\
        name: s
        platform: external
        targets: t.yaml
        timeline: {start: 0s, end: 10s}
        audience:
          viewers: [{at: 0s, viewers: 1}]
          api_users: [{kind: KIND, users: 1, interval: 5s}]
        journey:
          steps:
            - {group: a, url: 'URL', extract: {token: {json: $.t}}}
          play: /p
          api_users:
            epg: {steps: [{group: a, url: /e}]}
        """).replace("KIND", kind).replace("URL", url))
    (tmp_path / "t.yaml").write_text("edge: http://127.0.0.1:9\n")
    with pytest.raises(InvalidInput) as error:
        scenario.load(path)
    assert str(error.value).splitlines() == [f"{path}:{expected}"]


def test_a_scenario_names_a_journey_file_and_its_problems_come_with_that_files_lines(tmp_path):
    journey_file(tmp_path, "steps:\n  - {group: a, url: '/{nope}'}\nplay: /p\n")
    path = scenario_file(tmp_path, "journey: journey.yaml\n")
    result = harness("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'journey.yaml'}:2: steps[0].url: unknown variable {{nope}}" \
        in result.stderr
    path.write_text(path.read_text().replace("journey.yaml", "missing.yaml"))
    result = harness("validate", str(path))
    assert result.returncode == 2
    assert f"{path}:5: journey: no file {tmp_path / 'missing.yaml'} (a relative path is read " \
           f"from the scenario's folder)" in result.stderr


def test_a_scenario_with_its_own_journey_keeps_it_through_replace_and_to_dict(tmp_path):
    journey_file(tmp_path, GOOD)
    path = scenario_file(tmp_path, "journey: journey.yaml\n",
                         "  api_users: [{kind: storm, users: 1, interval: 5s}]\n")
    loaded = scenario.load(path)
    assert loaded.journey == str(tmp_path / "journey.yaml")
    moved = scenario.loads(path.read_text().replace("journey.yaml", str(tmp_path / "journey.yaml")),
                           Path("/elsewhere/s.yaml"))
    assert moved.journey == loaded.journey
    assert scenario.replace(loaded, seed=9).journey == loaded.journey
    assert scenario.loads(__import__("yaml").safe_dump(loaded.to_dict()), Path("/x/s.yaml")) \
        == loaded


def test_a_journey_class_that_does_not_load_fails_validate_with_exit_2(tmp_path):
    (tmp_path / "myapp.py").write_text("raise ImportError('needs the app SDK')\n")
    path = scenario_file(tmp_path, "journey: {python: myapp.py:MyApp}\n")
    result = harness("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:5: journey.python: myapp.py:1 does not import: ImportError: needs the app " \
           f"SDK" in result.stderr


def test_the_docs_examples_are_a_valid_data_journey_and_a_loadable_class(tmp_path):
    docs = (Path(__file__).parents[2] / "docs" / "journeys.md").read_text()
    data = docs.split("## Example: a data journey", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    journey = read(tmp_path, data)
    assert journey.groups == ("token", "session", "playback-info", "heartbeat")
    code = docs.split("## Example: a code journey", 1)[1].split("```python\n", 1)[1].split("```")[0]
    (tmp_path / "myplatform.py").write_text(code)
    journey = read(tmp_path, "{python: myplatform.py:MyPlatform, accounts: accounts.csv}\n")
    assert journey.groups == ("token", "session", "playback-info", "heartbeat")


def test_an_external_scenario_with_nothing_to_play_is_refused_before_the_run(tmp_path):
    (tmp_path / "t.yaml").write_text("edge: http://127.0.0.1:9\n")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplatform: external\ntargets: t.yaml\ntimeline: {start: 0s, end: 5s}"
                    "\naudience:\n  viewers: [{at: 0s, viewers: 1}]\n")
    # Its own fault journal: a fault another run left in the user's must not decide this.
    result = harness("run", str(path), "--results-dir", str(tmp_path / "results"),
                     env={**os.environ, "KICKOFF_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "viewers have nothing to play: platform external has no default journey (add " \
           "journey: FILE, or audience.stream: URL; see docs/journeys.md)" in result.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("journey", ["journey.yaml", "{python: myapp.py:MyApp}"])
def test_an_slo_on_a_group_the_journey_lacks_is_reported_on_its_line_with_the_groups(
        tmp_path, journey):
    journey_file(tmp_path, GOOD)
    (tmp_path / "myapp.py").write_text(
        "from harness.load.journey import Journey\n\n\nclass MyApp(Journey):\n"
        "    groups = ('token', 'info', 'heartbeat')\n\n"
        "    def playback_url(self) -> str:\n        return '/p'\n")
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\ntimeline: {{start: 0s, end: 10s}}\naudience:\n  viewers: [{{at: 0s, "
                    f"viewers: 1}}]\njourney: {journey}\nslos:\n"
                    f"  - {{metric: error_ratio.token, max: 0%}}\n"
                    f"  - {{metric: latency_p99.entitlement, max: 1s}}\n")
    result = harness("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {path}:8: slos[1].metric: the scenario has no request group 'entitlement' "
        f"(its groups: heartbeat, info, token, playlist, segment)"], result.stderr


@pytest.mark.parametrize("group", ["login-page", "token_2", "0auth", "Login Page", "Token",
                                   "-token", "tök", "a.b", ""])
def test_a_group_name_a_journey_takes_is_one_a_run_folder_reads_back(tmp_path, group):
    """One rule for a request group's name: the journey, the code journey's
    groups and the reader of a run's windows agree on every name."""
    try:
        read(tmp_path, f"steps:\n  - {{group: '{group}', url: /x}}\nplay: /p\n")
        journey_ok = True
    except InvalidInput as error:
        assert "steps[0].group:" in str(error)
        journey_ok = False
    window = Window(0)
    window.tally(group).add(0.1, ok=True)
    try:
        Window.from_json(json.loads(json.dumps(window.to_json())))
        read_back = True
    except ValueError as error:
        assert "is not a request group name" in str(error)
        read_back = False
    (tmp_path / "app.py").write_text(textwrap.dedent(f"""\
        from harness.load.journey import Journey
        class App(Journey):
            groups = ({group!r},)
        """))
    try:
        load_class("app.py:App", tmp_path)
        class_ok = True
    except LoadError as error:
        assert "App.groups:" in str(error) and "is not a request group name" in str(error)
        class_ok = False
    assert journey_ok == read_back == class_ok, (journey_ok, read_back, class_ok)

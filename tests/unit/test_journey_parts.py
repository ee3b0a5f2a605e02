"""The parts a journey is made of: templates, the JSONPath subset,
extractions from an answer, conditions, accounts round robin, and loading a
user's journey class."""

from __future__ import annotations

import textwrap

import pytest

from harness.load.journey import Journey, Response, Viewer
from harness.load.journey.accounts import AccountsError, read_accounts
from harness.load.journey.code import LoadError, load_class
from harness.load.journey.http import cookies_set
from harness.load.journey.jsonpath import PathError, compile_path
from harness.load.journey.pattern import compile_pattern
from harness.load.journey.model import Condition, Extraction
from harness.spec.template import TemplateError, parse
from harness.load.retry import FetchError, journey_step

CATALOG = {"events": [{"id": "a", "free_to_air": False, "tags": ["x"], "meta": {"rank": 2}},
                      {"id": "b", "free_to_air": True, "meta": {"rank": 1}, "n": 1},
                      {"id": "c", "free_to_air": True, "n": 1.0}],
           "name": "live", "odd key": 7}


def test_templates_fill_variables_and_keep_doubled_braces():
    template = parse("/e/{event}?u={account.username}&v={{raw}}")
    assert template.names == ("event", "account.username")
    assert template.render({"event": "e1", "account.username": "al"}) == "/e/e1?u=al&v={raw}"
    assert parse("no variables").render({}) == "no variables"
    with pytest.raises(TemplateError, match="variable token has no value for this viewer"):
        parse("Bearer {token}").render({})


@pytest.mark.parametrize("text", ["{", "a}b", "{a b}", "{1x}", "{a.b.c}"])
def test_a_template_that_cannot_be_read_says_so(text):
    with pytest.raises(TemplateError):
        parse(text)


@pytest.mark.parametrize("path, found", [
    ("$", [CATALOG]),
    ("$.name", ["live"]),
    ("$['odd key']", [7]),
    ('$["name"]', ["live"]),
    ("$.events[0].id", ["a"]),
    ("$.events[-1].id", ["c"]),
    ("$.events[5].id", []),
    ("$.events[*].id", ["a", "b", "c"]),
    ("$.events[0].*", ["a", False, ["x"], {"rank": 2}]),
    ("$.events[?(@.free_to_air == true)].id", ["b", "c"]),
    ("$.events[?(@.free_to_air != true)].id", ["a"]),
    ("$.events[?(@.id == 'b')].meta.rank", [1]),
    ('$.events[?(@.id == "c")].id', ["c"]),
    ("$.events[?(@.meta.rank == 2)].id", ["a"]),
    ("$.events[?(@.n == 1)].id", ["b", "c"]),  # 1 and 1.0 are the same JSON number
    ("$.events[?(@.n == true)].id", []),  # but no number is true
    ("$.missing.id", []),
])
def test_the_jsonpath_subset_finds_what_rfc_9535_finds(path, found):
    assert compile_path(path).find(CATALOG) == found


@pytest.mark.parametrize("path, problem", [
    ("events", "starts with \\$"),
    ("$.events[", "cannot read '\\[' \\(character 9\\)"),
    ("$..id", "cannot read '..id'"),
    ("$.events[0:2]", "cannot read"),
    ("$.events[?(@.id == b)]", "'b' is not a value to compare with"),
])
def test_a_path_outside_the_subset_is_refused_with_where(path, problem):
    with pytest.raises(PathError, match=problem):
        compile_path(path)


ANSWER = Response(200, {"etag": '"v7"', "content-type": "application/json"},
                  b'{"events": [{"id": "b", "n": 3, "ok": true}], "href": "id=42;"}',
                  cookies={"sid": "s1"})


@pytest.mark.parametrize("extraction, value", [
    (Extraction("v", "json", "$.events[0].id", path=compile_path("$.events[0].id")), "b"),
    (Extraction("v", "json", "$.events[0].n", path=compile_path("$.events[0].n")), "3"),
    (Extraction("v", "json", "$.events[0].ok", path=compile_path("$.events[0].ok")), "true"),
    (Extraction("v", "json", "$.events[0]", path=compile_path("$.events[0]")),
     '{"id": "b", "n": 3, "ok": true}'),
    (Extraction("v", "header", "ETag"), '"v7"'),
    (Extraction("v", "cookie", "sid"), "s1"),
    (Extraction("v", "cookie", "kept"), "from-the-jar"),
    (Extraction("v", "regex", r"id=(\d+)", pattern=compile_pattern(r"id=(\d+)")), "42"),
    (Extraction("v", "regex", r"id=\d+", pattern=compile_pattern(r"id=\d+")), "id=42"),
])
def test_extractions_take_values_from_the_body_headers_and_cookies(extraction, value):
    assert extraction.value(ANSWER, {"kept": "from-the-jar"}) == value


@pytest.mark.parametrize("extraction", [
    Extraction("v", "json", "$.nope", path=compile_path("$.nope")),
    Extraction("v", "header", "X-Missing"),
    Extraction("v", "cookie", "nope"),
    Extraction("v", "regex", "zzz", pattern=compile_pattern("zzz")),
])
def test_an_extraction_that_finds_nothing_says_so(extraction):
    with pytest.raises(LookupError):
        extraction.value(ANSWER, {})


def test_a_body_that_is_not_json_fails_a_json_extraction():
    with pytest.raises(ValueError):
        Extraction("v", "json", "$.a", path=compile_path("$.a")).value(
            Response(200, {}, b"<html>"), {})


def test_cookies_are_read_from_set_cookie_headers():
    assert cookies_set(["sid=abc; Path=/; HttpOnly", "lang=de", "bad cookie line=;;;"]) == {
        "sid": "abc", "lang": "de"}


def test_conditions_pick_viewers_by_subscription_client_and_event():
    subscriber_tv = Viewer(3, "tv", True, None, None)
    free_web = Viewer(4, "web", False, "match-1", None)
    assert Condition().holds(subscriber_tv) and Condition().holds(free_web)
    assert Condition(subscriber=True).holds(subscriber_tv)
    assert not Condition(subscriber=True).holds(free_web)
    assert Condition(clients=("web", "app")).holds(free_web)
    assert not Condition(clients=("web", "app")).holds(subscriber_tv)
    assert Condition(event=True).holds(free_web) and not Condition(event=True).holds(subscriber_tv)
    assert not Condition(subscriber=False, clients=("tv",)).holds(subscriber_tv)


def test_a_viewer_offers_its_number_client_subscription_event_and_account():
    viewer = Viewer(7, "app", True, None, {"username": "u", "password": "p"})
    assert viewer.variables() == {"viewer": "7", "client": "app", "subscriber": "true",
                                  "event": "", "account.username": "u", "account.password": "p"}


def test_accounts_are_used_round_robin_by_viewer_number(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("username,password,tier\nann,p1,gold\nben,p2,silver\n")
    accounts = read_accounts(path)
    assert [accounts.for_viewer(n)["username"] for n in range(5)] == ["ann", "ben", "ann", "ben",
                                                                      "ann"]
    assert accounts.for_viewer(1) == {"username": "ben", "password": "p2", "tier": "silver"}
    assert "p1" not in repr(accounts) and "ann" not in repr(accounts)


def test_an_accounts_error_never_shows_a_value(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("username,password\nann,secret-1\nben\n")
    with pytest.raises(AccountsError) as error:
        read_accounts(path)
    assert "secret" not in str(error.value) and "ann" not in str(error.value)


def write(folder, text: str):
    path = folder / "myapp.py"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_journey_class_loads_from_a_file_next_to_the_scenario(tmp_path):
    write(tmp_path, """\
        from harness.load.journey import Journey

        class MyApp(Journey):
            groups = ("login",)
            def playback_url(self):
                return "/live/" + self.account["username"]
        """)
    path, cls = load_class("myapp.py:MyApp", tmp_path)
    assert path == tmp_path / "myapp.py" and cls.groups == ("login",)
    app = cls(None, Viewer(1, "web", False, None, {"username": "ann"}))
    assert isinstance(app, Journey) and app.playback_url() == "/live/ann"
    assert (app.viewer, app.client, app.subscriber, app.event) == (1, "web", False, None)


@pytest.mark.parametrize("source, spec, problem", [
    ("x = 1\n", "myapp.py:MyApp", "myapp.py has no class MyApp (journey classes there: none)"),
    ("class MyApp:\n    pass\n", "myapp.py:MyApp",
     "MyApp is not a subclass of harness.load.journey.Journey"),
    ("import no_such_module_here\n", "myapp.py:MyApp",
     "myapp.py:1 does not import: ModuleNotFoundError: No module named 'no_such_module_here'"),
    ("x = 1\nraise RuntimeError('config missing')\n", "myapp.py:MyApp",
     "myapp.py:2 does not import: RuntimeError: config missing"),
    ("def broken(:\n", "myapp.py:MyApp", "myapp.py:1 does not import: SyntaxError"),
    ("x = 1\n", "other.py:MyApp", "no file {folder}/other.py (a relative path is read from the "
                                  "scenario's folder)"),
    ("x = 1\n", "myapp.py", "'myapp.py' is not FILE.py:Class (write e.g. "
                            "journeys/myapp.py:MyApp)"),
])
def test_a_journey_class_that_cannot_load_is_a_clean_error(tmp_path, source, spec, problem):
    write(tmp_path, source)
    with pytest.raises(LoadError) as error:
        load_class(spec, tmp_path)
    assert str(error.value).startswith(problem.format(folder=tmp_path))


@pytest.mark.parametrize("status, tried", [(None, 4), (500, 4), (503, 4), (408, 4), (429, 4),
                                           (401, 1), (403, 1), (404, 1), (400, 1), (0, 1)])
def test_a_journey_step_is_tried_again_only_after_a_failure_that_may_pass(status, tried):
    calls, waits = [], []

    def fails() -> None:
        calls.append(1)
        raise FetchError(f"HTTP {status}", status)

    with pytest.raises(FetchError):
        journey_step(4).call(fails, waits.append)
    assert len(calls) == tried  # no answer, 5xx, 408 and 429 again; a 401 or a bad body never
    assert waits == [0.5, 1, 2][:tried - 1]


def test_a_code_journey_cannot_fetch_under_a_group_name_its_run_could_not_read_back():
    sent = []
    app = Journey(lambda *args, **kwargs: sent.append(args), Viewer(0, "web", False, None, None))
    with pytest.raises(ValueError, match=r"group 'Login Page' is not a request group name"):
        app.fetch("GET", "/login", group="Login Page")
    assert sent == []  # refused before any request

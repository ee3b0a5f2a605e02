"""Fixtures shared by every tier.

The stack tier runs once per platform (local, then docker) against the real
stack. Without a Docker engine the docker tier is skipped on a developer's
machine, but fails in CI (CI=true): there it must run.
"""

from __future__ import annotations

# As in the CLI: gevent (Locust) patches the standard library before anything
# imports ssl, requests or docker, whichever test module is collected first.
from gevent import monkey

monkey.patch_all()


import pytest  # noqa: E402

from harness.spec.errors import InfrastructureMissing  # noqa: E402
from harness.platforms.registry import get_platform  # noqa: E402
from tests.tiers import missing  # noqa: E402


def _docker_problem() -> str | None:
    from harness.platforms import images

    try:
        images.engine(timeout=10)
    except InfrastructureMissing as error:
        return str(error)
    return None


def _ensure_down(name: str) -> None:
    """The platforms share ports: the other one must not be up."""
    if name == "docker" and _docker_problem():
        return
    platform = get_platform(name)
    if platform.is_managed():
        platform.down()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked only_on("local") exists for the local platform only: for
    the other platform it is deselected (it does not apply), not skipped."""
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("only_on")
        callspec = getattr(item, "callspec", None)
        platform = callspec.params.get("platform") if callspec else None
        mismatch = marker is not None and platform is not None and platform != marker.args[0]
        (drop if mismatch else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


LAST_STACK_USER = pytest.StashKey[str]()


def _uses_a_stack(item: pytest.Item) -> bool:
    """Whether `item` uses the `platform` fixture below (a test's own parameter
    or fixture that is also called `platform` is no stack)."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get("platform", ()) if info else ()
    return bool(definitions) and getattr(definitions[-1].func, "__module__", None) == __name__


def _last_stack_user(items: list[pytest.Item]) -> str:
    """The node id of the session's last test that uses a stack ("" if none)."""
    users = [item for item in items if _uses_a_stack(item)]
    return users[-1].nodeid if users else ""


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last test that uses a stack, the stack goes down: the tiers
    after it (real players, streams, journeys) then have the cores to
    themselves, as a viewer's device or a load generator would, instead of
    sharing them with a stack nobody uses any more (about a fifth of the
    machine, its encoders and health checks)."""
    stash = item.session.stash
    if LAST_STACK_USER not in stash:
        stash[LAST_STACK_USER] = _last_stack_user(item.session.items)
    if item.nodeid == stash[LAST_STACK_USER]:
        for name in ("local", "docker"):
            _ensure_down(name)


@pytest.fixture(scope="session", params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def platform(request: pytest.FixtureRequest):
    name = request.param
    if name == "docker":
        problem = _docker_problem()
        if problem:
            missing("docker", problem)
    for other in ("local", "docker"):
        if other != name:
            _ensure_down(other)
    stack = get_platform(name)
    stack.up()
    yield stack
    stack.down()


@pytest.fixture
def stack(platform):
    """The platform's stack, healthy and serving: whatever an earlier test stopped
    is started again, and the edge is back on its primary origin (after a test
    that broke both origin links, nginx keeps them out for its fail_timeout)."""
    from tests.stack.helpers import wait_until_serving

    platform.up()
    wait_until_serving()
    return platform

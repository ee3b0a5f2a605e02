"""A Docker engine reached over ssh:// through the Docker SDK's paramiko
transport: this machine's own engine, behind an sshd the test starts with a
host key and a login key made now (found through a ~/.ssh of a HOME of the
test's own). The one container touched is the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from harness.spec.errors import InfrastructureMissing
from harness.faults.registry import KINDS, driver
from harness.platforms import images
from harness.platforms.docker import PROJECT_LABEL
from harness.scenario.model import Fault
from tests.cli import assert_one_line_error
from tests.remote.servers import sshd
from tests.tiers import docker_engine

SSH_CONFIG = "Host 127.0.0.1\n  IdentityFile {identity}\n"


@pytest.fixture(scope="module")
def local_engine():
    return docker_engine()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with sshd(tmp_path_factory.mktemp("sshd")) as running:
        yield running


def _home(folder, server, known: bool = True) -> str:
    """A HOME whose ~/.ssh names the login key and, if `known`, the sshd's host key."""
    (folder / ".ssh").mkdir(parents=True)
    (folder / ".ssh" / "config").write_text(SSH_CONFIG.format(identity=server.identity))
    (folder / ".ssh" / "known_hosts").write_text(server.known_hosts.read_text() if known else "")
    return str(folder)


@pytest.fixture
def own_container(local_engine):
    """A container of a compose project of its own, asleep, on no network."""
    candidates = (images.stack_image(), images.BASE_IMAGE, images.OFFLINE_TOXIPROXY)
    image = next((name for name in candidates if images.exists(local_engine, name)), None)
    assert image, "no kickoff image to start a container from (bash .ci/setup builds them)"
    project = f"kickoff-ssh-{uuid.uuid4().hex[:8]}"
    container = local_engine.containers.run(image, entrypoint=["sleep"], command=["120"],
                                            detach=True, network_mode="none",
                                            labels={PROJECT_LABEL: project})
    try:
        yield project, container
    finally:
        container.remove(force=True)


@pytest.mark.docker
def test_the_engine_over_ssh_lists_and_pauses_a_container(own_container, server, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("HOME", _home(tmp_path, server))
    project, container = own_container
    host = f"ssh://root@127.0.0.1:{server.port}"
    docker = driver({"driver": "docker", "host": host, "project": project})
    try:
        docker.check()
        assert docker.platform.client.api.base_url == "http+docker://ssh"  # the SDK's ssh path
        assert [c.id for c in docker.platform.containers().values()] == [container.id]
        fault = Fault("freeze", "container-pause", container.name, 0.0, 1.0, {})
        kind = KINDS["container-pause"]
        undo = docker.plan(fault, kind, {})
        docker.apply(kind, {}, undo)
        container.reload()
        assert container.status == "paused"
        docker.revert(undo)
        container.reload()
        assert container.status == "running"
    finally:
        docker.platform.client.close()


@pytest.mark.docker
def test_docker_host_in_the_environment_takes_the_same_ssh_path(local_engine, server, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("HOME", _home(tmp_path, server))
    monkeypatch.setenv("DOCKER_HOST", f"ssh://root@127.0.0.1:{server.port}")
    client = images.engine(timeout=30)
    try:
        assert client.api.base_url == "http+docker://ssh"
        assert client.info()["ID"] == local_engine.info()["ID"]  # this machine's engine
    finally:
        client.close()


@pytest.mark.parametrize("known, identity, words", [
    (False, "right", ("not in ~/.ssh/known_hosts", "ssh-keyscan")),
    (True, "none", ("no key to offer", "IdentityFile")),
    (True, "wrong", ("accepted none of the keys", "IdentityFile")),
])
def test_an_ssh_engine_that_cannot_be_reached_says_why(server, tmp_path, monkeypatch, known,
                                                       identity, words):
    home = _home(tmp_path, server, known)
    config = tmp_path / ".ssh" / "config"
    if identity == "none":
        config.write_text("")
    if identity == "wrong":
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "other"],
                       cwd=tmp_path, check=True, timeout=30)
        config.write_text(SSH_CONFIG.format(identity=tmp_path / "other"))
    monkeypatch.setenv("HOME", home)
    with pytest.raises(InfrastructureMissing) as error:
        images.engine(timeout=30, host=f"ssh://root@127.0.0.1:{server.port}")
    assert all(word in str(error.value) for word in words), error.value
    assert len(str(error.value).splitlines()) == 1


BLOCKED = ("import sys; sys.modules['paramiko'] = None; sys.argv[0] = 'harness'; "
           "from harness.cli.main import main; sys.exit(main())")


def test_without_paramiko_a_run_names_the_missing_piece(tmp_path):
    """paramiko made unimportable, as when kickoff is installed without its ssh extra."""
    (tmp_path / "targets.yaml").write_text(
        "docker_host: ssh://root@127.0.0.1:9\ncomponents: [web]\n")
    (tmp_path / "scenario.yaml").write_text(
        "name: ssh\nplatform: external\ntargets: targets.yaml\n"
        "timeline: {start: -10s, end: 10s}\naudience:\n  stream: http://127.0.0.1:9/live.m3u8\n"
        "  viewers:\n    - {at: -10s, viewers: 1}\n")
    result = subprocess.run([sys.executable, "-c", BLOCKED, "run", str(tmp_path / "scenario.yaml"),
                             "--results-dir", str(tmp_path / "results")], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "KICKOFF_STATE_DIR":
                                                        str(tmp_path / "state")})
    assert_one_line_error(result, 3, "needs paramiko", "pip install 'kickoff-harness[ssh]'")

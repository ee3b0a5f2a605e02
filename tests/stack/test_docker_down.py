"""`stack down` on Docker removes the stack's network even when something
still joins it: compose alone then fails ("has active endpoints") and, with
compose v1, stops before the volumes. Here a container from outside the stack
joined the network. (An endpoint count the engine got wrong, moby#42119, which
only an engine restart clears, cannot be made on purpose: `down` then leaves
the empty network with a warning, which tests/stack/test_stack.py accepts.)

A project of its own, never the reference stack's: no stack lock needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from harness.platforms.docker import PROJECT_LABEL, DockerPlatform
from tests.faults.engines import tiny_image
from tests.tiers import docker_engine

pytestmark = pytest.mark.docker
PROJECT = "kickoff-down-test"
IMAGE = "kickoff-test/tiny:down"


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    client = docker_engine()
    yield client
    for network in client.networks.list(filters={"label": f"{PROJECT_LABEL}={PROJECT}"}):
        network.remove()
    for volume in client.volumes.list(filters={"label": f"{PROJECT_LABEL}={PROJECT}"}):
        volume.remove()


def test_down_removes_a_network_a_stray_container_still_joins(client):
    sleep = tiny_image(client, IMAGE)
    labels = {PROJECT_LABEL: PROJECT, "com.docker.compose.network": "default"}
    network = client.networks.create(f"{PROJECT}_default", labels=labels)
    volume = f"{PROJECT}_postgres-data"  # the compose file's volume, as compose names it
    client.volumes.create(volume, labels={PROJECT_LABEL: PROJECT,
                                          "com.docker.compose.volume": "postgres-data"})
    stray = client.containers.run(IMAGE, [sleep, "600"], detach=True, network=network.name)
    try:
        DockerPlatform(PROJECT).down()
        assert client.networks.list(filters={"label": f"{PROJECT_LABEL}={PROJECT}"}) == []
        assert volume not in [v.name for v in client.volumes.list()]
        stray.reload()
        assert stray.status == "running"  # only cut off: it is not the stack's to stop
        assert network.name not in stray.attrs["NetworkSettings"]["Networks"]
    finally:
        stray.remove(force=True)
        client.images.remove(IMAGE)

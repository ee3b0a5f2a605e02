"""The Docker images of the reference stack, built two ways.

Connected (the default for real users): the base image from Debian's official
`debian:bookworm-slim` with apt, and the official Toxiproxy image pulled.
Offline (air-gapped labs, and machines that reach no container registry):
the same base from Debian packages with debootstrap and `docker import`, and
a Toxiproxy image around the locally built toxiproxy-server binary.
Both then build the one stack image from compose/images/stack and the
kickoff_stack package (the service code the local platform runs too).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import kickoff_stack
from harness.platforms import prerequisites, ssh
from harness.platforms.base import state_dir
from harness.spec.errors import HarnessError, InfrastructureMissing
from harness.spec.paths import COMPOSE_DIR

if TYPE_CHECKING:  # the SDK (and its ssh transport) loads when a client is first needed
    import docker

log = logging.getLogger(__name__)

PACKAGES = COMPOSE_DIR / "images" / "base" / "packages.txt"
# Tagged by its package list: a package added to it makes the base missing, so built again.
BASE_IMAGE = f"kickoff/base:bookworm-{hashlib.sha256(PACKAGES.read_bytes()).hexdigest()[:8]}"
OFFICIAL_TOXIPROXY = "ghcr.io/shopify/toxiproxy:2.12.0"
OFFLINE_TOXIPROXY = "kickoff/toxiproxy:2.12.0"
DEBIAN_MIRROR = os.environ.get("KICKOFF_DEBIAN_MIRROR", "http://deb.debian.org/debian")
MODES = ("auto", "connected", "offline")


def content_tag(
    repository: str, files: list[Path], root: Path | None = None, based_on: str = ""
) -> str:
    """`repository` tagged by a hash of `files` (named relative to root, else by
    their names) and of the image it is built on, so that changed code is never
    run from a stale image: an image of the new code is simply missing."""
    digest = hashlib.sha256(based_on.encode())
    for path in files:
        name = str(path.relative_to(root)) if root else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{repository}:{digest.hexdigest()[:12]}"


def stack_image() -> str:
    """kickoff/stack tagged by a hash of its base image, Dockerfile and service code."""
    return content_tag(
        "kickoff/stack",
        [COMPOSE_DIR / "images" / "stack" / "Dockerfile", *sorted(_service_code().glob("*.py"))],
        based_on=BASE_IMAGE,
    )


def _service_code() -> Path:
    """The stack's service code: compose/services/kickoff_stack in a checkout, the
    installed kickoff_stack package otherwise (a wheel carries it once, as a package)."""
    return Path(kickoff_stack.__file__).resolve().parent


def _stack_context(folder: Path) -> None:
    """The stack image's build context in `folder`, laid out as its Dockerfile expects."""
    shutil.copy(COMPOSE_DIR / "images" / "stack" / "Dockerfile", folder / "Dockerfile")
    shutil.copytree(
        _service_code(),
        folder / "services" / "kickoff_stack",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def engine(timeout: int = 120, host: str | None = None) -> docker.DockerClient:
    """A client of a running Docker engine (DOCKER_HOST, or `host`), or
    InfrastructureMissing saying how to get one."""
    address = host or os.environ.get("DOCKER_HOST", "")
    if address.startswith("ssh://"):
        return ssh.engine(address, timeout)
    import docker
    from docker.errors import DockerException

    try:
        client = (
            docker.DockerClient(base_url=host, timeout=timeout)
            if host
            else docker.from_env(timeout=timeout)
        )
        client.ping()
        return client
    except DockerException as error:
        raise InfrastructureMissing(
            f"no Docker engine answers ({error.__class__.__name__}); install and start one: "
            "apt-get install -y docker.io && (dockerd > /var/log/dockerd.log 2>&1 &)"
        ) from None


def exists(client: docker.DockerClient, name: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(name)
        return True
    except ImageNotFound:
        return False


def toxiproxy_image(client: docker.DockerClient) -> str:
    """The official image when present, else the offline one when present."""
    if not exists(client, OFFICIAL_TOXIPROXY) and exists(client, OFFLINE_TOXIPROXY):
        return OFFLINE_TOXIPROXY
    return OFFICIAL_TOXIPROXY


def missing(client: docker.DockerClient) -> list[str]:
    return [name for name in (stack_image(), toxiproxy_image(client)) if not exists(client, name)]


def _registry_reachable(client: docker.DockerClient) -> bool:
    import docker
    from docker.errors import DockerException

    try:
        docker.from_env(timeout=20).api.inspect_distribution("debian:bookworm-slim")
        return True
    except (DockerException, OSError) as error:
        log.info("no container registry reachable (%s)", str(error).splitlines()[0][:120])
        return False


def docker_build(
    client: docker.DockerClient,
    path: Path,
    tag: str,
    dockerfile: str = "Dockerfile",
    buildargs: dict[str, str] | None = None,
    network_mode: str | None = None,
) -> None:
    from docker.errors import BuildError

    log.info("building %s", tag)
    try:
        client.images.build(
            path=str(path),
            dockerfile=dockerfile,
            tag=tag,
            forcerm=True,
            buildargs=buildargs or {},
            network_mode=network_mode,
        )
    except BuildError as error:
        lines = [chunk.get("stream", "") or chunk.get("error", "") for chunk in error.build_log]
        tail = "".join(lines).strip().splitlines()[-5:]
        raise HarnessError(f"building {tag} failed: {error.msg}\n" + "\n".join(tail)) from None


def _packages() -> list[str]:
    text = PACKAGES.read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _base_connected(client: docker.DockerClient) -> None:
    docker_build(client, COMPOSE_DIR / "images" / "base", BASE_IMAGE)


def _base_offline(client: docker.DockerClient) -> None:
    prerequisites.require(prerequisites.DEBOOTSTRAP)
    if os.geteuid() != 0:
        raise InfrastructureMissing("the offline build runs debootstrap, which needs root")
    work = state_dir() / "build"
    work.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=work, prefix="rootfs-"))
    try:
        log.info("debootstrap of Debian bookworm with %s (a few minutes)", ", ".join(_packages()))
        result = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(_packages())}",
                "bookworm",
                str(root),
                DEBIAN_MIRROR,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
            raise HarnessError(f"debootstrap from {DEBIAN_MIRROR} failed:\n{tail}")
        for leftover in (
            "var/cache/apt/archives",
            "var/lib/apt/lists",
            "usr/share/doc",
            "usr/share/man",
            "usr/share/locale",
        ):
            shutil.rmtree(root / leftover, ignore_errors=True)
        log.info("importing the root file system as %s", BASE_IMAGE)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        repository, tag = BASE_IMAGE.split(":")
        client.api.import_image_from_stream(
            tar.stdout,
            repository=repository,
            tag=tag,
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                'CMD ["bash"]',
            ],
        )
        if tar.wait() != 0:
            raise HarnessError("tar of the debootstrap root failed")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _toxiproxy_offline(client: docker.DockerClient) -> None:
    prerequisites.require(prerequisites.TOXIPROXY)
    with tempfile.TemporaryDirectory() as context:
        shutil.copy(COMPOSE_DIR / "images" / "toxiproxy" / "Dockerfile", context)
        server = shutil.which("toxiproxy-server")
        assert server is not None  # prerequisites.require() found it
        shutil.copy(server, Path(context) / "toxiproxy-server")
        docker_build(client, Path(context), OFFLINE_TOXIPROXY, buildargs={"BASE_IMAGE": BASE_IMAGE})


def resolve_mode(client: docker.DockerClient, mode: str) -> str:
    """connected or offline: auto is connected when a registry answers."""
    if mode == "auto":
        mode = "connected" if _registry_reachable(client) else "offline"
        log.info("building the %s way", mode)
    return mode


def ensure_base(client: docker.DockerClient, mode: str, force: bool = False) -> list[str]:
    """The base image every kickoff image starts from, built when missing (or
    with force) the connected or offline way; returns it when it was made."""
    if not force and exists(client, BASE_IMAGE):
        return []
    mode = resolve_mode(client, mode)
    (_base_connected if mode == "connected" else _base_offline)(client)
    return [BASE_IMAGE]


def build(mode: str = "auto", force: bool = False) -> list[str]:
    """Build (or pull) the stack's images that are missing, or all with force.

    Returns the images made. mode is one of MODES; auto is connected when a
    registry answers and offline otherwise.
    """
    from docker.errors import APIError

    client = engine(timeout=600)
    if not force and not missing(client):
        return []
    mode = resolve_mode(client, mode)
    try:
        made = ensure_base(client, mode, force)
        toxiproxy = OFFICIAL_TOXIPROXY if mode == "connected" else OFFLINE_TOXIPROXY
        if force or not exists(client, toxiproxy_image(client)):
            if mode == "connected":
                log.info("pulling %s", OFFICIAL_TOXIPROXY)
                client.images.pull(OFFICIAL_TOXIPROXY)
            else:
                _toxiproxy_offline(client)
            made.append(toxiproxy)
        stack = stack_image()
        if force or BASE_IMAGE in made or not exists(client, stack):
            with tempfile.TemporaryDirectory() as context:
                _stack_context(Path(context))
                docker_build(client, Path(context), stack, buildargs={"BASE_IMAGE": BASE_IMAGE})
            made.append(stack)
            remove_stale(client, keep=stack)
    except APIError as error:
        raise HarnessError(f"the Docker engine refused the build: {error.explanation}") from None
    return made


def remove_stale(client: docker.DockerClient, keep: str) -> None:
    """Images of older code in keep's repository are dead weight (each is
    hundreds of MB of layers shared with the base, plus its own); drop those
    no container uses."""
    from docker.errors import APIError

    repository = keep.rsplit(":", 1)[0]
    for image in client.images.list(name=repository):
        for tag in image.tags:
            if tag != keep and tag.rsplit(":", 1)[0] == repository:
                try:
                    client.images.remove(tag)
                except APIError:
                    log.info("keeping %s: a container still uses it", tag)

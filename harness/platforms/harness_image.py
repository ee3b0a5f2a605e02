"""kickoff itself as a Docker image: the master and the workers of a distributed
run on machines that have Docker but no kickoff (compose/harness-distributed.yml,
compose/k8s/).

Built like the stack's images, from the same base (images.ensure_base: Debian's
image, or debootstrap and `docker import` offline), never from a registry's
Python image. pip on this machine fetches kickoff's dependencies as wheels for
the image's Python and CPU (from its index, its cache, or a wheelhouse given by
PIP_NO_INDEX=1 PIP_FIND_LINKS=folder), so the image build needs no network.
Tagged by a hash of the checkout's files, like the stack image: changed code is
never run from a stale image.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import harness
from harness.platforms import images
from harness.spec.errors import HarnessError, InfrastructureMissing

if TYPE_CHECKING:  # the SDK (and its ssh transport) loads when a client is first needed
    import docker

log = logging.getLogger(__name__)

REPOSITORY = "kickoff/harness"
PYTHON = "3.11"  # Debian bookworm's python3, the base image's
GLIBC_MINOR = 36  # bookworm's glibc is 2.36: any manylinux wheel up to it runs
_SOURCES = ("harness", "compose", "scenarios")  # what the wheel is made of, with pyproject
_NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc")
_ROUNDS = 5  # of asking the image's Python what it still needs (one or two are usual)
_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")
# The Dockerfile's install, resolved only: pip runs from its own wheel (no pip in the base).
_DRY_RUN = (
    "set -- /wheels/pip-*.whl && python3 -m venv --without-pip /tmp/venv && "
    '/tmp/venv/bin/python "$1/pip" install -q --dry-run --no-index '
    "--find-links /wheels kickoff-harness"
)


def checkout() -> Path:
    """The kickoff checkout this harness runs from (the image is built from source)."""
    root = Path(harness.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise InfrastructureMissing(
            "the harness image is built from a kickoff checkout (pyproject.toml beside "
            "harness/); this kickoff is installed from a wheel"
        )
    return root


def _files(root: Path) -> list[Path]:
    found = [root / "pyproject.toml", root / "README.md"]
    for folder in _SOURCES:
        found += sorted(
            path
            for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        )
    return found


def image_name(root: Path | None = None) -> str:
    """kickoff/harness tagged by a hash of every file its wheel is built from (of
    this kickoff's checkout, or of root)."""
    root = root or checkout()
    return images.content_tag(REPOSITORY, _files(root), root)


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise HarnessError(f"`pip {args[0]}` for the harness image failed:\n{tail}")


def _platforms(architecture: str) -> list[str]:
    """pip's --platform tags of the wheels the image can run: every manylinux up
    to bookworm's glibc, with the legacy names older wheels carry only."""
    tags = [f"manylinux_2_{minor}_{architecture}" for minor in range(GLIBC_MINOR, 4, -1)]
    tags += [
        f"{legacy}_{architecture}" for legacy in ("manylinux2014", "manylinux2010", "manylinux1")
    ]
    return [option for tag in tags for option in ("--platform", tag)]


def _download(folder: Path, architecture: str, *requirements: str) -> None:
    _pip(
        "download",
        "-q",
        "--dest",
        str(folder),
        "--only-binary=:all:",
        "--python-version",
        PYTHON,
        "--implementation",
        "cp",
        "--abi",
        f"cp{PYTHON.replace('.', '')}",
        *_platforms(architecture),
        *requirements,
    )


def _still_missing(client: docker.DockerClient, folder: Path) -> list[str]:
    """What the image's own Python cannot find among the wheels: pip on this
    machine judges markers (python_full_version < "3.11.3" ...) by this machine's
    Python. Asked of pip in a throwaway base container, without network."""
    from docker.errors import ContainerError

    try:
        client.containers.run(
            images.BASE_IMAGE,
            ["sh", "-c", _DRY_RUN],
            remove=True,
            network_mode="none",
            volumes={str(folder): {"bind": "/wheels", "mode": "ro"}},
        )
        return []
    except ContainerError as error:
        found = _NOT_FOUND.findall(error.stderr.decode(errors="replace"))
        if not found:
            raise HarnessError(
                "pip in the base image refused kickoff's wheels:\n"
                + error.stderr.decode(errors="replace")[-600:]
            ) from None
        return found


def _wheels(root: Path, folder: Path, architecture: str) -> None:
    """kickoff's wheel, built from a copy of the sources (a build inside the checkout
    leaves build/ behind), then pip and every dependency for the image."""
    source = folder / "source"
    for name in _SOURCES:
        shutil.copytree(root / name, source / name, ignore=_NOT_SOURCE)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    # Without build isolation when setuptools is here: the build then needs no index.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    log.info("building kickoff's wheel")
    _pip("wheel", "-q", "--no-deps", *isolation, "-w", str(folder), str(source))
    shutil.rmtree(source)
    (wheel,) = folder.glob("kickoff_harness-*.whl")
    log.info("fetching kickoff's dependencies as wheels for Python %s on %s", PYTHON, architecture)
    _download(folder, architecture, str(wheel), "pip")


def build(mode: str = "auto", force: bool = False) -> str:
    """The harness image's name, built first when it is missing (or with force).
    mode is how a missing base image is made (images.MODES)."""
    from docker.errors import APIError

    name = image_name()
    client = images.engine(timeout=600)
    if not force and images.exists(client, name):
        return name
    try:
        images.ensure_base(client, mode)
        root = checkout()
        with tempfile.TemporaryDirectory() as context:
            shutil.copy(root / "compose" / "images" / "harness" / "Dockerfile", context)
            wheels, architecture = Path(context) / "wheels", client.info()["Architecture"]
            _wheels(root, wheels, architecture)
            for _ in range(_ROUNDS):
                missing = _still_missing(client, wheels)
                if not missing:
                    break
                log.info("the image's Python also needs %s", ", ".join(missing))
                _download(wheels, architecture, *missing)
            else:
                raise HarnessError(
                    f"kickoff's wheels for the image are still incomplete after "
                    f"{_ROUNDS} rounds: {', '.join(missing)}"
                )
            # Without network: everything the image holds is in the context.
            images.docker_build(
                client,
                Path(context),
                name,
                network_mode="none",
                buildargs={"BASE_IMAGE": images.BASE_IMAGE},
            )
        images.remove_stale(client, keep=name)
    except APIError as error:
        raise HarnessError(f"the Docker engine refused the build: {error.explanation}") from None
    return name

"""Docker engines for the blast-radius tests: a second engine on this machine
that numbers processes in a PID namespace of its own (as another machine's
engine would, for what a PID means here), and a tiny image made from this
machine's own `sleep` (no registry, a few MB: cheap to load into any engine).

The second engine is dockerd with a containerd of its own under
`unshare --pid --net --fork --kill-child --mount-proc`: its own data, exec and
cgroup folders, no bridge and no iptables rules, a private /run/containerd,
and a network namespace of its own (a dockerd without a bridge deletes the
interface docker0 wherever it runs: in ours, this machine's engine would lose
its default network). Nothing it makes outlives it: killing the namespace's
first process ends every process in it, and unshare's death kills that one.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker

CGROUPS = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Engine:
    client: docker.DockerClient
    url: str  # its address, as a targets file's docker_host would give it
    init_pid: int  # dockerd, first process of its PID namespace, as this machine numbers it

    def next_pid_after(self, pid: int) -> None:
        """Its next process numbers start after `pid` (the kernel's ns_last_pid,
        written from inside its namespace)."""
        subprocess.run(["nsenter", "--target", str(self.init_pid), "--pid", "--", "sh", "-c",
                        f"echo {pid} > /proc/sys/kernel/ns_last_pid"], check=True, timeout=10)


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.1)


@contextlib.contextmanager
def isolated_engine() -> Iterator[Engine]:
    """A second engine, started and then removed with all it made (bounded in time)."""
    folder = Path(tempfile.mkdtemp(prefix="kb-", dir="/tmp"))  # short: unix socket paths
    (folder / "daemon.json").write_text("{}")  # never this machine's engine settings
    url = f"unix://{folder}/docker.sock"
    dockerd = (f"exec dockerd -H {url} --data-root {folder}/data --exec-root {folder}/exec "
               f"--pidfile {folder}/dockerd.pid --config-file {folder}/daemon.json "
               f"--bridge=none --iptables=false --storage-driver=vfs "
               f"--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent=/{folder.name}")
    with open(folder / "dockerd.log", "wb") as log:
        unshare = subprocess.Popen(
            ["unshare", "--pid", "--net", "--fork", "--kill-child", "--mount-proc", "sh", "-c",
             f"mkdir -p /run/containerd && mount -t tmpfs tmpfs /run/containerd && {dockerd}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        clients: list[docker.DockerClient] = []
        try:
            wait_until(lambda: _connect(url, clients), 30, "the second dockerd answers")
        except AssertionError as error:  # its log goes with its folder: show its end now
            tail = (folder / "dockerd.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"{error}\n{tail}") from None
        yield Engine(clients[0], url, _child(unshare.pid))
    finally:
        _remove(unshare, folder)


def _connect(url: str, clients: list[docker.DockerClient]) -> bool:
    """Whether the engine answers yet (its client then appended to `clients`)."""
    try:
        clients.append(docker.DockerClient(base_url=url, timeout=30))
        return True
    except docker.errors.DockerException:
        return False


def _child(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, f"unshare {pid} has children {children}"
    return int(children[0])


def _remove(unshare: subprocess.Popen, folder: Path) -> None:
    """Kill the namespace's first process (the kernel then ends all in it), and
    remove the engine's cgroups and folder."""
    with contextlib.suppress(AssertionError, OSError):
        os.kill(_child(unshare.pid), signal.SIGKILL)
    try:
        unshare.wait(timeout=15)
    except subprocess.TimeoutExpired:
        unshare.kill()
        unshare.wait(timeout=5)
    made = [*CGROUPS.glob(f"{folder.name}/**/"), *CGROUPS.glob(f"*/{folder.name}/**/")]  # v2, v1
    groups = sorted(made, key=lambda p: -len(p.parts))  # the deepest first
    deadline = time.monotonic() + 10  # a killed task leaves its cgroup a moment later
    while groups and time.monotonic() < deadline:
        try:
            groups[0].rmdir()
            groups.pop(0)
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(folder, ignore_errors=True)
    assert not groups, f"cgroups left behind: {groups}"


def tiny_image(client: docker.DockerClient, name: str) -> str:
    """`name` in `client`'s engine: this machine's `sleep` and the libraries it
    loads, nothing else. Returns the path of sleep in the image."""
    sleep = shutil.which("sleep")
    assert sleep, "no sleep on this machine"
    libraries = [token for line in subprocess.run(["ldd", sleep], capture_output=True, text=True,
                                                  check=True).stdout.splitlines()
                 for token in line.split() if token.startswith("/")]
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", dereference=True) as tar:
        for path in [sleep, *libraries]:
            tar.add(path, arcname=path.lstrip("/"))
    repository, tag = name.split(":")
    client.api.import_image_from_data(data.getvalue(), repository=repository, tag=tag)
    return sleep

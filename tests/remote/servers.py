"""Real parts for reaching a stack's tools on another machine, all on free
ports of 127.0.0.1: a certificate made now by openssl, nginx serving https in
front of a Toxiproxy API under a path prefix, and an sshd of the test's own
(its host key, its one authorised key, its config; the machine's ssh setup is
never read or changed)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.streams.servers import free_port, nginx_config, wait_for

PREFIX = "/toxiproxy/"
NGINX_CONF = """\
http {{
    log_format plain '$request_method $request_uri $status';
    access_log {work}/access.log plain;
{temp_paths}    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {work}/cert.pem;
        ssl_certificate_key {work}/key.pem;
        root {work}/www;
        location {prefix} {{
            proxy_pass {api}/;
        }}
    }}
}}
"""
SSHD_CONF = """\
ListenAddress 127.0.0.1
Port {port}
HostKey {work}/host_key
PidFile {work}/sshd.pid
AuthorizedKeysFile {work}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)


def certificate(work: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in `work`);
    the certificate is its own CA: the bundle a targets file names."""
    _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=work)
    return work / "cert.pem"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@contextmanager
def _process(args: list[str], port: int, what: str) -> Iterator[None]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port) or process.poll() is not None, what)
        assert process.poll() is None, f"{what} exited with {process.returncode}"
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def https_proxy(api: str, work: Path) -> Iterator[tuple[str, Path]]:
    """nginx on https in front of the API at `api` under PREFIX; yields the
    base URL (prefix included) and nginx's access log."""
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    (work / "www").mkdir(exist_ok=True)
    certificate(work)
    port = free_port()
    (work / "nginx.conf").write_text(nginx_config(work, 64, NGINX_CONF, port=port,
                                                  prefix=PREFIX, api=api))
    with _process(["nginx", "-c", str(work / "nginx.conf"), "-e", "stderr", "-g",
                   "daemon off;"], port, "nginx"):
        yield f"https://127.0.0.1:{port}{PREFIX}", work / "access.log"


@dataclass(frozen=True)
class Sshd:
    port: int
    identity: Path  # the private key sshd accepts for root
    known_hosts: Path  # a known_hosts line for the sshd's host key


@contextmanager
def sshd(work: Path) -> Iterator[Sshd]:
    """sshd on a free port, accepting root with a key made now and nothing else."""
    work.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("sshd") or "/usr/sbin/sshd"
    assert os.path.exists(binary), "sshd is not installed (apt-get install openssh-server)"
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "host_key", cwd=work)
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "identity", cwd=work)
    shutil.copy(work / "identity.pub", work / "authorized_keys")
    port = free_port()
    (work / "sshd_config").write_text(SSHD_CONF.format(port=port, work=work))
    host_key = (work / "host_key.pub").read_text().split()[:2]
    (work / "known_hosts").write_text(f"[127.0.0.1]:{port} {' '.join(host_key)}\n")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    with _process([binary, "-D", "-e", "-f", str(work / "sshd_config")], port, "sshd"):
        yield Sshd(port, work / "identity", work / "known_hosts")

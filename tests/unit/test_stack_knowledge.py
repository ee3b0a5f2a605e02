"""Nothing in harness/ but the platforms that embed it knows the reference
stack: no import of kickoff_stack, no loopback host and no reference port
written as a literal where a host or port goes. Other code (the rest of
harness/platforms/ included) reads the Stack descriptor."""

from __future__ import annotations

import ast
import ipaddress
import re
from pathlib import Path

import pytest

import harness
from kickoff_stack.topology import COMPONENTS, LINKS


PACKAGE = Path(harness.__file__).parent
REFERENCE_PORTS = {c.port for c in COMPONENTS} | {link.listen_port for link in LINKS}
_HOST = r"(\[[^\]]*\]|[A-Za-z0-9_.-]+)"
URL = re.compile(rf"[A-Za-z][A-Za-z0-9+.-]*://{_HOST}(?::(\d+))?")
HOST_PORT = re.compile(rf"(?:^|[\s'\"(=,@])({_HOST})?:(\d+)\b")


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text_problem(text: str) -> str | None:
    if _loopback(text.strip()):
        return f"loopback host {text.strip()!r}"
    for match in URL.finditer(text):
        if _loopback(match.group(1)) or (match.group(2) and int(match.group(2)) in REFERENCE_PORTS):
            return f"URL {match.group(0)!r}"
    for match in HOST_PORT.finditer(text):
        host, port = match.group(1) or "", int(match.group(3))
        if port in REFERENCE_PORTS or (host and _loopback(host)):
            return f"host:port {match.group(0).strip()!r}"
    return None


def violations(source: str, name: str) -> list[str]:
    """`name:line: what` for every piece of reference-stack knowledge in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        found += [f"{name}:{node.lineno}: imports {m}" for m in modules
                  if m.split(".")[0] == "kickoff_stack"]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            problem = _text_problem(node.value)
            if problem:
                found.append(f"{name}:{node.lineno}: {problem}")
        elif isinstance(node, ast.Constant) and type(node.value) is int \
                and node.value in REFERENCE_PORTS:
            found.append(f"{name}:{node.lineno}: reference port {node.value}")
    return found


# the platforms that run the reference stack (local, docker) and its observers, its
# descriptor and images, the base every platform shares (the stack's sizes) and the
# loopback host names
EMBEDDING = {"platforms/base.py", "platforms/docker.py", "platforms/hosts.py",
             "platforms/images.py", "platforms/local.py", "platforms/local_commands.py",
             "platforms/local_observers.py", "platforms/reference.py"}


def scanned(root: Path) -> list[Path]:
    """Every module under `root` but those EMBEDDING the reference stack."""
    return sorted(p for p in root.rglob("*.py") if str(p.relative_to(root)) not in EMBEDDING)


def scan(root: Path) -> list[str]:
    return [v for path in scanned(root) for v in violations(path.read_text(), str(path))]


def test_no_module_outside_platforms_knows_the_reference_stack():
    files = {str(p.relative_to(PACKAGE)) for p in scanned(PACKAGE)}
    # the modules that knew it before the stack descriptor, among everything scanned
    assert {"run/session.py", "platforms/health.py", "platforms/links.py",
            "platforms/targets.py", "scenario/rules.py", "run/chaos.py",
            "judge/fault_summary.py", "faults/process.py", "faults/reset.py",
            "faults/toxiproxy.py", "cli/main.py", "platforms/stack.py",
            "platforms/process_records.py", "platforms/detached.py",
            "platforms/supervisor_control.py"} <= files
    assert not files & EMBEDDING
    assert scan(PACKAGE) == []


@pytest.mark.parametrize("planted", [
    "from kickoff_stack.topology import COMPONENTS\n",
    "import kickoff_stack.media\n",
    "EDGE = 'http://127.0.0.1:8080'\n",
    "EDGE = 'http://localhost'\n",
    "API = 'https://toxi.example:8474/'\n",
    "HOST = '127.0.0.1'\n",
    "HOST = '::1'\n",
    "listen = f'{host}:9101'\n",
    "url = f'http://{HOST}:8080/api'\n",
    "ADDRESS = 'localhost:5000'\n",
    "PORT = 8474\n",
    "connect(('127.0.0.2', port))\n",
])
def test_a_planted_violation_is_caught(tmp_path, planted):
    (tmp_path / "faults").mkdir()
    (tmp_path / "faults" / "planted.py").write_text('"""A module."""\n\n' + planted)
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "local.py").write_text(planted)  # a platform embedding it may
    (tmp_path / "platforms" / "targets.py").write_text(planted)  # another platforms/ module not
    found = scan(tmp_path)
    assert len(found) == 2 and found[0].startswith(f"{tmp_path / 'faults' / 'planted.py'}:3: ")
    assert found[1].startswith(f"{tmp_path / 'platforms' / 'targets.py'}:1: ")


@pytest.mark.parametrize("clean", [
    "HINT = 'kickoff sends traffic only to 127.0.0.1, localhost or ::1'\n",
    "url = f'http://{host}:{port}/healthz'\n",
    "EXAMPLE = 'https://edge.staging.example'\n",
    "TIMEOUT = 8\nRATE = 4096\n",
    "WHEN = '12:30'\n",
])
def test_prose_and_other_values_are_not_flagged(clean):
    assert violations(clean, "clean.py") == []

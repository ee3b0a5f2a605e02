"""kickoff as a QA team gets it: the wheel, built once per session from the working tree,
installed into a fresh virtualenv outside the checkout.

The dependencies (locust, gevent, docker ...) come from the test's own environment through
a .pth file, so the install needs no network; kickoff's own files come only from the wheel
(installed --no-deps). An audit hook in the fresh virtualenv records every file Python opens
or lists inside the checkout (apart from that environment), so a test can prove none is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                     ".pytest_cache", "results")
_AUDIT = '''"""Test instrument: the files Python opens or lists under KICKOFF_AUDIT_ROOT."""
import atexit, os, sys
_ROOT, _SKIP, _LOG = (os.environ.get(k) for k in
                      ("KICKOFF_AUDIT_ROOT", "KICKOFF_AUDIT_SKIP", "KICKOFF_AUDIT_LOG"))
_SEEN = set()
def _hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(_ROOT + os.sep) and not path.startswith(_SKIP + os.sep):
            _SEEN.add(path)
def _write():
    with open(_LOG, "a") as log:
        log.writelines(path + "\\n" for path in sorted(_SEEN))
if _ROOT and _SKIP and _LOG:
    sys.addaudithook(_hook)
    atexit.register(_write)
'''


@dataclass(frozen=True)
class Installed:
    venv: Path
    site: Path  # the fresh virtualenv's site-packages
    audit_log: Path

    def run(self, program: str, *args: str, cwd: Path,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """One of the virtualenv's programs (harness, python), audited, as a user runs it
        (with the variables `env` sets besides the environment's)."""
        env = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONPATH", "PYTHONHOME")} | (env or {})
        env.update(KICKOFF_AUDIT_ROOT=str(REPO), KICKOFF_AUDIT_SKIP=sys.prefix,
                   KICKOFF_AUDIT_LOG=str(self.audit_log), PYTHONNOUSERSITE="1")
        return subprocess.run([str(self.venv / "bin" / program), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def read_from_checkout(self) -> list[str]:
        return self.audit_log.read_text().split() if self.audit_log.exists() else []


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """kickoff's wheel, built from a copy of the working tree (a build inside the checkout
    would leave build/ behind, whose stale files a later wheel would carry)."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, work / "source", ignore=_NOT_SOURCE)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "--no-index", "-w", str(work / "dist"),
                            str(work / "source")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (found,) = (work / "dist").glob("kickoff_harness-*.whl")
    return found


def fresh_install(wheel: Path, root: Path, *more: Path) -> Installed:
    """A fresh virtualenv in `root` with the wheel installed, and the distributions
    whose source folders `more` names (built from copies, so nothing is left behind)."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = str(venv / "bin" / "python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "_kickoff_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (site / "_kickoff_audit.py").write_text(_AUDIT)
    (site / "_kickoff_audit.pth").write_text("import _kickoff_audit\n")
    copies = [shutil.copytree(source, root / "sources" / source.name, ignore=_NOT_SOURCE)
              for source in more]
    result = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                             "--no-deps", "--no-index", "--no-build-isolation", str(wheel),
                             *map(str, copies)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return Installed(venv, site, root / "opened-in-checkout.txt")


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Installed:
    return fresh_install(wheel, tmp_path_factory.mktemp("fresh"))

"""PostgreSQL, the accounts database: Debian's server, made ready and run.

`python -m kickoff_stack.postgres --data-dir D --port P` creates the cluster
in D the first time (initdb, the `kickoff` role with its password, password
logins from anywhere) and replaces itself with the postgres server, so the
platform's handle (pid or container) is the server itself. PostgreSQL refuses
to run as root: as root it first becomes the system user `postgres` (Debian's
package makes it), who must own D and be able to reach it.
A killed server keeps its data: the next start replays its write-ahead log.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

ROLE = "kickoff"
DATABASE = "postgres"
DEV_PASSWORD = "kickoff-dev-db-password"
SERVICE_USER = "postgres"
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
INSTALL = "apt-get install -y postgresql-15"
# Small on purpose (a 2-core test machine), durable as production is (fsync on).
SETTINGS = {"max_connections": "60", "shared_buffers": "32MB", "unix_socket_directories": "",
            "fsync": "on", "synchronous_commit": "on", "log_min_messages": "warning"}


class NotInstalled(Exception):
    """No PostgreSQL server on this machine."""


def password_from_env() -> str:
    return os.environ.get("KICKOFF_DB_PASSWORD", DEV_PASSWORD)


def binaries() -> Path:
    """The server's folder: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which("postgres")
    if found:
        return Path(found).resolve().parent
    versions = sorted(DEBIAN_BINARIES.glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise NotInstalled(f"PostgreSQL is not installed (install: {INSTALL})")
    return versions[-1].parent


def become_service_user(data_dir: Path) -> None:
    """As root: own the data folder as `postgres` and drop to that user."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(SERVICE_USER)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chown(data_dir, user.pw_uid, user.pw_gid)
    os.setgid(user.pw_gid)
    os.initgroups(SERVICE_USER, user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ["HOME"] = user.pw_dir


def initialise(bin_dir: Path, data_dir: Path, password: str) -> None:
    """A new cluster in data_dir, unless it holds one already."""
    if (data_dir / "PG_VERSION").exists():
        return
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".pw") as secret:
        secret.write(password)
        secret.flush()
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", ROLE,
                        f"--pwfile={secret.name}", "--auth=scram-sha-256", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-instructions"],
                       check=True, stdout=subprocess.DEVNULL)
    # Logins by password from any address: in Docker, accounts comes through Toxiproxy.
    (data_dir / "pg_hba.conf").write_text("host all all all scram-sha-256\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="kickoff postgres: the accounts database")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--host", default=os.environ.get("KICKOFF_BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    bin_dir = binaries()
    become_service_user(data_dir)
    initialise(bin_dir, data_dir, password_from_env())
    settings = {**SETTINGS, "listen_addresses": args.host, "port": str(args.port)}
    command = [str(bin_dir / "postgres"), "-D", str(data_dir)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    os.execv(command[0], command)


if __name__ == "__main__":
    main()

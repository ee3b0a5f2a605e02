"""The local platform's supervisor: starts a killed component again after a
delay, as systemd's Restart=on-failure with RestartSec would.

The local platform's `up` starts it detached beside the stack and `down`
stops it first. Every quarter second it looks for recorded components whose
process is gone; one that stays gone for `restart_after` seconds is started
again, unless a fault holds it down (a process-kill with a `for`). Restarts
are logged with their times to logs/supervisor.log.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from harness.platforms.local import LocalPlatform
from harness.spec.errors import HarnessError

POLL_SECONDS = 0.25
log = logging.getLogger("supervisor")


def _reap() -> None:
    """Collect the exit status of components it started and that died."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def supervise(platform: LocalPlatform) -> None:
    gone_since: dict[str, float] = {}
    while True:
        _reap()
        now = time.monotonic()
        settings = platform.supervisor.settings()
        dead = set(platform.records.dead()) - set(settings["holds"])
        gone_since = {name: gone_since.get(name, now) for name in dead}
        for name, since in gone_since.items():
            if now - since < settings["restart_after"]:
                continue
            try:
                platform.start(name)
                log.warning("restarted %s after %.1f s down", name, now - since)
            except HarnessError as error:
                log.warning("could not restart %s: %s", name, error)
            gone_since[name] = time.monotonic()
        time.sleep(POLL_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description="kickoff local platform supervisor")
    parser.add_argument("state_root", type=Path, help="the local platform's state folder")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout, format="%(asctime)s supervisor: %(message)s"
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    supervise(LocalPlatform(root=args.state_root.parent))


if __name__ == "__main__":
    main()

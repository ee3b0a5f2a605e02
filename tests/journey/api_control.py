"""An operator's script for the test platform's API (platform_api.py), as a
targets file's commands call it: `start`, `stop SIGNAL` and `health`, with
the API kept by a pidfile. Settings come from the environment the targets
file gives: API_PORT, API_PIDFILE, API_LOG, API_ACCOUNTS, API_MEDIA, API_STREAM.

    python api_control.py start TARGET       starts the API unless it answers
    python api_control.py stop TARGET SIG    signals it and waits until it is gone
    python api_control.py health TARGET      exit 0 when it answers HTTP
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

WAIT = 10.0  # seconds the API may take to start or to go
HERE = Path(__file__).parent


def _answers(port: str) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/broken", timeout=1).close()
    except urllib.error.HTTPError:
        return True  # an answer, whatever it says
    except OSError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start(target: str) -> int:
    port, pidfile = os.environ["API_PORT"], Path(os.environ["API_PIDFILE"])
    if _answers(port):
        print(f"{target} already answers on port {port}")
        return 0
    with open(os.environ["API_LOG"], "a") as log:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "platform_api.py"), os.environ["API_ACCOUNTS"],
             os.environ["API_MEDIA"], os.environ["API_STREAM"], port],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    pidfile.write_text(str(process.pid))
    deadline = time.monotonic() + WAIT
    while not _answers(port):
        if time.monotonic() > deadline or process.poll() is not None:
            print(f"{target} did not answer on port {port} within {WAIT:g}s")
            return 1
        time.sleep(0.05)
    print(f"started {target} (pid {process.pid}) on port {port}")
    return 0


def stop(target: str, signal_name: str) -> int:
    pidfile = Path(os.environ["API_PIDFILE"])
    pid = int(pidfile.read_text()) if pidfile.exists() else None
    if pid is None or not _alive(pid):
        print(f"{target} is not running")
        return 1
    os.kill(pid, signal.Signals[signal_name])
    deadline = time.monotonic() + WAIT
    while _alive(pid):
        if time.monotonic() > deadline:
            print(f"{target} (pid {pid}) is still there {WAIT:g}s after {signal_name}")
            return 1
        time.sleep(0.05)
    print(f"stopped {target} (pid {pid}, {signal_name})")
    return 0


def health(target: str) -> int:
    if _answers(os.environ["API_PORT"]):
        return 0
    print(f"{target} does not answer")
    return 1


if __name__ == "__main__":
    action, name = sys.argv[1:3]
    if action == "stop":
        sys.exit(stop(name, sys.argv[3]))
    sys.exit({"start": start, "health": health}[action](name))

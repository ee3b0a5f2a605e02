"""Looks at the live page in a real headless Chromium, as a person watching it
would, once a second: what its charts, status and verdict show, and every URL
the page asked for. Driven over the DevTools protocol on a pipe (Chromium's
--remote-debugging-pipe: JSON messages ended by a NUL byte), so it needs
nothing but Debian's chromium. Its own process (no gevent): the test starts it
beside a run and ends it with SIGTERM; each look is written to OUT at once.

    python tests/streams/live_page_look.py URL OUT.json [SCREENSHOT.png]"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--window-size=1280,2400",
         "--remote-debugging-pipe")
LOOK = """JSON.stringify({
  seconds: Number(document.getElementById("status").dataset.seconds || 0),
  status: document.getElementById("status").textContent,
  verdict: document.getElementById("verdict").textContent,
  banner: document.getElementById("banner").className,
  slos: [...document.querySelectorAll("#slos tr")].map(tr => [...tr.cells].map(c => c.textContent)),
  charts: Object.fromEntries([...document.querySelectorAll("svg[data-chart]")].map(svg => [
    svg.dataset.chart, {
      points: Number(svg.dataset.points),
      series: [...svg.querySelectorAll("g.series")].map(g => g.dataset.series),
      lines: svg.querySelectorAll("g.series path").length,
      faults: [...svg.querySelectorAll("g.fault")].map(g => g.dataset.fault),
      markers: [...svg.querySelectorAll("g.marker")].map(g => g.dataset.marker)}]))
})"""


class DevTools:
    """Chromium's DevTools protocol on its pipe: commands, and the events seen."""

    def __init__(self, chromium: str, profile: str) -> None:
        to_chromium, self._commands = os.pipe()
        self._answers, from_chromium = os.pipe()

        def as_fds_3_and_4() -> None:
            os.dup2(to_chromium, 3)
            os.dup2(from_chromium, 4)

        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=as_fds_3_and_4, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer, self._next, self.events = b"", 0, []

    def send(self, method: str, session: str | None = None, **params: object) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._answers, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed its DevTools pipe")
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(line)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def main(url: str, out: str, screenshot: str | None) -> None:
    deadline = time.monotonic() + 60
    while True:  # the run opens its address as it starts
        try:
            urllib.request.urlopen(url, timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    profile = tempfile.mkdtemp(prefix="kickoff-live-page-")
    tools = DevTools(shutil.which("chromium") or "chromium", profile)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        targets = tools.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        session = tools.send("Target.attachToTarget", targetId=page["targetId"],
                             flatten=True)["sessionId"]
        tools.send("Network.enable", session)
        tools.send("Page.navigate", session, url=url)
        looks = []
        while not stopping:
            time.sleep(1)
            found = tools.send("Runtime.evaluate", session, expression=LOOK, returnByValue=True)
            if "exceptionDetails" in found:  # not loaded yet
                continue
            looks.append({"at": time.time(), **json.loads(found["result"]["value"])})
            requested = [e["params"]["request"]["url"] for e in tools.events
                         if e.get("method") == "Network.requestWillBeSent"]
            with open(out + ".part", "w") as file:
                json.dump({"looks": looks, "requested": requested}, file)
            os.replace(out + ".part", out)
        if screenshot:
            shot = tools.send("Page.captureScreenshot", session, captureBeyondViewport=True)
            with open(screenshot, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
    finally:
        tools.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)

"""report.html in a real headless Chromium: it renders (a screenshot with the
banner's colour and the charts' lines in it), the browser's DOM holds the
charts and tables, and the page fetches nothing.

The no-network check: Chromium runs with every host name mapped to "not
found" (so nothing can leave the machine) and writes a net log. Requests
the page makes carry the page's network isolation key (file://); Chromium's
own background requests (component updates, time, accounts) carry another
and are left out. A control page with one external image shows that the
check sees a page's request when there is one. Without Chromium these tests
skip on a developer's machine and fail under CI=true, like the docker tier."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image

from harness.report import write_reports
from tests.report import sample
from tests.tiers import missing

CHROMIUM = shutil.which("chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", '--host-resolver-rules=MAP * ~NOTFOUND')
WINDOW = (1280, 3000)


@pytest.fixture(scope="module", autouse=True)
def chromium_present() -> None:
    if CHROMIUM:
        return
    missing("report", "chromium is not installed (apt-get install chromium)")


def chromium(page: Path, *flags: str) -> str:
    """Runs Chromium on the page with a fresh profile; returns its stdout."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *flags,
                               page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def page_requests(page: Path, tmp_path: Path) -> list[str]:
    """The URLs the page asked the network stack for, from Chromium's net log."""
    net_log = tmp_path / f"{page.stem}.netlog.json"
    chromium(page, f"--log-net-log={net_log}", "--dump-dom")
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [event["params"]["url"] for event in log["events"]
            if event["type"] == start_job
            and event["params"].get("network_isolation_key", "").startswith("file://")]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    run_dir = tmp_path_factory.mktemp("run")
    summary = sample.full_run(run_dir)
    write_reports(run_dir, summary)
    return run_dir / "report.html", summary


@pytest.fixture(scope="module")
def dom(run) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(chromium(run[0], "--dump-dom"))


def test_screenshot_shows_the_banner_and_the_charts(run, tmp_path):
    shot = tmp_path / "report.png"
    chromium(run[0], f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--screenshot={shot}")
    image = Image.open(shot).convert("RGB")
    assert image.size == WINDOW
    counts = {colour: n for n, colour in image.getcolors(maxcolors=WINDOW[0] * WINDOW[1])}
    blank = counts.get((255, 255, 255), 0) + counts.get((0xf3, 0xf4, 0xf6), 0)  # page, cards
    assert len(counts) > 500
    assert 1 - blank / (WINDOW[0] * WINDOW[1]) > 0.10
    assert counts.get((0xb9, 0x1c, 0x1c), 0) > 50_000  # the FAIL banner, red
    for series in ((0x00, 0x9e, 0x73), (0x00, 0x72, 0xb2), (0xd5, 0x5e, 0x00)):
        assert counts.get(series, 0) > 300, series  # chart lines: green, blue, vermillion


def test_the_browser_dom_holds_charts_and_tables(run, dom):
    _, summary = run
    charts = dom.xpath("//svg[@data-chart]")
    assert [c.get("data-chart") for c in charts] == ["viewers", "requests", "latency", "startup"]
    for chart in charts:
        assert chart.xpath("./title")[0].text
        assert chart.xpath(".//g[@data-marker='kickoff']/text")[0].text == "kickoff"
        assert len(chart.xpath(".//g[@class='fault']")) == len(summary["faults"])
        assert chart.xpath(".//g[@class='series']/path")
    slo_rows = dom.xpath("//table[@class='slos']/tbody/tr")
    assert len(slo_rows) == len(summary["verdict"]["slos"])
    assert len(dom.xpath("//table[@class='slos']/tbody/tr[@class='failing']")) == 3
    fault_rows = dom.xpath("//table[@class='faults']/tbody/tr")
    assert [r.xpath("td")[0].text_content() for r in fault_rows] == \
        [f["name"] for f in summary["faults"]]


def test_the_report_fetches_nothing(run, tmp_path):
    assert page_requests(run[0], tmp_path) == []


def test_the_network_check_sees_a_page_that_fetches(tmp_path):
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><img src="http://example.invalid/x.png">')
    assert page_requests(control, tmp_path) == ["http://example.invalid/x.png"]

"""summary.json's `server` block: for a run that read server metrics (a
targets file's server_metrics), each query's figures over the run and the
seconds it had none, with why (harness.runfolder.server_metrics). A second
without a figure is counted missing, never read as 0."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harness.runfolder.server_metrics import ServerSeries

NOT_ASKED = "not answered before the run ended"


def server_block(series: ServerSeries, run_seconds: int, events: Sequence[dict]) -> dict:
    """The block for `series` over a run of `run_seconds` recorded seconds."""
    asked = next((e for e in events if e["kind"] == "server_metrics"), {})
    queries = asked.get("queries") or {}
    metrics = {}
    for name in series.names:
        lines = [series.seconds[n] for n in range(run_seconds) if n in series.seconds]
        figures = [v for v in (line.values.get(name) for line in lines) if v is not None]
        problems = Counter(line.missing[name] for line in lines if name in line.missing)
        if run_seconds > len(lines):
            problems[NOT_ASKED] = run_seconds - len(lines)
        metrics[name] = {
            "query": queries.get(name),
            "seconds_with_figure": len(figures),
            "seconds_missing": run_seconds - len(figures),
            "min": min(figures, default=None),
            "max": max(figures, default=None),
            "mean": sum(figures) / len(figures) if figures else None,
            "problems": dict(problems.most_common()),
        }
    return {"prometheus": asked.get("prometheus"), "metrics": metrics}

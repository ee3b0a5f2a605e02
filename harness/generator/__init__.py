"""The load generator: where a run's viewers run and how their windows reach the run.

One process (local.py: today's default), or a master on Locust's own
distributed runners (master.py) with worker processes on this machine or on
others (worker.py, spawn.py). Either way the run asks a window source
(source.py) for the window of second N; the master merges the workers' windows
of that second exactly (merge.py). Workers get everything they need from the
master (plan.py) and only run viewers: never faults, health checks, recorder
or the stack. Every process plays the scenario's audience alike, with load's
viewers (audience.py): the curve as a Locust shape (shape.py) and the arriving
viewers (schedule.py). docs/distributed.md is the user's reference.
"""

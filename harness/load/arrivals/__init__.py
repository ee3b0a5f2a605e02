"""The open audience model: viewers who arrive, watch a while and leave.

A scenario's `viewers:` points are a closed model (so many watch now). Besides
them a scenario may write how viewers arrive (`audience.arrivals`, a rate over
match time, and `audience.push` spikes) and how they leave (`audience.leaving`:
half-time, the final whistle). harness/scenario/arrival_rates.py turns a rate
into arrival moments, leaving.py a viewer's time in the audience into stays
(breaks cut out), harness/generator/schedule.py a scenario into every arriving
viewer of a run with their stays, the concurrency that implies and the pool of
Locust users that carries them; queue.py hands them to the pool's users
(pool.py), on the run's clock. Everything is drawn from the
scenario's seed, per arrival number, so every process of a distributed run
computes the same arrivals and takes its own share of them.
docs/scenarios.md ("Arrivals and leaving") is the user's reference.
"""

"""The bounds of the values kickoff reads, in one place whether a person
wrote the file (a scenario: spec/fields.py) or a run did (its folder:
measure/shapes.py). A value past them is a mistake or damage, never data."""

from __future__ import annotations

# Times and durations a person writes: at most a week from kickoff (a
# tournament day is less).
MAX_MATCH_TIME = 7 * 24 * 3600.0
# Seconds a run records (wall or match time, budgets): a match lasts hours, a
# run days at most (a time_scale below 1 stretches a week); further is damage,
# and too large to show as a time.
LONGEST_S = 10.0**7
# The latest wall clock a run can carry (the end of year 9999): later ones
# cannot be written as a date.
LATEST_EPOCH = 253_402_300_799.0
# No count of one run comes near this; a larger one is damage, not data.
MOST = 10**15

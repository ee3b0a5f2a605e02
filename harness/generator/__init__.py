"""The load generator: the processes that make the audience's load, and what
they know about themselves (truth.py: whether each kept up)."""

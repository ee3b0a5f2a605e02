"""Platforms: where a stack runs and how kickoff reaches it. Each platform
declares itself in its own module (local, docker, external); registry.py
lists them, stack.py is the one description of a stack they hand a run."""

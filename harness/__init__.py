"""kickoff: load and chaos testing for live sports streaming."""

__version__ = "0.1.0"

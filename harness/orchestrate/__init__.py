"""Orchestrators over many runs: capacity (step or bisect the audience), sweep
(one fault at a time under peak load) and control runs (the same audience
without faults). They compose normal runs and their run folders; they never
reimplement a run.
"""

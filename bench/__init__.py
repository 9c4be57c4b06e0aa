"""Benchmarks: a generator of realistic oncology libraries and one command that times refmgr on them."""

"""Matching: who should be asked to help with a request. The core (`core.py`) is pure Python:
dataclasses in, dataclasses out, no Django, so it is unit-tested and benchmarked directly."""

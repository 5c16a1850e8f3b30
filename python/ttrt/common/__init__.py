"""ttrt.common: the ttrt commands as a Python API (api.py) and its Logger and Artifacts (util.py)."""

# Convenience targets; CI runs scripts/test.sh.
.PHONY: test bench

PY ?= .venv/bin/python

test:
	scripts/test.sh

# The API read benchmark (docs/benchmarks.md); not part of the test suite.
bench:
	$(PY) bench/api_bench.py --json bench/results.json

# Developer shortcuts; CI runs scripts/test.sh. Every target is independent.
.PHONY: test bench bench-cold bench-scale bench-deploy

PY ?= .venv/bin/python
SCALE_DIR ?= /tmp/cumulo-scale
SAMPLES ?= 20

test:
	scripts/test.sh

# The API read benchmark (docs/benchmarks.md); not part of the test suite.
bench:
	$(PY) bench/api_bench.py --json bench/results.json

# Cold start of `cumulo serve` (spawn -> first signed listApis), SQLite and
# MariaDB, wall and CPU seconds (docs/benchmarks.md, "Cold start").
bench-cold:
	$(PY) bench/cold_start.py --runs 5 --json bench/cold_start.json

# Seed 10k and 100k instances (SQLite) and measure the list commands over HTTP
# (docs/benchmarks-scale.md).
bench-scale:
	rm -rf $(SCALE_DIR)-10k $(SCALE_DIR)-100k
	$(PY) bench/seed_scale.py --data-dir $(SCALE_DIR)-10k --scale 0.1
	$(PY) bench/list_bench.py --data-dir $(SCALE_DIR)-10k --samples $(SAMPLES) --json $(SCALE_DIR)-10k.json
	$(PY) bench/seed_scale.py --data-dir $(SCALE_DIR)-100k --scale 1
	$(PY) bench/list_bench.py --data-dir $(SCALE_DIR)-100k --samples $(SAMPLES) --json $(SCALE_DIR)-100k.json

# 1,000 instances deployed by 100 concurrent clients into one network on a fresh
# node with a simulator zone; audited for duplicate addresses (docs/benchmarks-scale.md).
bench-deploy:
	$(PY) bench/deploy_bench.py --vms 1000 --clients 100 --hosts 20 --json $(SCALE_DIR)-deploy.json

# Developer shortcuts; every target is independent.
PY ?= .venv/bin/python
SCALE_DIR ?= /tmp/cumulo-scale
SAMPLES ?= 20

.PHONY: bench-scale
# Seed 10k and 100k instances (SQLite) and measure the list commands over HTTP.
bench-scale:
	rm -rf $(SCALE_DIR)-10k $(SCALE_DIR)-100k
	$(PY) bench/seed_scale.py --data-dir $(SCALE_DIR)-10k --scale 0.1
	$(PY) bench/list_bench.py --data-dir $(SCALE_DIR)-10k --samples $(SAMPLES) --json $(SCALE_DIR)-10k.json
	$(PY) bench/seed_scale.py --data-dir $(SCALE_DIR)-100k --scale 1
	$(PY) bench/list_bench.py --data-dir $(SCALE_DIR)-100k --samples $(SAMPLES) --json $(SCALE_DIR)-100k.json

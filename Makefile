# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test lint bench bench-contended clean system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps re-install when pyproject.toml changes.
$(VENV)/.run-stamp: pyproject.toml | $(PY)
	$(PIP) install -q -e ".[all]"
	touch $@

$(VENV)/.dev-stamp: pyproject.toml | $(PY)
	$(PIP) install -q -e ".[dev]"
	touch $@ $(VENV)/.run-stamp

# The seed's DNN ([300, 100], ReLU, softmax cross-entropy, batch 50; Adagrad at 0.05 as in
# tf.estimator.DNNClassifier; these are also the CLI's defaults) on the built-in digits set.
run: $(VENV)/.run-stamp
	$(VENV)/bin/glassnet train --dataset digits --hidden 300,100 --activation relu \
		--optimizer adagrad --lr 0.05 --epochs 40 --batch-size 50 --early-stopping 10 \
		--out runs/digits
	@echo "glassnet is in $(VENV)/bin, not on your PATH: run $(VENV)/bin/glassnet --help," \
		"or source $(VENV)/bin/activate first"

lint: $(VENV)/.dev-stamp
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/pyright

# Chromium and a Korean font for the browser tests (apt-get when root and missing).
system-deps:
	scripts/ensure-system-deps.sh

test: system-deps $(VENV)/.dev-stamp lint
	$(PY) -m pytest -q

bench: $(VENV)/.dev-stamp
	for f in benchmarks/[!_]*.py; do [ $$f = benchmarks/contended.py ] && continue; \
		echo "== $$f"; $(PY) $$f || exit 1; done

# Every benchmark quiet and beside busy neighbours (a busy loop; a NumPy job; three at once),
# REPEATS times each: medians and worst runs against the reference measured in the same run.
bench-contended: $(VENV)/.dev-stamp
	$(PY) benchmarks/contended.py --repeats $${REPEATS:-3}

clean:
	rm -rf $(VENV) build dist *.egg-info runs

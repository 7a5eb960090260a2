# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv once (re-used afterwards) and install everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
DEMO_OUT ?= demo-output

.PHONY: demo test lint docs bench clean install graphviz

install: $(STAMP) graphviz

# torch is pinned and installed before the package: a looser requirement would pull
# a multi-GB CUDA build here.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

graphviz:
	@command -v dot >/dev/null 2>&1 || sh scripts/install-graphviz.sh

demo: install
	$(BIN)/rational demo --out $(DEMO_OUT)

lint: install
	$(BIN)/ruff check rational tests examples benchmarks scripts

test: install lint docs
	$(BIN)/python -m pytest -n 2 --dist loadgroup

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

clean:
	rm -rf $(VENV) site $(DEMO_OUT) .pytest_cache .ruff_cache .hypothesis

# Two commands: `make demo` and `make test`. Each does all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
BYTECODE := $(VENV)/.bytecode-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
export UV_PYTHON_DOWNLOADS := never
export PYTHONUTF8 := 1
export MPLBACKEND := Agg

.PHONY: demo test setup system-deps system-deps-test clean bench lint

demo: setup system-deps
	$(BIN)/appraisal demo --out build/demo

test: setup system-deps-test
	$(BIN)/python -m pytest -n 2 --timeout=900 $(PYTEST_ARGS)

setup: $(STAMP) $(BYTECODE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[workshop,dev]' \
	  || $(BIN)/python -m pip install -q -e '.[workshop,dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

# Bytecode for everything installed, once (12 s on 2 cores): PYTHONDONTWRITEBYTECODE or a read-only venv would
# otherwise make every process (each build worker and kernel) compile pandas, scipy, matplotlib, seaborn,
# WeasyPrint, papermill and ipykernel again; importing the batch kernel's modules took 8.0 s without, 4.3 s with.
$(BYTECODE): $(STAMP)
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib toolkit >/dev/null
	rm -f $(VENV)/.bytecode-*
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

system-deps-test:
	bash scripts/install-system-deps.sh --test

bench: setup system-deps
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check toolkit tests benchmarks

clean:
	rm -rf build .pytest_cache

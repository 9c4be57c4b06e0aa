# Two commands matter: `make run` opens refmgr, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: run test lint bench bundle clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	sh packaging/qt-system-deps.sh

run: system-deps $(STAMP)
	$(BIN)/refmgr

test: system-deps $(STAMP)
	$(BIN)/ruff check refmgr tests bench
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check refmgr tests bench

bench: $(STAMP)
	$(BIN)/python -m bench.run

BUNDLE_STAMP = $(VENV)/.bundle-installed

$(BUNDLE_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bundle]'
	touch $(BUNDLE_STAMP)

# The PyInstaller app in dist/refmgr/, then its --version and --self-test (Qt offscreen).
bundle: system-deps $(BUNDLE_STAMP)
	sh packaging/build-bundle.sh $(BIN)

clean:
	rm -rf $(VENV) build dist *.egg-info

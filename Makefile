# ocrpipe: two commands on a fresh Debian machine
#   make demo   run the whole pipeline on the bundled sample article
#   make test   run the test suite
#   make dist   build the wheel and sdist (make wheel-check: install the wheel alone, read the demo)
# Both depend on `make install` (idempotent): apt packages + .venv.

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
APT_PKGS := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei \
            fonts-arphic-ukai fonts-arphic-uming libgl1 libglib2.0-0 chromium \
            poppler-utils
DEMO_ARTICLE := samples/demo/article.md
DEMO_OUT ?= out/demo

.PHONY: install apt venv demo test test-quick lint dist wheel-check bench bench-corpus samples clean

install: apt venv

# Installs only the Debian packages that are missing; uses sudo when not root.
apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "apt-get install:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,rapidocr,dask]'
	touch $@

demo: install
	$(BIN)/ocrpipe run $(DEMO_ARTICLE) --out $(DEMO_OUT) --review
	$(BIN)/python -m bench.screenshot $(DEMO_OUT)/review.html $(DEMO_OUT)/review.png

# Static checks first (ruff: lint and import order; mypy: types), then the whole suite.
lint: install
	$(BIN)/ruff format --check ocrpipe bench tests
	$(BIN)/ruff check ocrpipe bench tests
	$(BIN)/mypy

# The suite runs in parallel (pytest-xdist, one worker per core); the demo run that several
# modules read is made once per session and shared by the workers (tests/conftest.py).
test: lint
	$(BIN)/python -m pytest -q -n auto

# The inner loop (under 30 s on a quiet 2-core machine): no static checks, no end-to-end
# runs with real engines (those are marked slow).
test-quick: install
	$(BIN)/python -m pytest -q -m "not slow" -x -n auto

# Wheel and sdist into dist/, built in an isolated environment from pyproject.toml.
dist: venv
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# The built wheel installed alone in a clean venv reads the demo with default settings.
wheel-check: dist
	PYTHON=$(PYTHON) .ci/wheel-check dist

bench: install
	$(BIN)/python -m bench.posters
	$(BIN)/python -m bench.realdev
	$(BIN)/python -m bench.readers
	$(BIN)/python -m bench.structure

# The corpus store: ingest speed and overhead, search latency on 100k clauses, export memory.
bench-corpus: install
	$(BIN)/python -m bench.corpus

# Re-render the bundled sample posters (they are committed; this is for maintainers).
samples: install
	$(BIN)/python -m bench.synth demo samples/demo

clean:
	rm -rf $(VENV) out build dist *.egg-info .pytest_cache

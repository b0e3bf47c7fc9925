# songforge — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
# Debian packages the tests and benchmarks use (soundfonts render known multitrack stems;
# opl3, avldrums and csound fonts: the held-out side of bench/separation.py, whose split tests/unit checks;
# postgresql and redis-server: the integration tests run throw-away servers of their own).
APT_PACKAGES := fluidsynth fluid-soundfont-gm opl3-soundfont avldrums.lv2-soundfont csound-soundfont postgresql redis-server
# wrk drives the API benchmark (C, so the load generator costs little CPU).
BENCH_APT_PACKAGES := $(APT_PACKAGES) wrk

.PHONY: run test venv apt-deps bench clean lint

$(BIN)/songforge: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "songforge needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build; a range would pull CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	# tinysoundfont renders soundfonts offline (Twelve dictionaries); its pyaudio requirement is only
	# for live playback and needs PortAudio headers, so it is installed without dependencies.
	$(BIN)/pip install --quiet --no-deps tinysoundfont==0.3.7
	# basic-pitch carries its note-transcription model as ONNX (run with onnxruntime); its TensorFlow
	# dependency is only for training and its own default backend, so it is installed without dependencies.
	$(BIN)/pip install --quiet --no-deps basic-pitch==0.4.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/songforge

run: venv
	$(BIN)/songforge serve

apt-deps:
	@missing=""; for p in $(or $(PACKAGES),$(APT_PACKAGES)); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# Lint first: CI (.ci/run) runs `make test`, so style and types are enforced there too.
test: lint apt-deps
	$(BIN)/python -m pytest -q -ra

# ruff (lint + format check) and mypy, configured in pyproject.toml; `ruff format` and
# `ruff check --fix` fix most of what ruff reports.
LINT_PATHS := src bench tests
# All three run, so one pass shows every problem; lint fails if any of them did.
lint: venv
	@status=0; \
	echo "ruff check $(LINT_PATHS)"; $(BIN)/ruff check $(LINT_PATHS) || status=1; \
	echo "ruff format --check $(LINT_PATHS)"; $(BIN)/ruff format --check $(LINT_PATHS) || status=1; \
	echo "mypy (files: [tool.mypy] in pyproject.toml)"; $(BIN)/mypy || status=1; \
	exit $$status

bench: venv
	$(MAKE) apt-deps PACKAGES="$(BENCH_APT_PACKAGES)"
	$(BIN)/python bench/api.py
	$(BIN)/python bench/separation.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) songforge-data .pytest_cache .mypy_cache .ruff_cache

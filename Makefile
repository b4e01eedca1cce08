# livedqn-edu: the commands the README names.
#   make lab        set up .venv (first time) and open the course in JupyterLab
#   make test       set up .venv (first time); ruff, the package tests (nbgrader grading, a real
#                   browser, a fresh install included) and nbval over every notebook (fast mode)
#   make lint       ruff check + ruff format --check (notebooks included)
#   make notebooks  re-execute every notebook in full mode, in place; record running times
#   make prepare    apply nbgrader + slide metadata to notebooks/ (after editing a lesson)
#   make classroom  fill classroom/source/ from notebooks/ and generate the student release
#   make student    write plain student versions of the notebooks to student/ (no nbgrader)
#   make slides     write a reveal.js deck per notebook to slides/
#   make docs       rewrite the exercise table in docs/teaching.md from the notebooks
#   make bench      run the benchmarks and rewrite benchmarks/results/*.md (peer included)
#   make bench-peers  build .venv-peers (Stable-Baselines3, torch CPU) and run the CartPole
#                   benchmark with the SB3 peer side by side

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
LAB_DIR ?= notebooks
LAB_ARGS ?=
# the course's JupyterLab settings (news pop-up off), installed into the venv's Jupyter
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
PEERS  := .venv-peers
# extra pip options for the peer's venv, e.g. PyTorch's CPU index where pip would pick a CUDA build
PEERS_PIP_ARGS ?=
CHROMIUM ?= /usr/bin/chromium
# Jupyter refuses to run as root unless told to (containers, Binder-like machines)
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
export MPLBACKEND := Agg
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
# nbgrader runs helper programs (alembic) from the venv
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: venv lab test unit nbval lint format notebooks prepare classroom student slides docs \
	bench bench-peers bench-dqn-recommender chromium clean

venv: $(STAMP) $(LAB_SETTINGS)

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(LAB_SETTINGS): jupyter/overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp jupyter/overrides.json $@

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) --port=$(PORT) $(LAB_ROOT) $(LAB_ARGS)

test: lint unit nbval

# the browser test needs Debian's chromium (and a Chinese font, for the language-pack
# screenshot): installed here when missing (CI runs as root)
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
chromium:
	@if [ -x "$(CHROMIUM)" ] && [ -f "$(CJK_FONT)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium and fonts-wqy-microhei for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$([ -x "$(CHROMIUM)" ] || echo chromium) fonts-wqy-microhei >/dev/null; \
	elif [ ! -x "$(CHROMIUM)" ]; then \
		echo "the browser test needs Chromium at $(CHROMIUM): 'sudo apt-get install chromium'," \
			"or 'make test CHROMIUM=/path/to/chrome'"; exit 1; \
	fi

unit: $(STAMP) $(LAB_SETTINGS) chromium
	LIVEDQN_FAST=1 LIVEDQN_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q tests

nbval: $(STAMP)
	LIVEDQN_FAST=1 $(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -o addopts="" notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

notebooks: $(STAMP)
	$(BIN)/livedqn-edu run-notebooks notebooks

prepare: $(STAMP)
	$(BIN)/livedqn-edu classroom prepare notebooks

classroom: $(STAMP)
	$(BIN)/livedqn-edu classroom source
	cd classroom && for a in source/*/; do $(abspath $(BIN))/nbgrader generate_assignment "$$(basename $$a)"; done

student: $(STAMP)
	$(BIN)/livedqn-edu student student

slides: $(STAMP)
	$(BIN)/livedqn-edu slides slides $(if $(REVEAL_PREFIX),--reveal-prefix $(REVEAL_PREFIX),)

docs: $(STAMP)
	$(BIN)/livedqn-edu exercises --update docs/teaching.md

# the peer's own virtualenv: torch's CPU build (a plain `torch` would pull a CUDA build of
# several GB), stable-baselines3 and gymnasium; never a dependency of the course
$(PEERS)/.installed: benchmarks/peers-requirements.txt
	@test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet $(PEERS_PIP_ARGS) -r benchmarks/peers-requirements.txt
	@touch $@

bench-peers: $(STAMP) $(PEERS)/.installed
	$(BIN)/python benchmarks/cartpole.py --seeds 0 1 2 3 4 5 6 --sb3-python $(PEERS)/bin/python

bench: $(STAMP) $(PEERS)/.installed
	$(BIN)/python benchmarks/tabular.py
	$(BIN)/python benchmarks/cartpole.py --seeds 0 1 2 3 4 5 6 --sb3-python $(PEERS)/bin/python
	$(BIN)/python benchmarks/live_room.py
	$(BIN)/python benchmarks/tune_baselines.py
	$(BIN)/python benchmarks/recommender.py
	$(BIN)/python benchmarks/recommender.py --catalogue-seed
	$(BIN)/python benchmarks/stats.py

# the recommender over 5 training seeds x 2 agents (two at a time), test + new catalogue
bench-dqn-recommender: $(STAMP)
	$(BIN)/python benchmarks/recommender_dqn.py --jobs 2

clean:
	rm -rf $(VENV) $(PEERS) student slides build test-artifacts *.egg-info

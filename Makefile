# livedqn-edu: the commands the README names.
#   make lab        set up .venv (first time) and open the course in JupyterLab
#   make test       set up .venv (first time), run the package tests and nbval over every notebook
#   make lint       ruff check + ruff format --check (notebooks included)
#   make notebooks  re-execute every notebook in full mode, in place; record running times
#   make student    write student versions of the notebooks to student/
#   make docs       rewrite the exercise table in docs/teaching.md from the notebooks
#   make bench      run the benchmarks and rewrite benchmarks/results/*.md
#                   (SB3_PYTHON=../sb3env/bin/python adds the SB3 peer reference to cartpole)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
# Jupyter refuses to run as root unless told to (containers, Binder-like machines)
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
export MPLBACKEND := Agg
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: venv lab test unit nbval lint format notebooks student docs bench bench-dqn-recommender clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --port=$(PORT) $(LAB_ROOT)

test: lint unit nbval

unit: $(STAMP)
	LIVEDQN_FAST=1 $(BIN)/python -m pytest -q tests

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

student: $(STAMP)
	$(BIN)/livedqn-edu student student

docs: $(STAMP)
	$(BIN)/livedqn-edu exercises --update docs/teaching.md

bench: $(STAMP)
	$(BIN)/python benchmarks/tabular.py
	$(BIN)/python benchmarks/cartpole.py --seeds 0 1 2 3 4 5 6 $(if $(SB3_PYTHON),--sb3-python $(SB3_PYTHON),)
	$(BIN)/python benchmarks/live_room.py
	$(BIN)/python benchmarks/recommender.py --seeds 0 1 2
	$(BIN)/python benchmarks/stats.py

# the recommender over 5 training seeds x 2 agents (two at a time), test + new catalogue
bench-dqn-recommender: $(STAMP)
	$(BIN)/python benchmarks/recommender_dqn.py --jobs 2

clean:
	rm -rf $(VENV) student build *.egg-info

# The two commands: `make demo` and `make test`. Each creates .venv when missing and installs
# the project into it, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test soak lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	COLUMNS=$${COLUMNS:-150} $(BIN)/python -m examples.demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# tests run in TEST_WORKERS processes (pytest-xdist): each test has its own schema, database,
# temporary folder and ports, so they do not meet
TEST_WORKERS ?= 2

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS)

# the tests whose size is the point, at full size (see tests/soak.py)
soak: install
	HUB_SOAK=1 $(BIN)/pytest tests/engine/test_random_kills.py tests/engine/test_sql_pipeline.py \
		tests/marketing/segments/test_agreement.py
	HUB_CRASH_EMAILS=5000 HUB_CRASH_SMS=2000 HUB_BULK_EMAILS=10000 \
		$(BIN)/pytest tests/messaging/test_crash_sandboxes.py

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) examples/out .mypy_cache .ruff_cache .pytest_cache

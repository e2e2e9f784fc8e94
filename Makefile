# Network Code: `make run` starts the demo; `make test` runs every test; `make lint` and `make typecheck` check the code.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := static/build/main.css
RUN_ENV := DEBUG=$${DEBUG:-true}
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production-4f9c2a7e1b8d}
# Test processes (pytest-xdist): one per CPU core; TEST_WORKERS=0 runs the tests in this one.
TEST_WORKERS ?= auto
.PHONY: run test install assets lint layers typecheck worker beat clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

$(ASSETS): package.json package-lock.json assets/copy-assets.js $(wildcard assets/scss/*.scss)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

assets: $(ASSETS)

run: $(INSTALLED) $(ASSETS)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Network Code is running at http://127.0.0.1:8000/"
	@echo "  Sign in with any demo user; every password is \"$${DEMO_PASSWORD:-network-code-demo}\":"
	@echo "    buyer@avon-and-somerset.police.example     buyer"
	@echo "    finance@avon-and-somerset.police.example   finance approver (limit 250,000.00)"
	@echo "    finance2@avon-and-somerset.police.example  finance approver (limit 2,000,000.00)"
	@echo "    delegate@avon-and-somerset.police.example  delegate"
	@echo "    catalogue@ictco.example                    catalogue manager"
	@echo "    commercial@ictco.example                   commercial lead"
	@echo "    secretary@ictco.example                    standards secretary"
	@echo "    editor@aldgate-mobile.example              supplier editor"
	@echo "    admin@ictco.example                        staff (admin site at /admin/)"
	@echo "  (every force has the same four users: replace avon-and-somerset with its slug)"
	@echo ""
	@if [ -z "$${REDIS_URL}" ]; then \
	  echo "  Scheduled jobs run in-process every minute (no REDIS_URL)."; \
	  $(RUN_ENV) $(BIN)/python manage.py run_scheduled_jobs --interval 60 > scheduled-jobs.log 2>&1 & \
	fi; \
	trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(INSTALLED) $(ASSETS)
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The layers contract in pyproject.toml: config > procurement > catalogue > standards >
# accounts > core; a lower app never imports a higher one.
layers: $(INSTALLED)
	$(BIN)/lint-imports

# What mypy checks is in pyproject.toml ([tool.mypy] files): all application code.
# The django-stubs plugin loads the settings, which need a key (any will do).
typecheck: $(INSTALLED)
	SECRET_KEY= $(BIN)/mypy

worker: $(INSTALLED)
	$(BIN)/celery -A config worker --loglevel=info

beat: $(INSTALLED)
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules static/build staticfiles

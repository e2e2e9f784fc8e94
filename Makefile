# Network Code: `make run` starts the demo; `make test` runs every test; `make typecheck` runs mypy.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := static/build/main.css
RUN_ENV := DEBUG=$${DEBUG:-true}
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production}
# What mypy checks (with django-stubs): services, selectors and the helpers they rest on.
TYPED := accounts/services.py accounts/selectors.py accounts/permissions.py accounts/audit.py \
	catalogue/services.py catalogue/selectors.py standards/services.py standards/selectors.py \
	procurement/services.py procurement/selectors.py procurement/documents.py core/ \
	catalogue/states.py standards/states.py procurement/states.py procurement/policies/ \
	catalogue/policies.py standards/policies.py accounts/states.py accounts/notifications.py \
	procurement/ocds.py procurement/arithmetic.py \
	accounts/navigation.py catalogue/navigation.py standards/navigation.py procurement/navigation.py \
	catalogue/panels.py procurement/panels.py standards/providers.py catalogue/providers.py \
	procurement/providers.py standards/signals.py catalogue/lapsing.py

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
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The layers contract in pyproject.toml: config > procurement > catalogue > standards >
# accounts > core; a lower app never imports a higher one.
layers: $(INSTALLED)
	$(BIN)/lint-imports

# The django-stubs plugin loads the settings, which need a key (any will do).
typecheck: $(INSTALLED)
	SECRET_KEY=x $(BIN)/mypy $(TYPED)

worker: $(INSTALLED)
	$(BIN)/celery -A config worker --loglevel=info

beat: $(INSTALLED)
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules static/build staticfiles

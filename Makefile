# The two commands a newcomer needs: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/common/requirements.txt | cksum | cut -d' ' -f1)
# SAM CLI pins versions that clash with the layer's, so it has a virtualenv of its own.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed-$(shell cksum < requirements-sam.txt | cut -d' ' -f1)

.PHONY: run test unit integration unit-and-integration e2e openapi bench load campaign fuzz install browser clean-state lint rotate

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

$(SAM_STAMP): requirements-sam.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check --no-compile -r requirements-sam.txt
	rm -f $(SAM_VENV)/.installed-*
	touch $@

install: $(STAMP) $(SAM_STAMP)

browser:
	@bash scripts/install-browser.sh

# The local stack's AWS emulation listens here, so that `make rotate` finds it.
AWS_EMULATION_PORT ?= 4566

run: $(STAMP)
	AWS_EMULATION_PORT=$(AWS_EMULATION_PORT) $(BIN)/python -m devstack

# What is independent runs side by side: the two virtualenvs and the browser's packages install at once (each step
# skips itself when already satisfied); lint runs beside the unit and integration tests; then the end-to-end tests,
# on both cores too: each xdist worker starts one local stack (and its own, on ports of its own), and a test file
# stays on one worker so that its module-wide stacks and browser start once.
test:
	@$(MAKE) --no-print-directory -j3 --output-sync=target install browser
	@$(MAKE) --no-print-directory -j2 --output-sync=line lint unit-and-integration
	$(BIN)/python -m pytest tests/e2e -n 2 --dist loadfile

# Unit and integration tests share nothing between cases, so they use both cores (the module-wide builds stay on
# one worker: xdist groups).
unit-and-integration: install
	$(BIN)/python -m pytest tests/unit tests/integration -n 2 --dist loadgroup

unit: install
	$(BIN)/python -m pytest tests/unit

integration: install
	$(BIN)/python -m pytest tests/integration

e2e: install browser
	$(BIN)/python -m pytest tests/e2e -n 2 --dist loadfile

openapi: install
	$(BIN)/python -m devstack.openapi_document

bench: install
	$(BIN)/python -m bench

load: install browser
	$(BIN)/python -m bench.load
	$(BIN)/python -m pytest tests/e2e -m load

# A scaled-down application campaign on a fresh local stack (CAMPAIGN_ARGS, e.g. --seconds 120 --rate 0.5).
campaign: install
	$(BIN)/python -m bench.campaign $(CAMPAIGN_ARGS)

fuzz: install
	ONECARD_FUZZ_PROFILE=long $(BIN)/python -m pytest tests/e2e/test_fuzz_openapi.py -p no:randomly

# A key rotation against the local stack that `make run` started, e.g. `make rotate KEY=captcha`; with STACK=<name>,
# against a deployed stack (AWS credentials as usual). More arguments in ROTATE_ARGS (--status, --rollback, --no-wait).
KEY ?= blind-index
rotate: $(STAMP)
	$(BIN)/python scripts/rotate_key.py $(KEY) $(if $(STACK),--stack $(STACK),--local http://127.0.0.1:$(AWS_EMULATION_PORT)) $(ROTATE_ARGS)

# Style and types: ruff's lint and format check, then mypy (strict on the domain rules and security, basic elsewhere).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean-state:
	rm -rf .local-state

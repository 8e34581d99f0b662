# The README's commands. `make demo` runs the program; `make test` runs the whole test suite.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
EXTENSION_DIRS := resources hooks modules
# Where cargo puts what it builds: CARGO_TARGET_DIR or a config's build.target-dir, else target/.
TARGET_DIR = $(shell cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

.PHONY: demo man run test lint lint-templates bench fuzz venv checkov-venv tools dist readme-views provider-permissions

# The terminal UI on this repository with the demo's scripted accounts: the whole release,
# no AWS account needed (q quits, ? shows the keys). SPEED=5 runs it five times faster.
SPEED ?= 1
demo:
	@test -x $(TARGET_DIR)/release/regship || echo "building regship first: about 15 minutes on 2 cores the first time (the AWS SDK), seconds after that"
	cargo run --release --quiet -- demo --speed $(SPEED)

# The man pages (one per subcommand), generated from the command line's definition.
man:
	cargo run --release --quiet -- man --dir $(TARGET_DIR)/man

# The pictures of the views (README and docs/tui.md), drawn again from the demo (review the diff).
readme-views:
	REGSHIP_UPDATE_README=1 cargo test --quiet --test demo the_readme_shows_the_views

# Any subcommand: make run ARGS="check --json"
run:
	cargo run --release --quiet -- $(ARGS)

# The Python tools (cfn-lint, the CloudFormation CLI, moto) in a local virtualenv.
# The Linux release archive the beta builds install regship from, and its SHA-256: copy the
# archive to the beta artifact bucket and pin the checksum (docs/kit.md, "Installing regship in the
# beta builds").
VERSION = $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
dist:
	cargo build --release --locked
	scripts/dist.sh $(TARGET_DIR)/release/regship $(VERSION) $(TARGET_DIR)/dist

# checkov, in a virtualenv of its own: its pins would move those of the tools above.
CHECKOV_VENV = .venv-checkov
checkov-venv: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# What each AWS resource type's handlers call, from the provider schemas of the pinned cfn-lint:
# the table `pipeline add` writes build roles from. Run it after upgrading cfn-lint.
provider-permissions: venv
	$(VENV)/bin/python scripts/provider_permissions.py assets/provider-permissions.tsv

# tmux drives the TUI end to end.
tools:
	command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux; }

test: venv tools
	cargo build --release --quiet
	REGSHIP_BIN=$(TARGET_DIR)/release/regship cargo test --all-targets
	$(MAKE) lint-templates

# cfn-lint over the release kit's templates and every extension's test templates, with the
# extensions' own schemas so that their types are known (E3006 otherwise); checkov over the kit,
# whose every skip states its reason in the template (Metadata.checkov.skip). The publish and
# canary documents are SSM Automation documents, not templates (tests/publish_document.rs checks
# them); release/upload-infrastructure.yml is the cloudformation-cli's own template, deployed as
# it is so that `cfn submit` finds nothing to change (tests/kit_policies.rs compares them).
RELEASE_TEMPLATES = $(filter-out release/publish-%.yml release/upload-infrastructure.yml,$(wildcard release/*.yml))
lint-templates: venv checkov-venv
	rm -rf $(TARGET_DIR)/registry-schemas && mkdir -p $(TARGET_DIR)/registry-schemas
	for config in $$(find $(EXTENSION_DIRS) -name .rpdk-config 2>/dev/null); do \
	  for schema in $$(dirname $$config)/*.json; do \
	    grep -q '"typeName"' $$schema && cp $$schema $(TARGET_DIR)/registry-schemas/; \
	  done; \
	done; true
	cfn-lint --registry-schemas $(TARGET_DIR)/registry-schemas -- $(RELEASE_TEMPLATES) \
	  $$(find $(EXTENSION_DIRS) -path '*/test/*' \( -name '*.yml' -o -name '*.yaml' -o -name '*.json' \) 2>/dev/null)
	$(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation \
	  $(foreach template,$(RELEASE_TEMPLATES),--file $(template))

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# Mutation fuzzing of every parser a user's files reach, for FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	cargo run --release --quiet --example fuzz_parsers -- $(FUZZ_SECONDS)

# Every benchmark, side by side with the AWS CLI against moto; writes BENCHMARKS.md.
bench: venv
	CARGO_TARGET_DIR=$(TARGET_DIR) $(VENV)/bin/python scripts/bench.py

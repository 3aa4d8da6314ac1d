# Every target installs what it needs first (a venv in .venv from
# requirements.lock), so a fresh machine with Python 3.11+ needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test build check schemas members publish bench bench-members audit chromium wrk checkers postgres system clean

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

# ProperDocs, the second engine (`build --engine properdocs`), in its own venv:
# it must not share one with MkDocs, whose `mkdocs` package it replaces.
.venv-properdocs/.installed: requirements-properdocs.lock
	rm -rf .venv-properdocs
	$(PYTHON) -m venv .venv-properdocs
	.venv-properdocs/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-properdocs.lock
	touch $@

# Zensical for tests/test_engines.py only. Its releases come and go on the
# index, so a failed install is reported and tolerated: those tests then skip,
# quoting the last error of .venv-zensical/install.log.
.venv-zensical/.installed: requirements-zensical.lock
	@rm -rf .venv-zensical
	@$(PYTHON) -m venv .venv-zensical \
	  && .venv-zensical/bin/python -m pip install --disable-pip-version-check -r requirements-zensical.lock \
	       > .venv-zensical/install.log 2>&1 \
	  && touch $@ \
	  || echo "Zensical could not be installed (see .venv-zensical/install.log); its tests will be skipped"

## serve: live preview of the public site at http://127.0.0.1:8000
serve: $(INSTALLED) system
	$(PY) -m leadingtrusts serve

## test: every test, browser tests in Debian's headless Chromium included
test: $(INSTALLED) system .venv-properdocs/.installed .venv-zensical/.installed chromium wrk checkers postgres
	$(PY) -m pytest

## build: stage, build and verify site/public and site/members, atomically (a failed build changes nothing)
build: $(INSTALLED) system
	$(PY) -m leadingtrusts build

## check: validate content/, every page's front matter, macros and links, fast (no engine)
check: $(INSTALLED)
	$(PY) -m leadingtrusts check

## schemas: regenerate content/schemas/*.schema.json after changing leadingtrusts/site/schema.py
schemas: $(INSTALLED)
	$(PY) -m leadingtrusts schemas

## members: build if needed, then the members' gateway on http://127.0.0.1:8001 with a demo member
members: $(INSTALLED) system
	$(PY) -m leadingtrusts serve-members

## publish: every cohort into the gh-pages branch with mike (COHORT=<id> for one)
publish: $(INSTALLED) system
	$(PY) -m leadingtrusts publish $(if $(COHORT),--cohort $(COHORT))

## bench: the pipeline against a bare Material + blog site with the same thinkpieces, as ratios measured in the same run, and page weight
bench: $(INSTALLED) system chromium
	$(PY) -m leadingtrusts bench

## bench-members: signed-in page fetches through the gateway (SQLite) against StaticFiles alone, 20 clients, same run
bench-members: $(INSTALLED) system wrk
	@[ -f site/members/_gateway/script-hashes.json ] || $(PY) -m leadingtrusts build --audience members
	$(PY) -m leadingtrusts.gateway.loadbench

# Lighthouse for `make audit` (tools/audit/package.json), pinned in package-lock.json.
# npm comes from Debian when missing; it runs no install scripts, and Lighthouse
# drives Debian's chromium: nothing downloads a browser.
LIGHTHOUSE := tools/audit/node_modules/.installed
$(LIGHTHOUSE): tools/audit/package.json tools/audit/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	cd tools/audit && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## audit: Lighthouse (as a phone) on the home page, the schedule and a thinkpiece, served gzipped as a host would; scores against the targets
audit: $(INSTALLED) system chromium $(LIGHTHOUSE)
	$(PY) -m leadingtrusts.pipeline.audit

# Debian's wrk: the load generator of bench-members (and its test), the same for both sides.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# The checkers the tests run over built pages (tests/checkers/package.json):
# axe-core for accessibility and the Nu Html Checker (vnu.jar) for valid HTML,
# pinned in package-lock.json. npm, and Java for vnu.jar, come from Debian when
# missing; npm runs no install scripts (vnu-jar's would download a Java runtime).
CHECKERS := tests/checkers/node_modules/.installed
checkers: $(CHECKERS)
$(CHECKERS): tests/checkers/package.json tests/checkers/package-lock.json
	@{ command -v npm >/dev/null 2>&1 && command -v java >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    npm default-jre-headless >/dev/null; }
	cd tests/checkers && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's PostgreSQL server programs: the gateway tests start a throwaway
# server of their own (tests/gateway/postgres_server.py); nothing runs as a service.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# Debian's chromium for the browser tests; Playwright never downloads a browser.
chromium:
	@[ -x "$${LT_CHROMIUM:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# What WeasyPrint needs at run time for the programme overview PDF: Pango, and
# the Liberation fonts it is set in, from Debian with apt when missing (WeasyPrint
# finds them through fontconfig; no font is ever downloaded at build time).
system:
	@{ dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 \
	   && ls /usr/share/fonts/truetype/liberation*/LiberationSans-Regular.ttf >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 >/dev/null; }

clean:
	rm -rf site build .cache

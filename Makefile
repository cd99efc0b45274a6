# The two commands a new machine needs:  make book   and   make test
# Everything is installed by this file: the virtual environment (pinned requirements and
# lecture_code), the site's JS assets (npm, pinned in package.json / package-lock.json) and,
# for the browser tests, Debian's chromium; for grading, Debian's bubblewrap (the sandbox).

SHELL := /bin/bash
## PYTHON: the Python 3.11 that creates .venv
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JB := $(VENV)/bin/jupyter-book
STAMP := $(VENV)/.installed
ASSETS := _vendor/.installed
## SOLUTIONS: 1 builds the instructor site (solutions shown) with `make book`
SOLUTIONS ?= 0
## TOC: build only the pages of this table of contents (a one-page _toc.yml) with `make book`
TOC ?=
## LAB_ARGS: extra options for `jupyter lab` (make lab)
LAB_ARGS ?=
## LECTURE_BUILD_JOBS: chapters executed side by side by the build (default: one per core; 1: one by one)
export LECTURE_BUILD_JOBS ?=
## LECTURE_BUILD_FORKS: 0 starts each chapter's kernel afresh (default: forked from one process that has done the imports, book/_ext/kernel_forks.py)
export LECTURE_BUILD_FORKS ?=
# Kernels and ARPACK share 2 cores: one BLAS thread each is faster here.
## OPENBLAS_NUM_THREADS: BLAS threads per process (kernels run side by side)
export OPENBLAS_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup book test unit lab serve bench clean lock assets chromium bubblewrap debian-packages data

# `make help` lists every target and every variable documented by a `## ` comment on the
# line(s) right above its rule or assignment, in this file and the ones it includes: document a
# new target or variable where it is defined, and it appears.
## help: list every target and every variable a user may set (this list)
help:
	@awk ' \
	  /^## / { doc = doc (doc == "" ? "" : " ") substr($$0, 4); next } \
	  doc != "" && /^(export +)?[A-Za-z_][A-Za-z0-9_]* *[?:]?= */ { \
	    line = $$0; sub(/^export +/, "", line); name = line; sub(/ *[?:]?=.*/, "", name); \
	    value = line; sub(/^[^=]*= */, "", value); sub(/^[^:]*: */, "", doc); \
	    if (!(name in vars)) { vorder[++nv] = name; vars[name] = doc; defaults[name] = value } doc = ""; next } \
	  doc != "" && /^[A-Za-z_][A-Za-z0-9_.-]*:/ { \
	    name = $$0; sub(/:.*/, "", name); sub(/^[^:]*: */, "", doc); \
	    if (!(name in targets)) { torder[++nt] = name; targets[name] = doc } doc = ""; next } \
	  { doc = "" } \
	  END { print "Targets (make TARGET):"; \
	        for (i = 1; i <= nt; i++) printf "  %-17s %s\n", torder[i], targets[torder[i]]; \
	        print ""; print "Variables (make TARGET VAR=value; default after =):"; \
	        for (i = 1; i <= nv; i++) printf "  %-24s %s\n", vorder[i] "=" defaults[vorder[i]], vars[vorder[i]] }' \
	  $(MAKEFILE_LIST)

# ---- set-up ----------------------------------------------------------------------------
# $(call inputs,NAME,FILES): the file _build/stamps/NAME, rewritten only when the content of FILES
# changes (book/_ext/build_inputs.py, the build's one input hash), so a checkout or a touch that
# leaves them as they were reinstalls nothing.
# `make help` alone needs no stamps: it would otherwise start Python four times just to list the targets.
ifeq ($(MAKECMDGOALS),help)
inputs =
else
inputs = $(shell $(PYTHON) book/_ext/build_inputs.py --stamp _build/stamps/$(1) $(2))
endif

# What the lock leaves out (make lock): jsonschema's optional checker of the "iri" formats
# (rfc3987-syntax, and lark, its parser) builds a grammar each time Python imports jsonschema,
# 1.3 s of CPU in every process that reads a notebook (nbformat): the build's, every test
# process's, JupyterLab's. Only jupyter-events asks for it (an extra of jsonschema); without it
# jsonschema skips those formats. The lock is complete (pip, setuptools and wheel included:
# `pip freeze --all`), so it is installed as it is, with --no-deps (resolving it, pip would fetch
# the left-out packages, unpinned); `pip check` below says nothing is missing. A .venv set up from
# an older lock drops them. (Binder's image, which pip resolves from binder/requirements.txt,
# keeps them.)
LEFT_OUT := rfc3987-syntax lark

$(STAMP): $(call inputs,venv,requirements.txt pyproject.toml)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# uv installs the lock (pip looking where pip looks) in ~6 s instead of pip's 30-40 s; pip if uv cannot
	$(PY) book/_ext/install_lock.py requirements.txt
	@$(PY) -m pip uninstall --quiet --disable-pip-version-check -y $(LEFT_OUT) > /dev/null 2>&1 || true
	@# the bytecode pip would write one file after the other, on every core (the grading sandbox
	@# mounts the environment read-only: what it imports must be compiled beforehand), but not
	@# the packages' own test suites (a sixth of the files; nothing imports them); as pip does,
	@# files written for another Python (torch ships a 3.12-only one) are left uncompiled
	$(PY) -m compileall -q -j 0 -x '/tests/' $(abspath $(VENV))/lib > /dev/null || true
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

## setup: only set up: .venv (pinned packages, lecture_code) and the site's JavaScript assets
setup: $(STAMP) $(ASSETS)

node_modules/.installed: $(call inputs,npm,package.json package-lock.json)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The site serves MathJax, the widget manager and plotly.js itself (copied or built, never
# committed): plotly.js's official bundles from its npm package, and the book's own bundle
# (the trace types its figures draw, book/_ext/plotly_bundle.json) built from the same package
# with esbuild. book/_ext/site_assets.py picks the smallest bundle that draws a page's figures.
PLOTLY_DIST := plotly.min.js plotly-basic.min.js plotly-cartesian.min.js plotly-gl3d.min.js
$(ASSETS): node_modules/.installed $(STAMP) $(call inputs,assets,book/_ext/plotly_bundle.mjs book/_ext/plotly_bundle.json)
	rm -rf _vendor && mkdir -p _vendor/mathjax _vendor/html-manager _vendor/plotly
	cp -r node_modules/mathjax/es5/. _vendor/mathjax/
	cp node_modules/@jupyter-widgets/html-manager/dist/embed.js _vendor/html-manager/
	cp node_modules/@jupyter-widgets/html-manager/dist/*.{woff,woff2,ttf,eot,svg} _vendor/html-manager/
	cp $(addprefix node_modules/plotly.js/dist/,$(PLOTLY_DIST)) _vendor/plotly/
	node book/_ext/plotly_bundle.mjs _vendor/plotly
	@touch $@

## assets: only (re)build the site's JavaScript assets in _vendor/ (MathJax, widgets, plotly.js bundles)
assets: $(ASSETS)

# Debian's packages that are missing, in one apt-get (two at once would wait for each other's lock).
DEBIAN_PACKAGES = $(strip $(if $(shell command -v chromium),,chromium) $(if $(shell command -v bwrap),,bubblewrap))
## debian-packages: install whichever of Debian's chromium and bubblewrap is missing, in one apt-get (as root; make test)
debian-packages:
	@test -z "$(DEBIAN_PACKAGES)" || { \
	  echo "installing Debian's $(DEBIAN_PACKAGES) (browser tests, grading sandbox)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; }

## chromium: install Debian's chromium for the browser tests (as root; skipped when present)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Every graded submission runs in a bubblewrap sandbox (grading/sandbox.py); apt-get, so as root.
## bubblewrap: install Debian's bubblewrap for the grading sandbox (as root; skipped when present)
bubblewrap:
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "installing Debian's bubblewrap for the grading sandbox"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# ---- the book --------------------------------------------------------------------------
# `make book SOLUTIONS=1` builds the instructor site instead (grading/grading.mk). lite/lite.mk
# sets BOOK_BESIDE: the in-browser site's build, run beside Sphinx (its output, in
# BOOK_BESIDE_LOG, follows Sphinx's).
## book: set everything up, then build the site strictly into _build/html (the in-browser site too)
book: setup
ifneq ($(SOLUTIONS),1)
	@trap 'kill $$beside 2>/dev/null; exit 130' INT TERM; beside=; \
	if [ -n "$(BOOK_BESIDE)" ]; then mkdir -p $(dir $(BOOK_BESIDE_LOG)); \
	  ( $(BOOK_BESIDE) ) > $(BOOK_BESIDE_LOG) 2>&1 & beside=$$!; fi; \
	echo "$(JB) build . --builder html -W -n --keep-going $(if $(TOC),--toc $(TOC))$(if $(BOOK_BESIDE),   (the in-browser site builds beside it))"; \
	$(BOOK_ENV) $(JB) build . --builder html -W -n --keep-going $(if $(TOC),--toc $(TOC)); sphinx=$$?; \
	beside_rc=0; if [ -n "$$beside" ]; then wait $$beside; beside_rc=$$?; cat $(BOOK_BESIDE_LOG); \
	  test $$beside_rc = 0 || echo "the in-browser site's build failed (above; $(BOOK_BESIDE_LOG))"; fi; \
	exit $$(( sphinx != 0 || beside_rc != 0 ))
endif

## serve: serve _build/html on http://127.0.0.1:8000
serve:
	@test -d _build/html || { echo "run 'make book' first"; exit 1; }
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory _build/html

# Chapters are MyST Markdown; jupytext (installed in the venv) opens them as notebooks.
## lab: JupyterLab on the repository, chapters open as notebooks
lab: setup
	JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/.jupyter/lab/user-settings \
	JUPYTERLAB_WORKSPACES_DIR=$(CURDIR)/.jupyter/lab/workspaces \
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# ---- tests and measurements -----------------------------------------------------------
# The tests run on every core (pytest-xdist). The grader's tests (marked `grading` by
# tests/conftest.py) mostly wait -- for sandboxes to start, for time limits to strike -- and need
# no built site: those that need none run in a process of their own beside the build and the
# other tests, one after the other as they must (they look at machine-wide state); their report
# follows the others' (its log: _build/tests/grading.log). (Running the other unit tests beside
# the build too was slower: they took the CPU the build needs.) How long each part takes on a
# fresh clone: `make bench BENCH=suite` (benchmarks/bench_suite.py).
## TEST_WORKERS: test processes side by side (auto: one per core; 0: one process); make test runs the grader's tests in one more
TEST_WORKERS ?= auto
GRADING_TESTS := grading and not build and not browser
# the files that hold them (conftest marks every test of a tests/test_grading* file `grading`)
GRADING_FILES := tests/test_grading*.py
# Python may write bytecode caches here (gitignored), whatever the environment says: pytest
# otherwise rewrites the asserts of every test module again in every test process.
test unit bench: export PYTHONDONTWRITEBYTECODE :=
# Test processes run side by side, one per core (and their browsers, kernels and sandboxes):
# torch keeps to one thread in each, as the build's kernels do (two threads on a busy core stall).
test unit: export OMP_NUM_THREADS ?= 1
## test: set up, build, then run every test (unit, build, browser; the grader's tests in a process of their own from the build's start)
test:
	@# the set-up's independent parts side by side: pip, npm, apt-get
	@$(MAKE) --no-print-directory -j 3 setup debian-packages
	@mkdir -p _build/tests && date +%s.%N > _build/tests/set-up.end
	@echo "the grader's tests: running beside the build and the other tests (their report comes at the end)"
	@# (it collects only GRADING_FILES;
	@# a shell without job control starts the run deaf to Ctrl-C: the trap stops it with the rest)
	@trap 'kill $$grading 2>/dev/null; exit 130' INT TERM; \
	PYTEST_CPUTIME_NAME=grading $(PY) -m pytest -q -n 0 -m "$(GRADING_TESTS)" $(GRADING_FILES) \
	  > _build/tests/grading.log 2>&1 & grading=$$!; \
	$(MAKE) --no-print-directory book && date +%s.%N > _build/tests/build.end && \
	  echo "---- every other test, on every core (the grader's tests still running beside them) ----" && \
	  $(PY) -m pytest -q -n $(TEST_WORKERS) -m "not ($(GRADING_TESTS))"; rest=$$?; \
	wait $$grading; grading_rc=$$?; \
	echo "---- the grader's tests, run beside the build and the others (_build/tests/grading.log) ----"; \
	cat _build/tests/grading.log; \
	exit $$(( rest != 0 || grading_rc != 0 ))

## unit: every test that needs no build and no browser (the grader's sandbox tests included: bubblewrap)
unit: setup bubblewrap
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not browser and not build"

## BENCH: the benchmarks `make bench` runs and records (e.g. BENCH=suite; default: all of them)
BENCH ?=
## bench: build the book, then measure speed and size targets into benchmarks/RESULTS.md (BENCH=x: only x's section; rewrites the file)
bench: book chromium bubblewrap
	$(PY) -m benchmarks $(BENCH)

# Regenerate the committed result files the chapters load (slow: hours on 2 busy cores; the
# landscape experiments record each part's wall-clock and CPU seconds in their JSON file; rerun
# one part with e.g. `.venv/bin/python scripts/landscape_experiments.py lottery`). perturbed_gd,
# overparameterization, xor_success and dead_relu feed book/saddles.md and book/good_minima.md and
# record their own run times too (overparameterization and xor_success can rerun one part).
## data: regenerate the committed experiment results in lecture_code/data/ (hours)
data: setup
	$(PY) scripts/find_critical_points.py
	$(PY) scripts/safran_shamir.py
	$(PY) scripts/torch_parity.py
	$(PY) scripts/landscape_experiments.py
	$(PY) scripts/perturbed_gd.py
	$(PY) scripts/overparameterization.py
	$(PY) scripts/xor_success.py
	$(PY) scripts/dead_relu.py

# ---- authoring (docs/authoring.md) ----------------------------------------------------------
## NAME: the new exercise's or chapter's name (make new-exercise / new-chapter): lower-case letters, digits, _
NAME ?=
.PHONY: new-exercise new-chapter
## new-exercise: (NAME=x) a graded exercise - solutions/x.md, its _toc.yml entry, exercises/x.ipynb and its public checks
new-exercise: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make new-exercise NAME=name_of_the_exercise"; exit 2; }
	$(PY) docs/scaffold.py exercise "$(NAME)"
	$(PY) -m grading build

## new-chapter: (NAME=x) a chapter - book/x.md, lecture_code/chapters/x.py, its _toc.yml entry
new-chapter: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make new-chapter NAME=name_of_the_chapter"; exit 2; }
	$(PY) docs/scaffold.py chapter "$(NAME)"

# Regenerate the full lock from requirements.in (run after changing requirements.in).
## lock: regenerate requirements.txt from requirements.in
lock:
	@# in a folder of its own (two checkouts locking at once do not share one), removed afterwards
	set -e; env=$$(mktemp -d); trap 'rm -rf "$$env"' EXIT; \
	$(PYTHON) -m venv "$$env"; \
	"$$env/bin/pip" install --quiet -r requirements.in; \
	"$$env/bin/pip" uninstall --quiet -y $(LEFT_OUT); \
	{ echo "# Generated by 'make lock' from requirements.in. Do not edit by hand."; \
	  "$$env/bin/pip" freeze --all --exclude-editable; } > requirements.txt.new; \
	mv requirements.txt.new requirements.txt

## clean: remove _build/ and the copied assets
clean:
	rm -rf _build _vendor

-include grading/grading.mk
-include lite/lite.mk

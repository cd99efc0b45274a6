# The JupyterLite site (issue "Run it in the browser"): included from the Makefile.
# `make book` builds it into _build/html/lite beside the book (Sphinx leaves the folder alone),
# so every page can link to its notebook in the browser. See lite/build.py.
#
# The build tools (lite/requirements-build.txt) live in their own environment, .venv-lite, never
# in .venv: jupyterlite-pyodide-kernel ships a JupyterLab extension, and in .venv the students'
# JupyterLab (`make lab`) would load it and fail ("Shared module @jupyterlite/server doesn't
# exist in shared scope default"). .venv-lite sees .venv's packages through a .pth file (jupytext,
# packaging, pip, setuptools, jupyter_core are shared), so pip installs only the Lite tools there.
# lite/build.py runs with its interpreter and takes the front-end extensions it ships (widget
# manager, plotly renderer) from .venv's share/jupyter, named by JUPYTER_PATH.

LITE_VENV := .venv-lite
LITE_PY := $(LITE_VENV)/bin/python
LITE_STAMP := $(LITE_VENV)/.installed
LITE_OUT := _build/html/lite

$(LITE_STAMP): $(call inputs,lite-tools,lite/requirements-build.txt) $(STAMP)
	@# a .venv set up before the tools moved out of it still holds them: take them out again
	@if [ -f $(VENV)/.lite-installed ]; then \
	  $(PY) -m pip uninstall --quiet -y jupyterlite-core jupyterlite-pyodide-kernel && rm $(VENV)/.lite-installed; \
	  rmdir $(VENV)/share/jupyter/labextensions/@jupyterlite 2>/dev/null || true; fi
	rm -rf $(LITE_VENV)
	$(PY) -m venv --without-pip $(LITE_VENV)
	$(LITE_PY) -c 'import sys, sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()["purelib"], "_main_venv.pth").write_text(f"import site; site.addsitedir({sys.argv[1]!r})\n")' \
	  "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
	$(LITE_PY) -m pip install --quiet --disable-pip-version-check -r lite/requirements-build.txt
	$(LITE_PY) -m pip check
	@touch $@

.PHONY: lite
## LITE_FORCE: 1 rebuilds the in-browser site even if its inputs are unchanged (make lite, make book)
LITE_FORCE ?=
LITE_BUILD = JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(LITE_PY) lite/build.py --output $(LITE_OUT) $(if $(filter 1,$(LITE_FORCE)),--force)
## lite: only (re)build the in-browser site _build/html/lite (make book does it too)
lite: $(LITE_STAMP) $(ASSETS)
	$(LITE_BUILD)

# The student site links to the Lite site; the instructor site (SOLUTIONS=1) does not need it.
# `make book` builds it beside Sphinx (the Makefile's book rule): of its ~20 s, less than half
# is CPU (the rest is copying Pyodide's files and waiting for `jupyter lite build`), so on 2
# cores it costs the build a few seconds instead of its whole time. Sphinx writes each page's
# "run in the browser" notice as if the wheel were there already (LECTURE_LITE_SITE names the
# folder being built: book/_ext/lite_links.py); if the Lite build fails, so does `make book`.
ifneq ($(SOLUTIONS),1)
book: $(LITE_STAMP)
BOOK_BESIDE = $(LITE_BUILD)
BOOK_BESIDE_LOG = _build/lite.log
BOOK_ENV = LECTURE_LITE_SITE=$(abspath $(LITE_OUT))
endif

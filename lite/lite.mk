# The JupyterLite site (issue "Run it in the browser"): included from the Makefile.
# `make book` builds it into _build/html/lite before the book (Sphinx leaves the folder alone),
# so every page can link to its notebook in the browser. See lite/build.py.

LITE_STAMP := $(VENV)/.lite-installed
LITE_OUT := _build/html/lite

$(LITE_STAMP): lite/requirements-build.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r lite/requirements-build.txt
	@touch $@

.PHONY: lite
lite: $(LITE_STAMP) $(ASSETS)
	$(PY) lite/build.py --output $(LITE_OUT)

# The student site links to the Lite site; the instructor site (SOLUTIONS=1) does not need it.
ifneq ($(SOLUTIONS),1)
book: lite
endif

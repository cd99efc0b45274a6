"""The in-browser (JupyterLite) site: which notebooks run in the browser, and its build.

* :mod:`lite.notebooks` decides, from a notebook's imports, whether it runs in the browser;
* :mod:`lite.build` builds ``_build/html/lite`` (``make lite``; run in ``.venv-lite``);
* :mod:`lite.install` says what a student installs to run a downloaded notebook elsewhere.

A package of the repository, not of the wheel: it is imported as ``lite.…`` with the
repository root on ``sys.path`` (pytest's root, ``lite/build.py`` run as a script, and the
book's Sphinx extension ``book/_ext/lite_links.py``, which puts the root there).
"""

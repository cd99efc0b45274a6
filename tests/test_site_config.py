"""The book's configuration: extensions, launch buttons (no build needed)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def test_every_local_extension_is_loaded():
    """_config.yml replaces Jupyter Book's extension list: a local extension left out of it
    would silently not run."""
    listed = CONFIG["sphinx"]["config"]["extensions"]
    missing = [name for name in CONFIG["sphinx"]["local_extensions"] if name not in listed]
    assert not missing, f"add {missing} to sphinx.config.extensions in _config.yml"


def test_the_book_loads_no_thebe():
    assert "sphinx_thebe" not in CONFIG["sphinx"]["config"]["extensions"]
    assert CONFIG["launch_buttons"]["thebe"] is False


def test_launch_buttons_open_jupyterlab_on_binder_and_a_jupyterhub():
    launch = CONFIG["launch_buttons"]
    assert launch["notebook_interface"] == "jupyterlab"
    assert launch["binderhub_url"].startswith("https://")
    assert launch["jupyterhub_url"].startswith("https://")
    assert CONFIG["repository"]["url"].startswith("https://") and CONFIG["repository"]["branch"]

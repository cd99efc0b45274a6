"""The book's configuration: extensions, addresses and the buttons built from them.

The unit tests read `_config.yml` and call `book/_ext/site_assets.py`'s address rules; the
build tests (marked `build`) build a one-page book with the project's own configuration
and extensions under two variations of its addresses (placeholders; a real repository and
hub) and read the buttons of the page that comes out.
"""

from __future__ import annotations

import html as html_lib
import importlib.util
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from tests.throwaway_book import skeleton

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
JB = Path(sys.executable).parent / "jupyter-book"


def _site_assets():
    spec = importlib.util.spec_from_file_location("site_assets", ROOT / "book" / "_ext" / "site_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SITE_ASSETS = _site_assets()


def test_every_local_extension_is_loaded():
    """_config.yml replaces Jupyter Book's extension list: a local extension left out of it
    would silently not run."""
    listed = CONFIG["sphinx"]["config"]["extensions"]
    missing = [name for name in CONFIG["sphinx"]["local_extensions"] if name not in listed]
    assert not missing, f"add {missing} to sphinx.config.extensions in _config.yml"


def test_the_book_loads_no_thebe():
    assert "sphinx_thebe" not in CONFIG["sphinx"]["config"]["extensions"]
    assert CONFIG["launch_buttons"]["thebe"] is False


def test_the_site_follows_the_readers_light_or_dark_setting():
    assert CONFIG["sphinx"]["config"]["html_context"]["default_mode"] == "auto"


def test_the_default_checkout_ships_no_placeholder_address():
    """Every address in the shipped _config.yml is either empty (button off) or real."""
    launch = CONFIG["launch_buttons"]
    addresses = {"repository.url": CONFIG["repository"]["url"],
                 **{f"launch_buttons.{k}": launch.get(k, "") for k in ("binderhub_url", "jupyterhub_url", "colab_url")}}
    bad = {k: v for k, v in addresses.items() if SITE_ASSETS.address_problem(v)}
    assert not bad, f"placeholder addresses in _config.yml: {bad}"
    assert launch["notebook_interface"] == "jupyterlab"


PLACEHOLDERS = [
    "https://github.com/your-course/loss-landscape-book",
    "https://github.com/<your-org>/<your-repo>",
    "https://github.com/%3Cyour-org%3E/book",
    "https://github.com/yourusername/book",
    "https://github.com/YOUR_ORG/book",
    "https://hub.example.org",
    "https://example.com/hub",
    "https://jupyter.example",
    "https://hub.your-university.edu",
    "https://hub.university.invalid",
    "https://binder.test",
    "github.com/org/repo",           # no scheme
    "ftp://github.com/org/repo",
    "https://{org}.github.io/repo",
]
REAL = [
    "https://github.com/jupyter-book/jupyter-book",
    "https://gitlab.com/group/sub/project",
    "https://mybinder.org",
    "https://hub.uni-heidelberg.de",
    "https://jupyter.university.edu/",
    "https://github.com/youngorg/yourself-notes-book",   # "your..." inside a real name
    "https://git.example-university.edu/course/book",    # not the reserved example domain
]


@pytest.mark.parametrize("url", PLACEHOLDERS)
def test_placeholder_addresses_are_recognised(url):
    assert SITE_ASSETS.address_problem(url), f"{url} should count as a placeholder"


@pytest.mark.parametrize("url", REAL)
def test_real_addresses_are_accepted(url):
    assert SITE_ASSETS.address_problem(url) is None
    assert SITE_ASSETS.address_problem("") is None   # empty: the button is off, not a problem


def test_repository_links_on_github_name_the_page_in_the_issue():
    links = SITE_ASSETS.repository_links("https://github.com/org/book/", "main", "github", "book/momentum.md",
                                         "book/momentum", "Momentum", "https://org.github.io/book/book/momentum.html")
    by_label = {link["label"]: link for link in links}
    assert by_label["source-repository-button"]["url"] == "https://github.com/org/book"
    assert by_label["source-edit-button"]["url"] == "https://github.com/org/book/edit/main/book/momentum.md"
    issue = urlparse(by_label["source-issues-button"]["url"])
    assert issue.path == "/org/book/issues/new"
    query = parse_qs(issue.query)
    assert "Momentum" in query["title"][0] and "book/momentum.html" in query["title"][0]
    assert "https://org.github.io/book/book/momentum.html" in query["body"][0]
    assert by_label["source-issues-button"]["text"] == "Report an error on this page"


def test_file_links_on_each_host():
    url = SITE_ASSETS.repository_file_url
    assert url("https://github.com/o/b/", "main", "github", "lecture_code/core/quiz.py", False) == \
        "https://github.com/o/b/blob/main/lecture_code/core/quiz.py"
    assert url("https://github.com/o/b", "dev", "github", "book/_ext/", True) == "https://github.com/o/b/tree/dev/book/_ext"
    assert url("https://gitlab.com/g/b", "main", "gitlab", "a b.md", False) == "https://gitlab.com/g/b/-/blob/main/a%20b.md"
    assert url("https://bitbucket.org/o/b", "main", "bitbucket", "x/y.py", False) == "https://bitbucket.org/o/b/src/main/x/y.py"
    assert url("https://git.uni.edu/c/book", "main", "", "x/y.py", False) is None


def test_repository_links_on_gitlab_and_elsewhere():
    links = SITE_ASSETS.repository_links("https://gitlab.com/g/book", "dev", "gitlab", None,
                                         "genindex", "Index", "genindex.html")
    by_label = {link["label"]: link for link in links}
    assert "source-edit-button" not in by_label            # a generated page has no source to edit
    issue = urlparse(by_label["source-issues-button"]["url"])
    assert issue.path == "/g/book/-/issues/new" and "Index" in parse_qs(issue.query)["issue[title]"][0]
    # a host the buttons know no issue or edit form for: the repository link only
    only = SITE_ASSETS.repository_links("https://git.uni.edu/c/book", "main", "", "book/intro.md",
                                        "book/intro", "Intro", "book/intro.html")
    assert [link["label"] for link in only] == ["source-repository-button"]


# ---- the build, with variations of the addresses --------------------------------------------
PAGE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {name: python3, display_name: Python 3, language: python}
---

# A page about momentum

Its source is `book/page.md`, the extensions are in `book/_ext/`; `no/such/file.py` is not a file.

```{code-cell} ipython3
print(1 + 1)
```
"""

VARIATIONS = {
    "placeholders": {
        "repository": {"url": "https://github.com/your-course/loss-landscape-book", "branch": "main"},
        "launch_buttons": {"binderhub_url": "https://mybinder.org", "jupyterhub_url": "https://hub.example.org"},
    },
    "real": {
        "repository": {"url": "https://github.com/some-org/landscape-book", "branch": "main"},
        "launch_buttons": {"binderhub_url": "https://mybinder.org", "jupyterhub_url": "https://hub.uni.edu"},
    },
}


def _build(tmp: Path, name: str) -> tuple[subprocess.CompletedProcess, Path]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for section, values in VARIATIONS[name].items():
        config[section].update(values)
    book = skeleton(tmp / name, PAGE, config)
    result = subprocess.run(
        [str(JB), "build", str(book), "--builder", "html", "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return result, book / "_build" / "html"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("addresses")
    with ThreadPoolExecutor(2) as pool:
        done = dict(zip(VARIATIONS, pool.map(lambda n: _build(tmp, n), VARIATIONS)))
    for name, (result, _) in done.items():
        assert result.returncode == 0, f"{name}: the strict build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return done


def _links(site: Path) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', (site / "book" / "page.html").read_text())]


@pytest.mark.build
def test_placeholder_addresses_are_announced_and_give_no_button(builds):
    result, site = builds["placeholders"]
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert "PLACEHOLDER ADDRESSES IN _config.yml" in out
    assert "repository.url: https://github.com/your-course/loss-landscape-book" in out
    assert "launch_buttons.jupyterhub_url: https://hub.example.org" in out
    links = _links(site)
    dead = [u for u in links if "your-course" in u or "example.org" in u or "mybinder.org" in u]
    assert not dead, f"links to placeholder addresses on the page: {dead}"
    page = (site / "book" / "page.html").read_text()
    assert "dropdown-launch-buttons" not in page and "source-buttons" not in page
    # the notebook is still offered for download, without outputs
    assert "../_sources/book/page.ipynb" in links
    # a file named in the text stays text when the book has no address (no link that leads nowhere)
    page = (site / "book" / "page.html").read_text()
    assert re.search(r'<p>Its source is <code[^>]*><span class="pre">book/page.md</span></code>', page)
    notebook = (site / "_sources" / "book" / "page.ipynb").read_text()
    assert '"outputs": []' in notebook and '"2\\n"' not in notebook
    assert (site / ".nojekyll").is_file()


@pytest.mark.build
def test_a_real_repository_gives_launch_edit_and_issue_buttons(builds):
    result, site = builds["real"]
    assert "PLACEHOLDER" not in result.stdout + result.stderr
    links = _links(site)
    repo, rel = "https://github.com/some-org/landscape-book", "book/page.md"
    # Binder opens the page's notebook in JupyterLab
    assert f"https://mybinder.org/v2/gh/some-org/landscape-book/main?urlpath=lab/tree/{rel}" in links
    # the hub clones the repository with nbgitpuller and opens the page in JupyterLab
    hub = [u for u in links if u.startswith("https://hub.uni.edu/")]
    assert len(hub) == 1 and urlparse(hub[0]).path == "/hub/user-redirect/git-pull"
    query = parse_qs(urlparse(hub[0]).query)
    assert query["repo"] == [repo] and query["branch"] == ["main"]
    assert query["urlpath"] == [f"lab/tree/landscape-book/{rel}"]
    # repository, edit and issue buttons; the issue's title names the page
    assert repo in links
    assert f"{repo}/edit/main/{rel}" in links
    issue = [u for u in links if u.startswith(f"{repo}/issues/new?")]
    assert len(issue) == 1
    title = parse_qs(urlparse(issue[0]).query)["title"][0]
    assert "A page about momentum" in title and "book/page.html" in title
    page = (site / "book" / "page.html").read_text()
    assert "Report an error on this page" in page
    # files and folders named in the text link to the repository; a path that is no file does not
    assert f"{repo}/blob/main/book/page.md" in links and f"{repo}/tree/main/book/_ext" in links
    assert not [u for u in links if "no/such" in u]
    # their icons are in the site's cut-down icon font (the GitHub logo is a "brands" glyph)
    assert 'class="fa-brands fa-github' in page or "fa-brands fa-github" in page
    assert "fa-brands-400" in (site / "_static" / "fa-subset.css").read_text()

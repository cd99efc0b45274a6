"""Deployment: the built site works from any static host, under a sub-path too.

GitHub project pages serve a site at ``https://<org>.github.io/<repo>/``: every address the
site uses must be relative. The site is served here under ``/loss-landscape-book/`` with
nothing at ``/``; every link, image, script, stylesheet and font of every page (and the
anchors links point to) must be found there, and in Chromium search finds and leads to its
results (every browser test serves the site under the sub-path: tests/test_site.py loads every
page there, tests/test_lite.py runs the in-browser chapters there). The example workflows
(docs/deploy/) are checked for what Pages needs, since CI here runs no GitHub Actions.
"""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
import yaml

from tests.sitecheck import ROOT, SITE, SUB_PATH, chromium, open_page, serve, wait_for_search

#: Limit for a page to load and settle (the site's heaviest chapters on a busy 2-core machine).
TIMEOUT_MS = 120_000
WORKFLOW = ROOT / "docs" / "deploy" / "github-pages.yml"
GITLAB = ROOT / "docs" / "deploy" / "gitlab-pages.yml"


# ---- the example workflows ------------------------------------------------------------------
def test_the_github_pages_workflow_builds_the_book_and_deploys_it():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow.get("on", flow.get(True))            # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    steps = build["steps"]
    uses = [s["uses"] for s in steps + deploy["steps"] if "uses" in s]
    for action in uses:
        assert re.fullmatch(r"actions/[a-z-]+@v\d+", action), f"{action}: pin official actions to a major version"
    names = [u.split("@")[0] for u in uses]
    assert names == ["actions/checkout", "actions/setup-python", "actions/setup-node", "actions/configure-pages",
                     "actions/upload-pages-artifact", "actions/deploy-pages"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"      # the version the lock is for
    assert [s["run"] for s in steps if "run" in s] == ["make book"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert "${{ steps.deployment.outputs.page_url }}" == deploy["environment"]["url"]
    assert deploy["steps"][0]["id"] == "deployment"


def test_the_gitlab_pages_job_publishes_the_built_site():
    job = yaml.safe_load(GITLAB.read_text())["pages"]
    assert job["image"].startswith("python:3.11")
    assert "make book" in job["script"] and "rm -rf public && mv _build/html public" in job["script"]
    assert job["artifacts"]["paths"] == ["public"]
    assert any("npm" in line for line in job["before_script"])   # make book installs JS assets with npm


def test_make_book_needs_no_root():
    """A hosted runner builds the book as an unprivileged user: `make book` installs no
    Debian packages (only `make test` does, for the browser tests and the sandbox)."""
    plan = subprocess.run(["make", "-n", "-W", "requirements.txt", "-W", "package.json", "book"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "apt-get" not in plan and "sudo" not in plan
    assert "jupyter-book build" in plan or "/jupyter-book" in plan


@pytest.mark.browser   # needs the built site, as the browser tests do
def test_the_site_has_no_jekyll_marker_missing():
    """GitHub Pages' branch deployment runs Jekyll, which drops _static/, _sources/ and _modules/."""
    assert (SITE / ".nojekyll").is_file()
    assert (SITE / "_static").is_dir()


# ---- the site under a sub-path ---------------------------------------------------------------
class _Refs(HTMLParser):
    """Addresses an HTML page refers to (links, scripts, images, styles) and its ids."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src", "data", "poster"):
            if a.get(key) and not (tag == "a" and a.get("target") == "_blank" and "://" in a[key]):
                self.refs.append(a[key])
        if a.get("srcset"):
            self.refs += [part.strip().split(" ")[0] for part in a["srcset"].split(",")]


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def _local(url: str) -> bool:
    scheme = urlsplit(url).scheme
    return not scheme or scheme in ("http", "https") and "127.0.0.1" in url


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, b"", ""


def _site_pages() -> list[str]:
    """Every HTML page of the book, and the in-browser site's entry pages."""
    pages = [p for p in SITE.rglob("*.html") if "_static" not in p.parts and "lite" not in p.parts]
    lite = [p for p in (SITE / "lite").glob("*/index.html")] + [SITE / "lite" / "index.html"]
    return sorted(p.relative_to(SITE).as_posix() for p in pages + [p for p in lite if p.is_file()])


@pytest.mark.browser
def test_every_link_and_asset_resolves_under_a_sub_path():
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    missing: list[str] = []
    anchors: list[str] = []
    with serve(SITE, prefix=SUB_PATH) as base:
        status, _, _ = _fetch(base.rstrip("/"))
        assert status == 200, "the site's address without the final slash should lead to the site"
        assert _fetch(base.replace(SUB_PATH, "/") + "index.html")[0] == 404, "the test server must serve the sub-path only"
        checked: dict[str, int] = {}
        ids: dict[str, set[str]] = {}
        queue = [base + page for page in _site_pages()]
        css_seen: set[str] = set()
        wanted_anchors: list[tuple[str, str, str]] = []
        while queue:
            page_url = queue.pop()
            status, body, kind = _fetch(page_url)
            checked[page_url] = status
            if status != 200:
                missing.append(f"{page_url} ({status})")
                continue
            text = body.decode("utf-8", "replace")
            if page_url.endswith(".css"):
                refs = _CSS_URL.findall(text)
            else:
                parser = _Refs()
                parser.feed(text)
                ids[page_url] = parser.ids
                refs = parser.refs
            for ref in refs:
                if not _local(ref) or ref.startswith(("data:", "mailto:", "javascript:")) or ref == "#":
                    continue
                absolute, fragment = urldefrag(urljoin(page_url, ref))
                if not absolute.startswith(base):
                    missing.append(f"{page_url}: {ref} leaves the site's sub-path")
                    continue
                if fragment and absolute.endswith(".html") and "/lite/" not in absolute:
                    wanted_anchors.append((page_url, absolute, unquote(fragment)))
                target = absolute.split("?")[0]
                if target in checked:
                    continue
                if target.endswith(".css") and target not in css_seen:
                    css_seen.add(target)
                    queue.append(target)
                    continue
                if target.endswith(".html") and target not in {base + p for p in _site_pages()}:
                    missing.append(f"{page_url}: {ref} is not a page of the site")
                checked[target] = _fetch(target)[0]
                if checked[target] != 200:
                    missing.append(f"{page_url}: {ref} ({checked[target]})")
        for page_url, target, fragment in wanted_anchors:
            if target in ids and fragment not in ids[target]:
                anchors.append(f"{page_url}: #{fragment} not in {target[len(base):]}")
    assert len(checked) > len(_site_pages()) + 40, f"only {len(checked)} addresses checked"
    assert len(wanted_anchors) > 100, f"only {len(wanted_anchors)} links to anchors checked"
    assert not missing, f"{len(missing)} addresses not found under {SUB_PATH}: {missing[:10]}"
    assert not anchors, f"{len(anchors)} links to missing anchors: {anchors[:10]}"


@pytest.mark.browser
def test_search_finds_and_leads_to_its_results_under_a_sub_path():
    """Search under the sub-path: the index, the result pages (fetched for their snippets) and the
    page a result leads to. (Every page of the site is loaded under the sub-path by
    tests/test_site.py, which fails a page asking for anything outside it; the in-browser site
    runs its chapters there in tests/test_lite.py.)"""
    with serve(SITE, prefix=SUB_PATH) as base, chromium() as instance:
        context = instance.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            # search: the index, the result pages and their snippets are found under the sub-path
            page, log = open_page(context, base, "search.html?q=momentum")
            wait_for_search(page)
            page.wait_for_function("() => document.querySelectorAll('#search-results li p.context').length >= 3",
                                   timeout=TIMEOUT_MS)
            # every result's page is fetched for its snippet, all at once: leaving before the last
            # arrives would abort it (a failed request that is the test's doing, not the site's)
            log.wait_for_requests(page)
            first = page.locator("#search-results li a").first
            first.click()
            page.wait_for_load_state("load")
            assert page.url.startswith(base + "book/"), page.url
            assert not log.external and not log.failed and not log.errors, (log.external, log.failed, log.errors)
            page.close()
        finally:
            context.close()

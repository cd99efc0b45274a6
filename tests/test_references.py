"""The bibliography: every citation resolves, every work has a link, and chapters cite with roles.

A reader who checks a sentence against its paper must be able to find the paper. So:

* every key cited in a chapter (``{cite:t}`key``` or ``{cite:p}`key{Thm. 3}```) is an entry of
  ``book/references.bib``, and every entry is cited somewhere (or listed on the bibliography
  page on purpose: none is today);
* every entry has a DOI, an arXiv eprint or a URL, except the lecture decks whose slides give
  no address (listed below with why);
* keys follow the book's convention (surname + year + first significant title word, sorted),
  so that entries other chapters add merge without duplicates;
* chapter prose names no work in plain text ("Li et al. (2018)", "Goyal et al. 2018",
  "Wolpert & Macready (1997)"): it cites with a role, which links to the chapter's references;
* every chapter that cites ends with its "References" section, and the labels of the
  bibliographies cannot collide (a duplicate label is a Sphinx warning: the strict build fails).

The build itself (offline, strict) is checked by ``tests/test_build.py``; these checks need no
build and run in a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

from tests.prose_numbers import prose_lines

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BIB = BOOK / "references.bib"
ENTRIES = parse_file(str(BIB), bib_format="bibtex").entries
CHAPTERS = sorted(p for p in BOOK.glob("*.md") if p.name != "bibliography.md")

#: Chapters whose prose still names works in plain text, with why. A strict xfail: the test
#: fails as soon as the chapter is clean, to say that it can leave this list.
PENDING: dict[str, str] = {}

#: Lecture decks whose slides give no web address for the course (the book's copies come with
#: the course); their entries name course, author and date as the slides do.
NO_ADDRESS = {
    "challengesndoptimization": "the slides name no course page (nor author or date)",
    "golikov2019loss": "the slides name no course page",
    "leendoptimization": "the slides name no course page",
    "risteski2021advanced": "the slides name no course page",
}

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
_TARGET = re.compile(r"(?:\{[^{}]*\})?\s*([^{}\s,]+)\s*(?:\{[^{}]*\})?")


def cited_keys(text: str) -> list[str]:
    """The keys of every citation role in a chapter's Markdown (pre- and post-text dropped)."""
    keys = []
    for targets in _CITE.findall(text):
        keys += [m.group(1) for part in targets.split(",") if (m := _TARGET.fullmatch(part.strip()))]
    return keys


#: A work named in plain prose: "et al." anywhere, or a capitalised name (or two joined by
#: "&"/"and") followed by a year, with or without parentheses. Roles, code and math are not
#: prose (tests/prose_numbers.py strips them).
PLAIN_CITATION = re.compile(
    r"\bet al\.?"
    r"|\b[A-Z][a-zà-ÿ'’-]+(?:,? (?:&|and) [A-Z][a-zà-ÿ'’-]+)?(?:'s)?,? \(?(?:1[89]|20)\d\d[a-z]?\b"
)


def plain_citations(text: str) -> list[str]:
    found = []
    for n, line in prose_lines(text):
        found += [f"line {n}: {m.group(0)!r} in “{line.strip()[:100]}”" for m in PLAIN_CITATION.finditer(line)]
    return found


def test_the_plain_citation_check_finds_what_it_looks_for():
    text = "\n".join([
        "---", "kernelspec: {name: python3}", "---",
        "To draw a surface, Li et al. (2018) pick two directions; Goyal et al. 2018 scale.",
        "Wolpert & Macready (1997) and Kawaguchi (2016) and Reddi et al.'s theorem,",
        "but not {cite:t}`li2018visualizing`, {cite:p}`reddi2018convergence{Thm. 3}`, `Adam 2014`,",
        "$x = 2018$, the ICLR 2018 conference or Hung-yi Lee's slide.",
    ])
    found = [m.split("'")[1] for m in plain_citations(text)]
    assert found == ["et al.", "et al.", "Wolpert & Macready (1997", "Kawaguchi (2016", "et al."], found
    assert cited_keys(text) == ["li2018visualizing", "reddi2018convergence"]
    assert cited_keys("{cite:p}`a2000b,{see}c2001d{p. 4}`") == ["a2000b", "c2001d"]


@pytest.mark.parametrize("chapter", [
    pytest.param(p.stem, marks=pytest.mark.xfail(strict=True, reason=PENDING[p.stem])) if p.stem in PENDING
    else p.stem for p in CHAPTERS])
def test_chapter_prose_cites_with_roles(chapter):
    found = plain_citations((BOOK / f"{chapter}.md").read_text())
    assert not found, (f"book/{chapter}.md names works in plain text; cite them with {{cite:t}} or "
                       "{cite:p} (key in book/references.bib):\n  " + "\n  ".join(found))


@pytest.mark.parametrize("chapter", [p.stem for p in CHAPTERS])
def test_every_citation_key_resolves(chapter):
    missing = sorted(set(cited_keys((BOOK / f"{chapter}.md").read_text())) - set(ENTRIES))
    assert not missing, f"book/{chapter}.md cites keys that are not in book/references.bib: {missing}"


@pytest.mark.parametrize("chapter", [p.stem for p in CHAPTERS])
def test_a_chapter_that_cites_ends_with_its_references(chapter):
    text = (BOOK / f"{chapter}.md").read_text()
    if not cited_keys(text):
        return
    tail = text[text.rfind("\n## "):]
    assert tail.startswith("\n## References\n"), f"book/{chapter}.md: the last section is not 'References'"
    assert re.search(r"```\{bibliography\}\n:filter: docname in docnames\n", tail), tail


def test_bibliography_labels_cannot_collide():
    """Numeric labels restart in every bibliography; Sphinx warns (and the strict build fails)
    when one label names two works. Each list gets its own label prefix; one may go without."""
    prefixes = []
    for path in sorted(BOOK.glob("*.md")):
        for block in re.findall(r"```\{bibliography\}\n(.*?)```", path.read_text(), flags=re.S):
            m = re.search(r"^:labelprefix: (\S+)$", block, flags=re.M)
            prefixes.append((m.group(1) if m else "", path.name))
    names = [p for p, _ in prefixes]
    assert len(names) == len(set(names)), f"two bibliographies share a label prefix: {sorted(prefixes)}"
    assert ("", "bibliography.md") not in prefixes


def test_every_entry_has_a_link():
    missing = [k for k, e in ENTRIES.items() if not {"doi", "eprint", "url"} & {f.lower() for f in e.fields}]
    assert sorted(missing) == sorted(NO_ADDRESS), (
        f"entries without doi/eprint/url: {sorted(set(missing) - set(NO_ADDRESS))}; "
        f"listed as without an address but have one: {sorted(set(NO_ADDRESS) - set(missing))}")
    for key in NO_ADDRESS:
        e = ENTRIES[key]
        assert e.type == "misc" and e.fields["howpublished"].startswith("Lecture slides"), key


def test_links_are_well_formed():
    for key, e in ENTRIES.items():
        f = {k.lower(): v for k, v in e.fields.items()}
        if "doi" in f:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", f["doi"]), (key, f["doi"])
        if "eprint" in f:
            assert re.fullmatch(r"\d{4}\.\d{4,5}", f["eprint"]) and f.get("archiveprefix") == "arXiv", key
        if "url" in f:
            assert re.fullmatch(r"https?://[^\s{}]+", f["url"]), (key, f["url"])


_SKIP = {"a", "an", "the", "on", "of"}


def _ascii(name: str) -> str:
    import unicodedata

    name = re.sub(r"\\([ij])(?![a-zA-Z])", r"\1", name)  # dotless i and j: {\\'\\i} -> i
    name = re.sub(r"\\[a-zA-Z]+|\\.|[{}]", "", name)  # LaTeX accents: {\\c{S}}im{\\c{s}}ek -> Simsek
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()  # Šíma -> Sima
    return re.sub(r"[^a-z]", "", name.lower())


def test_keys_follow_the_convention_and_the_file_is_sorted():
    keys = re.findall(r"^@\w+\{([^,]+),", BIB.read_text(), flags=re.M)
    assert keys == sorted(keys), "book/references.bib is not sorted by key"
    assert len(keys) == len(set(keys)), "a key appears twice"
    for key, e in ENTRIES.items():
        words = [_ascii(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*", re.sub(r"\\.|[{}]", "", e.fields["title"]))
                 if w.lower() not in _SKIP]
        year = e.fields.get("year", "nd")
        if e.persons.get("author"):
            surname = _ascii(" ".join(e.persons["author"][0].last_names))
            want = f"{surname}{year}{words[0].lower()}"
        else:  # no author: the title's first significant word stands in for the surname
            rest = [w for w in words[1:] if w.lower() not in _SKIP | {"in", "for", "and", "to", "with"}]
            want = f"{words[0].lower()}{year}{rest[0].lower()}"
        assert key == want, f"{key}: by the convention the key is {want}"


def test_every_entry_is_cited_by_a_chapter():
    cited = set()
    for path in CHAPTERS:
        cited |= set(cited_keys(path.read_text()))
    assert set(ENTRIES) <= cited, f"entries no chapter cites: {sorted(set(ENTRIES) - cited)}"


def test_only_the_expected_duplicate_citation_warning_is_silenced():
    """A work cited in several chapters sits in several local lists; citations link to their own
    chapter's list first, so that one warning is expected and silenced (in _config.yml). Nothing
    else of the bibliography may be: a missing key or a duplicate label still fails the build."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert config.get("suppress_warnings") == ["bibtex.duplicate_citation"]


def _a11y():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bibliography_a11y", BOOK / "_ext" / "bibliography_a11y.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bibliography_entries_are_list_items():
    """docutils marks entries role="doc-biblioentry" (deprecated) inside a role="list": axe-core
    reports aria-required-children (critical). book/_ext/bibliography_a11y.py makes them items."""
    html = ('<div role="list" class="citation-list">\n<div class="citation" id="id10" role="doc-biblioentry">'
            '<span class="label">[I1]</span><p>A.</p></div>\n</div>')
    out = _a11y().entries_as_list_items(html)
    assert 'role="doc-biblioentry"' not in out and out.count('role="listitem"') == 1 and 'role="list"' in out


@pytest.mark.browser  # needs the built site (`make book`)
def test_the_built_references_are_lists_of_items():
    from tests.sitecheck import SITE

    for page in ("book/intro.html", "book/bibliography.html"):
        html = (SITE / page).read_text()
        assert 'class="citation-list"' in html and 'role="listitem"' in html, page
        assert 'role="doc-biblioentry"' not in html, page

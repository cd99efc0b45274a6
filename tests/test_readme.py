"""What README.md and docs/grading.md say about the repository, checked against the repository
itself: the in-browser chapters against ``lite/notebooks.py``'s decision, the exercise table
against ``solutions/``, every ``make`` target against ``make help``, the commands they show
against the usage the makefiles accept."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from lite.notebooks import decide

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GRADING = (ROOT / "docs" / "grading.md").read_text(encoding="utf-8")


def test_what_runs_where_names_every_chapter_the_browser_runs() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| **in the browser**"))
    listed = set(re.findall(r"`([a-z_]+)`", row))
    chapters = {p.stem for p in (ROOT / "book").glob("*.md")}
    runs = {k.split("/", 1)[1] for k, v in decide().items() if k.startswith("book/") and v.runs_in_browser}
    assert listed & chapters == runs
    # and the chapter table's "runs in the browser" column says the same
    table = {m.group(1): m.group(2) for m in re.finditer(r"^\| `book/([a-z_]+)\.md` .*\| (yes|no)[^|]*\|$",
                                                         README, flags=re.M)}
    assert {c for c, yes in table.items() if yes == "yes"} == runs


def test_the_grading_guide_lists_every_exercise() -> None:
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", GRADING, flags=re.M))
    assert listed == {p.stem for p in (ROOT / "solutions").glob("*.md")}


def test_every_make_target_is_in_the_readme() -> None:
    out = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    targets = re.findall(r"^  ([a-z][a-z-]*) ", out.split("Variables")[0], flags=re.M)
    assert len(targets) > 10
    missing = [t for t in targets if f"`make {t}" not in README]
    assert not missing, missing


def test_regrade_is_always_shown_with_the_submissions_folder() -> None:
    """`make regrade` refuses to run without SUBMISSIONS= (its usage line); every example says it."""
    mk = (ROOT / "grading" / "grading.mk").read_text(encoding="utf-8")
    assert "usage: make regrade SUBMISSIONS=folder ONLY=folder/student" in mk
    for name, text in (("README.md", README), ("docs/grading.md", GRADING)):
        for cmd in re.findall(r"make regrade[^`\n]*", text):
            if "ONLY=" in cmd:
                assert "SUBMISSIONS=" in cmd, (name, cmd)


def test_the_instructor_site_s_folder_is_where_the_makefile_writes_it() -> None:
    mk = (ROOT / "grading" / "grading.mk").read_text(encoding="utf-8")
    assert "--path-output _build/instructor " in mk
    assert "_build/instructor/_build/html" in README and "_build/instructor/_build/html" in GRADING


def test_the_site_address_example_is_the_key_the_extensions_read() -> None:
    """`_config.yml`'s commented `baseurl:` example, uncommented, is what Jupyter Book hands Sphinx
    as `html_baseurl`, the value book/_ext reads; README and docs/deploy.md name that one key."""
    import yaml
    from jupyter_book.config import yaml_to_sphinx

    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    example = re.search(r"^  # baseurl: (\S+)$", text, flags=re.M)
    assert example, "_config.yml has no commented `baseurl:` example under html:"
    config = yaml.safe_load(text.replace(example.group(0), f"  baseurl: {example.group(1)}"))
    assert config["html"]["baseurl"] == example.group(1)
    assert yaml_to_sphinx(config)[0]["html_baseurl"] == example.group(1)  # (sphinx config, theme options, ...)
    for ext in ("lite_links.py", "site_assets.py"):
        assert "app.config.html_baseurl" in (ROOT / "book" / "_ext" / ext).read_text(encoding="utf-8")
    deploy = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for doc in (README, deploy):
        assert "`baseurl` under `html:`" in doc and "html.baseurl" not in doc
        for effect in ("download menu", "Report an error on this page", "canonical"):
            assert effect in doc, effect

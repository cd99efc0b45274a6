"""The one "has this input changed?" hash (``book/_ext/build_inputs.py``) and what each step hashes.

For the helper (property-based, over random file trees): a change to the content, name, presence
of any input file changes the hash; touching a file, ``__pycache__``/``.pyc`` and files outside
the inputs do not; the result does not depend on the order the inputs are named in. For each
step that uses it (the execution-cache guard, the site's asset signature, the pages' Lite
notice, the Lite build, the Makefile stamps): every file it must watch changes its hash, a file
it must not watch does not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT))

import build_inputs  # noqa: E402
from build_inputs import input_files, inputs_hash  # noqa: E402

_names = st.sampled_from(["a.py", "b.json", "c.txt", "d.md", "e.npz"])
_dirs = st.sampled_from(["", "src/", "src/sub/", "data/"])
_trees = st.dictionaries(st.builds(lambda d, n: d + n, _dirs, _names), st.binary(max_size=40), min_size=1, max_size=8)


def _write(root: Path, tree: dict[str, bytes]) -> None:
    for rel, data in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@settings(max_examples=60, deadline=None)
@given(tree=_trees, pick=st.integers(0, 100), data=st.data())
def test_the_hash_follows_content_names_and_presence_only(tmp_path_factory, tree, pick, data):
    root = tmp_path_factory.mktemp("tree")
    _write(root, tree)
    (root / "outside.txt").write_text("not an input")
    inputs = ["src", "data", "a.py", "b.json", "c.txt", "d.md", "e.npz"]
    inputs = [i for i in inputs if i != "outside.txt"]
    before = inputs_hash(inputs, root)
    assert inputs_hash(list(reversed(inputs)), root) == before          # order of naming is irrelevant
    # nothing that is not an input's content changes it
    files = input_files(inputs, root)
    target = files[pick % len(files)] if files else None
    if target is not None:
        os.utime(target, (1, 1))                                          # a touch / a checkout
    (root / "outside.txt").write_text("changed, but not an input")
    (root / "src" / "__pycache__").mkdir(parents=True, exist_ok=True)
    (root / "src" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    (root / "src" / "x.pyc").write_bytes(b"cache")
    assert inputs_hash(inputs, root) == before
    if target is None:
        return
    # ... and every change to an input file does
    change = data.draw(st.sampled_from(["content", "rename", "remove", "add"]))
    if change == "content":
        target.write_bytes(target.read_bytes() + b"!")
    elif change == "rename":
        target.rename(target.with_name("renamed_" + target.name))
    elif change == "remove":
        target.unlink()
    else:
        (root / "src").mkdir(exist_ok=True)
        (root / "src" / "new.py").write_text("new = 1\n")
    assert inputs_hash(inputs, root) != before, change


def test_suffix_filter_and_salt(tmp_path):
    _write(tmp_path, {"pkg/a.py": b"1", "pkg/notes.md": b"x"})
    h = inputs_hash(["pkg"], tmp_path, suffixes=(".py",))
    (tmp_path / "pkg" / "notes.md").write_text("changed")
    assert inputs_hash(["pkg"], tmp_path, suffixes=(".py",)) == h
    assert inputs_hash(["pkg"], tmp_path, suffixes=(".py",), salt="3.12") != h


def _copy(paths: list[str], dest: Path) -> Path:
    for rel in paths:
        src = ROOT / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _assert_watches(hash_of, root: Path, watched: list[str], unwatched: list[str]) -> None:
    base = hash_of(root)
    for rel in unwatched:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((path.read_text() if path.exists() else "") + "\n# edit\n")
        assert hash_of(root) == base, f"{rel} must not change the hash"
    for rel in watched:
        path = root / rel
        old = path.read_bytes()
        path.write_bytes(old + b"\n")
        assert hash_of(root) != base, f"a change to {rel} must change the hash"
        path.write_bytes(old)
        assert hash_of(root) == base


def test_execution_cache_guard_watches_the_package_and_its_data(tmp_path):
    import lecture_build

    root = _copy(["lecture_code"], tmp_path)
    data = sorted((root / "lecture_code" / "data").glob("*.json"))[0].relative_to(root).as_posix()
    _assert_watches(lecture_build.package_hash, root,
                    watched=["lecture_code/core/runner.py", "lecture_code/__init__.py", data],
                    unwatched=["book/intro.md", "lecture_code/README.txt", "tests/test_x.py"])


def test_site_asset_signature_watches_the_extension_its_files_and_the_bundles(tmp_path):
    import site_assets

    inputs = site_assets.signature_inputs(ROOT, ["_vendor", str(site_assets.HERE / "static")])
    names = {p.as_posix() for p in inputs}
    assert {"book/_ext/site_assets.py", "book/_ext/plotly_bundle.json", "book/_ext/_site", "_vendor/plotly"} <= names
    root = _copy(["book/_ext", "_vendor/plotly"], tmp_path)
    bundle = sorted((root / "_vendor" / "plotly").glob("*.js"))[0].relative_to(root).as_posix()
    site_file = sorted(p for p in (root / "book" / "_ext" / "_site").rglob("*") if p.is_file())[0]
    _assert_watches(lambda r: inputs_hash(inputs, r), root,
                    watched=["book/_ext/site_assets.py", "book/_ext/plotly_bundle.json", bundle,
                             site_file.relative_to(root).as_posix()],
                    unwatched=["book/_ext/lecture_build.py", "book/intro.md", "_vendor/mathjax/x.js"])


def test_lite_notice_signature_watches_the_code_that_writes_it():
    import lite_links

    for rel in lite_links.NOTICE_INPUTS:
        assert (ROOT / rel).is_file(), rel
    files = {p.relative_to(ROOT).as_posix() for p in input_files(lite_links.NOTICE_INPUTS, ROOT)}
    assert files == set(lite_links.NOTICE_INPUTS)


def test_lite_build_watches_what_the_site_is_made_from(tmp_path):
    from lite import build as lite_build

    root = _copy(["lite", "pyproject.toml", "README.md", "LICENSE", "_toc.yml", "package-lock.json",
                  "lecture_code/__init__.py", "exercises/narrow_valley.ipynb", "book/intro.md"], tmp_path)
    _assert_watches(lite_build.inputs_hash, root,
                    watched=["lite/browser-wheels.txt", "lite/overrides.json", "lecture_code/__init__.py",
                             "exercises/narrow_valley.ipynb", "book/intro.md", "_toc.yml", "package-lock.json",
                             "README.md", "LICENSE"],  # the wheel's description and licence file
                    unwatched=["docs/authoring.md", "benchmarks/x.py", "CHANGELOG.md"])


def test_stamp_file_changes_only_when_its_inputs_do(tmp_path):
    """The Makefile's use: ``--stamp FILE`` rewrites FILE (new mtime) only when the hash changed."""
    (tmp_path / "requirements.txt").write_text("numpy==2.4.0\n")
    stamp = tmp_path / "stamps" / "venv"

    def run() -> float:
        res = subprocess.run([sys.executable, str(ROOT / "book" / "_ext" / "build_inputs.py"), "--stamp", str(stamp),
                              str(tmp_path / "requirements.txt")], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        return stamp.stat().st_mtime_ns

    first = run()
    os.utime(stamp, ns=(first - 10**9, first - 10**9))
    os.utime(tmp_path / "requirements.txt")  # touched, not changed
    assert run() == first - 10**9
    (tmp_path / "requirements.txt").write_text("numpy==2.4.1\n")
    assert run() != first - 10**9


def test_the_old_copies_are_gone():
    """One helper: the steps call it instead of hashing files by hand."""
    for rel in ("book/_ext/lecture_build.py", "book/_ext/site_assets.py", "book/_ext/lite_links.py", "lite/build.py"):
        text = (ROOT / rel).read_text()
        assert "from build_inputs import" in text, rel
    for rel in ("book/_ext/lecture_build.py", "book/_ext/lite_links.py"):
        assert "import hashlib" not in (ROOT / rel).read_text(), rel
    assert build_inputs.ROOT == ROOT


def test_the_makefile_stamps_use_the_helper():
    """The set-up rules depend on content stamps, not on the files' mtimes."""
    import re

    text = (ROOT / "Makefile").read_text() + (ROOT / "lite" / "lite.mk").read_text()
    assert "book/_ext/build_inputs.py --stamp" in text
    for rule in (r"^\$\(STAMP\):", r"^node_modules/\.installed:", r"^\$\(ASSETS\):", r"^\$\(LITE_STAMP\):"):
        line = re.search(rule + r".*$", text, re.M).group(0)
        assert "$(call inputs," in line, line

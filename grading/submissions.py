"""Reading a folder of submissions (untrusted files, read by the trusted parent only).

Layouts: ``SUBMISSIONS/<student>.ipynb`` (one notebook per student) or
``SUBMISSIONS/<student>/<any sub-folders>/<anything>.ipynb`` (several exercises and attempts per
student, at any depth). The folder is read without following symbolic links and only from regular
files (a link, a pipe or a device named ``*.ipynb`` is reported, not read).

**Nothing is dropped silently**: every entry of the folder is either a notebook to grade or
listed, with the reason, in the report (and, when it lies in a student's folder or is named like
a student's notebook, in that student's feedback): links, pipes, files that are not notebooks,
Jupyter's checkpoint folders, attempts beyond the cap, entries beyond the cap per student.

**Names**: a student is named by the raw name of their folder or file (bytes included); every
name is shown *quoted*, with control characters, quotes and undecodable bytes escaped
(:func:`quoted`), so that two different names never look the same and no name can forge a line
of the feedback. Feedback file names are a safe slug plus, whenever the slug differs from the
raw name, a hash of the raw name (:func:`student_keys`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grading.limits import Limits

MAX_CODE_BYTES = 5_000_000  # all code cells of one notebook
MAX_CELLS = 2000
MAX_ATTEMPTS = 10  # per student and exercise: the latest ones are graded, earlier ones reported
MAX_ENTRIES = 20_000  # entries read in one student's folder (a folder bomb)
JUNK = frozenset({"__MACOSX", ".DS_Store", ".ipynb_checkpoints", "Thumbs.db", "desktop.ini"})


class NotGradable(ValueError):
    """A submitted file that cannot be graded (message for the student and the report)."""


def read_regular_file(path: Path, limit: int = Limits.notebook_bytes) -> bytes:
    """Bytes of ``path`` if it is a regular file (never through a link, never a pipe/device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise NotGradable("is a symbolic link: not followed, not graded") from None
        raise NotGradable(f"cannot be opened ({exc.strerror})") from None
    too_big = f"is larger than {limit / 1e6:g} MB, the limit for a notebook: not graded"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotGradable("is not a regular file: not graded")
        if st.st_size > limit:
            raise NotGradable(too_big)
        chunks, n = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            n += len(b)
            if n > limit:
                raise NotGradable(too_big)
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class NotebookCode:
    """What grading needs of a notebook, as :mod:`grading.reader` returns it: the code of every
    cell (``""`` for the others, so indices are notebook cell indices), ``metadata.grading.exercise``
    and the names of its ``Checker("...")`` lines. Outputs never reach the grader."""

    cells: list[str]
    exercise: str | None = None
    checkers: tuple[str, ...] = ()
    defined: tuple[frozenset[str], ...] = ()  # per cell, the top-level names it defines


READER = Path(__file__).resolve().with_name("reader.py")


def read_notebook(data: bytes, limits: Limits | None = None) -> NotebookCode:
    """Parse ``data`` (a notebook's bytes, at most ``limits.notebook_bytes``) in a short-lived
    child process under ``limits.reader_memory_bytes`` and ``limits.reader_cpu_seconds``: the
    grader's own memory never holds the parsed notebook, and whatever its outputs weigh, only
    the code comes back (:data:`MAX_CELLS` cells, :data:`MAX_CODE_BYTES` of code)."""
    lim = limits or Limits()
    too_much = (f"could not be read within the limits for reading a notebook ({lim.reader_memory_bytes / 2**30:g} "
                f"GiB of memory, {lim.reader_cpu_seconds} s of CPU): not graded")
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", str(READER), str(MAX_CELLS), str(MAX_CODE_BYTES),
             str(lim.reader_memory_bytes), str(lim.reader_cpu_seconds)],
            input=data, capture_output=True, timeout=4 * lim.reader_cpu_seconds, cwd="/",
            env={"PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        raise NotGradable(too_much) from None
    if proc.returncode != 0:
        raise NotGradable(too_much)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise NotGradable(too_much) from None
    if "error" in out:
        raise NotGradable(out["error"])
    return NotebookCode(out["cells"], out["exercise"], tuple(out["checkers"]),
                        tuple(frozenset(d) for d in out["defined"]))


def identify(nb: NotebookCode | None, path: Path | str, names: list[str]) -> str | None:
    """The exercise a notebook answers: its metadata, else its file name, else its ``Checker("…")``."""
    if nb is not None and nb.exercise in names:
        return nb.exercise
    stem = Path(path).stem.lower()
    for n in sorted(names, key=len, reverse=True):
        if n in stem:
            return n
    for name in (nb.checkers if nb is not None else ()):
        if name in names:
            return name
    return None


# ---------------------------------------------------------------------------------------------
# names


def quoted(name: str, limit: int = 300) -> str:
    """A name the submission chose, quoted so that it is unambiguous and can forge nothing:
    ``"eve\\tx"``, ``"eve?x"``, ``"caf\\xe9"``. Backslash, double quote, control and format
    characters and undecodable bytes are escaped; a name longer than ``limit`` is cut and
    followed by a hash of the whole name, so two long names stay distinct."""
    out = []
    for ch in name:
        o = ord(ch)
        if ch in "\\\"":
            out.append("\\" + ch)
        elif 0xDC80 <= o <= 0xDCFF:  # an undecodable byte (surrogateescape)
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif not ch.isprintable() or unicodedata.category(ch)[0] in "CZ" and ch != " ":
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(ch)
    text = "".join(out)
    if len(text) > limit:
        text = text[: limit - 12] + "…#" + _hash(name)[:10]
    return f'"{text}"'


def plain(name: str) -> str:
    """The name without the quotes of :func:`quoted` (for a spreadsheet cell: unambiguous too)."""
    return quoted(name)[1:-1]


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()


def student_keys(students: list[str]) -> dict[str, str]:
    """A unique, safe file-name key per raw student name (feedback/<key>.txt): the name itself when
    it is plain ASCII (letters, digits, ``_.@-``, at most 80 characters), otherwise a slug plus a
    hash of the raw name. Keys differ even on case-insensitive file systems."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for s in sorted(set(students), key=lambda x: x.encode("utf-8", "surrogateescape")):
        base = re.sub(r"[^A-Za-z0-9_.@-]+", "_", s.encode("ascii", "replace").decode()).strip("._-")[:60] or "student"
        key = base
        if key != s or key.lower() in used:
            key = f"{base}-{_hash(s)[:10]}"
        n = 0
        while key.lower() in used:
            n += 1
            key = f"{base}-{_hash(s)[:10]}-{n}"
        used.add(key.lower())
        keys[s] = key
    return keys


def renamed(raw: str, key: str) -> str | None:
    """Why the feedback file of ``raw`` is not named after it (for the report), or ``None``."""
    if key == raw:
        return None
    return (f"student {quoted(raw)}: feedback file feedback/{key}.txt (the name holds characters a file name "
            f"cannot safely hold, or is long, or differs from another only in case)")


# ---------------------------------------------------------------------------------------------
# the folder


_LOOKALIKE = str.maketrans({  # Cyrillic and Greek letters drawn like Latin ones (lower case, after casefold)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ϲ": "c", "ɡ": "g", "ı": "i", "ℓ": "l", "0": "o", "1": "l", "|": "l",
})


def skeleton(name: str) -> str:
    """What a name looks like: compatibility forms folded (NFKC), accents and case dropped, and
    Cyrillic and Greek look-alikes (and 0/1) drawn as the Latin letters they resemble. Two names
    with one skeleton can be told apart by the grader but not by a reader."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name)).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Cf",))
    return text.translate(_LOOKALIKE)


def lookalikes(names: list[str]) -> list[list[str]]:
    """Groups of two or more distinct names with the same :func:`skeleton`."""
    groups: dict[str, list[str]] = {}
    for n in sorted(set(names)):
        groups.setdefault(skeleton(n), []).append(n)
    return [g for _, g in sorted(groups.items()) if len(g) > 1]


def natural(rel: str) -> list[Any]:
    """Sort key: ``attempt-2`` before ``attempt-10``."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower())
            for t in re.split(r"(\d+)", rel) if t != ""]


MERGED = "one student, two entries"
"""How the note about a student's file and folder of the same name starts (it is not a file left
ungraded: the feedback shows it apart)."""


class Note(str):
    """Why an entry is not graded; ``maybe_attempt``: it may have been an attempt at an exercise
    (a link, a pipe, an unreadable folder), so the student's exercises without a graded attempt
    are "not gradable" rather than "not submitted"."""

    maybe_attempt: bool = False

    def __new__(cls, text: str, maybe_attempt: bool = False) -> Note:
        obj = super().__new__(cls, text)
        obj.maybe_attempt = maybe_attempt
        return obj


@dataclass
class Found:
    student: str  # raw name (folder or file stem)
    path: Path
    rel: str  # path inside the student's folder (or the file name)


def _listed(path: str) -> list[os.DirEntry[str]]:
    return sorted(os.scandir(path), key=lambda e: e.name.encode("utf-8", "surrogateescape"))


def find_submissions(folder: Path, one_student: str | None = None) -> tuple[list[Found], list[tuple[str | None, str]]]:
    """Notebooks under ``folder`` and every other entry with the reason it is not graded:
    ``(student or None for the folder itself, why)``. Links are never followed. With
    ``one_student``, the whole folder is that one student's (Gradescope: one submission)."""
    folder = Path(folder)
    found: list[Found] = []
    skipped: list[tuple[str | None, str]] = []
    try:
        entries = _listed(str(folder))
    except OSError as exc:
        raise ValueError(f"SUBMISSIONS must be a readable folder of notebooks, got {folder} ({exc.strerror})") \
            from None
    if one_student is not None:
        mine, notes = _walk_student(str(folder), one_student)
        return mine, [(one_student, why) for why in notes]
    dirs = {e.name for e in entries if e.is_dir(follow_symlinks=False) and not e.is_symlink()}
    for e in entries:
        if e.name.endswith(".ipynb") and e.name[: -len(".ipynb")] in dirs and not e.is_symlink() \
                and not e.is_dir(follow_symlinks=False):
            name = e.name[: -len(".ipynb")]
            skipped.append((name, Note(f"{MERGED}: a file {quoted(e.name)} and a folder {quoted(name)} were both "
                                       f"handed in; their notebooks are graded together as {quoted(name)}'s attempts, "
                                       "the file after every notebook of the folder (the latest; see which "
                                       "attempt counts below)")))
        if e.is_symlink():
            student = e.name[: -len(".ipynb")] if e.name.endswith(".ipynb") else e.name
            skipped.append((student, Note(f"{quoted(e.name)} is a symbolic link: not followed, not graded", True)))
        elif e.is_dir(follow_symlinks=False):
            if e.name in JUNK:
                skipped.append((None, f"{quoted(e.name)} is a folder of system or Jupyter files: not graded"))
                continue
            mine, notes = _walk_student(e.path, e.name)
            found.extend(mine)
            skipped.extend((e.name, why) for why in notes)
        elif e.name.endswith(".ipynb"):
            found.append(Found(e.name[: -len(".ipynb")], Path(e.path), e.name))
        else:
            skipped.append((None, f"{quoted(e.name)} is not a notebook (*.ipynb) nor a student's folder: not graded"))
    return found, skipped


def _walk_student(top: str, student: str) -> tuple[list[Found], list[str]]:
    mine: list[Found] = []
    notes: list[str] = []
    stack = [top]
    seen = 0
    while stack:
        d = stack.pop()
        try:
            subs = _listed(d)
        except OSError as exc:
            notes.append(Note(f"{quoted(os.path.relpath(d, top))} could not be read ({exc.strerror}): not graded", True))
            continue
        for s in subs:
            seen += 1
            rel = os.path.relpath(s.path, top)
            if seen > MAX_ENTRIES:
                notes.append(Note(f"the folder holds more than {MAX_ENTRIES} entries: the rest were not read", True))
                return mine, notes
            if s.is_symlink():
                notes.append(Note(f"{quoted(rel)} is a symbolic link: not followed, not graded", True))
            elif s.is_dir(follow_symlinks=False):
                if s.name in JUNK:
                    notes.append(f"{quoted(rel)} is a folder of system or Jupyter files (autosaves): not graded")
                else:
                    stack.append(s.path)
            elif s.name.endswith(".ipynb"):
                mine.append(Found(student, Path(s.path), rel))
            else:
                notes.append(f"{quoted(rel)} is not a notebook (*.ipynb): not graded")
    mine.sort(key=lambda f: natural(f.rel))
    return mine, notes

"""Install a lock file (pinned ``name==version`` lines) into a virtual environment, quickly.

The Makefile's set-up installs ``requirements.txt`` (172 pinned packages) into ``.venv`` with
this script. pip installs them one after the other: 29 s on an idle machine, 41 s beside
``npm ci``, most of it unpacking. uv (a pinned release, ``UV``) installs the same pins in about
6 s; pip then only installs uv itself. Same lock, same packages: uv is told to look where pip
looks (the indexes, ``find-links`` folders and constraint files of pip's configuration, read with
``pip config list``) and, as pip does, to take the best match from all of them
(``--index-strategy unsafe-best-match``: the lock pins every version, and ``torch==2.13.0``
must find the CPU wheel ``2.13.0+cpu`` in a ``find-links`` folder as pip does). It installs
with ``--no-deps`` (the lock is complete, ``make lock``), ``--no-cache`` and its credentials
folder in a temporary one (nothing is left in the user's home), and ``--no-config`` (a uv
configuration of the user's own does not change what is installed). uv stays in the
environment (it is not in the lock): a changed lock is installed by it again.

If uv cannot be installed (no network to PyPI) or fails, pip installs the lock, as before: the
set-up is never less able than pip alone, only slower. ``tests/test_makefile.py`` checks that
the environment holds exactly the lock's versions, however they were installed.

    python book/_ext/install_lock.py requirements.txt     # with the environment's python

Standard library only: it runs with the environment's interpreter before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The uv release the set-up installs (a build tool, not a dependency of the book: not in the lock).
UV = "uv==0.13.10"
#: pip's options that say where packages come from, as uv spells them.
SOURCES = {"index-url": "--index-url", "extra-index-url": "--extra-index-url",
           "find-links": "--find-links", "constraint": "--constraint"}


def pip_sources(config_list: str) -> list[str]:
    """uv's options for the package sources in ``pip config list``'s output.

    Each line is ``SECTION.OPTION='VALUE'`` (the section ``global``, ``install``, or ``:env:``
    for a ``PIP_*`` variable); a value may hold several whitespace-separated entries. Every
    source pip may use is passed on once, in the order first seen; ``index-url`` once only (uv,
    like pip, takes one); ``no-index`` as ``--no-index``. Local folders and files that do not
    exist are left out (pip warns and goes on; uv would stop).
    """
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line in config_list.splitlines():
        key, sep, value = line.partition("=")
        if not sep or "." not in key:
            continue
        option = key.rsplit(".", 1)[1].strip()
        entries = shlex.split(value)
        if option == "no-index":
            if entries and entries[0].lower() in ("1", "true", "yes", "on"):
                out.append("--no-index")
            continue
        if option not in SOURCES:
            continue
        for entry in entries:
            for item in entry.split():
                local = item.removeprefix("file://") if item.startswith(("/", "file://")) else None
                if local is not None and not Path(local).exists():
                    continue
                if option == "index-url" and any(o == "index-url" for o, _ in seen):
                    continue
                if (option, item) not in seen:
                    seen.add((option, item))
                    out += [SOURCES[option], item]
    return out


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, text=True, **kw)


def _last_line(text: str) -> str:
    """The last line of an installer's error output (the one that says why)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


def install(lock: Path, python: str = sys.executable) -> str:
    """Install ``lock`` into ``python``'s environment; returns the installer that did it."""
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    start = time.perf_counter()
    got_uv = _run([*pip, "install", "--quiet", "--no-deps", UV], capture_output=True)
    uv = Path(python).parent / "uv"
    if got_uv.returncode == 0 and uv.exists():
        config = _run([*pip, "config", "list"], capture_output=True)
        cmd = [str(uv), "pip", "install", "--python", python, "--no-deps", "--no-cache", "--no-config",
               "--quiet", "--index-strategy", "unsafe-best-match", *pip_sources(config.stdout), "-r", str(lock)]
        with tempfile.TemporaryDirectory(prefix="install-lock-") as scratch:
            # uv would make its credentials folder in the home directory: here it goes with the rest
            done = _run(cmd, capture_output=True, env={**os.environ, "UV_CREDENTIALS_DIR": scratch})
        if done.returncode == 0:
            print(f"{lock}: installed by {UV} in {time.perf_counter() - start:.1f} s")
            return "uv"
        print(f"{lock}: uv failed ({_last_line(done.stderr)}); pip installs it instead", file=sys.stderr)
    else:
        print(f"{lock}: {UV} could not be installed ({_last_line(got_uv.stderr)}); pip installs it",
              file=sys.stderr)
    _run([*pip, "install", "--quiet", "--no-compile", "--no-deps", "-r", str(lock)], check=True)
    print(f"{lock}: installed by pip in {time.perf_counter() - start:.1f} s")
    return "pip"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", type=Path, help="the lock file (requirements.txt)")
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        parser.error(f"lock: no such file {args.lock}")
    try:
        install(args.lock)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the self-hosted JupyterLite site (``_build/html/lite``): the book's notebooks in the browser.

    make lite       # = JUPYTER_PATH=.venv/share/jupyter .venv-lite/bin/python lite/build.py [--output DIR]

It runs in the build environment ``.venv-lite`` (``lite/lite.mk``: the JupyterLite tools, on top
of ``.venv``'s packages), never in ``.venv``: JupyterLab would load the Pyodide kernel's
front-end extension from there and fail.

What goes in, and how each piece is checked:

* **Pyodide core** (interpreter, standard library, the official ``pyodide-lock.json``): the npm
  package ``pyodide``, pinned in ``package.json``/``package-lock.json``.
* **WebAssembly wheels** (numpy, scipy if a browser notebook needs it, the IPython stack the
  kernel needs): taken from the carrier pinned in ``lite/wasm-carrier.txt``; every file's sha256
  must equal the one in the official lock, or the build fails.
* **Pure-Python wheels** (plotly, ipywidgets, ...): ``lite/browser-wheels.txt``, downloaded with
  ``--require-hashes``.
* **The project's own wheel** (``lecture_code``), built from this checkout; it must be pure Python.
  The same file is served under ``wheels/`` for students who run a downloaded notebook on their
  own computer (``lite/install.py``).

The written lock lists exactly the files shipped (entries whose files are not shipped are
dropped, or micropip would try to fetch them), plus entries for the pure-Python wheels, so the
kernel preloads ``lecture_code`` and its dependencies at start and a notebook's first cell just
imports. Which notebooks go in is decided by ``lite/notebooks.py`` from their imports.
The build fails if the site's configuration or lock points at another host (the app's JavaScript
still carries defaults such as a CDN address for Pyodide, overridden here); the browser tests
check that no request leaves the site.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# run as a script (`make lite`): the repository root makes `lite` a package; book/_ext holds the
# one input-hash helper the whole build shares
for _path in (ROOT, ROOT / "book" / "_ext"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from build_inputs import inputs_hash as _inputs_hash  # noqa: E402
from lite import install  # noqa: E402
from lite.notebooks import BROWSER_PACKAGES, code_cells, decide  # noqa: E402

NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
CACHE = ROOT / "_build" / "lite-cache"
#: Files of the npm package that make up the runtime (no source maps, type stubs or demo page).
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
              "package.json")
#: What the JupyterLite Pyodide kernel installs when it starts (its worker's `initKernel`), from
#: the lock: these and their dependencies are always shipped.
KERNEL_PACKAGES = ("micropip", "packaging", "ssl", "sqlite3", "jedi", "ipython")
#: Packages a wheel declares that are data-only in a JupyterLite kernel (the front end brings the
#: widget JavaScript), so the lock entry does not depend on them.
FRONTEND_ONLY = {"widgetsnbextension", "jupyterlab-widgets"}
#: Environment markers of the in-browser Python (Pyodide 0.27: CPython 3.12 on Emscripten).
PYODIDE_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.7", "sys_platform": "emscripten",
                   "platform_system": "Emscripten", "platform_machine": "wasm32", "os_name": "posix",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
#: Loaded with the kernel besides the project's wheel: plotly displays a figure in a kernel only
#: when nbformat imports.
DISPLAY_PACKAGES = ("nbformat",)
#: WebAssembly packages only a few notebooks need (SciPy and its OpenBLAS: 19.6 MB, for the
#: saddles and hyperplanes chapters): not preloaded by every kernel. A notebook that needs one
#: gets, in its browser copy, a first code cell importing it; the Pyodide kernel loads the
#: packages a cell imports (``loadPackagesFromImports``) from this site's own lock file.
ON_DEMAND = {"scipy": "SciPy"}
#: JupyterLab front-end extensions the site needs, from the build environment.
FRONTEND_EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager",
                       "jupyterlab-plotly")
#: The name the Lite kernel registers; notebooks get this kernelspec so no kernel dialog appears.
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: Where the pyodide runtime lives inside the Lite site.
PYODIDE_DIR = "static/pyodide"


class BuildError(RuntimeError):
    pass


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log(msg: str) -> None:
    print(f"[lite] {msg}", flush=True)


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--quiet"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        noise = re.compile(r"^WARNING: Location .* is ignored")
        err = "\n".join(l for l in (res.stdout + res.stderr).splitlines() if not noise.match(l))
        raise BuildError(f"{' '.join(cmd[2:])} failed:\n{err}")


def download(requirements: Path, dest: Path) -> list[Path]:
    """``pip download`` the hash-pinned requirements file into ``dest`` (a cache); pure wheels only."""
    dest.mkdir(parents=True, exist_ok=True)
    pip("download", "--no-deps", "--only-binary=:all:", "--require-hashes", "--platform", "any",
        "--implementation", "py", "--abi", "none", "--python-version", "3.12",
        "-r", str(requirements), "-d", str(dest))
    wanted = []
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = re.match(r"([A-Za-z0-9_.-]+)==([^\s]+)", line).groups()
            hits = [p for p in dest.glob("*.whl")
                    if norm(p.name.split("-")[0]) == norm(name) and p.name.split("-")[1] == version]
            if not hits:
                raise BuildError(f"{name}=={version} was not downloaded into {dest}")
            wanted.append(hits[0])
    return wanted


def wheel_metadata(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        msg = Parser().parsestr(z.read(meta_name).decode())
        tops = set()
        for n in z.namelist():
            first = n.split("/")[0]
            if first.endswith((".dist-info", ".data")):
                continue
            if n.endswith(".py") and "/" not in n:
                tops.add(n[:-3])
            elif "/" in n:
                tops.add(first)
        wheel_tags = z.read(meta_name.replace("METADATA", "WHEEL")).decode()
    requires = []
    for req in msg.get_all("Requires-Dist") or []:
        r = Requirement(req)
        if r.marker is None or r.marker.evaluate(PYODIDE_MARKERS):
            requires.append(norm(r.name))
    return {"name": msg["Name"], "version": msg["Version"], "requires": requires,
            "imports": sorted(tops), "pure": "Root-Is-Purelib: true" in wheel_tags}


def build_project_wheel(dest: Path) -> Path:
    """The project's own wheel, built from this checkout; must be pure Python. Built by the one
    builder ``make wheel`` uses too (``grading/package.py``), so the file the site serves is the
    file ``make wheel`` writes, byte for byte."""
    from grading.package import build_wheel

    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.whl"):
        old.unlink()
    try:
        build_wheel(dest)
    except RuntimeError as exc:
        raise BuildError(str(exc)) from None
    wheels = list(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one project wheel in {dest}, found {wheels}")
    if not wheel_metadata(wheels[0])["pure"] or not wheels[0].name.endswith("-py3-none-any.whl"):
        raise BuildError(f"{wheels[0].name} is not a pure-Python wheel: the browser cannot install it")
    return wheels[0]


def carrier_files(carrier_wheel: Path) -> dict[str, bytes]:
    """File name -> bytes of every wheel/zip the carrier ships (read lazily by the caller)."""
    out = {}
    with zipfile.ZipFile(carrier_wheel) as z:
        for n in z.namelist():
            if n.endswith((".whl", ".zip", ".tar")) and "/pyodide/" in n and "/wheels/" not in n:
                out[n.rsplit("/", 1)[1]] = n
    return out


def verified(fname: str, data: bytes, entry: dict) -> bytes:
    """``data`` if its sha256 is the one the official lock gives for ``fname``; else BuildError."""
    if entry["file_name"] != fname:
        raise BuildError(f"{fname} is not the file the official lock names ({entry['file_name']})")
    if sha256(data) != entry["sha256"]:
        raise BuildError(f"sha256 mismatch for {fname}: carrier {sha256(data)}, official lock {entry['sha256']}")
    return data


def closure(lock: dict[str, dict], roots: list[str]) -> list[str]:
    """Lock keys of ``roots`` and everything they depend on."""
    by_norm = {norm(k): k for k in lock}
    seen: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = by_norm.get(norm(name))
        if key is None:
            raise BuildError(f"{name!r} is not in the official pyodide-lock.json")
        if key in seen:
            continue
        seen.append(key)
        todo += lock[key]["depends"]
    return sorted(seen)


def lock_entry(path: Path, meta: dict[str, object], available: set[str]) -> dict[str, object]:
    depends = [r for r in meta["requires"] if r not in FRONTEND_ONLY]
    missing = [r for r in depends if r not in available]
    if missing:
        raise BuildError(f"{path.name} needs {missing}, which the Lite site does not ship")
    return {
        "name": norm(meta["name"]), "version": meta["version"], "file_name": path.name,
        "install_dir": "site", "sha256": sha256(path.read_bytes()), "package_type": "package",
        "imports": meta["imports"], "depends": depends, "unvendored_tests": False, "shared_library": False,
    }


def assemble_pyodide(out: Path, needed_imports: set[str]) -> dict[str, object]:
    """Write ``out`` = Pyodide core + verified wheels + pure wheels + trimmed lock."""
    if not (NPM_PYODIDE / "pyodide-lock.json").is_file():
        raise BuildError(f"{NPM_PYODIDE} missing: run `npm ci` (make assets)")
    official = json.loads((NPM_PYODIDE / "pyodide-lock.json").read_text())
    version = official["info"]["version"]
    lock_pkgs: dict[str, dict] = official["packages"]

    pure = download(HERE / "browser-wheels.txt", CACHE / "pure")
    project = build_project_wheel(CACHE / "project")
    pure_meta = {p: wheel_metadata(p) for p in [*pure, project]}
    pure_names = {norm(m["name"]) for m in pure_meta.values()}

    # wasm roots: what the kernel needs + what the notebooks import that only the lock provides
    roots = list(KERNEL_PACKAGES)
    for imp in sorted(needed_imports):
        pkg = BROWSER_PACKAGES.get(imp)
        if pkg and norm(pkg) not in pure_names:
            roots.append(pkg)
    # dependencies of the pure wheels that come from the lock
    for meta in pure_meta.values():
        roots += [r for r in meta["requires"] if r not in pure_names and r not in FRONTEND_ONLY]
    from_lock = [k for k in closure(lock_pkgs, roots) if norm(k) not in pure_names]

    carrier = download(HERE / "wasm-carrier.txt", CACHE / "carrier")[0]
    index = carrier_files(carrier)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for f in CORE_FILES:
        shutil.copy2(NPM_PYODIDE / f, out / f)

    shipped: dict[str, dict] = {}
    with zipfile.ZipFile(carrier) as z:
        for key in from_lock:
            entry = lock_pkgs[key]
            fname = entry["file_name"]
            if fname not in index:
                raise BuildError(f"{fname} ({key} {entry['version']}) is not in the carrier {carrier.name}")
            (out / fname).write_bytes(verified(fname, z.read(index[fname]), entry))
            shipped[key] = entry
    available = {norm(k) for k in shipped} | pure_names
    for path, meta in pure_meta.items():
        shutil.copy2(path, out / path.name)
        entry = lock_entry(path, meta, available)
        shipped = {k: v for k, v in shipped.items() if norm(k) != entry["name"]}
        shipped[entry["name"]] = entry
    lock = {"info": official["info"], "packages": dict(sorted(shipped.items()))}
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    official_names = sorted(k for k in shipped if norm(k) not in pure_names)
    log(f"Pyodide {version}: {len(official_names)} wheels verified against the official lock "
        f"({', '.join(official_names)}); {len(pure_meta)} pure-Python wheels ({', '.join(sorted(pure_names))})")
    return {"pyodide": version, "verified": official_names, "pure": sorted(pure_names),
            "project": norm(pure_meta[project]["name"])}


def write_contents(dest: Path, verdicts: dict) -> list[str]:
    """The browser notebooks as .ipynb (MyST chapters converted by jupytext) + their check files."""
    import jupytext

    if dest.exists():
        shutil.rmtree(dest)
    written = []
    for page, v in verdicts.items():
        if not v.runs_in_browser:
            continue
        src = ROOT / v.path
        target = dest / (page + ".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = jupytext.read(src)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        on_demand = sorted(set(v.packages) & set(ON_DEMAND))
        if on_demand:
            nb.cells.insert(_first_code_cell(nb), _load_cell(on_demand))
        install.add_note(nb, v.packages, in_browser=True)  # what to install to run the downloaded copy
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata.pop("jupytext", None)
        jupytext.write(nb, target, fmt="ipynb")
        written.append(page + ".ipynb")
        # an exercise's public checks, found beside the notebook as in the repository
        for name in re.findall(r"Checker\(\s*['\"]([A-Za-z0-9_]+)['\"]", "\n".join(code_cells(src))):
            checks = src.parent / "tests" / f"{name}.py"
            if checks.is_file():
                (target.parent / "tests").mkdir(exist_ok=True)
                shutil.copy2(checks, target.parent / "tests" / checks.name)
    return written


def _first_code_cell(nb) -> int:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))


def _load_cell(packages: list[str]):
    """The cell that makes the kernel load a notebook's on-demand packages (see ``ON_DEMAND``)."""
    import nbformat

    names = " and ".join(ON_DEMAND[p] for p in packages)
    return nbformat.v4.new_code_cell(
        f"# In the browser: this notebook needs {names}, which loads from this site when imported.\n"
        + "\n".join(f"import {p}" for p in packages),
        metadata={"tags": ["browser-load"]})


def lite_config(preload: list[str]) -> dict[str, object]:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "The Loss Landscape: in the browser",
            # lets the browser tests drive the app (run all cells, read outputs)
            "exposeAppInBrowser": "true",
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "pyodideUrl": f"./{PYODIDE_DIR}/pyodide.js",
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": preload},
                }
            },
        },
    }


def labextension(name: str) -> Path:
    """The folder of the installed front-end extension ``name``, found as JupyterLab finds it.

    Searched along ``jupyter_path("labextensions")``: this environment's share/jupyter (the
    build environment .venv-lite: the Pyodide kernel's extension) and the folders of
    ``JUPYTER_PATH`` (``make lite`` names .venv's: the widget manager, plotly's renderer).
    """
    from jupyter_core.paths import jupyter_path

    searched = jupyter_path("labextensions")
    for base in searched:
        folder = Path(base) / name
        if (folder / "package.json").is_file():
            return folder
    raise BuildError(f"front-end extension {name} is not installed in any of {searched} "
                     "(run the build as `make lite`, which sets JUPYTER_PATH to .venv/share/jupyter)")


def build_config() -> dict[str, object]:
    """``lite/jupyter_lite_config.json`` plus the front-end extensions, named one by one.

    Only the extensions the notebooks need are taken (the Pyodide kernel, the widget manager,
    plotly's renderer: :func:`labextension`); others installed for JupyterLab (jupytext, ...)
    stay out of the site.
    """
    config = json.loads((HERE / "jupyter_lite_config.json").read_text())
    folders = [str(labextension(name)) for name in FRONTEND_EXTENSIONS]
    config.setdefault("LiteBuildConfig", {})["federated_extensions"] = folders
    config["LiteBuildConfig"]["ignore_sys_prefix"] = ["federated_extensions"]
    return config


def check_self_contained(out: Path) -> None:
    """Fail if a shipped config or the lock points at another host (CDN, PyPI)."""
    bad = []
    for p in [out / "jupyter-lite.json", *out.glob("*/jupyter-lite.json"), out / PYODIDE_DIR / "pyodide-lock.json"]:
        if p.is_file():
            text = p.read_text()
            for url in re.findall(r"https?://[^\s\"']+", text):
                if not url.startswith(("http://json-schema.org", "https://jupyterlite.readthedocs")):
                    bad.append(f"{p.relative_to(out)}: {url}")
    if bad:
        raise BuildError("the Lite site refers to other hosts:\n  " + "\n  ".join(bad))


#: The book's icon, which every page of the Lite app names (JupyterLite's pages name none, so a
#: browser asks the server's root for /favicon.ico: a 404, and outside the site when it is
#: published under a sub-path).
FAVICON = ROOT / "book" / "_ext" / "_site" / "favicon.svg"
_HEAD_END = re.compile(r"</head>", re.IGNORECASE)


def add_favicon(out: Path) -> list[Path]:
    """Copy :data:`FAVICON` to ``out/favicon.svg`` and link it from every page of the app (the
    notebooks in ``files/`` are the students', not pages). Returns the pages changed."""
    shutil.copy2(FAVICON, out / "favicon.svg")
    changed = []
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out)
        if rel.parts[0] == "files":
            continue
        text = page.read_text(encoding="utf-8")
        if 'rel="icon"' in text or not _HEAD_END.search(text):
            continue
        href = "../" * (len(rel.parts) - 1) + "favicon.svg"
        link = f'    <link rel="icon" type="image/svg+xml" href="{href}" />\n  '
        page.write_text(_HEAD_END.sub(lambda m: link + m.group(0), text, count=1), encoding="utf-8")
        changed.append(page)
    return changed


def site_size(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


#: What the site is made from: a build with the same inputs as the last one is skipped. README.md
#: and LICENSE are in the project's wheel (its description and licence file, grading/package.py).
INPUTS = ("lite", "lecture_code", "grading", "exercises", "book", "pyproject.toml", "README.md", "LICENSE",
          "_toc.yml", "package-lock.json")


def inputs_hash(root: Path = ROOT) -> str:
    """The hash of :data:`INPUTS` (``book/_ext/build_inputs.py``) and the Python that builds."""
    return _inputs_hash(INPUTS, root, salt=sys.version)


def build(output: Path, force: bool = False) -> dict[str, object]:
    t0 = time.perf_counter()
    stamp = inputs_hash()
    manifest_file = output / "book-lite.json"
    if not force and manifest_file.is_file():
        old = json.loads(manifest_file.read_text())
        if old.get("inputs") == stamp and (output / PYODIDE_DIR / "pyodide-lock.json").is_file():
            log(f"up to date: {output} (inputs unchanged; `make lite LITE_FORCE=1` rebuilds)")
            return old
    verdicts = decide(ROOT)
    browser = {k: v for k, v in verdicts.items() if v.runs_in_browser}
    if not browser:
        raise BuildError("no notebook runs in the browser: nothing to build")
    needed = set().union(*(v.packages for v in browser.values()))
    log(f"browser notebooks: {', '.join(browser)}; they import {', '.join(sorted(needed))}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pyodide_dir = tmp / "pyodide"
        info = assemble_pyodide(pyodide_dir, needed)
        # wasm packages a notebook imports directly or through lecture_code's lazy imports
        preload = [info["project"], *DISPLAY_PACKAGES] + sorted(
            BROWSER_PACKAGES[i] for i in needed if BROWSER_PACKAGES.get(i) in info["verified"] and i not in ON_DEMAND
        )
        lite_dir = tmp / "lite"
        lite_dir.mkdir()
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(preload), indent=2))
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(build_config(), indent=2))
        # app settings: every cell stays rendered (JupyterLab's default windowing hides cells
        # away from the viewport, and a widget slider rendered while hidden does not respond);
        # a Download button in the notebook's toolbar and File menu (the notebook view has none:
        # work lives in the browser's storage until the student downloads it)
        shutil.copy2(HERE / "overrides.json", lite_dir / "overrides.json")
        contents = tmp / "contents"
        notebooks = write_contents(contents, verdicts)
        if output.exists():
            shutil.rmtree(output)
        env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1"}
        cmd = [str(Path(sys.executable).parent / "jupyter-lite"), "build", "--lite-dir", str(lite_dir),
               "--output-dir", str(output), "--contents", str(contents)]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=lite_dir)  # config is read from cwd
        if res.returncode:
            raise BuildError("jupyter lite build failed:\n" + res.stdout[-4000:] + res.stderr[-4000:])
        shutil.copytree(pyodide_dir, output / PYODIDE_DIR)
    # the wheel students install on their own computers (lite/install.py): the same file
    wheel = output / Path(install.WHEEL_FOLDER).relative_to("lite") / install.wheel_name()
    wheel.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(output / PYODIDE_DIR / install.wheel_name(), wheel)
    # source maps are for debugging the app itself; students never load them
    for p in output.rglob("*.map"):
        p.unlink()
    add_favicon(output)
    check_self_contained(output)
    manifest = {**info, "notebooks": notebooks, "preload": preload, "bytes": site_size(output),
                "seconds": round(time.perf_counter() - t0, 1), "inputs": stamp}
    (output / "book-lite.json").write_text(json.dumps(manifest, indent=1))
    log(f"{len(notebooks)} notebooks, {manifest['bytes'] / 1e6:.1f} MB in {output} ({manifest['seconds']} s)")
    return manifest


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=ROOT / "_build" / "html" / "lite")
    ap.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    args = ap.parse_args(argv)
    try:
        build(args.output.resolve(), force=args.force)
    except BuildError as exc:
        print(f"[lite] build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

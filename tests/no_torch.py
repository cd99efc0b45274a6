"""Python as on a computer without PyTorch, for the tests that run code in a subprocess.

``NO_TORCH`` is a line of Python to put first in such a script: every ``import torch`` (and
``torch.*``) then fails exactly as when torch is not installed (``ModuleNotFoundError``, ``name``
``"torch"``), while ``sys.modules`` holds no stand-in -- libraries that look for an imported torch
there (SciPy's array API support does) see none, as on that computer.
"""

NO_TORCH = (
    "import sys as _s, importlib.abc as _a\n"
    "class _NoTorch(_a.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'torch' or name.startswith('torch.'):\n"
    "            raise ModuleNotFoundError(f\"No module named {name!r}\", name=name)\n"
    "_s.meta_path.insert(0, _NoTorch())\n"
)

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

#: Defines ``run_cells(path)``: a notebook's code cells run in order, in one namespace, as a
#: student runs them; a cell ending in an interactive figure draws its default frame, so imports
#: inside demo and draw functions run too. Put after ``NO_TORCH`` in a subprocess's script.
RUN_CELLS = (
    "import ast as _ast\n"
    "import jupytext as _jupytext\n"
    "from lecture_code.core.interactive import Explorer as _Explorer\n"
    "def run_cells(path):\n"
    "    ns = {}\n"
    "    for cell in _jupytext.read(path).cells:\n"
    "        if cell.cell_type != 'code':\n"
    "            continue\n"
    "        tree = _ast.parse(cell.source)\n"
    "        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], _ast.Expr) else None\n"
    "        exec(compile(tree, 'cell', 'exec'), ns)\n"
    "        if last is not None:\n"
    "            value = eval(compile(_ast.Expression(last.value), 'cell', 'eval'), ns)\n"
    "            if isinstance(value, _Explorer):\n"
    "                value.figure()\n"
)

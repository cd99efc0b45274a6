"""book/_ext/install_lock.py: uv is told where pip looks for packages."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from install_lock import pip_sources  # noqa: E402


def test_the_sources_of_this_machines_pip_as_uv_options(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch<=2.14.1\n")
    listing = "\n".join([
        ":env:.cert='/etc/ssl/certs/ca-certificates.crt'",
        ":env:.default-timeout='180'",
        f":env:.find-links='{wheels}'",
        f"global.constraint='{constraints}'",
        f"global.extra-index-url='file://{tmp_path} file:///nowhere/simple https://example.org/simple'",
        f"global.find-links='{wheels}'",
    ])
    assert pip_sources(listing) == [
        "--find-links", str(wheels),
        "--constraint", str(constraints),
        "--extra-index-url", f"file://{tmp_path}",  # file:///nowhere is left out: it does not exist
        "--extra-index-url", "https://example.org/simple",
    ]


@pytest.mark.parametrize("listing, expected", [
    ("", []),
    ("global.timeout='60'\nsome garbage line", []),
    (":env:.index-url='https://a.example/simple'\nglobal.index-url='https://b.example/simple'",
     ["--index-url", "https://a.example/simple"]),  # one index-url: the first pip lists (its variable)
    ("install.no-index='true'", ["--no-index"]),
    ("install.no-index='false'", []),
    ("install.extra-index-url='https://a.example/simple'\nglobal.extra-index-url='https://a.example/simple'",
     ["--extra-index-url", "https://a.example/simple"]),
])
def test_each_source_once_and_only_pips_sources(listing, expected):
    assert pip_sources(listing) == expected

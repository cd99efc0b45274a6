"""Our glue sends exactly the display message MyST-NB's glue sends (the reference)."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from lecture_code.core.glue import glue


def _sent(fn, *args, **kwargs):
    with mock.patch("IPython.display.display") as ours, mock.patch("myst_nb.ext.glue.ipy_display") as theirs:
        fn(*args, **kwargs)
    call = ours.call_args if ours.called else theirs.call_args
    return call.args, call.kwargs


@pytest.mark.parametrize("value", [3, 0.1234567, np.float64(2.5e-7), "decreases monotonically", [1, 2]])
@pytest.mark.parametrize("display", [False, True])
def test_same_message_as_myst_nb(value, display):
    from myst_nb import glue as reference

    assert _sent(glue, "x", value, display=display) == _sent(reference, "x", value, display=display)


def test_hidden_by_default_and_name_checked():
    args, kwargs = _sent(glue, "n_steps", 23)
    assert all(k.startswith("application/papermill.record/") for k in args[0])
    assert kwargs["metadata"]["scrapbook"] == {"name": "n_steps", "mime_prefix": "application/papermill.record/"}
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        glue("not a name", 1)

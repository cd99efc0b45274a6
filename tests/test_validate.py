"""Argument checks: messages name the parameter and the range; same_value decides "changed in place"."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_code.core.validate import check_int, check_nonnegative, check_positive, check_unit, same_value


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (-1, {"minimum": 0}, "steps must be an integer >= 0, got -1"),
        (2.5, {"minimum": 0}, "steps must be an integer >= 0, got 2.5"),
        (3.0, {"minimum": 0}, "steps must be an integer >= 0, got 3.0"),
        (True, {"minimum": 0}, "steps must be an integer >= 0, got True"),
        ("3", {"minimum": 0}, "steps must be an integer >= 0, got '3'"),
        (100, {"minimum": 1, "maximum": 64}, r"steps must be an integer in \[1, 64\], got 100"),
    ],
)
def test_check_int_refuses_with_the_range(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_int(value, "steps", **kwargs)


def test_check_int_accepts_integers_of_any_kind():
    assert check_int(np.int64(5), "n", 1) == 5 and type(check_int(np.int64(5), "n", 1)) is int
    assert check_int(0, "n") == 0


def test_check_positive_and_unit():
    assert check_positive(0.1, "lr") == 0.1
    assert np.array_equal(check_positive([1.0, 0.5], "lr"), [1.0, 0.5])
    for bad in (0.0, -1.0, float("nan"), float("inf"), [1.0, -2.0], [], "x", True):
        with pytest.raises(ValueError, match=r"lr must be > 0 \(and finite\), got"):
            check_positive(bad, "lr")
    assert check_nonnegative(0.0, "weight_decay") == 0.0 and check_nonnegative(0.5, "weight_decay") == 0.5
    for bad in (-1e-3, float("nan"), float("inf"), "x", False):
        with pytest.raises(ValueError, match=r"weight_decay must be >= 0 \(and finite\), got"):
            check_nonnegative(bad, "weight_decay")
    assert check_unit(0.0, "beta") == 0.0 and check_unit(0.99, "beta") == 0.99
    assert check_unit(np.float32(0.5), "beta") == 0.5 and type(check_unit(np.float64(0.5), "beta")) is float
    assert np.array_equal(check_unit([0.0, 0.5, 0.9], "beta"), [0.0, 0.5, 0.9])
    for bad in (1.0, -0.1, float("nan"), float("inf"), "x", True, [0.5, 1.0], [], [[0.1], [np.nan]]):
        with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
            check_unit(bad, "beta")


@pytest.mark.parametrize("check, args", [
    (check_positive, ("lr", 0.1)),
    (check_nonnegative, ("weight_decay", 0.0)),
    (check_unit, ("beta", 0.9)),
    (check_int, ("steps", 5)),
])
def test_the_old_argument_order_fails_loudly(check, args):
    """Every check takes (value, name): a call with the name first is an error, not a silent swap."""
    with pytest.raises(TypeError, match=r"the value comes first"):
        check(*args)
    assert check(*reversed(args)) == args[1]


def test_same_value_is_the_argument_changed_check():
    a = np.array([1.0, np.nan, 3.0])
    assert same_value(a, a.copy())                       # NaN equals NaN
    assert not same_value(a, np.array([1.0, np.nan, 4.0]))
    assert not same_value(a, a[:2])                      # shape counts
    assert same_value([1.0, [2, math.nan]], [1.0, [2, math.nan]])
    assert not same_value([1.0, [2, 3]], [1.0, [2, 4]])
    assert not same_value([1, 2], (1, 2))                # a list is not a tuple
    assert same_value({"w": np.zeros(2)}, {"w": np.zeros(2)})
    assert not same_value({"w": np.zeros(2)}, {"w": np.ones(2)})
    assert same_value(float("nan"), float("nan")) and not same_value(1.0, 2.0)
    assert same_value(np.array(["a", "b"]), np.array(["a", "b"]))  # no NaN for strings

    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

    assert not same_value(Weird(), Weird())              # never raises


_NUMBER_CHECKS = [(check_positive, "> 0 (and finite)"), (check_nonnegative, ">= 0 (and finite)"),
                  (check_unit, "in [0, 1)")]


@pytest.mark.parametrize("check, allowed", _NUMBER_CHECKS)
@settings(max_examples=40, deadline=None)
@given(text=st.one_of(st.sampled_from(["0.3", "1", "0.5", " 2 ", "1e-3", "nan", "", "0.1,0.2"]),
                      st.floats(0.01, 0.99).map(str), st.text(max_size=6)),
       shape=st.sampled_from(["scalar", "list", "mixed", "array"]))
def test_a_number_given_as_text_is_refused_with_name_and_range(check, allowed, text, shape):
    """numpy reads "0.3" as 0.3; a number parameter never does: a str (alone, in a list, in a list
    of numbers, in a string array) fails with the parameter's name and the allowed range."""
    value = {"scalar": text, "list": [text], "mixed": [0.5, text], "array": np.array([text])}[shape]
    with pytest.raises(ValueError) as info:
        check(value, "lr")
    msg = str(info.value)
    assert msg.startswith("lr must be") and allowed in msg, msg


def test_the_chapter_functions_refuse_a_quoted_learning_rate():
    from lecture_code.chapters.intro import gd_on_parabola

    with pytest.raises(ValueError, match=r"lr must be > 0 \(and finite\), got '0.3' \(text, not a number"):
        gd_on_parabola("0.3", 10)
    with pytest.raises(ValueError, match="steps must be an integer"):
        gd_on_parabola(0.3, "10")
    assert gd_on_parabola(0.3, 10) is not None  # the number itself is fine

"""The Adam chapter's demos (``chapters.adam``): frames swap cleanly, divergence shows on the figure,
and the numbers the chapter glues."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.adam import (
    RACES, draw_moments, draw_noisy, draw_race, moments_demo, noisy_demo, race_demo,
    race_optimizers,
)


def _signature(fig):
    return tuple(t.type for t in fig.data), len(fig.layout.annotations or ())


def _status(fig) -> str:
    return fig.layout.annotations[-1].text or ""


def test_race_frames_match_and_report_divergence_and_escape():
    base = draw_race(race_demo(1.0, 500, "beale"))
    fast = race_demo(4.0, 500, "beale")
    fig = draw_race(fast)
    assert _signature(fig) == _signature(base)
    gone = [t.name for t in fast.trajectories if t.diverged]
    assert "GD" in gone and "Adam" not in gone  # big steps: plain GD blows up, Adam's steps stay ≈ η
    assert "GD diverged at step" in _status(fig)
    saddle = race_demo(1.0, 150, "y4_minus_x4")
    escaped = {t.name for t in saddle.trajectories if t.diverged}
    assert {"AdaGrad", "Adam"} <= escaped and "GD" not in escaped  # GD is stuck at the saddle
    assert _status(draw_race(saddle)).startswith("escaped the saddle")
    assert len(race_optimizers("beale")) == 8 and set(RACES) == {"beale", "y4_minus_x4"}


def test_noisy_demo_adaptive_steps_shrink_in_the_noisy_direction():
    quiet, noisy = noisy_demo(0.0), noisy_demo(4.0)
    assert _signature(draw_noisy(quiet)) == _signature(draw_noisy(noisy))
    # noise in y makes Adam's effective learning rate in y much smaller; x is not affected
    assert noisy.eff_lr[1, -50:].mean() < 0.5 * quiet.eff_lr[1, -50:].mean()
    assert np.allclose(noisy.eff_lr[0], quiet.eff_lr[0])
    # and the Adam path wanders less in y than plain SGD under the same noise
    sgd, _, adam = noisy.trajectories
    assert np.std(adam.points[100:, 1]) < np.std(sgd.points[100:, 1])


def test_moments_frames():
    assert _signature(draw_moments(moments_demo(0.5, False))) == _signature(draw_moments(moments_demo(0.99, True)))


# ------------------------------------------------------------- numbers the chapters glue into their prose


def test_reddi_constant_amsgrad_oscillates_and_decaying_steps_converge():
    """Reddi et al.: constant-step AMSGrad stays in an oscillation next to x = −1 with an average
    regret that levels off; with η/√t the oscillation narrows and R_T/T keeps falling."""
    from lecture_code.chapters.adam import draw_reddi, reddi_demo, reddi_regret_rows, reddi_tail

    adam, ams, decay = reddi_demo(3.0, 3000, 0.05, 0.5)
    assert reddi_tail(adam)[0] > 0.9                              # Adam: at the worst point, +1
    lo, hi = reddi_tail(ams)
    assert lo == -1.0 and -0.97 < hi < -0.96                        # the oscillation [−1, −0.965]
    # its width is what the two small gradients after each large one add: 2η/√r_max, with r_max
    # the steady value of r = 0.1 r + 0.9 g² just after g = C = 3 in the cycle (3, −1, −1)
    r_max = (0.9 * 9 + 0.1 * (0.9 + 0.1 * 0.9)) / (1 - 0.1**3)
    assert hi + 1 == pytest.approx(2 * 0.05 / np.sqrt(r_max), rel=1e-3)
    assert reddi_tail(decay)[1] < hi                                # narrower with decaying steps
    rows = reddi_regret_rows(3.0, 0.05, 0.5, (300, 3000, 30000))
    const = [r["const_regret"] for r in rows]
    dec = [r["decay_regret"] for r in rows]
    assert dec[2] < dec[1] / 3 < dec[0] / 3                         # keeps falling (like 1/√T)
    assert const[2] > 0.5 * const[1] and const[2] > 5 * dec[2]      # levels off
    assert rows[1]["const_x"] == rows[2]["const_x"]                 # the same oscillation for ever
    fig = draw_reddi([adam, ams, decay])
    assert [t.line.dash for t in fig.data[::2]] == [None, None, "dash"]
    assert fig.layout.yaxis2.type == "log"


def test_weight_decay_rows_show_coupled_and_decoupled_decay():
    from lecture_code.chapters.adam import weight_decay_rows

    rows = weight_decay_rows(0.01, (0.1, 0.001), 1000, 100)
    by = {(r["optimizer"].split()[0], r["weight_decay"]): r for r in rows}
    for lam in (0.1, 0.001):
        shrink = (1 - 0.01 * lam) ** 1000
        assert by["SGD", lam]["w2"] == pytest.approx(shrink, rel=1e-12)
        assert by["AdamW", lam]["w2"] == pytest.approx(shrink, rel=1e-12)
        assert abs(by["Adam", lam]["w2"]) < 1e-6                    # coupled L2 in Adam: gone
        assert by["Adam", lam]["w1"] == pytest.approx(1 / (1 + lam), rel=1e-9)  # minimum of E + λ/2 ‖w‖²
    assert by["Adam", 0.1]["w2_early"] == pytest.approx(by["Adam", 0.001]["w2_early"], abs=0.01)  # λ hardly matters
    assert by["AdamW", 0.1]["w1"] > by["Adam", 0.1]["w1"] + 0.05


def test_chapter_number_helpers():
    from lecture_code.chapters.adam import minibatch_numbers, minibatch_runs, overshoot_without_correction

    mb = minibatch_numbers(minibatch_runs())
    assert mb["b2_steps"] == 8 * mb["b16_steps"] == 768              # 3 epochs of 512 samples
    assert mb["b16_final"] > 10 * mb["b16_scaled_final"]             # linear scaling catches up
    assert mb["b16_scaled_final"] == pytest.approx(mb["b2_final"], rel=0.2)
    # the jitter, by hand: distance to full-batch GD at the same epoch (batch 16 with 8η: GD step 8k)
    runs = minibatch_runs()
    gd, b16s = runs.paths["full batch (GD), η"], runs.paths["batch 16, 8η (linear scaling)"]
    by_hand = [np.linalg.norm(b16s[k] - gd[8 * k]) for k in range(len(b16s))]
    assert mb["b16_scaled_jitter"] == pytest.approx(np.mean(by_hand[-(len(by_hand) // 3):]), rel=1e-12)
    assert gd.shape == runs.paths["batch 2, η"].shape and len(gd) - 1 == 8 * (len(b16s) - 1)
    assert mb["b16_scaled_jitter"] == pytest.approx(mb["b2_jitter"], rel=0.3)  # same η/B, same noise
    factor, step = overshoot_without_correction(0.9, 0.99)
    assert 1.5 < factor < 3 and 5 < step < 40                        # "about twice", after s caught up
    fast = race_demo(4.0, 500, "beale")
    steps = fast.largest_steps()
    assert steps["Adam"] == pytest.approx(1.0, rel=1e-6) and steps["AdaGrad"] == pytest.approx(1.0, rel=1e-6)
    assert steps["RMSprop"] == pytest.approx(1 / np.sqrt(1 - 0.9), rel=1e-6)  # RMSprop's first step: η/√(1−ρ)


def test_the_bias_correction_quiz_agrees_with_the_running_moments():
    """The quiz's first uncorrected step (computed by the library's optimizer) against the
    uncorrected running averages of :func:`running_moments` and the formula (1 − ρ₁)/√(1 − ρ₂)."""
    from lecture_code.chapters.adam import bias_correction_quiz
    from lecture_code.core.problems import running_moments

    (number,) = bias_correction_quiz().questions
    for g in (0.3, 1.0, -2.5):   # "whatever g is"
        (s,), (r,) = running_moments([g], 0.9, 0.999, bias_correction=False)
        assert abs(s[0]) / np.sqrt(r[0]) == pytest.approx(number.answer, rel=1e-9)
    assert number.answer == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-9)
    assert number.accepts("3.16") and not number.accepts("1")


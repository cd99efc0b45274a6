"""Numbers the code computes are glued into the prose, not typed (issue 10's mechanism).

For each chapter listed in ``ALLOWED``, every number typed in its prose (see
``tests/prose_numbers.py`` for what counts) must be a one-digit label or small given value, or
be in the chapter's allow-list with the reason it may be typed: a value the lectures give, a
parameter of an experiment (visible in the code cell next to it), a published figure quoted with
its source, a year, section or figure number, or a hand calculation shown in the text. A new
typed number fails the test: glue it (``glue("name", value)`` in a code cell,
``{glue:text}`name:.3g``` in the text) or, if it is one of those kinds, add it here with its reason.

Single digits are allowed everywhere (exercise numbers, dimensions, "4 or 8 hidden units"): the
test guards the numbers that drifted before -- decimals ("loss 0.021"), multi-digit counts
("about 22 steps") and multiples in words ("thirty times larger", "a fifth of").

Run ``python -m tests.prose_numbers CHAPTER`` to see the typed numbers of a chapter in context.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.prose_numbers import BOOK, chapter_numbers, typed_numbers

LECTURE = "a value the lecture gives"
PARAMETER = "a parameter of the experiment, visible in the code cell next to it"

ALLOWED: dict[str, dict[str, str]] = {
    "intro": {
        "8.6": "an algorithm number (Goodfellow et al., Alg. 8.6)",
        "10707": "a course number (Deep Learning 10707, as the slides name it)",
        "3.11": "a Python version",
        "2026": "the year in the cite-this-book box (the copyright year of _config.yml)",
        "4.0": "a licence's version (CC BY 4.0)",
        "2.5": "disk space measured after make book (du of .venv, node_modules, _build, _vendor, .venv-lite)",
        "four times": "GROWTH = 4 of lecture_code.chapters.intro, the divergence rule the sentence states",
    },
    "momentum": {
        "75": LECTURE + " (the narrow valley |w₁| + 75|w₂|)",
        "2000": PARAMETER + " (the table's steps)",
        "300": PARAMETER + " (steps of the rate fit)",
        "20": LECTURE + " (exercise: 20 steps, then the learning rate halved)",
        "50": PARAMETER + " (the table's w2_bounce: largest |w₂| over the last 50 iterates)",
        "600": PARAMETER + " (steps of the second rate fit)",
    },
    "adam": {
        "10707": "a course number (Deep Learning 10707, as the slides name it)",
        "32": LECTURE + " (the default minibatch size the slides quote)",
        "16": PARAMETER + " (batch size)",
        "1.1": LECTURE + " (the gradients of the signal-to-noise exercise)",
        "0.9": LECTURE + " (the exercise's gradients; Adam's default ρ₁)",
        "-0.9": LECTURE + " (the gradients of the signal-to-noise exercise)",
        "0.1": LECTURE + " (the gradients of the signal-to-noise exercise)",
        "0.999": "Adam's default ρ₂",
        "10": "1/(1 − ρ₁) for ρ₁ = 0.9, the memory of the first moment; CIFAR-10 (a data set's name)",
        "100": "1/(1 − ρ₂) for ρ₂ = 0.99; 0.5/√t > 0.05 for t < 100; 100 steps (a parameter)",
        "8.5": "an algorithm number (Goodfellow et al., Alg. 8.5)",
        "8.6": "an algorithm number (Goodfellow et al., Alg. 8.6)",
        "8.7": "an algorithm number (Goodfellow et al., Alg. 8.7)",
        "50": PARAMETER + " (the step after which the spread is measured)",
        "150": PARAMETER + " (steps)",
        "300": PARAMETER + " (the last 300 steps of a run)",
        "500": PARAMETER + " (steps)",
        "1000": PARAMETER + " (steps)",
        "2000": PARAMETER + " (steps)",
        "0.05": PARAMETER + " (the constant step of the Reddi runs)",
        "2018": "a year (ICLR 2018, the conference)",
    },
    "hessians": {
        "10": "factor of 10 (a decade), and the step range 10–100 of the medians, as in the cell",
        "100": "the step range 10–100 of the medians, as in the cell",
        "16": PARAMETER + " (hidden units)",
        "20": LECTURE + " (κ = 20 of the exercise)",
        "200": PARAMETER + " (spiral points; the flat phase starts at step 200, as in the cell)",
        "30": PARAMETER + " (angle of the quadratic)",
        "50": PARAMETER + " (Lanczos every 50 steps; zigzag_demo(…, 50))",
        "0.1": PARAMETER + " (the size of a loss jump, as in the cell)",
        "three times": LECTURE + " (H = diag(2, 6): 6 = 3 · 2)",
        "8.1": "a figure number (Goodfellow et al., Fig. 8.1)",
        "400": PARAMETER + " (training steps of ill_conditioning_run)",
    },
    "saddles": {
        "10": "the exercise's hand calculation, mean 100 · 0.1",
        "100": LECTURE + " (exercise: N = 100)",
        "17": "parameter count of the 4-unit net, 4 · (2 + 2) + 1",
        "33": "parameter count of the 8-unit net, 8 · (2 + 2) + 1",
        "64": PARAMETER + " (data points)",
        "1000": PARAMETER + " (the steps at which the cell reports the loss)",
        "1500": PARAMETER + " (the steps at which the cell reports the loss)",
        "2000": PARAMETER + " (the steps at which the cell reports the loss)",
        "3000": PARAMETER + " (the steps at which the cell reports the loss)",
        "a quarter of": "paraphrase of the glued counts next to it (4 of 17, 8 of 33)",
    },
    "symmetry": {
        "14": "the exercise's hand count, 8 + 6",
        "40": PARAMETER + " (runs)",
        "400": PARAMETER + " (Gaussian inputs)",
        "240": LECTURE + " (the slide's \"6! = 240\", quoted to correct it)",
        "720": "6! = 720, the correction of the slide",
        "1000": "the paper's runs per setting (Safran & Shamir 2018), and ours",
        "0.05": "the ablation's step sizes (parameters of the script)",
        "0.1": "the authors' step size (their published code)",
        "0.2": "the ablation's step sizes (parameters of the script)",
    },
    "good_minima": {
        "4.1": "a theorem number (Du et al. 2019, Theorem 4.1)",
        "10707": "the course number as the deck names it (Deep Learning 10707)",
        "12": "the exploratory pilot the sentence describes: 3 initialisations × 2 losses × 2 input codings",
        "200": "the exploratory pilot the sentence describes: 200 runs per combination",
        "100": "the number of runs assumed behind each published XOR percentage, stated as an assumption",
        "1000": "Safran & Shamir's runs per setting (the paper's and ours)",
    },
    "nfl": {
        "11": "a position on the ring (positions 6 to 11)",
        "12": PARAMETER + " (pixels on the ring)",
        "16": "2^4 training labelings; 16 hidden units (a parameter)",
        "40": PARAMETER + " (points of the data sets)",
        "256": "2^8 targets",
        "300": PARAMETER + " (Adam steps)",
        "00000000": "a target, written as its labels",
        "00000011": "a target, written as its labels",
        "00001111": "a target, written as its labels",
        "1997": "a year (\"the 1997 paper\" of Wolpert & Macready)",
        "a quarter of": PARAMETER + " (holdout = 0.25)",
        "10": PARAMETER + " (ten draws of the data, seeds 0 to 9)",
    },
    "landscape": {
        "-1": PARAMETER + " (the threshold of the \"curving down\" count, −1 % of the positive eigenvalue: the script's nonconvex_fraction)",
        "0.01": PARAMETER + " (Adam's learning rate in the cell)",
        "1,000": "the data split (digits(): 1,000 training images)",
        "1,797": "the size of the digits data set (scikit-learn's copy)",
        "10": "10 classes of the digits; CIFAR-10, the name of a data set",
        "10707": "the course number of the CMU lecture (Deep Learning 10707)",
        "300": PARAMETER + " (Adam steps in the cell)",
        "31": PARAMETER + " (the script's 31×31 grids)",
        "32": PARAMETER + " (width of the skip-connection networks, scripts/landscape_experiments.py skip())",
        "400": PARAMETER + " (Adam steps of the skip-connection networks, the script's skip())",
        "56": "ResNet-56, the network of Li et al.'s figure",
        "600": PARAMETER + " (train_bezier steps in the script's paths())",
        "64": "the digits' 64 pixels; the network's widths, as in the cell",
        "797": "the data split (the 797 test images)",
        "90": PARAMETER + " (the 0.9 threshold in the cell)",
    },
    "shaping": {
        "0.9": PARAMETER + " (edge_popup's momentum)",
        "1%": LECTURE + " (the slide's \"between 15% and 1%\", quoted)",
        "15%": LECTURE + " (the slide's \"between 15% and 1%\", quoted)",
        "10": "\"10-20%\" quoted from Frankle & Carbin's abstract; 10 classes (chance is 10 %); the output layer of 64-100-100-10",
        "20%": "\"10-20%\" quoted from Frankle & Carbin's abstract",
        "20": "Frankle & Carbin's pruning rate per round (20 %), a published figure",
        "1,000": "the data split (1,000 training images)",
        "797": "the data split (797 test images)",
        "100": PARAMETER + " (the lottery network 64-100-100-10, the script's lottery())",
        "1000": PARAMETER + " (the 1000×1000 layer drawn in the cell)",
        "10707": "the course number of the CMU lecture (Deep Learning 10707)",
        "128": PARAMETER + " (width of the γβ networks and of the signal-propagation stack: propagation_demo's default)",
        "16": "an equation number (Glorot & Bengio, eq. 16)",
        "2.1": "a section number (Santurkar et al., section 2.1)",
        "30": PARAMETER + " (depth of the signal-propagation stack: propagation_demo's default; the exercise's 30 layers)",
        "34": "ResNet-34, a network named in Ramanujan et al.'s abstract",
        "50": "Wide ResNet-50, a network named in Ramanujan et al.'s abstract",
        "64": "the digits' 64 pixels; the networks' widths",
    },
    "hyperplanes": {
        "00": "a region code", "01": "a region code", "10": "a region code", "11": "a region code; an "
        "11-layer network (Goodfellow et al., section 6.4)",
        "12": PARAMETER + " (total units); six lines through a point: 2 · 6 sectors",
        "16": PARAMETER + " (lines; units; the 16-number pictures)",
        "50": PARAMETER + " (parameter budget)",
        "64": "2^6 inputs of 6-bit parity",
        "100": PARAMETER + " (parameter budget)",
        "257": PARAMETER + " (grid points)",
        "400": PARAMETER + " (grid size)",
    },
}


@pytest.mark.parametrize("chapter", sorted(ALLOWED))
def test_no_new_typed_numbers(chapter):
    allowed = ALLOWED[chapter]
    new = [t for t in chapter_numbers(chapter) if len(t.token) > 1 and t.token not in allowed]
    assert not new, (f"book/{chapter}.md types numbers the code may compute; glue them or allow them in "
                     f"tests/test_prose_numbers.py with a reason:\n" + "\n".join(f"  {t}" for t in new))


@pytest.mark.parametrize("chapter", sorted(ALLOWED))
def test_the_allow_list_has_no_stale_entries(chapter):
    typed = {t.token for t in chapter_numbers(chapter)}
    stale = sorted(set(ALLOWED[chapter]) - typed)
    assert not stale, f"book/{chapter}.md no longer types {stale}: remove them from ALLOWED"


def test_the_checker_sees_what_issue_10_found():
    """The typed claims the referee found are caught; math, code, roles and links are not prose."""
    text = "\n".join([
        "---", "kernelspec: {name: python3}", "---",
        "so about 22 steps per factor of 10; the gradient norm is thirty times larger,",
        "ended at loss 0.021, with a fifth of the parameters.",
        "Math $\\eta = 0.905$ and $$x = 123$$, code `f(0.5)`, a role {glue:text}`x:.3g`,",
        "a link [paper](https://example.org/2019.99) and a label (Alg. 8.7).",
        "```{code-cell} ipython3", "print(12345)", "```",
        ":::{admonition} Solution", ":class: dropdown", "the answer is 47/64", ":::",
    ])
    tokens = [t.token for t in typed_numbers(text)]
    assert tokens == ["22", "10", "thirty times", "0.021", "a fifth of", "8.7", "47", "64"]


def test_glued_values_format_as_numbers():
    """MyST-NB formats ``{glue:text}`x:.2f``` by ``literal_eval`` of the glued ``text/plain``:
    a numpy scalar (``np.float64(0.5)``) would break it. Glue Python numbers (``float(x)``)."""
    fixtures = Path(__file__).parent / "fixtures" / "chapter_outputs"
    bad = []
    for path in sorted(fixtures.glob("*.json")):
        for name, text in json.loads(path.read_text())["glue"].items():
            try:
                ast.literal_eval(text)
            except (ValueError, SyntaxError):
                bad.append(f"{path.stem}: {name} = {text!r}")
    assert not bad, "glued values that are not Python literals:\n" + "\n".join(bad)


def test_every_checked_chapter_exists():
    assert all((BOOK / f"{c}.md").exists() for c in ALLOWED)

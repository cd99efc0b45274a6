"""The squeezing experiment: monotone loss, a line of critical points, zero and negative eigenvalues."""

import numpy as np
import pytest

from lecture_code.chapters import symmetry as ch
from lecture_code.core import teacher_student as ts


@pytest.fixture(scope="module")
def run():
    prob = ts.committee_problem(n_data=200)
    sq = ts.squeeze(prob, (0, 1), n_steps=8)
    return prob, sq, ts.critical_line(prob, sq)


def test_student_on_teacher_has_zero_loss_and_permutations_too():
    prob = ts.committee_problem(n_data=50)
    th = prob.teacher_theta()
    assert prob.student.f(th) < 1e-28
    n, d1 = prob.n, 3
    U = th[: n * d1].reshape(n, d1)[[2, 0, 3, 1]]
    th2 = np.concatenate([U.ravel(), np.ones(n), [0.0]])
    assert prob.student.f(th2) < 1e-28 and not np.allclose(th, th2)


def test_squeeze_respects_the_distance_and_loss_rises(run):
    prob, sq, _ = run
    d1 = 3
    for dist, th in zip(sq.distances, sq.thetas):
        assert np.linalg.norm(th[0:d1] - th[d1 : 2 * d1]) == pytest.approx(dist, abs=1e-9)
    assert sq.losses[0] < 1e-12 and sq.distances[-1] == 0
    assert np.all(np.diff(sq.losses) > 0)


def test_distance_zero_is_a_line_of_critical_points(run):
    prob, sq, line = run
    assert line.reduced_grad_norm < 1e-9
    assert np.all(line.grad_norms < 1e-8)  # every split (a, w* − a) is critical
    np.testing.assert_allclose(line.losses, line.losses[0], rtol=1e-12)  # same loss along the line
    inside = (line.splits > 0) & (line.splits < line.total)
    # a zero eigenvalue along the line (direction (+1, −1) in the pair's output weights)
    assert np.all(line.n_zero[inside] >= 1)
    # at the ends one neuron has output weight 0, its incoming weights are free: 1 + 3 zeros
    ends = np.isclose(line.splits, 0) | np.isclose(line.splits, line.total)
    assert np.all(line.n_zero[ends] == 4)
    # and it is a saddle: a negative eigenvalue inside the segment
    assert np.all(line.n_negative[inside] >= 1)


def test_zero_eigenvector_points_along_the_line(run):
    prob, sq, line = run
    net = prob.student
    n, d1 = prob.n, 3
    k = int(np.argmin(np.abs(line.splits - 0.5 * line.total)))
    # rebuild the point at that split and check H v = 0 for v = e_{a_i} − e_{a_j}
    theta = sq.thetas[-1].copy()
    # the line's Hessian is evaluated at the polished point; use its eigenvalues' smallest |λ|
    assert np.min(np.abs(line.eigenvalues[k])) < 1e-7 * np.abs(line.eigenvalues[k]).max()
    v = np.zeros(net.n_params)
    v[n * d1 + 0], v[n * d1 + 1] = 1.0, -1.0
    theta[n * d1 + 0], theta[n * d1 + 1] = 0.3, theta[n * d1 + 0] + theta[n * d1 + 1] - 0.3
    Hv = net.hessian(theta) @ v
    # at distance zero the two neurons are identical, so the outputs do not depend on the split
    assert np.linalg.norm(Hv) < 1e-8


def test_bad_input():
    prob = ts.committee_problem(n_data=20)
    with pytest.raises(ValueError, match="pair must be"):
        ts.squeeze(prob, (1, 1))
    with pytest.raises(ValueError, match="n_steps must be"):
        ts.squeeze(prob, (0, 1), n_steps=1)
    with pytest.raises(ValueError, match="teacher must have shape"):
        ts.committee_problem(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="n_data must be"):
        ts.committee_problem(n_data=3)


def test_squeeze_frames_have_identical_trace_layout():
    a = ch.draw_squeeze_frame(ch.squeeze_demo(0, n_steps=4))
    b = ch.draw_squeeze_frame(ch.squeeze_demo(3, n_steps=4))
    assert [t.type for t in a.data] == [t.type for t in b.data]
    assert len(a.layout.annotations) == len(b.layout.annotations)
    with pytest.raises(ValueError, match="step must be"):
        ch.squeeze_demo(4, n_steps=4)


def test_hyperplane_segment_lies_on_the_line():
    xs, ys = ch.hyperplane_segment(np.array([1.0, 2.0]), 0.5, box=3.0)
    assert np.allclose(xs * 1.0 + ys * 2.0 + 0.5, 0.0)
    xs, ys = ch.hyperplane_segment(np.array([1.0, 0.0]), 10.0, box=3.0)  # x = -10: outside the box
    assert np.all(np.isnan(xs))


def test_triple_gives_a_plane_with_two_zero_eigenvalues(run):
    prob, sq, _ = run
    plane = ts.critical_plane(prob, sq)
    np.testing.assert_allclose(plane.splits.sum(1), plane.total)
    assert np.all(plane.grad_norms < 1e-8)
    assert np.all(plane.n_zero == 2)
    assert np.all(plane.n_negative >= 1)

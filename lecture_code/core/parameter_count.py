"""How many weights a layered network has: the ``N`` of the symmetry argument.

The lecture (EPFL, "Deep Nets 3") counts a network with ``m`` hidden layers of ``n`` neurons,
input dimension ``n`` and output dimension ``q``: its weight space has dimension

    N = m·n² + n·q

(``n·n`` weights into each hidden layer, ``n·q`` into the output, no biases). With another input
dimension ``d`` the first layer has ``d·n``; biases add ``m·n + q``.
"""

from __future__ import annotations

from lecture_code.core.validate import check_int

__all__ = ["layered_parameter_count"]


def layered_parameter_count(m: int, n: int, q: int, *, d: int | None = None, biases: bool = False) -> int:
    """Weights of a network ``d → n → … → n → q`` with ``m`` hidden layers of ``n`` units.

    ``d`` defaults to ``n`` (the lecture's convention), giving ``m·n² + n·q``; ``biases=True``
    adds one per hidden unit and output.
    """
    m, n, q = check_int(m, "m", 1), check_int(n, "n", 1), check_int(q, "q", 1)
    d = n if d is None else check_int(d, "d", 1)
    count = d * n + (m - 1) * n * n + n * q
    return count + (m * n + q if biases else 0)

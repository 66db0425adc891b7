"""Check derivatives: against finite differences, and by property tests with Hypothesis.

Check your own function in one line; a failure raises :class:`GradCheckError` with a report that
names the input, the step sizes tried, and the op whose local derivative is wrong:

>>> from autograd_lite.testing import check_grad
>>> check_grad(lambda x, y: x * y.sin() + (x / y).exp(), [1.5, -0.7]).ok
True
>>> check_grad(lambda x: x * x.sin().exp(), [1e4], order=2).ok
True

Property tests with our Hypothesis strategies (``pip install 'autograd-lite[test]'``) live in
:mod:`autograd_lite.testing.strategies`; :func:`check_engine` runs them on another engine's
scalar class (your own micrograd-style ``Value``) with autograd_lite as the oracle.
"""

from .engines import DEFAULT_EXAMPLES, Engine, EngineCheckResult, check_engine
from .gradcheck import (
    DEFAULT_STEPS,
    GradCheckError,
    GradCheckResult,
    NondifferentiablePoint,
    check_grad,
    numerical_grad,
    override_rule,
)
from .rules import DEFAULT_POINTS, RuleCheckResult, check_rule

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_POINTS",
    "DEFAULT_STEPS",
    "Engine",
    "EngineCheckResult",
    "GradCheckError",
    "GradCheckResult",
    "NondifferentiablePoint",
    "RuleCheckResult",
    "check_engine",
    "check_grad",
    "check_rule",
    "numerical_grad",
    "override_rule",
]

"""The training loop: forward pass, loss, backward pass, update, repeat.

>>> from autograd_lite.datasets import make_moons
>>> from autograd_lite.nn import MLP
>>> X, y = make_moons(40, noise=0.05, seed=1)
>>> model = MLP(2, [8, 1], seed=1)
>>> history = train(model, X, y, loss=hinge, steps=30, lr=0.5, progress=False)
>>> history.loss[-1] < history.loss[0], history.accuracy[-1] > 0.8
(True, True)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import losses
from ._common import as_list, is_int, is_real, make_rng
from .engine import Value, no_grad, type_name
from .errors import DomainError
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2,
)
from .nn import Module
from .optim import SGD, Optimizer, Schedule

__all__ = ["History", "TrainingStoppedError", "accuracy", "evaluate", "train"]

Loss = Callable[[Any, Any], Value]


def _positive_score(prediction: Any) -> bool:
    return bool(_as_value(prediction).data > 0)


def _as_value(prediction: Any) -> Value:
    if isinstance(prediction, Value):
        return prediction
    if isinstance(prediction, list) and len(prediction) == 1:
        return _as_value(prediction[0])
    return Value(prediction)


def _argmax(prediction: Any) -> int:
    scores = [_as_value(p).data for p in prediction]
    return max(range(len(scores)), key=scores.__getitem__)


# How each loss's predictions become classes: scores and logits by their sign, probabilities
# by 0.5, class scores by their largest entry.
_CLASSIFY: dict[Any, Callable[[Any], int]] = {
    hinge: lambda p: int(_positive_score(p)),
    binary_cross_entropy_with_logits: lambda p: int(_positive_score(p)),
    binary_cross_entropy: lambda p: int(_as_value(p).data > 0.5),
    cross_entropy: _argmax,
}


def accuracy(predictions: Sequence[Any], targets: Sequence[int], loss: Loss) -> float | None:
    """The share of predictions that land in the target's class, read the way ``loss`` reads
    them; None for a loss that is not a classifier's (such as mse).

    >>> accuracy([Value(2.0), Value(-0.5)], [1, 1], hinge)
    0.5
    """
    classify = _CLASSIFY.get(loss)
    if classify is None:
        return None
    positive = {1}
    hits = 0
    for p, t in zip(predictions, targets, strict=True):
        predicted = classify(p)
        hits += predicted == t if loss is cross_entropy else (predicted == 1) == (t in positive)
    return hits / len(predictions)


class TrainingStoppedError(DomainError):
    """:func:`train` stopped because a step was refused (a gradient or a new parameter that is
    not finite). The model keeps its parameters from the last good step; ``history`` holds
    the steps that were taken, ``step`` the one that was refused, ``cause`` the refusal."""

    def __init__(self, cause: DomainError, step: int, steps: int, history: History) -> None:
        self.cause, self.step, self.steps, self.history = cause, step, steps, history
        super().__init__(cause.op, cause.reason, cause.operands)

    def _message(self) -> str:
        # The refusal as it was, then what it means for the run (not spliced into its reason).
        return (
            f"{self.cause}\nTraining stopped at step {self.step} of {self.steps}: the model keeps "
            f"its parameters from the step before, and this error's .history holds the "
            f"{self.step} steps taken."
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.cause, self.step, self.steps, self.history))


@dataclass
class History:
    """What happened at each step of :func:`train`."""

    loss: list[float] = field(default_factory=list)
    """The minimised loss (data loss plus L2 term) at each step, before the update."""
    accuracy: list[float | None] = field(default_factory=list)
    """Training accuracy of the batch at each step (None for a non-classification loss)."""
    lr: list[float] = field(default_factory=list)
    """The learning rate used at each step."""


def _progress(steps: int) -> Any:
    # The text bar of tqdm (a dependency), imported here to keep `import autograd_lite` light.
    # Not tqdm.auto: in Jupyter without ipywidgets that warns on every call.
    from tqdm import tqdm

    return tqdm(range(steps), desc="training", unit="step", leave=True)


def _samples(name: str, X: object, y: object) -> tuple[list[Any], list[Any]]:
    """X and y as lists of the same non-zero length (lists, tuples, NumPy arrays)."""
    X_, y_ = as_list(X), as_list(y)
    if X_ is None or y_ is None:
        wrong, what = ("X", X) if X_ is None else ("y", y)
        raise TypeError(
            f"{name}: {wrong} must be a list or array of samples, got {type_name(what)}"
        )
    if len(X_) != len(y_) or not X_:
        raise ValueError(f"{name}: X has {len(X_)} samples and y {len(y_)}; expected as many, > 0")
    return X_, y_


def _check_model(name: str, model: object) -> None:
    if not isinstance(model, Module):
        raise TypeError(
            f"{name}: model must be an autograd_lite.nn.Module (an MLP, Layer, Neuron or a "
            f"subclass of your own that declares its parameters), got {type_name(model)}"
        )


def _check_loss(name: str, loss: object) -> None:
    if not callable(loss):
        named = isinstance(loss, str) and hasattr(losses, loss) and not loss.startswith("_")
        hint = f": give the function, loss=autograd_lite.losses.{loss}" if named else ""
        raise TypeError(
            f"{name}: loss must be a function of (predictions, targets) returning a Value, "
            f"such as autograd_lite.losses.hinge; got {type_name(loss)} {loss!r:.40}{hint}"
        )


def _checked_loss(name: str, loss: Loss, predictions: list[Any], targets: list[Any]) -> Value:
    """``loss(predictions, targets)``, which must be a Value (else there is nothing to
    differentiate)."""
    value = loss(predictions, targets)
    if not isinstance(value, Value):
        function = getattr(loss, "__name__", type(loss).__name__)
        raise TypeError(
            f"{name}: the loss {function} must return a Value (the mean loss, so its "
            f"gradient can flow back to the parameters), got {type_name(value)} {value!r:.40}"
        )
    return value


def train(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    loss: Loss = hinge,
    steps: int = 100,
    lr: float | Schedule | None = None,
    momentum: float = 0.0,
    optimizer: Optimizer | None = None,
    batch_size: int | None = None,
    order: str = "random",
    l2_alpha: float = 0.0,
    seed: int | None = None,
    progress: bool | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` with gradient descent; return the :class:`History`.

    Each step: forward pass on the batch, loss (+ ``l2_alpha``·Σw²), zero the gradients,
    backward pass, update w ← w − lr·∂L/∂w (see :class:`~autograd_lite.optim.SGD`).

    Args:
        loss: a function of (predictions, targets) from :mod:`autograd_lite.losses`.
        steps: the number of updates.
        lr: the learning rate of SGD, or a schedule ``lr(step)``; 0.1 if not given.
        momentum: SGD momentum (0 is plain gradient descent).
        optimizer: instead of SGD, an optimizer built on the model's parameters, such as
            ``Adam(model.parameters(), lr=linear_decay(0.01, steps))`` (``lr`` and
            ``momentum`` are then the optimizer's, not given here).
        batch_size: None for the full batch; otherwise a mini-batch each step.
        order: how mini-batches are drawn: ``"random"``, a random sample each step, or
            ``"epochs"``, consecutive slices of a shuffled order of the data, reshuffled when
            it runs out (microgpt's one name per step is ``batch_size=1, order="epochs"``).
        l2_alpha: the weight of L2 regularisation.
        seed: seeds the choice of mini-batches (None: drawn from Python's global ``random``
            state, so ``random.seed(…)`` makes a run reproducible).
        progress: show a progress bar with loss and accuracy; None shows one only when
            standard error is a terminal.
        compile: run the model's per-sample forward and backward pass as compiled Python
            (:mod:`autograd_lite.compiler`): the same losses, gradients and parameters, several
            times faster; samples whose loss passes nothing back skip their backward pass.
            The loss stays on the engine, the L2 term is computed on floats. The model must
            record the same graph for every sample (no Python ``if`` on ``x.data``): one sample is
            re-traced now and then, and a different graph raises GraphChangedError. A model
            whose architecture changed since its last compiled run is compiled again. A
            :class:`~autograd_lite.nn.GPT` is compiled one program per position
            (:mod:`autograd_lite.compiler.gpt`), made when a sequence first reaches it: token
            ids stay inputs, so every sequence shares them.
    """
    _check_model("train", model)
    _check_loss("train", loss)
    X, y = _samples("train", X, y)
    if not is_int(steps):
        raise TypeError(f"train: steps must be an int >= 0, got {type(steps).__name__} {steps!r}")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"train: steps must be an int >= 0, got {steps!r}")
    if batch_size is not None:
        if not is_int(batch_size):
            raise TypeError(
                f"train: batch_size must be an int in 1..{len(X)} or None, "
                f"got {type(batch_size).__name__} {batch_size!r}"
            )
        batch_size = int(batch_size)
        if not 1 <= batch_size <= len(X):
            raise ValueError(
                f"train: batch_size must be in 1..{len(X)} or None, got {batch_size!r}"
            )
    if not is_real(l2_alpha):
        raise TypeError(
            f"train: l2_alpha must be a number >= 0, got {type(l2_alpha).__name__} {l2_alpha!r}"
        )
    if not 0 <= l2_alpha < math.inf:
        raise ValueError(f"train: l2_alpha must be a finite number >= 0, got {l2_alpha!r}")
    for name, flag in (("compile", compile), ("progress", progress)):
        if not isinstance(flag, bool) and not (name == "progress" and flag is None):
            allowed = "True, False or None" if name == "progress" else "True or False"
            raise TypeError(f"train: {name} must be {allowed}, got {type(flag).__name__} {flag!r}")
    named = model.named_parameters()
    if not named:
        raise ValueError(
            f"train: {model.architecture} has no parameters, so training would change nothing; "
            "a model declares them by own_parameters()/children() or by overriding "
            "parameters() (see autograd_lite.nn.Module)"
        )
    if order not in ("random", "epochs"):
        raise ValueError(f"train: order must be 'random' or 'epochs', got {order!r:.40}")
    if optimizer is None:
        optimizer = SGD(named, lr=0.1 if lr is None else lr, momentum=momentum)
    else:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                "train: optimizer must be an autograd_lite.optim optimizer such as "
                f"Adam(model.parameters(), lr=…), got {type_name(optimizer)}"
            )
        if lr is not None or momentum:
            raise TypeError(
                "train: give lr and momentum to the optimizer, not to train, when you pass one"
            )
        if {id(p) for p in optimizer.params} != {id(p) for _, p in named}:
            raise ValueError(
                f"train: the optimizer's {len(optimizer.params)} parameters are not those of "
                f"{model.architecture} ({len(named)}); build it on model.parameters()"
            )
    rng = make_rng(seed, "train: seed")
    history = History()
    show = sys.stderr.isatty() if progress is None else progress
    bar = _progress(steps) if show else None
    everything = list(range(len(X)))
    shuffled: list[int] = []  # order="epochs": what is left of this epoch's shuffled order
    compiled = _compiled(model, X[0]) if compile and steps else None
    try:
        for _ in bar if bar is not None else range(steps):
            if batch_size is None:
                batch = everything
            elif order == "random":
                batch = rng.sample(everything, batch_size)
            else:
                batch = []
                while len(batch) < batch_size:
                    if not shuffled:
                        shuffled = everything[:]
                        rng.shuffle(shuffled)
                        shuffled.reverse()  # popped from the end: the shuffled order, in order
                    batch.append(shuffled.pop())
            targets = [y[i] for i in batch]
            if compiled is not None:  # 1. the forward pass, compiled; its backward pass later
                predictions, model_backward = compiled.forward([X[i] for i in batch])
            else:
                predictions = [model(X[i]) for i in batch]  # 1. the forward pass
            fast = compiled.loss(loss, predictions, targets) if compiled is not None else None
            objective = (  # 2. the loss (a compiled GPT's sequence_cross_entropy: on floats)
                fast if fast is not None else _checked_loss("train", loss, predictions, targets)
            )
            regulariser = _compiled_l2(compiled, optimizer.params, l2_alpha)
            if regulariser is not None:  # its value now, its gradient after backward()
                objective = objective + regulariser[0]
            elif l2_alpha:
                objective = objective + l2(optimizer.params, l2_alpha)
            step_lr = optimizer.current_lr()
            optimizer.zero_grad()  # 3. the backward pass, from clean gradients
            objective.backward()
            if regulariser is not None:
                regulariser[1]()  # the L2 term's share, first, as the engine adds it
            if compiled is not None:
                model_backward()  # the model's share of the backward pass, compiled
            optimizer.step()  # 4. the update
            history.loss.append(objective.data)
            history.accuracy.append(accuracy(predictions, targets, loss))
            history.lr.append(step_lr)
            if bar is not None:
                acc = history.accuracy[-1]
                bar.set_postfix(
                    loss=f"{objective.data:.4f}",
                    **({"acc": f"{acc:.0%}"} if acc is not None else {}),
                )
    except DomainError as error:  # a step refused: keep what was learned, say where it stopped
        raise TrainingStoppedError(error, len(history.loss), steps, history) from error
    finally:
        if bar is not None:
            bar.close()
    return history


def _compiled(model: Module, example: Sequence[float]) -> Any:
    # Imported here: the compiler is an optional layer above the training loop.
    from .nn.gpt import GPT

    if isinstance(model, GPT):  # one program per position, shared by every sequence
        from .compiler.gpt import compiled_gpt

        return compiled_gpt(model)
    from .compiler.model import compiled_model

    return compiled_model(model, example)


def _compiled_l2(compiled: Any, params: list[Value], alpha: float) -> Any:
    """The L2 term on floats for a compiled run (None without one, or where a number is not
    finite: the engine's l2 then runs, and raises its own error)."""
    if compiled is None or not alpha:
        return None
    from .compiler.model import compiled_l2

    return compiled_l2(params, alpha)


def evaluate(
    model: Module, X: Sequence[Sequence[float]], y: Sequence[Any], *, loss: Loss = hinge
) -> tuple[float, float | None]:
    """(loss, accuracy) of ``model`` on ``(X, y)``, without recording a graph.

    >>> from autograd_lite.nn import MLP
    >>> evaluate(MLP(2, [1], seed=0), [[0.0, 0.0]], [1])
    (1.0, 0.0)
    """
    _check_loss("evaluate", loss)
    X, y = _samples("evaluate", X, y)
    with no_grad():
        predictions = [model(x) for x in X]
        value = _checked_loss("evaluate", loss, predictions, y)
    return value.data, accuracy(predictions, y, loss)

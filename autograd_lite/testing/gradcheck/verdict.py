"""The verdict on one derivative: which estimates of the sweep are usable and trusted, and
whether the analytic derivative agrees with them."""

from __future__ import annotations

import dataclasses

from .numeric import _MAX, Estimate


def _tolerance(numeric: float, atol: float, rtol: float) -> float:
    return atol + rtol * abs(numeric)


def _agrees(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    return abs(analytic - numeric) <= _tolerance(numeric, atol, rtol)


def _judge(analytic: float, estimates: list[Estimate], atol: float, rtol: float) -> str:
    """'agrees', 'MISMATCH', 'kink' (no step could be used, some crossed a kink) or
    'inconclusive'; marks each estimate trusted or notes why it is not.

    An estimate is usable when its rounding error is at most half the tolerance, and trusted
    when no usable estimate from a narrower step contradicts it (a wide step can be fooled by
    curvature, a narrow one only by rounding, which was just bounded).
    """
    usable = []
    for e in estimates:
        if e.value is None:
            continue
        if e.rounding > _tolerance(e.value, atol, rtol) / 2:
            e.note = "rounding"
        else:
            usable.append(e)
    usable.sort(key=lambda e: e.width)
    for k, e in enumerate(usable):
        assert e.value is not None
        e.trusted = True
        for narrower in usable[:k]:
            assert narrower.value is not None
            scale = max(abs(e.value), abs(narrower.value))
            if abs(e.value - narrower.value) > atol + rtol * scale + e.rounding + narrower.rounding:
                e.trusted, e.note = False, f"contradicted by {narrower.step}"
                break
    for k, e in enumerate(usable):
        # Central differences err by about c·h²: comparing with a wider step estimates c
        # (Richardson), hence this estimate's own truncation error.
        wider = next((w for w in usable[k + 1 :] if e.width <= 0.5 * w.width), None)
        if wider is not None and e.value is not None and wider.value is not None:
            q2 = (e.width / wider.width) ** 2
            e.truncation = abs(e.value - wider.value) * q2 / (1 - q2)
    trusted = [e for e in usable if e.trusted]
    for e in trusted:
        assert e.value is not None
        allowed = _tolerance(e.value, atol, rtol) + e.rounding + e.truncation
        if abs(analytic - e.value) <= allowed:
            return "agrees"
    if trusted:
        return "MISMATCH"
    if any(e.note.startswith("crosses") for e in estimates):
        return "kink"
    return "inconclusive"


@dataclasses.dataclass
class Row:
    """One derivative compared: ∂f/∂xᵢ (``index`` = (i,)) or ∂²f/∂xᵢ∂xⱼ (``index`` = (i, j))."""

    index: tuple[int, ...]
    x: float
    analytic: float
    estimates: list[Estimate]
    verdict: str  # "agrees", "MISMATCH", "kink" or "inconclusive"

    @property
    def name(self) -> str:
        if len(self.index) == 1:
            return f"∂f/∂x{self.index[0]}"
        return f"∂²f/∂x{self.index[0]}∂x{self.index[1]}"

    @property
    def passed(self) -> bool:
        return self.verdict == "agrees"


def _why_inconclusive(row: Row) -> str:
    """Why no estimate of the sweep could be used for ``row``, in words."""
    notes = {e.note for e in row.estimates}
    if notes and all("largest float" in note for note in notes):
        return (
            f"x{row.index[-1]} = {row.x!r} is so close to the largest float ({_MAX:g}) that every "
            "step passes it, so the derivative cannot be checked here; check at a smaller input"
        )
    if notes and all(note.startswith(("leaves the domain", "x ± h passes")) for note in notes):
        return (
            "every step leaves the domain of an op or the range of floats, so the derivative "
            "cannot be checked here; move the point inside the domain"
        )
    return (
        "rounding error swamps every step of the sweep (f is large compared with how much it "
        "changes), so the derivative cannot be checked"
    )

"""One line of why for each gradient a classic mistake gets wrong, in a student's words."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ...base.numbers import rounded
from ...core.engine import Value
from .mistakes import Received, Walk, same

if TYPE_CHECKING:
    from ..subject import Subject

#: Items named in one list of a reason before the rest is counted ("and 997 more").
SHOWN = 4


def _and(words: list[str]) -> str:
    if len(words) > SHOWN:
        words = [*words[: SHOWN - 1], f"{len(words) - SHOWN + 1:,} more"]
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _used_by(labels: list[str]) -> str:
    """`used by d and by e`, `used twice by b`, `used by b twice and by c`."""
    counts = Counter(labels)
    words = {1: "", 2: " twice", 3: " three times"}

    def times(count: int) -> str:
        return words.get(count, f" {count:,} times")

    if len(counts) == 1:
        return f"used{times(len(labels))} by {labels[0]}"
    parts = [f"by {label}{times(count)}" for label, count in counts.items()]
    if len(parts) > SHOWN:
        return f"used by {len(counts):,} nodes"
    return "used " + _and(parts)


def _owners(labels: list[str]) -> list[str]:
    """Whose contribution each was: `d's`, or `b's first` / `b's second` when b uses it twice."""
    ordinals = ["first", "second", "third", "fourth"]
    counts = Counter(labels)
    seen: Counter[str] = Counter()
    owners = []
    for label in labels:
        index = seen[label]
        seen[label] += 1
        if counts[label] == 1:
            owners.append(f"{label}'s")
        else:
            owners.append(f"{label}'s {ordinals[index] if index < len(ordinals) else f'use #{index + 1}'}")
    return owners


def reason(report: Subject, walk: Walk, node: Value) -> str:
    """Why `walk` gives `node` a gradient other than the correct one."""
    from ...core.formula import atomic

    result, precision = report.result, report.options.precision

    def label(node: Value) -> str:
        return atomic(report.label(node))

    n = label(node)
    got: list[Received] = walk.received[node.id]

    def num(x: float | None) -> str:
        return rounded(x, precision)

    def wrong_user(only: bool = False) -> str:
        for received in got:
            user = received.user
            if not same(walk.grads[user.id], user.grad):
                return (
                    f"{label(user)}'s gradient is already wrong under {walk.variant} "
                    f"({num(walk.grads[user.id])} instead of {num(user.grad)}), and {n} "
                    + ("is used only by it" if only else "gets its share of it")
                )
        return f"{n} gets {num(walk.grads[node.id])} instead of {num(node.grad)}"

    if walk.variant == "overwrite":
        if len(got) >= 2:
            owners = _owners([label(r.user) for r in got])
            lost = [f"{owner}, {num(r.amount)}" for owner, r in zip(owners[:-1], got[:-1])]
            return (
                f"{n} is {_used_by([label(r.user) for r in got])}; overwrite kept only {owners[-1]} contribution, "
                f"{num(got[-1].amount)}, and lost {_and(lost)}"
            )
        return wrong_user(only=True)

    if walk.variant == "no-sort":
        for received in got:
            user = received.user
            late = [r for r in walk.received[user.id] if r.after_pass]
            if late:
                amounts = _and([f"{label(r.user)}'s {num(r.amount)}" for r in late])
                return (
                    f"{label(user)} passed its gradient on to {n} when it held {num(received.user_grad)}; "
                    f"{amounts} arrived after (depth first from the output reached {label(user)} "
                    f"before {_and(list(dict.fromkeys(label(r.user) for r in late)))})"
                )
        return wrong_user()

    # no-reset
    kept = walk.first[node.id]
    added = 0.0
    for received in got:
        added += received.amount
    # micrograd's own node between a - b (or a / b) and b (b * -1, b**-1) piled up as well.
    users = sorted({label(r.user) + (f" through micrograd's {r.through.format(n)}" if r.through else "") for r in got})
    if all(r.user is result.output for r in got):
        tail = "nothing set it back to 0 between the calls"
    else:
        whose = "whose gradient had" if len(users) == 1 and not got[0].through else "whose gradients had"
        tail = f"passed on by {_and(users)}, {whose} piled up the same way"
    return f"{n} kept {num(kept)} from the first backward(), and the second added {num(added)} on top, {tail}"

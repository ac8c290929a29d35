"""typing_lite.NamedTuple builds what typing.NamedTuple builds from the same class body."""

from __future__ import annotations

import pickle
import typing

import pytest

from autodiff_cli.base import typing_lite


def _point(base: type) -> type:
    class Point(base):  # type: ignore[misc,valid-type]
        """A point; y defaults to 0."""

        x: float
        y: float = 0.0

        def norm(self) -> float:
            return float(abs(self.x) + abs(self.y))

        @property
        def swapped(self) -> tuple[float, float]:
            return (self.y, self.x)

    return Point


OURS, THEIRS = _point(typing_lite.NamedTuple), _point(typing.NamedTuple)


@pytest.mark.parametrize(
    "probe",
    [
        lambda cls: cls._fields,
        lambda cls: cls._field_defaults,
        lambda cls: cls.__doc__,
        lambda cls: cls.__mro__[1:],
        lambda cls: list(cls.__annotations__),
        lambda cls: repr(cls(1.0)),
        lambda cls: cls(1.0, -2.0).norm(),
        lambda cls: cls(1.0, -2.0).swapped,
        lambda cls: tuple(cls(3.0)._replace(y=4.0)),
        lambda cls: cls._make([5.0, 6.0])._asdict(),
        lambda cls: cls(1.0) == (1.0, 0.0),
    ],
    ids=["fields", "defaults", "doc", "bases", "annotations", "repr", "method", "property", "replace", "make-asdict", "eq"],
)
def test_same_class_as_typing(probe) -> None:
    assert probe(OURS) == probe(THEIRS)


def test_a_class_of_the_package_pickles() -> None:
    from autodiff_cli.base.errors import Source

    source = Source("<eval>", "a = 1")
    assert pickle.loads(pickle.dumps(source)) == source and type(source).__module__ == "autodiff_cli.base.errors"


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field y cannot follow default field x"):

        class Bad(typing_lite.NamedTuple):  # type: ignore[misc]
            x: int = 0
            y: int


def test_the_tuple_methods_cannot_be_replaced() -> None:
    with pytest.raises(AttributeError, match="_replace"):

        class Bad(typing_lite.NamedTuple):
            x: int

            def _replace(self) -> None:  # type: ignore[override]
                pass

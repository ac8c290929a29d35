"""The few `typing` names the start-up path needs at run time, without importing `typing`.

Importing `typing` costs about 10 ms, a sixth of a one-shot `autodiff eval`.
Type checkers read this module's first branch and see `typing` itself; at run
time `NamedTuple` is the same class syntax built by `collections.namedtuple`
(as `typing.NamedTuple` builds it), and `Any`, which is only ever subscripted
in type aliases, is `object`.
"""

from __future__ import annotations

#: False at run time, as `typing.TYPE_CHECKING` is; type checkers take any `TYPE_CHECKING` as true.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any as Any
    from typing import NamedTuple as NamedTuple
else:
    from collections import namedtuple

    Any = object

    #: What the tuple class itself defines, which a class body must not replace (as in `typing`).
    _PROHIBITED = frozenset(
        {"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults", "_make", "_replace", "_asdict"}
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        """`class Point(NamedTuple): x: float; y: float = 0.0` makes `namedtuple("Point", ["x", "y"], defaults=[0.0])`."""

        def __new__(metaclass, typename, bases, namespace):
            if not bases:  # `NamedTuple` itself
                return super().__new__(metaclass, typename, bases, namespace)
            if bases != (NamedTuple,):
                raise TypeError("a NamedTuple class can only inherit from NamedTuple")
            fields = dict(namespace.get("__annotations__", {}))
            defaults = []
            for name in fields:
                if name in namespace:
                    defaults.append(name)
                elif defaults:
                    raise TypeError(f"Non-default namedtuple field {name} cannot follow default field {defaults[-1]}")
            made = namedtuple(typename, fields, defaults=[namespace[name] for name in defaults], module=namespace["__module__"])
            made.__annotations__ = fields
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in fields:
                    setattr(made, key, value)
            return made

    class NamedTuple(metaclass=_NamedTupleMeta):
        """Subclass it with annotated fields, as `typing.NamedTuple`; the subclass is a plain named tuple."""

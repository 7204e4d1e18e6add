"""One serialiser for the frozen result dataclasses: JSON out, and strictly back in.

`to_json(obj)` walks a dataclass's fields (tuples become lists; a field whose
metadata has `round=N` is rounded; names in the class's `_exported` tuple, such as
a computed `text` property, are added). `from_json(cls, data)` builds the class
back from the field types, and raises `ValueError` naming the first field that
does not fit: the one strict place where outside data becomes typed results.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar, Union

T = TypeVar("T")


def to_json(obj: Any) -> Any:
    """A JSON-ready copy of a dataclass tree."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            if not f.metadata.get("export", True):
                continue
            value = to_json(getattr(obj, f.name))
            digits = f.metadata.get("round")
            if digits is not None and isinstance(value, float):
                value = round(value, digits)
            out[f.name] = value
        for name in getattr(obj, "_exported", ()):
            out[name] = to_json(getattr(obj, name))
        return out
    if isinstance(obj, (list, tuple)):
        return [to_json(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def from_json(cls: type[T], data: Any, where: str = "") -> T:
    """Build `cls` from JSON data; ValueError names the first field that does not fit."""
    if not isinstance(data, dict):
        raise ValueError(f"{where or cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init or not f.metadata.get("export", True):
            continue
        path = f"{where}.{f.name}" if where else f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{path}: missing")
            continue
        kwargs[f.name] = _convert(hints[f.name], data[f.name], path)
    return cls(**kwargs)


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return _convert_union(tp, value, path)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise ValueError(f"{path}: {value!r} is not one of {typing.get_args(tp)}")
        return value
    if origin is tuple:
        return _convert_tuple(tp, value, path)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{path}: expected an object, got {type(value).__name__}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        return from_json(tp, value, path)  # type: ignore[arg-type]
    return _convert_scalar(tp, value, path)


def _convert_union(tp: Any, value: Any, path: str) -> Any:
    """The first member of the union the value fits (None for an Optional's None)."""
    args = typing.get_args(tp)
    if value is None and type(None) in args:
        return None
    last: ValueError | None = None
    for arg in args:
        if arg is type(None):
            continue
        try:
            return _convert(arg, value, path)
        except ValueError as exc:
            last = exc
    raise last or ValueError(f"{path}: does not fit {tp}")


def _convert_tuple(tp: Any, value: Any, path: str) -> tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{path}: expected a list, got {type(value).__name__}")
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
    if len(args) != len(value):
        raise ValueError(f"{path}: expected {len(args)} items, got {len(value)}")
    return tuple(_convert(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value)))


def _convert_scalar(tp: Any, value: Any, path: str) -> Any:
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{path}: expected a number, got {type(value).__name__}")
        return float(value)
    if tp is int or tp is bool or tp is str:
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise ValueError(f"{path}: expected {tp.__name__}, got {type(value).__name__}")
        return value
    if tp is Any:
        return value
    raise ValueError(f"{path}: cannot read a {tp}")

"""Frozen dataclasses to and from JSON documents, checked against their type hints.

A field is written under its name, or under `json_key(...)`'s when the JSON key is no Python name
("RWL_kg", "very high"). Reading checks every value against the field's type (int, float, str, bool,
`X | None`, `tuple[X, ...]`, `dict[str, X]` and nested dataclasses) and raises ReportFormatError naming
the place (`summary.reba.worst.score`) at the first that does not fit. A field with a default may be
missing (reports written before it existed); one without is required. Numbers are kept as read
(an int in a float field stays an int), so a document read and written again is the same document.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from posecheck.errors import ReportFormatError

JSON_KEY = "json_key"
T = TypeVar("T")


def json_key(name: str, **field_options: Any) -> Any:
    """A dataclass field written under the JSON key `name`."""
    return dataclasses.field(metadata={JSON_KEY: name}, **field_options)


def to_json(value: Any) -> Any:
    """A dataclass (or a value inside one) as JSON data: dicts in field order, lists for tuples."""
    if isinstance(value, str | int | float | None):
        return value
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return {key: to_json(getattr(value, name)) for name, key in _names_and_keys(type(value))}


@functools.cache
def _names_and_keys(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON key) of each field of dataclass `cls`, in order (made once per class)."""
    return tuple((field.name, _key(field)) for field in dataclasses.fields(cls))


def from_json(cls: type[T], data: Any, where: str) -> T:
    """An instance of dataclass `cls` from JSON data; ReportFormatError (naming `where`) if it does not fit."""
    return _reader(cls)(data, where)


Reader = Callable[[Any, str], Any]


@functools.cache
def _reader(hint: Any) -> Reader:
    """A function checking JSON data against the type `hint` and building it (made once per type)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        [inner] = [argument for argument in arguments if argument is not type(None)]
        read_inner = _reader(inner)
        return lambda data, where: None if data is None else read_inner(data, where)
    if origin is tuple:
        read_item = _reader(arguments[0])
        return lambda data, where: tuple(
            read_item(item, f"{where}[{index}]") for index, item in enumerate(_checked(data, list, where)))
    if origin is dict:
        read_value = _reader(arguments[1])
        return lambda data, where: {
            str(key): read_value(item, f"{where}.{key}") for key, item in _checked(data, Mapping, where).items()}
    if dataclasses.is_dataclass(hint):
        return _dataclass_reader(hint)
    return functools.partial(_scalar, hint)


def _dataclass_reader(cls: type) -> Reader:
    """A Reader for a dataclass: every field's value read from its key; a field without default is required."""
    hints = typing.get_type_hints(cls)
    plan = [
        (field.name, _key(field), _reader(hints[field.name]),
         field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING)
        for field in dataclasses.fields(cls)
    ]

    def read(data: Any, where: str) -> Any:
        values = {}
        _checked(data, Mapping, where)
        for name, key, read_value, required in plan:
            if key in data:
                values[name] = read_value(data[key], f"{where}.{key}")
            elif required:
                raise ReportFormatError(f"{where}.{key} is missing")
        return cls(**values)

    return read


def _checked(data: Any, kind: type, where: str) -> Any:
    """`data` if it is a JSON list (kind list) or object (kind Mapping), else ReportFormatError."""
    if not isinstance(data, kind):
        raise ReportFormatError(f"{where} is {_shown(data)}, not {'a list' if kind is list else 'an object'}")
    return data


def _scalar(hint: Any, data: Any, where: str) -> Any:
    """A JSON scalar checked against int, float, str or bool (an int is a float too; a bool is neither)."""
    accepted = _ACCEPTED[hint]
    if isinstance(data, bool) != (hint is bool) or not isinstance(data, accepted):
        raise ReportFormatError(f"{where} is {_shown(data)}, not {_EXPECTED[hint]}")
    return data


_ACCEPTED: dict[type, tuple[type, ...]] = {int: (int,), float: (int, float), str: (str,), bool: (bool,)}
_EXPECTED = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _shown(data: Any) -> str:
    """A short rendering of a JSON value for an error message."""
    text = repr(data)
    return text if len(text) <= 40 else text[:37] + "..."


def _key(field: dataclasses.Field) -> str:
    return field.metadata.get(JSON_KEY, field.name)

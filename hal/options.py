"""A driver's options from text: ``KEY=VALUE`` pairs checked against what it declares.

Every driver declares its constructor keywords as a TypedDict in :attr:`WifiDriver.OPTIONS`
(:mod:`hal.args` holds the shipped drivers' ones). A command line, a configuration file
or a test harness turns ``KEY=VALUE`` text into those keywords with
:func:`parse_options`, so a new driver — in this package or in the integrator's own —
gets its options on the command line without editing the command line's code.

Values are converted by the declared type: ``str``, ``int``, ``float``, ``bool``
(``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0``), :class:`pathlib.Path`,
a sequence of ``int`` or ``str`` (comma-separated, e.g. ``scan_freqs_mhz=2412,2437``),
``Optional[T]`` as ``T``, and a union that admits ``str`` or ``Path`` as text. Options
of other types (callables, mappings, objects) can be given only from Python.

Source: ``docs/design.md`` §3 (where a chipset goes) and §5.1 (bleak's per-backend
argument TypedDicts).
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Type, Union

from .errors import InvalidArgument

__all__ = ["declared_options", "required_options", "parse_options", "convert"]

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_SEQUENCES = (collections.abc.Sequence, list, tuple, collections.abc.Iterable)


def declared_options(driver_class: type) -> Dict[str, Any]:
    """The keyword options ``driver_class`` declares: name -> type annotation.

    Args:
        driver_class: a :class:`hal.base.WifiDriver` subclass with ``OPTIONS`` set to a
            TypedDict (None or absent: it declares none).
    """
    spec = getattr(driver_class, "OPTIONS", None)
    if spec is None:
        return {}
    return dict(typing.get_type_hints(spec))


def required_options(driver_class: Type[Any]) -> Tuple[str, ...]:
    """Constructor parameters of ``driver_class`` that have no default, in order."""
    parameters = inspect.signature(driver_class.__init__).parameters.values()
    return tuple(
        p.name
        for p in parameters
        if p.name != "self"
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    )


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("a boolean (true or false)")


def _number(kind: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text.strip())
        except ValueError:
            raise ValueError(what) from None

    return parse


_SCALARS: Mapping[Any, Callable[[str], Any]] = {
    str: str,
    int: _number(int, "an integer"),
    float: _number(float, "a number"),
    bool: _boolean,
    Path: Path,
}


def _converter(annotation: Any) -> Optional[Callable[[str], Any]]:
    """How to turn text into a value of ``annotation``; None when text cannot be one."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Union:
        members = [a for a in arguments if a is not type(None)]
        for preferred in (str, Path):  # text first: a path or a name given as text
            if preferred in members:
                return _SCALARS[preferred]
        return _converter(members[0]) if len(members) == 1 else None
    if origin in _SEQUENCES and len(arguments) == 1 and arguments[0] in (int, str, float):
        item = _SCALARS[arguments[0]]

        def parse(text: str) -> Tuple[Any, ...]:
            return tuple(item(part) for part in text.split(",") if part.strip())

        return parse
    return None


def convert(name: str, annotation: Any, text: str) -> Any:
    """The value of option ``name`` (declared as ``annotation``) given as ``text``.

    Raises:
        InvalidArgument: ``text`` is not a value of that type, or the type cannot be
            given as text (the message names the option and what it takes).
    """
    parse = _converter(annotation)
    if parse is None:
        raise InvalidArgument(f"option {name!r} cannot be given as text (it takes a Python object)")
    try:
        return parse(text)
    except ValueError as exc:
        raise InvalidArgument(f"option {name!r} takes {exc}, got {text!r}") from None


def parse_options(driver_class: Type[Any], pairs: Iterable[str]) -> Dict[str, Any]:
    """Driver keywords from ``KEY=VALUE`` texts, each checked against the declared options.

    Args:
        driver_class: the driver the options are for.
        pairs: ``KEY=VALUE`` strings (the value may contain ``=``; it may be empty).
    Returns:
        ``{key: converted value}``.
    Raises:
        InvalidArgument: a pair without ``=``, an option the driver does not declare, an
            option given twice, or a value of the wrong type. One line, naming the option
            and the driver's options.
    """
    declared = declared_options(driver_class)
    result: Dict[str, Any] = {}
    for pair in pairs:
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            raise InvalidArgument(f"a driver option is KEY=VALUE, got {pair!r}")
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise InvalidArgument(f"{driver_class.__name__} has no option {key!r} (its options: {known})")
        if key in result:
            raise InvalidArgument(f"option {key!r} is given twice")
        result[key] = convert(key, declared[key], text)
    return result

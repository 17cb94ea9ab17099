"""hal.options: KEY=VALUE text checked against and converted to a driver's declared options."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, TypedDict, Union

import pytest

from hal.base import WifiDriver
from hal.errors import InvalidArgument
from hal.mock import WifiDriverMock
from hal.options import convert, declared_options, parse_options, required_options


class _Args(TypedDict, total=False):
    name: str
    count: int
    ratio: float
    enabled: bool
    folder: Path
    channels: Sequence[int]
    labels: Sequence[str]
    command: Optional[str]
    source: Union[str, Path, Mapping[str, Any]]
    on_event: Callable[[Any], None]


class _Chip(WifiDriver):  # only the class matters here: never built
    OPTIONS = _Args

    def __init__(self, port: str, *, count: int = 1, **rest: Any) -> None:
        pass


def test_each_declared_type_is_converted():
    assert parse_options(
        _Chip,
        [
            "name=ap one",
            "count=7",
            "ratio=0.5",
            "enabled=off",
            "folder=/tmp/x",
            "channels=2412, 2437",
            "labels=a,b",
            "command=dhclient -1 {iface}",
            "source=home.yaml",
        ],
    ) == {
        "name": "ap one",
        "count": 7,
        "ratio": 0.5,
        "enabled": False,
        "folder": Path("/tmp/x"),
        "channels": (2412, 2437),
        "labels": ("a", "b"),
        "command": "dhclient -1 {iface}",
        "source": "home.yaml",
    }
    assert parse_options(_Chip, ["name=a=b", "count=0"]) == {"name": "a=b", "count": 0}
    assert parse_options(_Chip, []) == {}


@pytest.mark.parametrize("text", ["true", "YES", "on", "1"])
def test_booleans_true(text):
    assert convert("enabled", bool, text) is True


@pytest.mark.parametrize(
    "pairs, message",
    [
        (["count"], "a driver option is KEY=VALUE, got 'count'"),
        (["=3"], "a driver option is KEY=VALUE, got '=3'"),
        (["speed=3"], "_Chip has no option 'speed' (its options: channels, command, count,"),
        (["count=seven"], "option 'count' takes an integer, got 'seven'"),
        (["ratio=half"], "option 'ratio' takes a number, got 'half'"),
        (["enabled=maybe"], "option 'enabled' takes a boolean (true or false), got 'maybe'"),
        (["channels=2412,x"], "option 'channels' takes an integer, got '2412,x'"),
        (["on_event=print"], "option 'on_event' cannot be given as text"),
        (["count=1", "count=2"], "option 'count' is given twice"),
    ],
)
def test_bad_options_are_refused_with_one_line(pairs, message):
    with pytest.raises(InvalidArgument) as info:
        parse_options(_Chip, pairs)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_declared_and_required_options():
    assert set(declared_options(_Chip)) == set(_Args.__annotations__)
    assert required_options(_Chip) == ("port",)
    assert required_options(WifiDriverMock) == ("environment",)
    assert declared_options(WifiDriver) == {}
    with pytest.raises(InvalidArgument, match="has no option 'iface' .its options: none"):
        parse_options(WifiDriver, ["iface=wlan0"])


def test_every_shipped_driver_declares_its_constructor_keywords():
    """A keyword the constructor takes but OPTIONS omits could never be set from text."""
    import inspect

    from hal import DriverKind, driver_class

    for kind in DriverKind:
        cls = driver_class(kind)
        parameters = set(inspect.signature(cls.__init__).parameters) - {"self"}
        assert parameters == set(declared_options(cls)), kind

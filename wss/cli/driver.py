"""The driver options every command that opens a radio shares: ``--hal`` and ``--hal-option``.

``--hal`` names a shipped driver (``mock``, ``nl80211``) or any ``module:Class``;
``--hal-option KEY=VALUE`` (repeatable) sets one of the options that driver declares
(:attr:`hal.base.WifiDriver.OPTIONS`), converted and checked by
:func:`hal.options.parse_options`. Nothing here knows a particular driver: a new one
needs no edit of the command line.

A command may also *offer* values it knows (the DSS host, a provisioner for a simulated
setup network): each is passed only to a driver that declares an option of that name,
and an option the user gives wins.

Source: ``docs/design.md`` §3.
"""

from __future__ import annotations

import argparse
from typing import Any, Mapping

from ..errors import UsageError


def add_driver_arguments(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--hal`` (default ``default``) and ``--hal-option`` to ``parser``."""
    parser.add_argument(
        "--hal",
        default=default,
        metavar="DRIVER",
        help=f"Wi-Fi driver: mock, nl80211 or module:Class (default {default})",
    )
    parser.add_argument(
        "--hal-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an option of the driver (repeatable), e.g. iface=wlan0 for nl80211, environment=home.yaml for mock",
    )


def driver_class(args: argparse.Namespace) -> Any:
    """The class ``--hal`` names.

    Raises:
        UsageError: an unknown driver or a ``module:Class`` that is not a driver.
        ConfigError: the driver cannot be loaded here (a missing dependency).
    """
    import hal

    from ..errors import ConfigError

    try:
        return hal.driver_class(args.hal)
    except hal.errors.InvalidArgument as exc:
        raise UsageError(f"--hal {args.hal}: {exc}") from None
    except hal.HALError as exc:
        raise ConfigError(f"--hal {args.hal}: {exc}") from None


def make_driver(args: argparse.Namespace, offered: Mapping[str, Any]) -> Any:
    """The driver ``--hal`` names, built with its ``--hal-option`` values (not opened).

    Args:
        args: parsed arguments with ``hal`` and ``hal_option``.
        offered: values the command can supply; each goes only to a driver that declares
            an option of that name, unless the user set it.
    Raises:
        UsageError: an unknown driver, a malformed or unknown option, a bad value, or a
            required option missing (one line naming it).
        ConfigError: the driver cannot be loaded or built here.
    """
    import hal
    from hal.options import declared_options, parse_options, required_options

    from ..errors import ConfigError

    cls = driver_class(args)
    try:
        options = parse_options(cls, args.hal_option)
    except hal.errors.InvalidArgument as exc:
        raise UsageError(f"--hal {args.hal}: {exc}") from None
    declared = declared_options(cls)
    for name, value in offered.items():
        if name in declared and name not in options and value is not None:
            options[name] = value
    missing = [name for name in required_options(cls) if name not in options]
    if missing:
        raise UsageError(f"--hal {args.hal} needs " + ", ".join(f"--hal-option {name}=VALUE" for name in missing))
    try:
        return cls(**options)
    except hal.HALError as exc:
        raise ConfigError(f"--hal {args.hal}: {exc}") from None

"""The ``wss`` command.

Each sub-command lives in its own module of this package and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` (a callable
taking the parsed ``argparse.Namespace`` and returning the exit status). Modules are
imported only when listed in :data:`COMMANDS`; heavy dependencies are imported inside
``func`` so that ``wss --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import List, Optional, Sequence

from .. import __version__
from ..errors import UsageError, WssError
from .arguments import Parser

#: Sub-command modules, in the order ``wss --help`` lists them.
COMMANDS: List[str] = [
    "selfcheck",
    "mfg",
    "cloud",
    "setup_network",
    "provision",
    "scan",
    "softap",
    "esp_at_emulator",
    "certify",
    "bench",
]

#: Packages of the [tools] extra (manufacturing, the local DSS), absent from a device install.
_TOOL_MODULES = ("cryptography", "yaml")

log = logging.getLogger("wss")


def _one_line(exc: BaseException) -> str:
    """An error message on one line (a message quoting a file's text may hold line breaks)."""
    return " ".join(str(exc).splitlines())


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(  # one-line usage errors, exit status 2 (wss.cli.arguments)
        prog="wss",
        description="Wi-Fi Simple Setup provisionee: device tools, local DSS, manufacturing.",
    )
    parser.add_argument("--version", action="version", version=f"wss {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a broken pipe shows here, not at exit
        return status
    except UsageError as exc:
        print(f"wss {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except WssError as exc:
        print(f"wss {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        if exc.name not in _TOOL_MODULES:
            raise
        print(
            f"wss {args.command}: error: this command needs {exc.name}, which a device install "
            "leaves out: pip install 'wss-provisionee[tools]'",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"wss {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`wss scan --json | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141  # as a process killed by SIGPIPE, what the shell expects of a pipeline


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

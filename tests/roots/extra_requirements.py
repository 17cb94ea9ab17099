"""Print the [test] extra as a pip requirements file for a platform without some wheels.

    python3 tests/roots/extra_requirements.py [--without NAME ...] > requirements.txt

The first line installs this tree editable with the extras the [test] extra names
(``-e .[tools,mock,...]``); then one line per other requirement of [test], markers kept,
less the ones named by --without (e.g. atheris, which publishes no aarch64 wheel).
Reads pyproject.toml in the current folder (Python 3.11+: tomllib). Used by
tests/roots/arm64.sh.
"""

from __future__ import annotations

import argparse
import re

import tomllib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", action="append", default=[], help="a requirement to leave out")
    args = parser.parse_args()
    with open("pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    name = project["name"]
    extras, lines = [], []
    for req in project["optional-dependencies"]["test"]:
        own = re.fullmatch(re.escape(name) + r"\[([^\]]+)\]", req)
        if own:
            extras.extend(own.group(1).split(","))
        elif re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0] not in args.without:
            lines.append(req)
    print("-e .[" + ",".join(extras) + "]")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Print the path of a CPython X.Y interpreter, or say why there is none.
#
#   tools/find-python.sh 3.9
#
# Looks, in this order, at pyenv's installed versions (the newest X.Y.Z; PYENV_ROOT or
# ~/.pyenv), `pythonX.Y` on PATH, and uv's managed interpreters (`uv python find`). Only
# interpreters that really run are printed. Exit status 1 with one line naming what was
# searched when none is found, 2 on a usage error.
set -euo pipefail
if [ $# -ne 1 ] || ! [[ $1 =~ ^[0-9]+\.[0-9]+$ ]]; then
  echo "usage: $0 X.Y (e.g. 3.9)" >&2
  exit 2
fi
want=$1
runs() { [ -n "$1" ] && "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; }

root=${PYENV_ROOT:-$HOME/.pyenv}
for dir in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
  if runs "$dir/bin/python$want"; then echo "$dir/bin/python$want"; exit 0; fi
done
if cand=$(command -v "python$want" 2>/dev/null) && runs "$cand"; then echo "$cand"; exit 0; fi
if command -v uv >/dev/null 2>&1 && cand=$(uv python find --no-project "$want" 2>/dev/null) && runs "$cand"; then
  echo "$cand"; exit 0
fi
echo "Python $want not found: not in pyenv ($root/versions/$want.*), not on PATH as python$want, not known to uv." \
  "Install it with 'pyenv install $want' or 'uv python install $want' (both fetch CPython from python.org" \
  "or GitHub, which a machine limited to PyPI and Debian cannot reach), or name an interpreter: make test-pythons PYTHON_OLDEST=/path/to/python$want." >&2
exit 1

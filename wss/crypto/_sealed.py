"""A base for objects that hold secrets in the C core: no pickling, no copying.

A copy would need the secret to pass through Python; a pickle would write it out. Both
raise :class:`TypeError` naming what stays in the core.
"""

from __future__ import annotations


class Sealed:
    """Mixin: ``pickle``, ``copy.copy`` and ``copy.deepcopy`` raise :class:`TypeError`.

    Subclasses set ``_SECRET``, the words for what stays in the core (e.g. "the private
    scalar"), used in the error message.
    """

    __slots__ = ()
    _SECRET = "its key"

    def __reduce__(self):
        raise TypeError(f"a {type(self).__name__} cannot be pickled: {self._SECRET} stays in the core")

    def __copy__(self):
        raise TypeError(f"a {type(self).__name__} cannot be copied: {self._SECRET} stays in the core")

    def __deepcopy__(self, memo):
        return self.__copy__()

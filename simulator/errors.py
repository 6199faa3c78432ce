"""Exceptions that carry a message meant for the user, not a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class OpenSkiesError(Exception):
    """Base class for errors caused by bad input rather than by a bug."""


class UnknownCodeError(OpenSkiesError, KeyError):
    """A state or group code that the treaty data does not know."""

    def __init__(
        self, code: object, valid: Iterable[str] | None = None, what: str = "state or group code"
    ):
        if valid is None:  # rebuilt from its message (pickling, SimPy re-raising)
            super().__init__(code)
            return
        self.code = code
        self.valid = sorted(valid)
        close = difflib.get_close_matches(str(code).upper(), self.valid, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown {what} {code!r}.{hint} Valid choices: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class InvalidDateError(OpenSkiesError, ValueError):
    """A date that is not a real calendar date in ISO form (YYYY-MM-DD)."""

    def __init__(self, value: object, message: str | None = None):
        self.value = value
        super().__init__(
            message or f"invalid date {value!r}: expected an ISO date YYYY-MM-DD, e.g. '2019-06-01'"
        )

    def __reduce__(self):
        return (type(self), (self.value, str(self)))

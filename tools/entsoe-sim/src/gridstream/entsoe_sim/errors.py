"""Errors of the simulator: what it answers with an acknowledgement, and bad fault or start configuration.

SimError
 ├── InvalidQueryError        a query the real API would refuse: HTTP 400 acknowledgement with its text
 ├── NoMatchingDataError         a valid query with nothing to return: HTTP 200 "No matching data found ..."
 └── SimConfigError         a bad start option (the runner exits with its message)
"""


class SimError(Exception):
    """Base of every simulator error."""


class InvalidQueryError(SimError):
    """The query is invalid; `text` is the acknowledgement's reason text (HTTP 400)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class NoMatchingDataError(SimError):
    """The query is valid but no data matches it; `text` is the acknowledgement's reason (HTTP 200)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class SimConfigError(SimError, ValueError):
    """A start option of the simulator is invalid."""

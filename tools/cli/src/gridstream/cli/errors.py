"""CLI errors: each carries the exit status the command ends with and a message for the user.

CliError          exit 1: the command could not do its work (server unreachable, a failure)
└── UsageError    exit 2: bad input; nothing was changed or published
"""


class CliError(Exception):
    """A failure reported to the user as one message, ending the command with ``exit_code``."""

    exit_code = 1


class UsageError(CliError):
    """The user's input is invalid; the command changed nothing."""

    exit_code = 2

"""NATS subjects: the prefixes, token rules, builders and the parser shared by every service."""

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

from gridstream.contracts.errors import InvalidSubjectError

ROOT = "gridstream"
CMD_PREFIX = f"{ROOT}.cmd"
EVT_PREFIX = f"{ROOT}.evt"
DLQ_PREFIX = f"{ROOT}.dlq"
RPC_PREFIX = f"{ROOT}.rpc"

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_token(token: str, what: str = "subject token") -> str:
    """Return the token when it may stand between dots in a subject; raise InvalidSubjectError otherwise."""
    if not _TOKEN.fullmatch(token):
        raise InvalidSubjectError(
            f"{what} {token!r} is not allowed: use 1-64 letters, digits, '_' or '-' "
            "(no dots, spaces, '*' or '>')"
        )
    return token


def subject(*tokens: str) -> str:
    """Join checked tokens to a subject (the first token may contain dots: it is a known prefix)."""
    head, *rest = tokens
    return ".".join([head, *(check_token(t) for t in rest)])


def rpc_subject(service: str, operation: str) -> str:
    """The request/reply subject of a service operation (outside every stream)."""
    return subject(RPC_PREFIX, service, operation)


def dlq_subject(original: str) -> str:
    """Where a dead letter of `original` is stored."""
    if not original.startswith(f"{ROOT}."):
        raise InvalidSubjectError(f"subject {original!r} is not a gridstream subject")
    return f"{DLQ_PREFIX}.{original.removeprefix(ROOT + '.')}"


@dataclass(frozen=True, slots=True)
class ParsedSubject:
    """A gridstream subject split into its kind (cmd/evt/dlq/rpc), name and trailing tokens."""

    kind: str
    tokens: tuple[str, ...]


def parse_subject(value: str) -> ParsedSubject:
    """Split a gridstream subject; raise InvalidSubjectError when it is not one."""
    parts = value.split(".")
    if len(parts) < 3 or parts[0] != ROOT or parts[1] not in {"cmd", "evt", "dlq", "rpc"}:
        raise InvalidSubjectError(
            f"subject {value!r} is not a gridstream subject "
            f"(expected {ROOT}.cmd|evt|dlq|rpc.<name>...)"
        )
    for token in parts[2:]:
        check_token(token)
    return ParsedSubject(kind=parts[1], tokens=tuple(parts[2:]))


SubjectToken = Annotated[str, AfterValidator(check_token)]
"""A field type for values that become subject tokens (rule, schedule and service names)."""

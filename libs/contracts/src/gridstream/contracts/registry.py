"""Every contract model in one place, and the lookup from a subject to its model."""

from gridstream.contracts.commands import COMMANDS
from gridstream.contracts.envelope import Message
from gridstream.contracts.events import EVENTS
from gridstream.contracts.subjects import parse_subject

MODELS: tuple[type[Message], ...] = COMMANDS + EVENTS


def _matches(pattern: str, subject: str) -> bool:
    pattern_tokens = pattern.split(".")
    subject_tokens = subject.split(".")
    if len(pattern_tokens) != len(subject_tokens):
        return False
    return all(
        p.startswith("<") or p == s for p, s in zip(pattern_tokens, subject_tokens, strict=True)
    )


def model_for_subject(subject: str) -> type[Message]:
    """The model published on a subject; InvalidSubjectError/LookupError when there is none."""
    parse_subject(subject)
    for model in MODELS:
        if _matches(model.SUBJECT_PATTERN, subject):
            return model
    raise LookupError(f"no gridstream message is published on {subject!r}")

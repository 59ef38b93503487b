"""Errors raised by contract lookups and validation outside Pydantic models."""


class ContractError(ValueError):
    """A value does not satisfy the gridstream contracts."""


class UnknownAreaError(ContractError):
    """An area code or EIC that is not in the registry."""


class UnknownDataTypeError(ContractError):
    """A data type name that is not in the catalogue."""


class InvalidSubjectError(ContractError):
    """A subject or subject token that gridstream does not accept."""

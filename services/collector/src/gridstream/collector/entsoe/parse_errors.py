"""ParseError: an ENTSO-E response body that the parser cannot turn into a document."""


class ParseError(ValueError):
    """The body is not a well-formed, supported ENTSO-E document; the message says where and why.

    It is permanent: parsing the same bytes again gives the same error, so callers must not retry.
    """

"""Read one HTTP answer from ENTSO-E: a parsed document, or the typed error the answer stands for."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from gridstream.collector.entsoe.documents import ParsedDocument
from gridstream.collector.entsoe.errors import (
    EntsoeAuthError,
    EntsoeBadRequest,
    EntsoeParseError,
    EntsoeRateLimited,
    EntsoeTransientError,
    redact,
)
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.parser import parse_document
from gridstream.collector.entsoe.requests import EntsoeRequest
from gridstream.collector.entsoe.retry import parse_retry_after

_TIMESERIES_TAG = re.compile(rb"<(?:[\w.-]+:)?TimeSeries[\s/>]")
_SNIPPET = 200


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One successful ENTSO-E answer: the raw body, how it went, and the parsed document."""

    request: EntsoeRequest
    status: int
    body: bytes
    elapsed: float
    """Seconds the successful HTTP exchange took."""
    attempts: int
    """HTTP requests made for this result, retries included."""
    document: ParsedDocument

    @property
    def no_data(self) -> bool:
        """True when ENTSO-E answered "No matching data found" (a normal outcome, not an error)."""
        return self.document.kind == "no_data"

    @property
    def timeseries_count(self) -> int:
        """How many TimeSeries elements the raw document holds (what ENTSO-E's page size counts)."""
        return len(_TIMESERIES_TAG.findall(self.body))


@dataclass(frozen=True, slots=True)
class AnswerReader:
    """Classifies answers for one token: the token is redacted from every message built here."""

    token: SecretStr
    default_retry_after: float
    """Cool-down assumed for a 429 without a usable Retry-After header."""

    def read(
        self, request: EntsoeRequest, response: httpx.Response, body: bytes, now: float
    ) -> ParsedDocument:
        """The parsed document of a usable answer; raises the typed error of any other.

        `now` (wall-clock epoch seconds) turns a Retry-After date into a delay.
        """
        status = response.status_code
        if 200 <= status < 300:
            return self._document(request, status, body)
        what = f"{request.describe()}: HTTP {status}"
        if status in (401, 403):
            raise EntsoeAuthError(
                f"{what}, ENTSO-E refused the token: {self._snippet(body)}", status=status
            )
        if status == 429:
            raise self._rate_limited(what, response, now)
        if status == 408 or status >= 500:
            raise EntsoeTransientError(f"{what}: {self._snippet(body)}", status=status)
        raise self._rejected(what, status, body)

    def clean(self, text: str) -> str:
        """`text` without the token."""
        return redact(text, self.token.get_secret_value())

    def _document(self, request: EntsoeRequest, status: int, body: bytes) -> ParsedDocument:
        document = self._parse(request, status, body)
        if document.kind == "data" and document.data_type != request.data_type:
            raise EntsoeParseError(
                f"{request.describe()}: ENTSO-E answered with a document of another data type "
                f"({document.data_type})",
                status=status,
            )
        if document.kind == "error":
            raise EntsoeBadRequest(
                f"{request.describe()}: ENTSO-E answered HTTP {status} with an error "
                f"acknowledgement: {self.clean(document.reason_text or '')}",
                reason_code=document.reason_code,
                reason_text=self.clean(document.reason_text or ""),
                status=status,
            )
        return document

    def _parse(self, request: EntsoeRequest, status: int, body: bytes) -> ParsedDocument:
        try:
            return parse_document(body)
        except ParseError as exc:
            raise EntsoeParseError(
                f"{request.describe()}: HTTP {status} body is not a readable ENTSO-E document: "
                f"{self.clean(str(exc))}",
                status=status,
            ) from exc

    def _rate_limited(self, what: str, response: httpx.Response, now: float) -> EntsoeRateLimited:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        if retry_after is None:
            retry_after = self.default_retry_after
        return EntsoeRateLimited(
            f"{what}, rate limited; cooling down for {retry_after:g}s", retry_after=retry_after
        )

    def _rejected(self, what: str, status: int, body: bytes) -> EntsoeBadRequest:
        """A 4xx (or unexpected) answer, with ENTSO-E's reason when the body is an acknowledgement."""
        try:
            document = parse_document(body)
        except ParseError:
            return EntsoeBadRequest(f"{what}: {self._snippet(body)}", status=status)
        if document.kind == "data":
            return EntsoeBadRequest(f"{what} with a data document", status=status)
        text = self.clean(document.reason_text or "")
        return EntsoeBadRequest(
            f"{what}: {text}", reason_code=document.reason_code, reason_text=text, status=status
        )

    def _snippet(self, body: bytes) -> str:
        """The start of a body for an error message, token removed."""
        text = body[:_SNIPPET].decode("utf-8", errors="replace").strip()
        return self.clean(text) if text else "(empty body)"

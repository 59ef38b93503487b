"""PostgreSQL URL forms: libpq/asyncpg DSNs and SQLAlchemy asyncpg URLs, for TCP and unix sockets."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

_SCHEMES = (
    "postgresql",
    "postgres",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
)


def _check(url: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in _SCHEMES:
        raise ValueError(f"not a PostgreSQL URL: {url!r}")


def _clean_netloc(netloc: str) -> str:
    """Drop an empty password (``user:@host`` -> ``user@host``), which some parsers reject."""
    userinfo, sep, hostport = netloc.rpartition("@")
    if sep and userinfo.endswith(":"):
        userinfo = userinfo[:-1]
    return f"{userinfo}{sep}{hostport}"


def asyncpg_dsn(url: str) -> str:
    """Return the libpq-style DSN (``postgresql://...``) that asyncpg and psql accept."""
    _check(url)
    parts = urlsplit(url)
    return urlunsplit(("postgresql", _clean_netloc(parts.netloc), parts.path, parts.query, ""))


def sqlalchemy_url(url: str) -> str:
    """Return the SQLAlchemy asyncpg URL (``postgresql+asyncpg://...``) for any PostgreSQL URL."""
    _check(url)
    parts = urlsplit(url)
    netloc = _clean_netloc(parts.netloc)
    return urlunsplit(("postgresql+asyncpg", netloc, parts.path, parts.query, ""))


def with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at ``database`` instead of its own database."""
    _check(url)
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database), parts.query, ""))


def database_name(url: str) -> str:
    """Return the database name in ``url``."""
    _check(url)
    return unquote(urlsplit(url).path.lstrip("/"))

"""`gridstream migrate`: bring a service's database schema up to date without starting the service."""

import argparse
import asyncio
import os
import sys

from gridstream.cli.defaults import DATABASE_URL_ENV

_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")

# Service -> (its schema, the package holding its Alembic versions).
MIGRATIONS: dict[str, tuple[str, str]] = {
    "collector": ("collector", "gridstream.collector.migrations.versions"),
}


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `migrate` command."""
    migrate = subparsers.add_parser(
        "migrate",
        help="run a service's database migrations",
        description=f"Upgrade a service's schema in the database at {DATABASE_URL_ENV}.",
    )
    migrate.add_argument(
        "--service", choices=sorted(MIGRATIONS), default="collector", help="default: collector"
    )
    migrate.set_defaults(handler=_migrate)


def _migrate(args: argparse.Namespace) -> int:
    url = os.environ.get(DATABASE_URL_ENV, "")
    # Never echo the URL: it may hold a password.
    if not url.startswith(_SCHEMES):
        problem = "is not set" if not url else "is not a PostgreSQL URL (postgresql://...)"
        print(f"gridstream migrate: {DATABASE_URL_ENV} {problem}", file=sys.stderr)
        return 2
    # Imported on use: SQLAlchemy and Alembic take seconds to load, other commands need neither.
    from sqlalchemy.exc import ArgumentError

    from gridstream.runtime.migrations import MigrationError, migrate_database

    schema, versions = MIGRATIONS[args.service]
    try:
        asyncio.run(migrate_database(url, schema, versions))
    except ArgumentError:
        # SQLAlchemy's message quotes the URL; name only the variable.
        print(f"gridstream migrate: {DATABASE_URL_ENV} cannot be parsed as a URL", file=sys.stderr)
        return 2
    except MigrationError as exc:
        print(f"gridstream migrate: {exc}", file=sys.stderr)
        return 1
    print(f"schema {schema!r} of {args.service} is up to date")
    return 0

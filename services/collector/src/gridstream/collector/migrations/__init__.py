"""Alembic migrations of the collector's schema."""

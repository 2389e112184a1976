"""Alembic environment: the URL is the app's (DATABASE_URL, else the embedded server)."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from checkout_app.config import database_url as sqlalchemy_url
from checkout_app.db.models import Base
from checkout_app.dev import stack

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)


def database_url() -> str:
    """An explicitly set sqlalchemy.url (tests), else DATABASE_URL (outside production the
    embedded server when unset)."""
    explicit = config.get_main_option("sqlalchemy.url")
    if explicit:
        return explicit
    stack.prepare_backends(os.environ)
    url = sqlalchemy_url(os.environ.get("DATABASE_URL"))
    if url is None:
        raise SystemExit("DATABASE_URL is unset (APP_ENV=production starts no embedded server)")
    return url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Alembic's entry point, for crm's own migrate-on-open and for `alembic` run from a checkout."""

from logging.config import fileConfig

from sqlmodel import SQLModel

import crm.models  # registers the tables on SQLModel.metadata
from alembic import context
from crm.db import make_engine, prepare_sqlite_file, resolve_url, sqlite_path
from crm.migrations import migration_connection
from crm.settings import load_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def include_name(name, type_, parent_names):  # type: ignore[no-untyped-def]
    # Tables that are not crm's (a scheduler's job store, say) are not ours to drop, nor the
    # indexes a database keeps of its own (crm/models.py OWN_INDEXES).
    if type_ == "table":
        return name in target_metadata.tables
    if type_ == "index":
        return name not in crm.models.OWN_INDEXES
    return True


def configure(**kwargs):  # type: ignore[no-untyped-def]
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER by rebuilding the table
        compare_type=True,
        include_name=include_name,
        **kwargs,
    )


def run_on(connection):  # type: ignore[no-untyped-def]
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # crm opened the database and holds the migration transaction
        run_on(connection)
        return
    # run as `alembic ...` from a checkout: the database crm itself would use
    url = resolve_url(None, load_settings())
    path = sqlite_path(url)
    if path is not None:
        prepare_sqlite_file(path, default=False)
    with migration_connection(make_engine(url)) as connection:
        run_on(connection)


if context.is_offline_mode():
    configure(url=resolve_url(None, load_settings()), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()

"""`crm db`: the schema version. Databases migrate themselves when opened; this is for checking."""

from __future__ import annotations

import typer

from crm.cli.common import env

app = typer.Typer(help="Show or upgrade the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to this version's schema (crm also does it when it opens one).

    Example: crm db upgrade
    """
    from crm.db import SCHEMA_REVISION, masked

    e = env()
    e.database()  # opening migrates
    e.out.print(f"database  {masked(e.url)}", soft_wrap=True)
    e.out.print(f"revision  {SCHEMA_REVISION} (current)")


@app.command("current")
def current() -> None:
    """Print the database's schema revision.

    Example: crm db current
    """
    from crm.db import SCHEMA_REVISION, make_engine, masked, sqlite_path
    from crm.migrations import schema_revision

    e = env()
    path = sqlite_path(e.url)
    e.out.print(f"database  {masked(e.url)}", soft_wrap=True)
    if path is not None and not path.exists():
        e.out.print("revision  none: the file does not exist yet (any crm command creates it)")
        return
    from sqlalchemy.exc import DBAPIError

    from crm.db import explain
    from crm.errors import DatabaseError

    engine = make_engine(e.url)
    try:
        with engine.connect() as connection:
            revision = schema_revision(connection)
    except DBAPIError as error:
        raise DatabaseError(explain(e.url, error)) from None
    finally:
        engine.dispose()
    state = "current" if revision == SCHEMA_REVISION else f"this crm expects {SCHEMA_REVISION}"
    e.out.print(f"revision  {revision or 'none (empty)'} ({state})")

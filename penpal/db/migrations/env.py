"""Alembic environment: migrates the URL set by penpal.db.migrate."""

from alembic import context

from penpal.db.database import make_engine
from penpal.db.models import Base

url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("sqlalchemy.url is not set: run migrations through penpal.db.migrate")
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()

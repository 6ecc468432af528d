"""hashed export and tracked-link tokens; try counters for codes typed in chat

Export links and recommendations keep their token's SHA-256 (hex) instead of
the token: existing rows are hashed in place, so links already sent keep
working. ``try_counters`` replaces ``link_attempts`` (its counters are carried
over) and link codes lose ``attempts``: wrong guesses no longer revoke codes.

Downgrading keeps every row, but not the links: a hash cannot be turned back
into its token (and ``recommendations.token`` stays 64 characters wide).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from penpal.newsletter.tokens import digest

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LINK_TRY_WINDOW = timedelta(minutes=10)  # link_attempts' window, fixed in 0003
LINK_SCOPE = "link_code"  # penpal.privacy.throttle.LINK_CODE_TRIES

link_attempts = sa.table(
    "link_attempts",
    sa.column("conversation_id", sa.String),
    sa.column("tries", sa.Integer),
    sa.column("window_started_at", sa.DateTime(timezone=True)),
)
try_counters = sa.table(
    "try_counters",
    sa.column("scope", sa.String),
    sa.column("subject", sa.String),
    sa.column("tries", sa.Integer),
    sa.column("window_ends_at", sa.DateTime(timezone=True)),
)


def _hash_tokens(table: str) -> None:
    """Replace each plain token in ``table.token_hash`` by its SHA-256, in one UPDATE."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.connection.driver_connection.create_function(
            "penpal_sha256", 1, digest, deterministic=True)
        hashed = "penpal_sha256(token_hash)"
    else:
        hashed = "encode(sha256(convert_to(token_hash, 'UTF8')), 'hex')"
    op.execute(f"UPDATE {table} SET token_hash = {hashed}")


def upgrade() -> None:
    op.create_table(
        "try_counters",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject"),
    )
    op.create_index("ix_try_counters_window_ends_at", "try_counters", ["window_ends_at"])
    counters = op.get_bind().execute(sa.select(link_attempts)).all()
    op.bulk_insert(try_counters, [
        {"scope": LINK_SCOPE, "subject": row.conversation_id, "tries": row.tries,
         "window_ends_at": row.window_started_at + LINK_TRY_WINDOW}
        for row in counters
    ])
    op.drop_table("link_attempts")

    with op.batch_alter_table("link_codes") as batch_op:
        batch_op.drop_column("attempts")

    with op.batch_alter_table("export_links") as batch_op:
        batch_op.alter_column("token", new_column_name="token_hash",
                              existing_type=sa.String(length=64), existing_nullable=False)
    _hash_tokens("export_links")

    with op.batch_alter_table("recommendations") as batch_op:
        batch_op.alter_column("token", new_column_name="token_hash",
                              type_=sa.String(length=64),
                              existing_type=sa.String(length=32), existing_nullable=False)
    _hash_tokens("recommendations")


def downgrade() -> None:
    for table in ("recommendations", "export_links"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("token_hash", new_column_name="token",
                                  existing_type=sa.String(length=64), existing_nullable=False)

    with op.batch_alter_table("link_codes") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default="0"))

    op.create_table(
        "link_attempts",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index("ix_link_attempts_window_started_at", "link_attempts",
                    ["window_started_at"])
    counters = op.get_bind().execute(
        sa.select(try_counters).where(try_counters.c.scope == LINK_SCOPE)).all()
    op.bulk_insert(link_attempts, [
        {"conversation_id": row.subject, "tries": row.tries,
         "window_started_at": row.window_ends_at - LINK_TRY_WINDOW}
        for row in counters
    ])
    op.drop_table("try_counters")

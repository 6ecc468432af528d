"""privacy: export links, link codes, pending erasures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:09:11.876138
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_attempts",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_attempts_window_started_at"), ["window_started_at"], unique=False
        )

    op.create_table(
        "pending_erasures",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    with op.batch_alter_table("pending_erasures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_erasures_requested_at"), ["requested_at"], unique=False
        )

    op.create_table(
        "export_links",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reader_id"], ["readers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("export_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_links_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_export_links_reader_id"), ["reader_id"], unique=False)

    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["reader_id"], ["readers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_link_code_hash"),
        sa.UniqueConstraint("reader_id", name="uq_link_code_reader"),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_codes_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_codes_expires_at"))

    op.drop_table("link_codes")
    with op.batch_alter_table("export_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_links_reader_id"))
        batch_op.drop_index(batch_op.f("ix_export_links_expires_at"))

    op.drop_table("export_links")
    with op.batch_alter_table("pending_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_erasures_requested_at"))

    op.drop_table("pending_erasures")
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_attempts_window_started_at"))

    op.drop_table("link_attempts")

"""newsletter subscriptions, topic follows and broadcasts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None



def _reader() -> sa.ForeignKey:
    return sa.ForeignKey("readers.id", ondelete="CASCADE")


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "newsletter_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reader_id", sa.Integer(), _reader(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_channel", sa.String(length=32), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_due", sa.Boolean(), nullable=False),
        sa.Column("sync_due", sa.Boolean(), nullable=False),
        sa.Column("sync_attempts", sa.Integer(), nullable=False),
        sa.Column("sync_error", sa.String(length=300), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reader_id", name="uq_newsletter_reader"),
        sa.UniqueConstraint("email", name="uq_newsletter_email"),
    )
    op.create_index("ix_newsletter_subscriptions_sync_due", "newsletter_subscriptions",
                    ["sync_due"])

    op.create_table(
        "newsletter_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscription_id", sa.Integer(),
                  sa.ForeignKey("newsletter_subscriptions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("reader_id", sa.Integer(), _reader(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_newsletter_token_hash"),
        sa.UniqueConstraint("code_hash", name="uq_newsletter_code_hash"),
    )
    op.create_index("ix_newsletter_tokens_subscription_id", "newsletter_tokens",
                    ["subscription_id"])
    op.create_index("ix_newsletter_tokens_reader_id", "newsletter_tokens", ["reader_id"])
    op.create_index("ix_newsletter_tokens_expires_at", "newsletter_tokens", ["expires_at"])

    op.create_table(
        "topic_follows",
        sa.Column("reader_id", sa.Integer(), _reader(), primary_key=True),
        sa.Column("topic", sa.String(length=64), primary_key=True),
        _created_at(),
    )
    op.create_index("ix_topic_follows_topic", "topic_follows", ["topic"])

    op.create_table(
        "follow_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reader_id", sa.Integer(), _reader(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _created_at(),
        sa.UniqueConstraint("reader_id", "item_id", name="uq_follow_notice"),
    )
    op.create_index("ix_follow_notices_item_id", "follow_notices", ["item_id"])
    op.create_index("ix_follow_notices_created_at", "follow_notices", ["created_at"])

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="SET NULL"),
                  nullable=True),
        _created_at(),
        sa.UniqueConstraint("key", name="uq_broadcast_key"),
    )

    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("broadcast_id", sa.Integer(),
                  sa.ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reader_id", sa.Integer(), _reader(), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _created_at(),
        sa.UniqueConstraint("broadcast_id", "reader_id", name="uq_broadcast_delivery"),
    )
    op.create_index("ix_broadcast_deliveries_reader_id", "broadcast_deliveries", ["reader_id"])


def downgrade() -> None:
    for table in ("broadcast_deliveries", "broadcasts", "follow_notices", "topic_follows",
                  "newsletter_tokens", "newsletter_subscriptions"):
        op.drop_table(table)

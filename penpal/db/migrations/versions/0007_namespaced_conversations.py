"""conversation ids namespaced by channel

Penpal's connectors now give Rasa ``<channel>:<id>`` (penpal.conversations), so a
caller of one channel can never name another channel's reader. Each identity
whose channel is known gets its namespaced id as a new identity of the same
reader, where its next message will arrive. The old id stays with the reader,
with no channel (nothing is pushed there), so that "forget me" and retention
still erase the history Rasa keeps under it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHANNELS = ("rest", "socketio", "telegram", "slack", "cmdline")

identities = sa.table(
    "channel_identities",
    sa.column("id", sa.Integer),
    sa.column("reader_id", sa.Integer),
    sa.column("conversation_id", sa.String),
    sa.column("channel", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(identities).where(identities.c.channel.in_(CHANNELS)).order_by(identities.c.id)
    ).all()
    taken = set(bind.execute(sa.select(identities.c.conversation_id)).scalars())
    for row in rows:
        namespaced = f"{row.channel}:{row.conversation_id}"
        if namespaced not in taken:
            bind.execute(identities.insert().values(
                reader_id=row.reader_id, conversation_id=namespaced, channel=row.channel,
                created_at=row.created_at,
            ))
            taken.add(namespaced)
        bind.execute(identities.update().where(identities.c.id == row.id).values(channel=None))


def downgrade() -> None:
    bind = op.get_bind()
    legacy = bind.execute(sa.select(identities).where(identities.c.channel.is_(None))).all()
    for row in legacy:
        for channel in CHANNELS:
            namespaced = bind.execute(sa.select(identities).where(
                identities.c.conversation_id == f"{channel}:{row.conversation_id}",
                identities.c.reader_id == row.reader_id,
            )).first()
            if namespaced is not None:
                bind.execute(identities.delete().where(identities.c.id == namespaced.id))
                bind.execute(identities.update().where(identities.c.id == row.id)
                             .values(channel=channel))
                break

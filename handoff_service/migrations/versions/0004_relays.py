"""relays: the outbox of shopper messages owed an answer by the bot

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('relays',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('event_id')
    )
    # The worker's look-up: relays still due, oldest first (finished ones are most rows and never read).
    op.create_index('ix_relays_due', 'relays', ['due_at'], unique=False,
                    sqlite_where=sa.text('outcome IS NULL'), postgresql_where=sa.text('outcome IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_relays_due', table_name='relays')
    op.drop_table('relays')

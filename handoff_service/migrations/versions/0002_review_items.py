"""review items: the messages the bot misunderstood, for the trainers' inbox

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'review_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('conversation_id', sa.String(length=32), nullable=False),
        sa.Column('event_seq', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('intent', sa.String(length=128), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('ranking', sa.JSON(), nullable=False),
        sa.Column('kb_entry', sa.String(length=128), nullable=True),
        sa.Column('kb_score', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('resolution', sa.JSON(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
        sa.ForeignKeyConstraint(['event_seq'], ['events.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id', 'event_seq', name='uq_review_item_event'),
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_status'))
        batch_op.drop_index(batch_op.f('ix_review_items_created_at'))
        batch_op.drop_index(batch_op.f('ix_review_items_conversation_id'))
    op.drop_table('review_items')

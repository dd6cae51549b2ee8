"""knowledge page: history of page edits (undo), and which entry answered which turn (coverage)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('version_after', sa.String(length=32), nullable=True),
    sa.Column('undone', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_knowledge_changes_entry_id'), 'knowledge_changes', ['entry_id'], unique=False)
    op.create_index(op.f('ix_knowledge_changes_created_at'), 'knowledge_changes', ['created_at'], unique=False)
    op.create_table('knowledge_uses',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.String(length=128), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'event_seq', name='uq_knowledge_use_event')
    )
    op.create_index(op.f('ix_knowledge_uses_entry_id'), 'knowledge_uses', ['entry_id'], unique=False)
    op.create_index(op.f('ix_knowledge_uses_conversation_id'), 'knowledge_uses', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_knowledge_uses_created_at'), 'knowledge_uses', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_knowledge_uses_created_at'), table_name='knowledge_uses')
    op.drop_index(op.f('ix_knowledge_uses_conversation_id'), table_name='knowledge_uses')
    op.drop_index(op.f('ix_knowledge_uses_entry_id'), table_name='knowledge_uses')
    op.drop_table('knowledge_uses')
    op.drop_index(op.f('ix_knowledge_changes_created_at'), table_name='knowledge_changes')
    op.drop_index(op.f('ix_knowledge_changes_entry_id'), table_name='knowledge_changes')
    op.drop_table('knowledge_changes')

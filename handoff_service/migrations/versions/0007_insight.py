"""service insight (issue #17): surveys (bot CSAT, NPS), QA reviews, the case library, and the
indexes the dashboard's period queries use

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('context', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'kind', name='uq_survey_chat_kind')
    )
    op.create_index('ix_surveys_conversation_id', 'surveys', ['conversation_id'], unique=False)
    op.create_index('ix_surveys_created_at', 'surveys', ['created_at'], unique=False)
    op.create_table('qa_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('sampled_for', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_qa_reviews_conversation_id', 'qa_reviews', ['conversation_id'], unique=False)
    op.create_index('ix_qa_reviews_agent_id', 'qa_reviews', ['agent_id'], unique=False)
    op.create_table('case_library',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id')
    )
    # A period's chats (the dashboard and the report select by creation time), a customer's next
    # chats (first-contact resolution), a period's ratings.
    op.create_index('ix_conversations_created_at', 'conversations', ['created_at'], unique=False)
    op.create_index('ix_conversations_customer_created', 'conversations', ['customer_id', 'created_at'], unique=False)
    op.create_index('ix_csat_created_at', 'csat', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_csat_created_at', table_name='csat')
    op.drop_index('ix_conversations_customer_created', table_name='conversations')
    op.drop_index('ix_conversations_created_at', table_name='conversations')
    op.drop_table('case_library')
    op.drop_index('ix_qa_reviews_agent_id', table_name='qa_reviews')
    op.drop_index('ix_qa_reviews_conversation_id', table_name='qa_reviews')
    op.drop_table('qa_reviews')
    op.drop_index('ix_surveys_created_at', table_name='surveys')
    op.drop_index('ix_surveys_conversation_id', table_name='surveys')
    op.drop_table('surveys')

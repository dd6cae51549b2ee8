"""retrain runs: the trainer page's retrain jobs, their progress and reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retrain_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('switched_by', sa.Integer(), nullable=True),
    sa.Column('model_before', sa.String(length=512), nullable=True),
    sa.Column('model_after', sa.String(length=512), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('switched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['switched_by'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_retrain_runs_status'), 'retrain_runs', ['status'], unique=False)
    op.create_index(op.f('ix_retrain_runs_started_at'), 'retrain_runs', ['started_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_retrain_runs_started_at'), table_name='retrain_runs')
    op.drop_index(op.f('ix_retrain_runs_status'), table_name='retrain_runs')
    op.drop_table('retrain_runs')

"""proactive service: tracked orders, alerts, preferences, webhook receipts, scan cursors (issue #16)

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tracked_orders',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_tracking_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_index('ix_tracked_orders_customer_id', 'tracked_orders', ['customer_id'], unique=False)
    op.create_index('ix_tracked_orders_status', 'tracked_orders', ['status'], unique=False)
    for column in ('last_tracking_at', 'shipped_at', 'refunded_at', 'flagged'):
        op.create_index(f'ix_tracked_orders_{column}', 'tracked_orders', [column], unique=False)
    op.create_table('proactive_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=True),
    sa.Column('new_conversation', sa.Boolean(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('choice', sa.String(length=32), nullable=True),
    sa.Column('choice_result', sa.JSON(), nullable=True),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'rule_id', name='uq_proactive_alert_order_rule')
    )
    op.create_index('ix_proactive_alerts_customer_id', 'proactive_alerts', ['customer_id'], unique=False)
    op.create_index('ix_proactive_alerts_outcome', 'proactive_alerts', ['outcome'], unique=False)
    op.create_index('ix_proactive_alerts_conversation_id', 'proactive_alerts', ['conversation_id'], unique=False)
    op.create_index('ix_proactive_alerts_created_at', 'proactive_alerts', ['created_at'], unique=False)
    op.create_index('ix_proactive_alerts_sent_at', 'proactive_alerts', ['sent_at'], unique=False)
    op.create_table('proactive_preferences',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('opt_out', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id')
    )
    op.create_table('store_webhook_receipts',
    sa.Column('signature', sa.String(length=80), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('signature')
    )
    op.create_index('ix_store_webhook_receipts_received_at', 'store_webhook_receipts', ['received_at'], unique=False)
    op.create_table('scan_cursors',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('scan_cursors')
    op.drop_index('ix_store_webhook_receipts_received_at', table_name='store_webhook_receipts')
    op.drop_table('store_webhook_receipts')
    op.drop_table('proactive_preferences')
    for name in ('sent_at', 'created_at', 'conversation_id', 'outcome', 'customer_id'):
        op.drop_index(f'ix_proactive_alerts_{name}', table_name='proactive_alerts')
    op.drop_table('proactive_alerts')
    for column in ('last_tracking_at', 'shipped_at', 'refunded_at', 'flagged', 'status'):
        op.drop_index(f'ix_tracked_orders_{column}', table_name='tracked_orders')
    op.drop_index('ix_tracked_orders_customer_id', table_name='tracked_orders')
    op.drop_table('tracked_orders')

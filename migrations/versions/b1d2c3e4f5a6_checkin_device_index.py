"""index checkin.device_id (per-kiosk figures on the dashboard)

Revision ID: b1d2c3e4f5a6
Revises: 44c0a7055122
Create Date: 2026-11-28 14:05:00
"""

from alembic import op

revision = "b1d2c3e4f5a6"
down_revision = "44c0a7055122"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_device_id"), ["device_id"], unique=False)


def downgrade():
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_device_id"))

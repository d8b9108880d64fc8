"""login failures remember the device cookie they came with (issue 22 item 5)

Revision ID: e22e00000001
Revises: d16a00000001
Create Date: 2026-12-07 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e22e00000001"
down_revision = "d16a00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=32), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_login_failure_device"), ["device"], unique=False)


def downgrade():
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_device"))
        batch_op.drop_column("device")

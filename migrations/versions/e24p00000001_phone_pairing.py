"""phones as scanners (issue 24 item 2): device.platform and one-time pairing codes

Revision ID: e24p00000001
Revises: e2z000000001
Create Date: 2026-12-07 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e24p00000001"
down_revision = "e2z000000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=20), nullable=False, server_default="kiosk"))
    op.create_table(
        "device_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_device_pairing_device_id_device"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_pairing")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_device_pairing_code_hash")),
    )
    with op.batch_alter_table("device_pairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_pairing_device_id"), ["device_id"], unique=False)


def downgrade():
    with op.batch_alter_table("device_pairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_pairing_device_id"))
    op.drop_table("device_pairing")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("platform")

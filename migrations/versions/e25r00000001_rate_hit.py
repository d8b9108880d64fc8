"""the public forms' per-address limits counted in the database (issue 25 item 6): rate_hit

Revision ID: e25r00000001
Revises: e24z00000001
Create Date: 2026-12-08 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e25r00000001"
down_revision = "e24z00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_hit")),
    )
    with op.batch_alter_table("rate_hit", schema=None) as batch_op:
        batch_op.create_index("ix_rate_hit_bucket_key_at", ["bucket", "key", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rate_hit_at"), ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("rate_hit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_hit_at"))
        batch_op.drop_index("ix_rate_hit_bucket_key_at")
    op.drop_table("rate_hit")

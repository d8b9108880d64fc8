"""an event's retention period and when its personal data was shredded (issue 23 items 2, 5)

Revision ID: e23s00000001
Revises: e23p00000001
Create Date: 2026-12-07 20:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e23s00000001"
down_revision = "e23p00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=False, server_default="90"))
        batch.add_column(sa.Column("shredded_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_column("shredded_at")
        batch.drop_column("retention_days")

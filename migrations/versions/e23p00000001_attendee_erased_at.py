"""when a person's personal data was erased (issue 23 item 4)

Revision ID: e23p00000001
Revises: e21i00000001
Create Date: 2026-12-07 20:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e23p00000001"
down_revision = "e21i00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attendee") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("attendee") as batch:
        batch.drop_column("erased_at")

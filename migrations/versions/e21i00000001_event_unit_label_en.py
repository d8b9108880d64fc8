"""the event's English word for one delegation unit (issue 21 item 9)

Revision ID: e21i00000001
Revises: d16a00000001
Create Date: 2026-12-07 20:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e21i00000001"
down_revision = "d16a00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("unit_label_en", sa.String(length=60), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_column("unit_label_en")

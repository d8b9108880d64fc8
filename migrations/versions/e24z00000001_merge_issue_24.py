"""merge the schema changes of issue 24 (phones: device.platform and pairing codes; checkpoints
and their passes) into one head

Revision ID: e24z00000001
Revises: e24p00000001, e24k00000001
Create Date: 2026-12-07 23:55:00

"""

# revision identifiers, used by Alembic.
revision = "e24z00000001"
down_revision = ("e24p00000001", "e24k00000001")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""merge the schema changes of issues 21, 22 and 23 (protocol ranks, login throttles by device,
the English unit word, erasure and retention) into one head

Revision ID: e2z000000001
Revises: e21a00000001, e22e00000001, e23s00000001, e23c00000001
Create Date: 2026-12-07 21:15:00

"""

# revision identifiers, used by Alembic.
revision = "e2z000000001"
down_revision = ("e21a00000001", "e22e00000001", "e23s00000001", "e23c00000001")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

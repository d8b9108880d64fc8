"""the personal data notice per event and the consent kept with registrations and nominations
(issue 23 item 1)

Revision ID: e23c00000001
Revises: e23p00000001
Create Date: 2026-12-07 20:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e23c00000001"
down_revision = "e23p00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("privacy_notice", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("privacy_notice_en", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("privacy_contact", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("privacy_notice_version", sa.Integer(), nullable=False, server_default="1"))
    for table in ("exhibitor", "attendee"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
            batch.add_column(sa.Column("consent_version", sa.Integer(), nullable=True))


def downgrade():
    for table in ("attendee", "exhibitor"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("consent_version")
            batch.drop_column("consent_at")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("privacy_notice_version")
        batch.drop_column("privacy_contact")
        batch.drop_column("privacy_notice_en")
        batch.drop_column("privacy_notice")

"""checkpoints: named scan places with a rule, their passes, the device's and the scan's
checkpoint (issue 24 item 5); every existing event gets its "Cổng hội trường"

Revision ID: e24k00000001
Revises: e2z000000001
Create Date: 2026-12-07 23:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e24k00000001"
down_revision = "e2z000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checkpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("event_id", "name", name="uq_checkpoint_event_name"),
    )
    op.create_index("ix_checkpoint_event_id", "checkpoint", ["event_id"])
    op.create_table(
        "checkpoint_pass",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "checkpoint_id", sa.Integer(), sa.ForeignKey("checkpoint.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("attendee_id", sa.Integer(), sa.ForeignKey("attendee.id", ondelete="CASCADE"), nullable=False),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("checkin.id", ondelete="CASCADE"), nullable=False),
        sa.Column("slot", sa.String(20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("inside", sa.Integer(), nullable=True),
        sa.UniqueConstraint("checkpoint_id", "attendee_id", "slot", name="uq_checkpoint_pass_slot"),
        sa.UniqueConstraint("checkin_id"),
    )
    op.create_index("ix_checkpoint_pass_checkpoint_id", "checkpoint_pass", ["checkpoint_id"])
    op.create_index("ix_checkpoint_pass_attendee_id", "checkpoint_pass", ["attendee_id"])
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("checkpoint_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_device_checkpoint_id", "checkpoint", ["checkpoint_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("checkin") as batch:
        batch.add_column(sa.Column("checkpoint_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_checkin_checkpoint_id", "checkpoint", ["checkpoint_id"], ["id"], ondelete="SET NULL"
        )
    # every event has its hall entrance
    op.execute(
        sa.text(
            "INSERT INTO checkpoint (event_id, name, kind, rule, position, created_at) "
            "SELECT id, :name, 'entrance', 'once', 0, CURRENT_TIMESTAMP FROM event"
        ).bindparams(name="Cổng hội trường")
    )


def downgrade():
    with op.batch_alter_table("checkin") as batch:
        batch.drop_constraint("fk_checkin_checkpoint_id", type_="foreignkey")
        batch.drop_column("checkpoint_id")
    with op.batch_alter_table("device") as batch:
        batch.drop_constraint("fk_device_checkpoint_id", type_="foreignkey")
        batch.drop_column("checkpoint_id")
    op.drop_table("checkpoint_pass")
    op.drop_table("checkpoint")

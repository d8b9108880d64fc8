"""sessions that end, failed logins in the database, signing keys encrypted at rest (issue 16)

Revision ID: d16a00000001
Revises: c1a2b3c4d5e6
Create Date: 2026-11-30 18:30:00

"""
import base64

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d16a00000001"
down_revision = "c1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_user_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failure_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_username"), ["username"], unique=False)

    # the signing keys: sealed with instance/signing_key.aes (models/core/secretbox.py)
    with op.batch_alter_table("event_key", schema=None) as batch_op:
        batch_op.alter_column("private_key", existing_type=sa.String(length=64),
                              type_=sa.String(length=200), existing_nullable=False)
    from models.core import secretbox

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, event_id, key_no, private_key FROM event_key")).all()
    for row in rows:
        if secretbox.is_sealed(row.private_key):
            continue
        sealed = secretbox.seal(secretbox.open_sealed(row.private_key, ""),
                                f"event_key:{row.event_id}:{row.key_no}")
        conn.execute(sa.text("UPDATE event_key SET private_key = :k WHERE id = :id"),
                     {"k": sealed, "id": row.id})


def downgrade():
    from models.core import secretbox

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, event_id, key_no, private_key FROM event_key")).all()
    for row in rows:
        if secretbox.is_sealed(row.private_key):
            raw = secretbox.open_sealed(row.private_key, f"event_key:{row.event_id}:{row.key_no}")
            conn.execute(sa.text("UPDATE event_key SET private_key = :k WHERE id = :id"),
                         {"k": base64.b64encode(raw).decode("ascii"), "id": row.id})
    with op.batch_alter_table("event_key", schema=None) as batch_op:
        batch_op.alter_column("private_key", existing_type=sa.String(length=200),
                              type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_username"))
        batch_op.drop_index(batch_op.f("ix_login_failure_at"))
        batch_op.drop_index(batch_op.f("ix_login_failure_address"))
    op.drop_table("login_failure")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
    op.drop_table("user_session")

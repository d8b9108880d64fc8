"""protocol (lễ tân): the event's protocol rank table; attendee.precedence_typed

Revision ID: e21a00000001
Revises: d16a00000001
Create Date: 2026-12-07 20:00:00

Existing events get the default table (a frozen copy of models/events/protocol.DEFAULT_RANKS
as of this revision); a precedence other than the old default 1000 was typed, and stays.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e21a00000001"
down_revision = "d16a00000001"
branch_labels = None
depends_on = None

DEFAULT_RANKS = (
    ('Bộ trưởng', 'Bộ', 10),
    ('Bí thư', 'Tỉnh ủy', 20),
    ('Chủ tịch', 'HĐND tỉnh', 30),
    ('Chủ tịch', 'UBND tỉnh', 40),
    ('Thứ trưởng', 'Bộ', 50),
    ('Phó Bí thư Thường trực', 'Tỉnh ủy', 60),
    ('Phó Bí thư', 'Tỉnh ủy', 70),
    ('Phó Chủ tịch Thường trực', 'HĐND tỉnh; UBND tỉnh', 80),
    ('Phó Chủ tịch', 'HĐND tỉnh; UBND tỉnh', 90),
    ('Chủ tịch', 'Ủy ban MTTQ tỉnh', 100),
    ('Trưởng đoàn; Phó Trưởng đoàn', 'ĐBQH tỉnh', 110),
    ('Ủy viên Ban Thường vụ', 'Tỉnh ủy', 120),
    ('Trưởng ban', 'Tỉnh ủy; HĐND tỉnh', 130),
    ('Vụ trưởng; Cục trưởng; Chánh Văn phòng', 'Bộ; Trung ương', 140),
    ('Vụ trưởng', 'Vụ', 140),
    ('Phó Vụ trưởng; Phó Cục trưởng; Phó Chánh Văn phòng', 'Bộ; Trung ương', 150),
    ('Phó Vụ trưởng', 'Vụ', 150),
    ('Chuyên viên', 'Bộ; Trung ương', 160),
    ('Giám đốc', 'Sở; Công an tỉnh', 200),
    ('Trưởng ban', '', 200),
    ('Chánh Văn phòng', 'UBND tỉnh; Tỉnh ủy; HĐND tỉnh; Đoàn ĐBQH', 200),
    ('Chủ tịch', 'Hội Nông dân tỉnh; Hội Liên hiệp Phụ nữ tỉnh; Liên minh Hợp tác xã tỉnh; Liên đoàn Lao động tỉnh', 200),
    ('Bí thư', 'Tỉnh Đoàn', 200),
    ('Phó Giám đốc', 'Sở; Công an tỉnh', 210),
    ('Phó Trưởng ban', '', 210),
    ('Phó Chánh Văn phòng', 'UBND tỉnh; Tỉnh ủy; HĐND tỉnh; Đoàn ĐBQH', 210),
    ('Phó Chủ tịch', 'Ủy ban MTTQ tỉnh; Hội Nông dân tỉnh; Hội Liên hiệp Phụ nữ tỉnh; Liên minh Hợp tác xã tỉnh; Liên đoàn Lao động tỉnh', 210),
    ('Bí thư', 'Huyện ủy; Thị ủy; Thành ủy', 300),
    ('Chủ tịch', 'HĐND huyện; HĐND thị xã; HĐND thành phố', 310),
    ('Chủ tịch', 'UBND huyện; UBND thị xã; UBND thành phố', 320),
    ('Phó Bí thư', 'Huyện ủy; Thị ủy; Thành ủy', 330),
    ('Phó Chủ tịch', 'HĐND huyện; HĐND thị xã; HĐND thành phố; UBND huyện; UBND thị xã; UBND thành phố', 340),
    ('Chi cục trưởng', '', 400),
    ('Phó Chi cục trưởng', '', 410),
    ('Giám đốc', 'Trung tâm', 420),
    ('Phó Giám đốc', 'Trung tâm', 430),
    ('Trưởng phòng', '', 440),
    ('Phó Trưởng phòng', '', 450),
    ('Bí thư', 'Đảng ủy xã; Đảng ủy phường; Đảng ủy đặc khu; Đảng ủy thị trấn', 500),
    ('Chủ tịch', 'HĐND xã; HĐND phường; HĐND đặc khu; HĐND thị trấn', 510),
    ('Chủ tịch', 'UBND xã; UBND phường; UBND đặc khu; UBND thị trấn', 520),
    ('Phó Bí thư', 'Đảng ủy xã; Đảng ủy phường; Đảng ủy đặc khu; Đảng ủy thị trấn', 530),
    ('Phó Chủ tịch', 'HĐND xã; HĐND phường; HĐND đặc khu; HĐND thị trấn; UBND xã; UBND phường; UBND đặc khu; UBND thị trấn', 540),
)


def upgrade():
    table = op.create_table(
        "protocol_rank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=300), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_protocol_rank_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_rank")),
    )
    with op.batch_alter_table("protocol_rank", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protocol_rank_event_id"), ["event_id"], unique=False)

    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("precedence_typed", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.execute("UPDATE attendee SET precedence_typed = TRUE WHERE precedence <> 1000")
    conn = op.get_bind()
    event_ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM event ORDER BY id"))]
    op.bulk_insert(
        table,
        [dict(event_id=e, position=p, body=b, rank=r) for e in event_ids for p, b, r in DEFAULT_RANKS],
    )


def downgrade():
    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.drop_column("precedence_typed")
    with op.batch_alter_table("protocol_rank", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocol_rank_event_id"))
    op.drop_table("protocol_rank")

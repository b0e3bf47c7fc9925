"""wire_epoch: a counter moved whenever a finished task's wire object changes (a video attached to its clip),
so API processes drop the finished tasks they keep in memory; personas: a generated clip's voice and style

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "wire_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])
    op.create_table(
        "personas",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("root_clip_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("voice", sa.String(length=1), nullable=False),
        sa.Column("timbre", sa.Integer(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["root_clip_id"], ["clips.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("personas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personas_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("personas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personas_account_id"))
    op.drop_table("personas")
    op.drop_table("wire_epoch")

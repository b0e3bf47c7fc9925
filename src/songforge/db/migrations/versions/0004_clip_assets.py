"""clip_assets: a generated song's exact stems, MIDI, word timing and plan, kept with its clip

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clip_assets",
        sa.Column("clip_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"]),
        sa.PrimaryKeyConstraint("clip_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("clip_assets")

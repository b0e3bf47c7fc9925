"""tasks.source_clip_id: the clip a task works on, indexed (act routes find a pending render without a JSON search)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 17:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_clip_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_tasks_source_clip", ["source_clip_id", "kind", "status"], unique=False)
    # Tasks are now created QUEUED; one left NOT_START by a crash between commit and enqueue is claimable.
    op.execute("UPDATE tasks SET status = 'QUEUED' WHERE status = 'NOT_START'")
    op.execute("UPDATE clips SET status = 'queued' WHERE status = 'submitted'")


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_source_clip")
        batch_op.drop_column("source_clip_id")

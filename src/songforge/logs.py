"""Log format and levels of the long-running commands (serve, worker and their child processes)."""

import logging


def configure_logging(*, with_process_name: bool = False) -> None:
    process = " %(processName)s" if with_process_name else ""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s{process} %(name)s: %(message)s")
    # Alembic narrates every migration check at INFO on each start; only its problems matter here.
    logging.getLogger("alembic").setLevel(logging.WARNING)

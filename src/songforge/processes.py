"""Facts about local processes that the supervisor and the workers' housekeeping both need."""

import os


def process_is_alive(pid: int) -> bool:
    """True for this process and any live process of this host (even one we may not signal)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

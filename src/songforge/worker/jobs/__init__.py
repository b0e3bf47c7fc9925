"""Job handlers, looked up by kind name: `core/jobs.py` names each kind's module; the module's `run`
takes the JobContext and the kind's typed parameters and returns a JobResult.

Modules are imported on first use, so a worker that never separates never loads torch.
"""

import importlib
from collections.abc import Callable
from typing import Any

from songforge.core.jobs import job_kind
from songforge.worker.context import JobContext, JobResult

Handler = Callable[[JobContext, Any], JobResult]


def handler_for(kind_name: str) -> Handler:
    """The `run` function of the kind's handler module; KeyError for an unregistered kind."""
    module = importlib.import_module(f"{__name__}.{job_kind(kind_name).handler_module}")
    handler: Handler = module.run
    return handler

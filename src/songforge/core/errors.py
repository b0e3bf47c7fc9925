"""What core refuses, drawn once. Each error's message is a sentence fit to show the client; the API maps
the classes to HTTP statuses and codes (api/errors.py), the CLI prints the message."""


class CoreError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuotaExceeded(CoreError):
    """The account's balance does not cover the task's price."""

    def __init__(self) -> None:
        super().__init__("user quota is not enough: this account's credits do not cover the task's price")


class TooManyTasks(CoreError):
    """The key has as many unfinished tasks as it may have."""

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"this key already has {active} unfinished tasks (limit {limit}); wait for one to finish")


class QueueFull(CoreError):
    """The whole service has as many unfinished tasks as it accepts."""

    def __init__(self, bound: int) -> None:
        super().__init__(f"the job queue is full ({bound} unfinished tasks); retry in about 30 seconds")


class InvalidInput(CoreError):
    """The request is incomplete or contradicts what is stored."""


class NotInAccount(CoreError):
    """A task or clip id the caller named does not exist in its account (Part A §9)."""


class NotReady(InvalidInput):
    """The clip exists but cannot be used yet (its task has not finished)."""

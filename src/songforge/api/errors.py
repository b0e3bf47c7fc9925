"""The two error envelopes of Part A §2, and handlers that make every error one of them."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from songforge.api.responses import FastJSONResponse
from songforge.core.errors import CoreError, InvalidInput, NotInAccount, QueueFull, QuotaExceeded, TooManyTasks

log = logging.getLogger("songforge.api")


class TaskApiError(Exception):
    """Task-layer error: HTTP status + {"code", "message", "data": null}."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers


class AuthError(Exception):
    """Gateway/auth error: HTTP 401/403 + {"error": {"message", "type", "code"}}."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def invalid_request(message: str) -> TaskApiError:
    return TaskApiError(400, "invalid_request", message)


# What each refusal of core/ is on the wire: HTTP status, error code, headers. Checked in order (subclasses first).
_CORE_ERRORS: tuple[tuple[type[CoreError], int, str, dict[str, str] | None], ...] = (
    (QuotaExceeded, 403, "quota_not_enough", None),
    (TooManyTasks, 429, "too_many_tasks", {"Retry-After": "10"}),
    (QueueFull, 429, "queue_full", {"Retry-After": "30"}),
    (NotInAccount, 400, "task_not_exist", None),
    (InvalidInput, 400, "invalid_request", None),
)


def task_error_of(error: CoreError) -> TaskApiError:
    for error_class, status, code, headers in _CORE_ERRORS:
        if isinstance(error, error_class):
            return TaskApiError(status, code, error.message, headers=headers)
    return TaskApiError(400, "invalid_request", error.message)


def task_error_body(code: str, message: str) -> dict[str, object]:
    return {"code": code, "message": message, "data": None}


def _describe_validation_error(error: RequestValidationError) -> str:
    sentences = []
    for item in error.errors()[:5]:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(location)
        kind = item.get("type", "")
        if kind == "json_invalid":
            sentences.append("the request body is not valid JSON")
        elif kind == "missing" and not field:
            sentences.append("the request body is missing: send a JSON object")
        elif kind == "missing":
            sentences.append(f"`{field}` is required")
        elif kind in ("model_attributes_type", "model_type", "dict_type") and not field:
            sentences.append("the request body must be a JSON object")
        else:
            message = item.get("msg", "is invalid")
            sentences.append(f"`{field}`: {message}" if field else message)
    return "; ".join(sentences) + "."


# Answers every authenticated route can give, documented on each of them in the OpenAPI document.
RATE_LIMITED_RESPONSE = {"description": "rate_limited, too_many_tasks or queue_full: slow down (see Retry-After)"}


def _document_shared_errors(app: FastAPI) -> None:
    """Add the 429 that the key check can answer to every /suno/ operation of the OpenAPI document
    (operations that name their own 429 keep it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for path, item in schema.get("paths", {}).items():
            if path.startswith("/suno/"):
                for operation in item.values():
                    if isinstance(operation, dict) and "responses" in operation:
                        operation["responses"].setdefault("429", dict(RATE_LIMITED_RESPONSE))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """The methods some route serves at the request's path (a path can have several routes)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(allowed)


def install_error_handlers(app: FastAPI) -> None:
    _document_shared_errors(app)

    @app.exception_handler(TaskApiError)
    async def _task_error(_: Request, error: TaskApiError) -> FastJSONResponse:
        return FastJSONResponse(
            task_error_body(error.code, error.message), status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(CoreError)
    async def _core_error(request: Request, error: CoreError) -> FastJSONResponse:
        return await _task_error(request, task_error_of(error))

    @app.exception_handler(AuthError)
    async def _auth_error(_: Request, error: AuthError) -> FastJSONResponse:
        body = {"error": {"message": error.message, "type": "songforge_error", "code": error.code}}
        return FastJSONResponse(body, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, error: RequestValidationError) -> FastJSONResponse:
        return FastJSONResponse(task_error_body("invalid_request", _describe_validation_error(error)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> FastJSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "invalid_request")
        message = str(error.detail) if error.detail else "request failed"
        if error.status_code == 404 and message == "Not Found":
            message = "no such route; see /docs for the routes songforge serves"
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
            message = f"method {request.method} is not allowed here; allowed: {headers['Allow']}"
        return FastJSONResponse(task_error_body(code, message), status_code=error.status_code, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> FastJSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path)
        return FastJSONResponse(
            task_error_body("internal_error", "songforge hit an internal error; it has been logged"),
            status_code=500,
        )

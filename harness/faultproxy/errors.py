"""The API's errors: what Toxiproxy answers with ``{"error", "status"}``, with its exact texts.

``ApiError`` is the only exception a handler raises on purpose; the router turns it into the
response. Anything else escaping a handler is a bug (logged with its traceback, answered 500).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the API answers with ``{"error", "status"}``; messages match Toxiproxy's."""

    def __init__(self, message: str, status: int, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra or {}


def bad_body(detail: str) -> ApiError:
    """Toxiproxy's ``ErrBadRequestBody`` joined with the decoder's message."""
    return ApiError(f"bad request body: {detail}", 400)


def missing_field(what: str) -> ApiError:
    return ApiError(f"missing required field: {what}", 400)


def proxy_not_found() -> ApiError:
    return ApiError("proxy not found", 404)


def proxy_exists() -> ApiError:
    return ApiError("proxy already exists", 409)


def invalid_stream() -> ApiError:
    return ApiError("stream was invalid, can be either upstream or downstream", 400)


def invalid_toxic_type() -> ApiError:
    return ApiError("invalid toxic type", 400)


def toxic_exists() -> ApiError:
    return ApiError("toxic already exists", 409)


def toxic_not_found() -> ApiError:
    return ApiError("toxic not found", 404)

"""How the load side names a failed answer: the reference app's JSON, the scenario's patterns, the status."""

from __future__ import annotations

import re

from harness.load.plan import error_class_from_body

PATTERNS = {"pool_timeout": re.compile(r"TimeoutError|pool is full"),
            "connection_lost": re.compile(r"PROTOCOL_CONNECTION_LOST|ECONNRESET")}


def test_reference_app_json_wins() -> None:
    """The reference app says its class in JSON; patterns are not consulted."""
    assert error_class_from_body(503, '{"error_class": "pool_timeout", "detail": "ECONNRESET"}', PATTERNS) == \
        "pool_timeout"


def test_patterns_classify_another_apps_text() -> None:
    """An Express app's HTML/text error page is classified by the scenario's patterns, in order."""
    body = "<pre>Error: Connection lost: PROTOCOL_CONNECTION_LOST</pre>"
    assert error_class_from_body(500, body, PATTERNS) == "connection_lost"
    assert error_class_from_body(500, "TimeoutError: unknown timed out", PATTERNS) == "pool_timeout"


def test_status_family_when_nothing_matches() -> None:
    """No JSON class, no pattern: the status family."""
    assert (error_class_from_body(502, "bad gateway", PATTERNS), error_class_from_body(404, "", {})) == \
        ("http_5xx", "http_4xx")

"""IN-list SQL and padding (incident 003), and error classification by MySQL error code."""

from __future__ import annotations

import pymysql

from harness.app.errors import classify, http_status, is_disconnect, leaves_connection_usable
from harness.app.statements import in_list_sql, pad_to_bucket


def test_padding_rounds_up_to_a_power_of_two_with_the_first_id() -> None:
    """Lengths 5..8 all become 8, filled with the first id; a power of two stays as it is."""
    assert pad_to_bucket([7, 3, 9, 1, 2]) == [7, 3, 9, 1, 2, 7, 7, 7]
    assert pad_to_bucket([4, 5, 6, 8]) == [4, 5, 6, 8]
    assert pad_to_bucket([1]) == [1]


def test_in_list_sql_has_one_placeholder_per_id() -> None:
    """Each list length is its own SQL text, hence its own server-side statement."""
    assert in_list_sql(3) == "SELECT id, name, qty FROM items WHERE id IN (?, ?, ?)"


def test_errors_are_classified_by_code() -> None:
    """1040, 1461, 2013 and 1062 map to their classes; lost connections must be discarded, SQL errors not."""
    too_many = pymysql.err.OperationalError(1040, "Too many connections")
    limit = pymysql.err.OperationalError(1461, "Can't create more than max_prepared_stmt_count statements")
    lost = pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")
    dup = pymysql.err.IntegrityError(1062, "Duplicate entry")
    classes = [classify(e) for e in (too_many, limit, lost, dup)]
    assert classes == ["too_many_connections", "prepared_stmt_limit", "connection_lost", "duplicate_key"]
    assert [is_disconnect(dup), is_disconnect(lost), is_disconnect(ConnectionResetError())] == [False, True, True]
    assert [leaves_connection_usable(e) for e in (dup, lost, TimeoutError())] == [True, False, False]
    assert http_status(dup) == 500

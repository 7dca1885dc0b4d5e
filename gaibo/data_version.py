"""The data version: a token that changes with every commit that changed the data, so that a
page drawn from the data can be kept and shown again until the data changes (gaibo/page_cache.py).

Every statement the application sends goes through `watch_writes`, a database execute wrapper
installed on each connection (gaibo.apps). Any statement but a read (SELECT, a read-only WITH,
transaction control, SET, SHOW, EXPLAIN, PRAGMA) counts as a write of data, unless it only
writes bookkeeping (sessions, sign-in attempts and times, API-key use, the token itself) or a
table an app declared unseen (`unseen`: a report's lines while it is being entered). A write
raises the version once per transaction:
- on PostgreSQL, after the commit, in its own statement (raising it inside the transaction
  would make every writer wait on the token's row). A page drawn between the commit and the
  raise is drawn from the new data under the old token, which is harmless; a page drawn before
  the commit is kept under a token the raise makes stale;
- on SQLite, inside the transaction, so that it commits with the data (SQLite has one writer
  at a time anyway, and the raise cannot then fail for a lock after the data has committed);
- outside a transaction (autocommit), right after the statement.
A transaction rolled back raises nothing; a savepoint rolled back forgets its writes.

The token is a random one, kept in the database (one row of gaibo.DataVersion) so that every
process and server sees the same one, and never comes back: a database restored or emptied
cannot show pages kept before. A database without the row (just emptied) keeps no pages until
the next write creates it.
"""

import contextlib
import logging
import re
import uuid

from django.db import DatabaseError, connection, connections, transaction
from django.utils.connection import ConnectionDoesNotExist

from gaibo.models import DataVersion

logger = logging.getLogger(__name__)

# Leading comments, whitespace and brackets ("(SELECT …) UNION (SELECT …)"), then the first word.
FIRST_WORD = re.compile(r"^(?:\s+|\(|/\*.*?\*/|--[^\n]*\n?)*(\w+)", re.DOTALL)
READS = {
    "SELECT", "VALUES", "SHOW", "EXPLAIN", "SET", "PRAGMA", "BEGIN", "START", "COMMIT", "END",
    "ROLLBACK", "SAVEPOINT", "RELEASE",
}  # fmt: skip
# The table an INSERT, UPDATE, DELETE or REPLACE writes.
TARGET = re.compile(
    r'^(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)',
    re.IGNORECASE,
)
WITH_WRITES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# Writes that change no figure of any page: sessions, sign-in attempts, API-key use, the token.
NOT_DATA = ("django_session", "axes_", "gaibo_apitoken", DataVersion._meta.db_table)
# Tables an app declared unseen (`unseen`): their writes alone change no kept page.
_unseen: set[str] = set()
# Django's sign-in stamp (django.contrib.auth.models.update_last_login).
LAST_LOGIN = re.compile(r'^UPDATE\s+"gaibo_user"\s+SET\s+"last_login"\s*=\s*%s\s+WHERE\b')


def unseen(*models) -> None:
    """Writes to these models' tables (their history's included) raise no version. The app that
    declares them answers for it: no kept page shows what they hold until another write, to a
    table that is seen, in the same transaction (reports.apps: a report's lines are written only
    while no dashboard counts the report, and the step that makes it count writes the report)."""
    for model in models:
        _unseen.add(model._meta.db_table.lower())
        history = getattr(model, "history", None)
        if history is not None:
            _unseen.add(history.model._meta.db_table.lower())


def current() -> str | None:
    """The data version now; None while the database has none (just emptied)."""
    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def bump() -> None:
    """A new data version (creating its row if the database lost it): one statement, so it can
    run while another statement of the connection is still open."""
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("id", "token") VALUES (1, %s) '
            'ON CONFLICT ("id") DO UPDATE SET "token" = EXCLUDED."token"',
            [uuid.uuid4().hex],
        )


def _committed() -> None:
    """on_commit callback of a transaction that wrote data."""
    if connection.vendor != "sqlite":  # SQLite raised it inside the transaction
        _bump_logged()


def _bump_logged() -> None:
    """bump() where the data has already committed: a failure cannot undo the write, and is
    logged (pages then stay until GAIBO_PAGE_CACHE_SECONDS ends them)."""
    try:
        bump()
    except DatabaseError:
        logger.exception("The data version could not be raised after a commit.")


def pending(conn=connection) -> bool:
    """True while the connection's transaction has written data not yet committed: a page drawn
    now shows figures no one else sees yet, and must be neither kept nor taken from the cache."""
    return any(func is _committed for _sids, func, _robust in conn.run_on_commit)


def is_data_write(sql: str) -> bool:
    first = FIRST_WORD.match(sql)
    word = first.group(1).upper() if first else ""
    if word in READS:
        return False
    if word == "WITH":
        return bool(WITH_WRITES.search(sql))
    statement = sql[first.start(1) :] if first else sql
    target = TARGET.match(statement)
    if target and (
        target.group(1).lower().startswith(NOT_DATA) or target.group(1).lower() in _unseen
    ):
        return False
    return not LAST_LOGIN.match(statement)


def watch_writes(execute, sql, params, many, context):
    """The execute wrapper: runs the statement, then, if it wrote data, raises the version (see
    the module's docstring for when). Statements of a connection Django opens aside (to create
    or drop the test database, say) write none of the application's data."""
    result = execute(sql, params, many, context)
    conn = context["connection"]
    if not _migrating and is_data_write(sql) and _is_the_applications(conn):
        if not conn.in_atomic_block:
            _bump_logged()
        elif not pending(conn):
            if conn.vendor == "sqlite":
                bump()
            transaction.on_commit(_committed, using=conn.alias)
    return result


def _is_the_applications(conn) -> bool:
    try:
        return connections[conn.alias] is conn
    except ConnectionDoesNotExist:
        return False


_migrating = False


def migrating(sender=None, **kwargs) -> None:
    """pre_migrate receiver: no version while migrations run (its table may not exist yet)."""
    global _migrating
    _migrating = True


def migrated(sender=None, **kwargs) -> None:
    """post_migrate receiver (also sent by flush): a new version, for whatever changed (unless
    the migrations were undone to before the token's table)."""
    global _migrating
    _migrating = False
    with contextlib.suppress(DatabaseError):
        bump()


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: wraps the new connection's statements (once). First in the
    list: connection.execute_wrapper() removes the last one when its block ends, and this one
    may have been added inside such a block."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watch_writes)

"""Whether an error means the database went away: a connection it dropped (a restart, a
failover, an idle timeout, pg_terminate_backend) or one that cannot be made. Such an error
says nothing about what was asked, so it is neither a refusal (app.services.ServiceError)
nor a bug: the edge answers "try again in a moment" (app.web.failures), the command line
one line (app.cli), the schedule run stops without recording a failure."""

from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout

# PostgreSQL SQLSTATEs of a connection that went or was refused: class 08 (connection
# exception), an administrator's or a crash's shutdown, a server still starting.
_GONE_STATES = {"57P01", "57P02", "57P03"}
# SQLite: the database file cannot be opened (its folder is gone, a disk is not mounted).
_SQLITE_GONE = {"SQLITE_CANTOPEN"}


def database_unreachable(error: BaseException) -> bool:
    """True for a dropped or refused connection, or a pool with no connection to give."""
    if isinstance(error, PoolTimeout):
        return True  # every pooled connection stayed busy for pool_timeout seconds
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # the dialect saw a disconnect
        return True
    orig = error.orig
    if hasattr(orig, "sqlstate"):  # psycopg
        state = orig.sqlstate
        # No SQLSTATE: the client library failed, not the server (connection refused,
        # server closed the connection, no route to the host).
        if state is None:
            return isinstance(error, OperationalError)
        return state.startswith("08") or state in _GONE_STATES
    return getattr(orig, "sqlite_errorname", None) in _SQLITE_GONE

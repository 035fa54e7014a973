"""Sign-in throttling (issue 12), counted by Flask-Limiter in RATELIMIT_STORAGE_URI.

Failed sign-ins are limited per (e-mail, client address) pair: a stranger guessing an
account's password from one address is slowed down there, while its owner signs in from
anywhere else — nobody can lock an account out. A broader limit on every sign-in post
per client address bounds guessing across many accounts (and the password hashing it
costs). Both are keyed by the e-mail as typed, so the answer is the same for unknown and
real accounts.

The limit of an e-mail can be lifted by an admin (`unlock`): the pair keys carry the
e-mail's unlock count, so one increment starts every address of that e-mail afresh without
having to find the addresses in the store.
"""

import hashlib
import math
import os
import time

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.services.users import normalise_email

# Failed sign-ins of one e-mail from one address; every sign-in post of one address.
PAIR_FAILURES, PAIR_MINUTES = 5, 15
PAIR_LIMIT = f"{PAIR_FAILURES} per {PAIR_MINUTES} minutes"
ADDRESS_LIMIT = "30 per 15 minutes"
# How long an unlock count is kept: longer than any window above, so that a count falling
# back to 0 cannot bring old, still-counting attempts back.
_UNLOCK_MEMORY_SECONDS = 24 * 3600

limiter = Limiter(get_remote_address)


def init_app(app: Flask) -> None:
    """Bind the limiter; the store comes from RATELIMIT_STORAGE_URI (memory:// by default:
    exact for one process, per process with several gunicorn workers)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI",
                          os.environ.get("RATELIMIT_STORAGE_URI") or "memory://")
    # A moving window: no burst of twice the limit across a window boundary.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # A store that is down counts in memory for a while instead of failing every sign-in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)


def _digest(email: str) -> str:
    # A fixed-length key whatever was typed into the e-mail field.
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def _unlock_key(email: str) -> str:
    return f"sign-in-unlocks/{_digest(email)}"


def _store():
    # The strategy's store: the in-memory fallback while the configured one is down.
    return limiter.limiter.storage


def pair_key() -> str:
    """The (e-mail, client address) pair of this sign-in post, in its current unlock era."""
    email = request.form.get("email", "")
    unlocks = _store().get(_unlock_key(email))
    return f"sign-in/{_digest(email)}/{unlocks}/{get_remote_address()}"


def refused(response: Response) -> bool:
    """Only a refused sign-in (wrong e-mail or password) counts against the pair."""
    return response.status_code == 401


failed_sign_ins = limiter.limit(PAIR_LIMIT, key_func=pair_key, methods=["POST"],
                                deduct_when=refused)
sign_in_posts = limiter.limit(ADDRESS_LIMIT, methods=["POST"])


def unlock(email: str) -> None:
    """Lift the failed-sign-in limit of an e-mail, from every address."""
    _store().incr(_unlock_key(email), _UNLOCK_MEMORY_SECONDS)


def retry_after() -> int:
    """Seconds until the limit breached in this request lets a sign-in through again."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    # reset_at is rounded up to the next whole second: never more than the window itself.
    return max(1, min(breached.limit.get_expiry(), math.ceil(breached.reset_at - time.time())))


def reset() -> None:
    """Forget every count (tests: no throttle state leaks from one test into the next)."""
    limiter.reset()

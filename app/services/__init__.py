"""Use cases: load, apply the rules of app.billing, write, commit once; raise named errors."""


class ServiceError(Exception):
    """A use case refused what was asked; the message is one line, fit for a user."""

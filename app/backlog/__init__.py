from flask import Blueprint

bp = Blueprint("backlog", __name__)

from app.backlog import routes  # noqa: E402,F401

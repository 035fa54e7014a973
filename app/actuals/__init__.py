from flask import Blueprint

bp = Blueprint("actuals", __name__)

from app.actuals import routes  # noqa: E402,F401

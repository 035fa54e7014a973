from flask import Blueprint

bp = Blueprint("receivables", __name__)

from app.receivables import routes, statements  # noqa: E402,F401

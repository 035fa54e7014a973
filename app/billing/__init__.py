"""Pure billing rules: money, totals and who may edit what. No Flask, no SQLAlchemy."""

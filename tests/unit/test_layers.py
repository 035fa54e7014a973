"""The layers of docs/ARCHITECTURE.md hold: the import contracts of pyproject.toml
(import-linter) pass on the app, and fail when a wrong-way import is planted."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
LINT = [str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache"]


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*LINT, str(root / "pyproject.toml")], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root), "PATH": ""}, timeout=300)


def test_the_import_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_planted_wrong_way_import_breaks_the_contracts(tmp_path):
    shutil.copytree(ROOT / "app", tmp_path / "app",
                    ignore=shutil.ignore_patterns("translations", "static", "templates",
                                                  "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "app" / "billing" / "planted.py").write_text("import sqlalchemy  # noqa\n")
    audit = tmp_path / "app" / "services" / "audit.py"
    audit.write_text(audit.read_text() + "\nfrom flask_login import current_user  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "app.billing imports nothing of Flask, SQLAlchemy or the rest of the app BROKEN" in (
        result.stdout)
    assert "app.services imports no blueprint, no flask_login and no display module BROKEN" in (
        result.stdout)
    assert "app.billing.planted -> sqlalchemy" in result.stdout


def test_nothing_below_the_edge_imports_the_factory():
    # `from app import …` in a rule, model or use case would pull in every blueprint.
    graph = grimp.build_graph("app")
    importers = graph.find_modules_that_directly_import("app")
    below = sorted(m for m in importers
                   if m.startswith(("app.billing", "app.models", "app.services")))
    assert below == []

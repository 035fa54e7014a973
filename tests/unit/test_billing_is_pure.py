"""app/billing stays free of web and database frameworks."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_billing_imports_neither_flask_nor_sqlalchemy():
    # A bare `app` package stands in for the real one, whose factory imports Flask.
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('app'); pkg.__path__ = [{str(ROOT / 'app')!r}]; sys.modules['app'] = pkg\n"
        "import app.billing.money, app.billing.enums, app.billing.totals, app.billing.editability\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'flask_babel', 'sqlalchemy'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)

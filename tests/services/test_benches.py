"""Every bench in bench/ runs (issue 17): each script at a small N, as the README says to run
it (`python bench/<name>.py`, from the repository's root), exits 0 and prints its figures —
so that none rots unnoticed. SQLite only (`--postgres none`): the benches' PostgreSQL part
is the same code on another URL."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = os.environ.get("EINVOICE_RULES_DIR") or next(
    (str(path) for path in (ROOT.parent / "shared" / "einvoice", Path("/work/shared/einvoice"))
     if (path / "xsd").is_dir()), "")

# Each bench's small-N run: its arguments, and a figure its output must show.
SMALL = {
    "backlog": (["--actuals", "120", "--requests", "2", "--postgres", "none"], r"page 1 +\d"),
    "concurrent_edits": (["--clients", "2", "--details", "60", "--seconds", "2",
                          "--workers", "1", "--threads", "2", "--postgres", "none"], r"\d"),
    "credit_note": (["--sizes", "30", "--postgres", "none"], r"sqlite +30 +\d"),
    "document": (["--rows", "10", "--repeat", "1"], r"pages=\d+"),
    "editor": (["--details", "60", "--edits", "3", "--pages", "2", "--postgres", "none",
                "--no-budget"], r"sqlite +60 +page +2 +\d"),
    "einvoice": (["--sizes", "10", "--postgres", "none"], r"sqlite +10 +\d"),
    "einvoice_validation": (["--repeat", "1"], r"validate peppol .* median +\d"),
    "engine": (["--sizes", "30", "--postgres", "none"], r"sqlite +30 +\d"),
    "receivables": (["--invoices", "40", "--requests", "2", "--postgres", "none"], r"CSV.* \d"),
}
NEEDS_RULES = {"einvoice", "einvoice_validation"}
BENCHES = sorted(path.stem for path in (ROOT / "bench").glob("*.py") if path.stem != "__init__")


def test_every_bench_has_a_small_run():
    assert set(BENCHES) <= set(SMALL), "a bench without a small-N run here would rot unseen"


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHES)
def test_the_bench_runs_at_a_small_n(name, tmp_path):
    if name not in SMALL:
        pytest.fail(f"bench/{name}.py has no small-N run in SMALL")
    if name in NEEDS_RULES and not RULES:
        pytest.skip("no e-invoice rules (EINVOICE_RULES_DIR)")
    arguments, figure = SMALL[name]
    environment = {**os.environ, "EINVOICE_RULES_DIR": RULES, "TMPDIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)  # each bench makes its own database
    done = subprocess.run([sys.executable, f"bench/{name}.py", *arguments], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert re.search(figure, done.stdout), done.stdout[-2000:]

"""Benchmark: several reviewers editing one big invoice at once (not a test; prints figures).

    uv run --no-sync python bench/concurrent_edits.py [--clients 20] [--details 5000]
        [--seconds 30] [--workers 2] [--threads 4] [--postgres URL|none] [--repeat 1]

Builds a fresh database with one draft invoice of M details (`--details`), starts a real
gunicorn on a free port (`--workers` × `--threads`, gthread; the app built by `server()`
below with sign-in and CSRF switched off — no setting of the app is needed for that) and
lets N clients (`--clients`, one thread and one keep-alive connection each) edit *distinct*
rows of that invoice as htmx posts them (POST /invoices/<code>/details/<id>, the row's
version, HX-Request), each client its own rows, cycling a billing type change (the row moves
group), a tax and a description, for `--seconds`.

Prints, per database: saved edits per second, p50/p95 latency of every answer (ms), and the
refusals by kind:

- same row: "Someone else changed this detail after you opened it" — cannot happen here
  (nobody else edits a client's rows), so any is a false conflict of the row check;
- conflict: a 409 "Someone else changed this/the same records at the same moment" — the
  version check of the invoice or line failed although nobody touched the same row;
- busy: a 409 "The records are busy with another change" (a lock wait that timed out);
- other: any other answer than 200/409, or a failed connection.

With no concurrency problem, all four are 0. `--postgres` takes an admin URL to create the
bench database `invoicing_bench_concurrent` with (default: the local server), or `none`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import logging
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HX = {"HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
KINDS = ("same row", "conflict", "busy", "other")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server():
    """The app gunicorn serves (`bench.concurrent_edits:server()`): the bench database of
    BENCH_DATABASE_URL, nobody signed in needed, no CSRF token needed."""
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
                       "SECRET_KEY": "bench", "LOGIN_DISABLED": True,
                       "WTF_CSRF_ENABLED": False})


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def build(url: str, details: int) -> tuple[str, list[int]]:
    """A fresh, migrated database with one draft of `details` details; its code and ids."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import InvoiceLineDetail
    from app.services.invoicing import InvoiceParameters, create_invoice
    from bench.engine import seed

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        seed(details)
        code = create_invoice("bench", InvoiceParameters(cutoff=dt.date(2026, 12, 31))).code
        ids = list(db.session.scalars(select(InvoiceLineDetail.id).order_by(InvoiceLineDetail.id)))
        db.session.remove()
        db.engine.dispose()
    return code, ids


def postgres_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, workers: int, threads: int, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # This checkout's app, whatever the environment has installed.
    env = {**os.environ, "BENCH_DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
         str(threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "--log-level", "warning", "bench.concurrent_edits:server()"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    return process, port


def wait_ready(port: int, code: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", f"/invoices/{code}")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def kind_of(status: int, body: str) -> str | None:
    """None for a saved edit, else the kind of refusal."""
    if status == 200:
        return None
    if status == 409:
        if "changed this detail after you opened it" in body:
            return "same row"
        if "busy with another change" in body:
            return "busy"
        return "conflict"
    return "other"


def row_version(body: str, detail_id: int) -> int | None:
    """The version the answer shows for the row (its own row of the fragment)."""
    at = body.find(f'id="detail-{detail_id}"')
    found = re.compile(r'name="version" value="(\d+)"').search(body, at if at >= 0 else 0)
    return int(found.group(1)) if found else None


def client(port: int, code: str, rows: list[int], until: float, seed: int,
           results: list, warm_versions: dict[int, int]) -> None:
    rng = random.Random(seed)
    versions = {row: warm_versions.get(row, 1) for row in rows}
    cells = [("billing_type", lambda: rng.choice(["non_chargeable", "complimentary", "chargeable"])),
             ("tax", lambda: f"{rng.randint(0, 300000) / 100:.2f}"),
             ("description", lambda: f"Reviewed work item {rng.randint(1, 10**6)}")]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while time.monotonic() < until:
        row = rows[i % len(rows)]
        field, value = cells[i % len(cells)]
        i += 1
        body = urllib.parse.urlencode({"version": versions[row], field: value()})
        began = time.perf_counter()
        try:
            connection.request("POST", f"/invoices/{code}/details/{row}", body=body, headers=HX)
            response = connection.getresponse()
            text = response.read().decode()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, text = 0, ""
        elapsed = (time.perf_counter() - began) * 1000
        kind = kind_of(status, text)
        results.append((elapsed, kind))
        version = row_version(text, row) if status in (200, 409) else None
        if version is not None:
            versions[row] = version


def run(url: str, backend: str, args) -> dict:
    code, ids = build(url, args.details)
    rng = random.Random(17)
    chosen = rng.sample(ids, min(len(ids), args.clients * args.rows_per_client))
    assignments = [chosen[i::args.clients] for i in range(args.clients)]
    with tempfile.TemporaryDirectory() as directory:
        process, port = start_gunicorn(url, args.workers, args.threads,
                                       Path(directory) / "gunicorn.log")
        try:
            wait_ready(port, code, process)
            results: list[list] = [[] for _ in range(args.clients)]
            began = time.monotonic()
            until = began + args.seconds
            threads = [threading.Thread(target=client, args=(port, code, rows, until, n,
                                                             results[n], {}))
                       for n, rows in enumerate(assignments)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
        finally:
            stop(process)
    answers = [r for rs in results for r in rs]
    latencies = [ms for ms, _ in answers]
    saved = sum(1 for _, kind in answers if kind is None)
    refusals = {kind: sum(1 for _, k in answers if k == kind) for kind in KINDS}
    return {"backend": backend, "answers": len(answers), "saved": saved,
            "edits_per_s": saved / elapsed, "p50": statistics.median(latencies) if latencies else 0,
            "p95": percentile(latencies, 95) if latencies else 0,
            "p95_saved": percentile([ms for ms, k in answers if k is None], 95) if saved else 0,
            "refusals": refusals}


def report(result: dict, args) -> None:
    refused = sum(result["refusals"].values())
    share = 100 * refused / result["answers"] if result["answers"] else 0
    kinds = "".join(f"{result['refusals'][k]:>10}" for k in KINDS)
    print(f"{result['backend']:<11}{args.details:>8}{args.clients:>8}{result['answers']:>8}"
          f"{result['edits_per_s']:>9.1f}{result['p50']:>8.1f}{result['p95']:>8.1f}"
          f"{kinds}{share:>8.1f} %", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--details", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rows-per-client", type=int, default=5,
                        help="distinct rows each client edits in turn")
    parser.add_argument("--repeat", type=int, default=1, help="runs per database")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES,
                        help="an admin URL to create the bench database with, or 'none'")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    print(f"{'backend':<11}{'details':>8}{'clients':>8}{'answers':>8}{'edits/s':>9}"
          f"{'p50 ms':>8}{'p95 ms':>8}" + "".join(f"{k:>10}" for k in KINDS) + f"{'refused':>10}")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as directory:
            report(run(f"sqlite:///{directory}/bench.sqlite", "sqlite", args), args)
        if args.postgres != "none":
            url = postgres_database(args.postgres, "invoicing_bench_concurrent")
            report(run(url, "postgresql", args), args)


if __name__ == "__main__":
    main()

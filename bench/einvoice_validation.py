"""Benchmark: the e-invoice validator (not a test; prints figures).

    uv run python bench/einvoice_validation.py [--rules DIR] [--repeat 50]

Times loading each UBL schema and compiling each Schematron stylesheet (once per process),
then validating the Peppol base example (XSD + CEN + Peppol) and the OIOUBL sample, in one
thread and in two at once, and reports the process's memory after loading.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.documents.einvoice import validation  # noqa: E402

# The official schemas and rules (never in the repository): EINVOICE_RULES_DIR, else the
# shared folder beside the checkout, else /work/shared/einvoice (as tests/conftest.py).
DEFAULT_RULES = os.environ.get("EINVOICE_RULES_DIR") or next(
    (str(path) for path in (Path(__file__).resolve().parents[2] / "shared" / "einvoice",
                            Path("/work/shared/einvoice")) if (path / "xsd").is_dir()), "")


def rules_or_exit(rules: str) -> str:
    if not rules or not Path(rules, "xsd").is_dir():
        sys.exit(f"No e-invoice rules in {rules or '(none found)'}: pass --rules DIR or set "
                 "EINVOICE_RULES_DIR (the folder with xsd/, the schematron and examples/).")
    return rules


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rules = Path(rules_or_exit(args.rules))
    print(f"memory at start          {_rss_mb():8.0f} MB")
    for kind, name in validation.SCHEMAS.items():
        started = time.perf_counter()
        validation._schema(rules / name)
        print(f"XSD {kind:<21}{_ms(time.perf_counter() - started)}")
    for name in dict.fromkeys(n for names in validation.STYLESHEETS.values() for n in names):
        started = time.perf_counter()
        validation._executable(rules / name)
        print(f"compile {Path(name).name:<34}{_ms(time.perf_counter() - started)}")
    print(f"memory after loading     {_rss_mb():8.0f} MB")
    samples = [("peppol", "examples/peppol/base-example.xml"),
               ("peppol", "examples/peppol/base-creditnote-correction.xml"),
               ("oioubl", "examples/oioubl/gobl-invoice.xml")]
    for profile, name in samples:
        xml = (rules / name).read_bytes()
        validation.validate(xml, profile, str(rules))  # warm-up: the first run is slower
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            validation.validate(xml, profile, str(rules))
            times.append(time.perf_counter() - started)
        print(f"validate {profile:<7}{Path(name).name:<36} median {_ms(statistics.median(times))}"
              f"  max {_ms(max(times))}")
    xml = (rules / samples[0][1]).read_bytes()

    def run():
        for _ in range(args.repeat):
            validation.validate(xml, "peppol", str(rules))

    threads = [threading.Thread(target=run) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_document = (time.perf_counter() - started) / (2 * args.repeat)
    print(f"2 threads at once, per document      {_ms(per_document)}")
    print(f"memory at the end        {_rss_mb():8.0f} MB  (stylesheets compiled: "
          f"{validation.compilations})")


if __name__ == "__main__":
    main()

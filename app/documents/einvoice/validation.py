"""Whether an e-invoice would be accepted: the UBL 2.1 XSD (lxml) and the official Schematron
rules compiled to XSLT (saxonche) — Peppol BIS 3.0 = the CEN EN 16931 rules and the Peppol
rules, OIOUBL 2.1 = the Danish rules of the document's kind — read from EINVOICE_RULES_DIR.

What a user gets: a `Report` of the rules the document breaks, each with the rule's own text
and where it broke, and `advice()` in words a bookkeeper can act on.

Each schema and stylesheet is loaded once per process (on first use, under a lock) and kept;
one `PySaxonProcessor` serves the process. A compiled stylesheet is immutable, but its
Python wrapper keeps settable state (parameters, context item), so each thread runs its own
`clone()` of it — cloning shares the compiled form and costs microseconds.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree

from app.documents.einvoice import PROFILES

UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
KINDS = {f"{{{UBL}Invoice-2}}Invoice": "Invoice", f"{{{UBL}CreditNote-2}}CreditNote": "CreditNote"}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
PEPPOL = "rules/peppol-bis-3.0.21"
OIOUBL = "rules/oioubl-1.17.2"
# The stylesheets of a profile and a document kind, relative to EINVOICE_RULES_DIR.
STYLESHEETS = {
    ("peppol", "Invoice"): (f"{PEPPOL}/CEN-EN16931-UBL.xslt", f"{PEPPOL}/PEPPOL-EN16931-UBL.xslt"),
    ("peppol", "CreditNote"): (f"{PEPPOL}/CEN-EN16931-UBL.xslt",
                               f"{PEPPOL}/PEPPOL-EN16931-UBL.xslt"),
    ("oioubl", "Invoice"): (f"{OIOUBL}/OIOUBL_Invoice_Schematron.xslt",),
    ("oioubl", "CreditNote"): (f"{OIOUBL}/OIOUBL_CreditNote_Schematron.xslt",),
}
SCHEMAS = {kind: f"xsd/maindoc/UBL-{kind}-2.1.xsd" for kind in KINDS.values()}
# OIOUBL puts its rule id in the text only: "[F-LIB403] Invalid …" (W-: a warning).
_BRACKETED = re.compile(r"^\s*\[([A-Za-z0-9-]+)\]")

# Never an entity expanded, a DTD or anything fetched: the input may come from anyone.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)

_lock = threading.Lock()
_processor = None
_schemas: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}
_executables: dict[str, object] = {}
_local = threading.local()
# How many stylesheets this process compiled (each path once): what the tests count.
compilations = 0


@dataclass(frozen=True)
class Failure:
    """One broken rule: its id ("BR-CO-17", "PEPPOL-EN16931-R010", "XSD" for the schema,
    "XSLT" when a rule set stopped on a value of the wrong type), "fatal" or "warning", the
    rule's own text, and where (an XPath, "line N", or the stylesheet's file name)."""
    rule: str
    flag: str
    text: str
    location: str


@dataclass(frozen=True)
class Report:
    """What the validators said of one document in one profile."""
    profile: str
    failures: tuple[Failure, ...]

    @property
    def fatal(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.flag == "fatal")

    @property
    def ok(self) -> bool:
        """Would be accepted: no fatal failure (warnings do not block)."""
        return not self.fatal


class RulesNotConfigured(Exception):
    """EINVOICE_RULES_DIR is unset, or a schema or rule file is not in it."""


def validate(xml: bytes, profile: str, rules_dir: str) -> Report:
    """The XSD and the profile's Schematron rules on `xml`. A document that is not XML, not
    an Invoice or CreditNote, or not schema-valid gets "XSD" failures (the rules then still
    run when it parsed). Unknown profile: ValueError; no rules: RulesNotConfigured."""
    _check_profile(profile)
    _paths(rules_dir, profile)  # refuse a missing file before looking at the document
    root, problem = _parse(xml)
    if root is None:
        return Report(profile, (problem,))
    failures = _schema_failures(root, KINDS[root.tag], rules_dir)
    return Report(profile, failures + _run_rules(root, profile, rules_dir))


def schematron_failures(xml: bytes, profile: str, rules_dir: str) -> tuple[Failure, ...]:
    """The profile's Schematron rules only, no XSD: for fragments (the Peppol rule tests)."""
    _check_profile(profile)
    _paths(rules_dir, profile)
    root, problem = _parse(xml)
    return (problem,) if root is None else _run_rules(root, profile, rules_dir)


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown e-invoice profile {profile!r} (one of {', '.join(PROFILES)})")


def _paths(rules_dir: str, profile: str) -> list[Path]:
    """The files validation reads, all present, or RulesNotConfigured saying which is not."""
    if not rules_dir or not str(rules_dir).strip():
        raise RulesNotConfigured(_(
            "EINVOICE_RULES_DIR is not set: set it to the folder that holds the UBL schemas "
            "and the Peppol and OIOUBL rules (xsd/ and rules/), then restart the app."))
    kinds = KINDS.values()
    names = [SCHEMAS[k] for k in kinds] + [n for k in kinds for n in STYLESHEETS[profile, k]]
    paths = [Path(rules_dir) / name for name in dict.fromkeys(names)]
    for path in paths:
        if not path.is_file():
            raise RulesNotConfigured(_(
                "%(file)s is missing: EINVOICE_RULES_DIR (%(folder)s) must be the folder that "
                "holds the UBL schemas and the Peppol and OIOUBL rules (xsd/ and rules/).",
                file=str(path), folder=rules_dir))
    return paths


def _parse(xml: bytes) -> tuple[etree._Element | None, Failure | None]:
    """The root of an Invoice or CreditNote, or the XSD failure that says why not."""
    try:
        tree = etree.ElementTree(etree.fromstring(xml, _PARSER))
    except (etree.XMLSyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None) or 1
        return None, Failure("XSD", "fatal", _("Not well-formed XML: %(error)s",
                                               error=str(error)), f"line {line}")
    root = tree.getroot()
    if tree.docinfo.doctype:
        return None, Failure("XSD", "fatal", _("A DOCTYPE is not allowed in an e-invoice."),
                             "line 1")
    if root.tag not in KINDS:
        return None, Failure("XSD", "fatal", _(
            "The root element must be a UBL Invoice or CreditNote, not %(tag)s.",
            tag=root.tag), f"line {root.sourceline or 1}")
    return root, None


def _schema_failures(root, kind: str, rules_dir: str) -> tuple[Failure, ...]:
    schema, lock = _schema(Path(rules_dir) / SCHEMAS[kind])
    with lock:  # the schema keeps its error log on itself
        if schema.validate(root):
            return ()
        errors = list(schema.error_log)
    return tuple(Failure("XSD", "fatal", error.message, f"line {error.line}") for error in errors)


def _schema(path: Path) -> tuple[etree.XMLSchema, threading.Lock]:
    key = str(path.resolve())
    with _lock:
        if key not in _schemas:
            _schemas[key] = etree.XMLSchema(etree.parse(key)), threading.Lock()
        return _schemas[key]


def _run_rules(root, profile: str, rules_dir: str) -> tuple[Failure, ...]:
    """The SVRL of each stylesheet of the profile, as Failures in document order."""
    kind = KINDS[root.tag]
    text = etree.tostring(root, encoding="unicode")  # the element only: no DOCTYPE, no PI
    executables = [(name, _executable(Path(rules_dir) / name))
                   for name in STYLESHEETS[profile, kind]]
    from saxonche import PySaxonApiError
    node = _processor.parse_xml(xml_text=text)
    failures: list[Failure] = []
    for name, executable in executables:
        try:
            svrl = executable.transform_to_string(xdm_node=node)
        except PySaxonApiError as error:  # a rule met a value of the wrong type
            said = str(getattr(error, "message", None) or error).strip().splitlines()
            failures.append(Failure("XSLT", "fatal", _(
                "The rules of %(file)s could not run to the end: %(error)s",
                file=Path(name).name, error=" ".join(said[:2])), Path(name).name))
            continue
        failures += _svrl_failures(svrl)
    return tuple(failures)


def _executable(path: Path):
    """This thread's copy of the compiled stylesheet at `path` (compiled once per process)."""
    global _processor, compilations
    key = str(path.resolve())
    mine = _local.__dict__.setdefault("executables", {})
    if key not in mine:
        with _lock:
            if key not in _executables:
                # Imported here: Saxon and its stylesheets take 150–250 MB, only for e-invoices.
                from saxonche import PySaxonProcessor
                if _processor is None:
                    _processor = PySaxonProcessor(license=False)
                compiler = _processor.new_xslt30_processor()
                _executables[key] = compiler.compile_stylesheet(stylesheet_file=key)
                compilations += 1
            mine[key] = _executables[key].clone()
    return mine[key]


def _svrl_failures(svrl: str) -> list[Failure]:
    report = etree.fromstring(svrl.encode("utf-8"), _PARSER)
    failures = []
    for element in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        said = element.find(f"{SVRL}text")
        text = " ".join("".join(said.itertext()).split()) if said is not None else ""
        rule = element.get("id") or (m.group(1) if (m := _BRACKETED.match(text)) else "")
        flag = element.get("flag") or ("warning" if rule.startswith("W-") else "fatal")
        failures.append(Failure(rule, flag, text, element.get("location", "")))
    return failures


# The rules an export of ours can trip, in words that say what to change where.
ADVICE = {
    "PEPPOL-EN16931-R010": _l("Customer has no electronic address (PEPPOL-EN16931-R010): set it "
                              "on the customer (Setup → Customers)."),
    "PEPPOL-EN16931-R020": _l("Our electronic address is missing (PEPPOL-EN16931-R020): set "
                              "COMPANY_ENDPOINT_ID and COMPANY_ENDPOINT_SCHEME."),
    "PEPPOL-EN16931-R003": _l("Neither a buyer reference nor an order reference "
                              "(PEPPOL-EN16931-R003): set the customer's reference (the "
                              "opportunity) on the contract."),
    "BR-06": _l("Our company name is missing (BR-06): set COMPANY_NAME."),
    "BR-08": _l("Our postal address is missing (BR-08): set COMPANY_STREET, COMPANY_POSTAL_CODE "
                "and COMPANY_CITY."),
    "BR-09": _l("Our country is missing (BR-09): set COMPANY_COUNTRY."),
    "BR-07": _l("Customer has no name (BR-07): set it on the customer (Setup → Customers)."),
    "BR-10": _l("Customer has no postal address (BR-10): set it on the customer (Setup → "
                "Customers)."),
    "BR-11": _l("Customer has no country (BR-11): set it on the customer (Setup → Customers)."),
    "BR-CO-09": _l("A VAT number does not start with its country code (BR-CO-09): check "
                   "COMPANY_VAT_ID and the customer's VAT number (e.g. DK12345678)."),
    "BR-S-02": _l("An invoice with VAT needs our VAT number (BR-S-02): set COMPANY_VAT_ID."),
    "BR-CO-17": _l("A VAT amount is not its taxable amount times the rate, rounded to two "
                   "decimals (BR-CO-17): check the tax rates of the invoice's lines."),
    "BR-S-09": _l("A VAT amount is not its taxable amount times the rate (BR-S-09): check the "
                  "tax rates of the invoice's lines."),
    "BR-E-10": _l("VAT-exempt without a reason (BR-E-10): set the VAT exemption reason on the "
                  "customer (Setup → Customers)."),
    "BR-61": _l("Payment by credit transfer needs our bank account (BR-61): set COMPANY_IBAN."),
}
_RULE_PREFIX = re.compile(r"^\[[^\]]+\]\s*-?\s*")


def advice(failure: Failure) -> str:
    """What to change so the rule holds, or the rule's own text with its id."""
    if failure.rule in ADVICE:
        return str(ADVICE[failure.rule])
    return f"{_RULE_PREFIX.sub('', failure.text)} ({failure.rule})"

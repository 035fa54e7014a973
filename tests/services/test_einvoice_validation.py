"""The e-invoice validator (app/documents/einvoice/validation.py) against the official
artefacts in EINVOICE_RULES_DIR: the Peppol examples pass, each Peppol rule test trips (or
not) the rule it names, broken documents get the failures and the advice a bookkeeper can
act on, and the stylesheets are compiled once per process and shared by threads."""

import os
import threading
from pathlib import Path

import pytest
from lxml import etree

from app.documents.einvoice import validation
from app.documents.einvoice.validation import (RulesNotConfigured, advice, schematron_failures,
                                               validate)

RULES = os.environ.get("EINVOICE_RULES_DIR") or "/work/shared/einvoice"
ROOT = Path(RULES)
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"

pytestmark = pytest.mark.skipif(not (ROOT / "xsd").is_dir(),
                                reason=f"no e-invoice rules in {RULES} (EINVOICE_RULES_DIR)")


def _files(pattern: str) -> list[Path]:
    return sorted(ROOT.glob(pattern)) if ROOT.is_dir() else []


def _base() -> etree._Element:
    return etree.parse(str(ROOT / "examples/peppol/base-example.xml")).getroot()


def _without_buyer_endpoint() -> bytes:
    root = _base()
    endpoint = root.find(f"{CAC}AccountingCustomerParty/{CAC}Party/{CBC}EndpointID")
    endpoint.getparent().remove(endpoint)
    return etree.tostring(root)


@pytest.mark.parametrize("path", _files("examples/peppol/*.xml"), ids=lambda p: p.name)
def test_the_official_peppol_examples_pass(path):
    report = validate(path.read_bytes(), "peppol", RULES)
    assert report.ok and report.fatal == (), report.fatal
    assert report.profile == "peppol"


def _rule_tests(path: Path):
    """(number, the rules that must fail, those that must not, the document) per <test>."""
    for number, test in enumerate(etree.parse(str(path)).getroot().iter(f"{VEFA}test")):
        expect = test.find(f"{VEFA}assert")
        (document,) = [child for child in test
                       if isinstance(child.tag, str) and not child.tag.startswith(VEFA)]
        failing = {e.text.strip() for e in expect if e.tag in (f"{VEFA}error", f"{VEFA}warning")}
        passing = {e.text.strip() for e in expect if e.tag == f"{VEFA}success"}
        yield number, failing, passing, etree.tostring(document)


@pytest.mark.parametrize("path", _files("unit-tests/unit-UBL-*/*.xml"),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_peppol_rule_test_trips_the_rule_it_names(path):
    # Both folders are Peppol BIS 3 tests (configuration="peppolbis-en16931-…"), the DK
    # ones for the Danish rules inside the Peppol rules.
    assert etree.parse(str(path)).getroot().get("configuration").startswith("peppolbis")
    wrong = []
    for number, failing, passing, document in _rule_tests(path):
        rules = {f.rule for f in schematron_failures(document, "peppol", RULES)}
        if failing - rules or passing & rules:
            wrong.append((number, sorted(failing - rules), sorted(passing & rules)))
    assert wrong == []


@pytest.mark.parametrize("path", _files("examples/oioubl/*.xml"), ids=lambda p: p.name)
def test_the_oioubl_samples_pass_oioubl(path):
    # Third-party samples (gobl.dk.oioubl): they happen to break no OIOUBL 1.17.2 rule.
    report = validate(path.read_bytes(), "oioubl", RULES)
    assert report.failures == ()


def test_a_peppol_document_is_no_oioubl_document():
    report = validate((ROOT / "examples/peppol/base-example.xml").read_bytes(), "oioubl", RULES)
    assert not report.ok
    assert all(f.rule.startswith(("F-", "W-")) for f in report.failures)
    assert {f.flag for f in report.fatal} == {"fatal"}


def test_a_missing_buyer_address_trips_r010_and_says_where_to_set_it():
    report = validate(_without_buyer_endpoint(), "peppol", RULES)
    (failure,) = [f for f in report.failures if f.rule == "PEPPOL-EN16931-R010"]
    assert not report.ok and failure.flag == "fatal"
    assert "Buyer electronic address MUST be provided" in failure.text
    assert failure.location.startswith("/*:Invoice")
    assert advice(failure) == ("Customer has no electronic address (PEPPOL-EN16931-R010): "
                               "set it on the customer (Setup → Customers).")


def test_a_rule_without_advice_reads_as_its_own_text():
    failure = validation.Failure("PEPPOL-EN16931-R008", "fatal",
                                 "[PEPPOL-EN16931-R008]-Document MUST not contain empty "
                                 "elements.", "/*:Invoice[1]")
    assert advice(failure) == "Document MUST not contain empty elements. (PEPPOL-EN16931-R008)"


def test_an_element_out_of_order_is_an_xsd_failure():
    root = _base()
    identifier = root.find(f"{CBC}ID")
    root.remove(identifier)
    root.find(f"{CBC}IssueDate").addnext(identifier)
    report = validate(etree.tostring(root), "peppol", RULES)
    xsd = [f for f in report.fatal if f.rule == "XSD"]
    assert xsd and "ID" in xsd[0].text and xsd[0].location.startswith("line ")


def test_a_value_of_the_wrong_type_stops_a_rule_set_but_not_the_validation():
    root = _base()
    root.find(f".//{CBC}Percent").text = "x"
    report = validate(etree.tostring(root), "peppol", RULES)
    assert [f.rule for f in report.fatal] == ["XSD", "XSLT"]
    assert "CEN-EN16931-UBL.xslt" in report.fatal[1].text
    # The stylesheet still serves the next document.
    assert validate(etree.tostring(_base()), "peppol", RULES).ok


@pytest.mark.parametrize("xml", [b"not xml", b"", b"<Invoice><unclosed></Invoice>"])
def test_what_is_not_xml_is_one_xsd_failure(xml):
    (failure,) = validate(xml, "peppol", RULES).failures
    assert (failure.rule, failure.flag) == ("XSD", "fatal")
    assert failure.location.startswith("line ")


def test_an_entity_is_never_expanded_nor_fetched():
    xml = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;'
           b'</Invoice>')
    (failure,) = validate(xml, "peppol", RULES).failures
    assert failure.rule == "XSD" and "root:" not in failure.text


def test_another_root_is_an_xsd_failure():
    (failure,) = validate(b"<Order/>", "oioubl", RULES).failures
    assert failure.rule == "XSD" and "Invoice or CreditNote" in failure.text


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError):
        validate(b"<Invoice/>", "xrechnung", RULES)


@pytest.mark.parametrize("folder", ["", "  "])
def test_no_rules_folder_says_how_to_configure_it(folder):
    with pytest.raises(RulesNotConfigured, match="EINVOICE_RULES_DIR is not set"):
        validate(b"<Invoice/>", "peppol", folder)


def test_a_wrong_rules_folder_names_the_missing_file(tmp_path):
    with pytest.raises(RulesNotConfigured) as refused:
        schematron_failures(b"<Invoice/>", "oioubl", str(tmp_path))
    assert "EINVOICE_RULES_DIR" in str(refused.value)
    assert "UBL-Invoice-2.1.xsd is missing" in str(refused.value)


def test_the_stylesheets_are_compiled_once_per_process():
    xml = (ROOT / "examples/peppol/base-example.xml").read_bytes()
    validate(xml, "peppol", RULES)
    compiled = validation.compilations
    assert validate(xml, "peppol", RULES).ok
    assert validate(_without_buyer_endpoint(), "peppol", RULES).failures
    assert validation.compilations == compiled
    # Each stylesheet once, whatever ran before in this process.
    assert validation.compilations == len(validation._executables)


def test_two_threads_validating_at_once_both_get_their_own_report():
    good = (ROOT / "examples/peppol/base-example.xml").read_bytes()
    bad = _without_buyer_endpoint()
    start = threading.Barrier(2)
    wrong, errors = [], []

    def run(mine: bytes, expect_ok: bool):
        try:
            start.wait()
            for _ in range(10):
                report = validate(mine, "peppol", RULES)
                rules = {f.rule for f in report.failures}
                if report.ok != expect_ok or ("PEPPOL-EN16931-R010" in rules) == expect_ok:
                    wrong.append(rules)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(good, True)),
               threading.Thread(target=run, args=(bad, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and wrong == []

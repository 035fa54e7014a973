"""Identifiers of parties on e-invoices (issue 16): the electronic address schemes (Peppol
EAS codes) and the check of an identifier where python-stdnum knows its scheme.

A problem is one of the codes below, or None; the edge words it.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum import ean
from stdnum.dk import cvr
from stdnum.eu import vat
from stdnum.no import orgnr
from stdnum.se import orgnr as se_orgnr

# The electronic address schemes a customer or the seller is most likely reached by (the
# Peppol EAS code list has more; these are the ones the setup offers), code → name.
EAS_SCHEMES = {
    "0184": "DK CVR (Danish company number)",
    "0198": "DK SE (Danish VAT number)",
    "0096": "DK P (Danish production unit)",
    "0088": "GLN (GS1 global location number)",
    "0230": "MY (Malaysian national e-invoicing)",
    "0007": "SE organisation number",
    "0192": "NO organisation number",
    "0208": "BE enterprise number",
    "0106": "NL KvK number",
    "0060": "DUNS number",
    "9930": "DE VAT number",
    "9957": "FR VAT number",
    "0195": "SG UEN",
}

EINVOICE_PROFILES = ("none", "peppol", "oioubl")
VAT_TREATMENTS = ("standard", "exempt", "out_of_scope")

# Problems: the scheme is not one we know, the identifier does not pass its scheme's check
# (length, digits, check digit), an endpoint without a scheme (or the other way round).
UNKNOWN_SCHEME = "unknown_scheme"
INVALID = "invalid"
INCOMPLETE = "incomplete"


def _vat_of(country: str) -> Callable[[str], bool]:
    return lambda value: vat.is_valid(value if value.upper().startswith(country) else
                                      country + value)


# Schemes whose identifiers python-stdnum can check.
_CHECKS: dict[str, Callable[[str], bool]] = {
    "0184": cvr.is_valid, "0198": cvr.is_valid, "0088": ean.is_valid,
    "0007": se_orgnr.is_valid, "0192": orgnr.is_valid,
    "9930": _vat_of("DE"), "9957": _vat_of("FR"),
}


def endpoint_problem(scheme: str | None, identifier: str | None) -> str | None:
    """Why an electronic address (scheme + identifier) cannot be used, or None; none at all
    (both blank) is no problem — the customer gets no e-invoice then."""
    scheme, identifier = (scheme or "").strip(), (identifier or "").strip()
    if not scheme and not identifier:
        return None
    if not scheme or not identifier:
        return INCOMPLETE
    if scheme not in EAS_SCHEMES:
        return UNKNOWN_SCHEME
    check = _CHECKS.get(scheme)
    if check is not None and not check(identifier):
        return INVALID
    return None


def registration_problem(country: str, identifier: str | None) -> str | None:
    """Why a legal registration number cannot be right, or None: a Danish one is a CVR
    number (8 digits with its check digit); others are taken as given."""
    identifier = (identifier or "").strip()
    if identifier and country.upper() == "DK" and not cvr.is_valid(identifier):
        return INVALID
    return None

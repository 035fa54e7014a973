"""The edit matrices of the SPEC written out by hand, independently of the code; the rule
tests (tests/unit/test_editability.py) and the form-post tests
(tests/web/test_editor_matrix.py) both check the code against them."""

E = "editable"

# SPEC 5.4 while draft / in review: field -> (actual, milestone, none)
DETAIL_EXPECTED = {
    "description":          (E,               E,                E),
    "external_description": (E,               E,                E),
    "billing_type":         (E,               "fixed",          E),
    "tax":                  (E,               "from_milestone", E),
    "quantity":             ("from_actual",   "from_milestone", E),
    "price":                ("from_actual",   "from_milestone", E),
    "amount":               ("from_actual",   "from_milestone", "computed"),
    "start_date":           ("from_actual",   "from_milestone", E),
    "task":                 ("from_actual",   "from_milestone", E),
    "category":             ("from_actual",   "from_milestone", E),
    "role":                 ("from_actual",   "from_milestone", E),
    "resource":             ("from_actual",   "from_milestone", E),
    "unit":                 ("from_actual",   "from_milestone", E),
    "unit_schedule":        ("from_actual",   "from_milestone", E),
    "product_choice":       ("from_actual",   "from_milestone", E),
    "product":              ("from_actual",   "from_milestone", E),
    "product_name":         ("from_actual",   "from_milestone", E),
    "write_in_description": ("from_actual",   "from_milestone", E),
    "currency":             ("header",        "header",         "header"),
    "transaction_class":    ("from_actual",   "fixed",          "set_at_creation"),
    "transaction_type":     ("fixed",         "fixed",          "fixed"),
    "extended_amount":      ("computed",      "computed",       "computed"),
}

# The credit-note column (issue 14) while draft / in review: field -> (actual, milestone,
# none). What was billed stays as billed; the reviewer enters what should have been.
B = "billed"
CORRECTION_EXPECTED = {
    "description":            (E, E, E),
    "external_description":   (E, E, E),
    "corrected_quantity":     (E, E, E),
    "corrected_price":        (E, "whole", E),
    "corrected_tax":          (E, "whole", E),
    "corrected_billing_type": (E, "fixed", E),
    "billing_type":           (B, B, B),
    "tax":                    (B, B, B),
    "quantity":               (B, B, B),
    "price":                  (B, B, B),
    "amount":                 ("computed", "computed", "computed"),
    "start_date":             (B, B, B),
    "task":                   (B, B, B),
    "category":               (B, B, B),
    "role":                   (B, B, B),
    "resource":               (B, B, B),
    "unit":                   (B, B, B),
    "unit_schedule":          (B, B, B),
    "product_choice":         (B, B, B),
    "product":                (B, B, B),
    "product_name":           (B, B, B),
    "write_in_description":   (B, B, B),
    "currency":               (B, B, B),
    "transaction_class":      (B, B, B),
    "transaction_type":       (B, B, B),
    "extended_amount":        ("computed", "computed", "computed"),
}
# A credit note's header: what it keeps of its original and what the reviewer may change.
CORRECTION_HEADER_EDITABLE = ("name", "description", "invoice_date", "due_date",
                              "corrected_freight_amount")

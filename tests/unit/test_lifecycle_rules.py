"""SPEC 8's table of lifecycle actions, every state allowed and refused."""

import pytest

from app.billing.enums import INVOICE_STATES
from app.billing.lifecycle import ActionNotAllowed, check_allowed, is_allowed

EXPECTED = {
    "submit_review": {"draft"},
    "back_to_draft": {"in_review"},
    "confirm": {"draft", "in_review"},
    "mark_paid": {"confirmed"},
    "send": {"confirmed", "paid"},
    "delete": {"draft", "in_review"},
    "cancel": {"draft", "in_review"},
    "refresh": {"draft"},
    "recalculate": {"draft", "in_review"},
    "edit": {"draft", "in_review"},
}


@pytest.mark.parametrize("action", EXPECTED)
@pytest.mark.parametrize("state", INVOICE_STATES)
def test_action_allowed_only_from_its_states(action, state):
    assert is_allowed(action, state) == (state in EXPECTED[action])


@pytest.mark.parametrize("state", ["confirmed", "paid", "cancelled", "closed"])
def test_confirmed_and_later_invoices_never_return_to_draft_or_review(state):
    for action in ("back_to_draft", "submit_review", "edit"):
        assert not is_allowed(action, state)


def test_refusal_names_the_state_and_what_is_allowed():
    with pytest.raises(ActionNotAllowed) as refused:
        check_allowed("mark_paid", "draft")
    assert str(refused.value) == ("mark paid is not allowed on a draft invoice"
                                  " (only on confirmed invoices)")

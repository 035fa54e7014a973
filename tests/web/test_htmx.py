"""Fragment or page, decided once (app/htmx.py)."""

import pytest

from app.htmx import wants_fragment


@pytest.mark.parametrize("headers, fragment", [
    ({}, False),
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
])
def test_only_plain_htmx_requests_get_fragments(app, headers, fragment):
    with app.test_request_context(headers=headers):
        assert wants_fragment() is fragment


def test_every_response_varies_on_hx_request(client):
    assert "HX-Request" in client.get("/contracts").headers["Vary"]

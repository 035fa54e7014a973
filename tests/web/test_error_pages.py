"""Error pages (issue 13): every 4xx and 5xx answers a page in the user's language, the
notice alone for htmx, JSON for JSON clients; a 500 logs its traceback with a request id
and shows the id, never the traceback."""

import logging
import re

import pytest
from flask import abort
from flask_babel import force_locale
from flask_babel import gettext as _

from app.web import errors

HTMX = {"HX-Request": "true"}
TITLE = re.compile(r"<h1>([^<]*)</h1>")
NOTICE = re.compile(r'<p class="notice error" role="alert" data-flash data-testid="error-notice" '
                    r'data-status="(\d+)">([^<]*)')


def boom():
    raise RuntimeError("secret detail of a bug")


def aborting(code):
    def view(*args, **kwargs):
        abort(code)
    return view


@pytest.fixture
def answers(app, monkeypatch):
    """The contracts page (main.index) made to fail with a status, or a bug."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers

    def make(failure):
        monkeypatch.setitem(app.view_functions, "main.index",
                            boom if failure == 500 else aborting(failure))
        return "/"
    return make


def expected(app, code: int, language: str) -> tuple[str, str]:
    with app.test_request_context(), force_locale(language):
        return errors._text(code, None)


STATUSES = [400, 401, 403, 404, 405, 409, 413, 422, 429, 501, 503]


@pytest.mark.parametrize("language", ["en", "ms", "da"])
@pytest.mark.parametrize("code", STATUSES)
def test_every_error_status_answers_a_page_in_the_language(app, client, answers, code, language):
    response = client.get(answers(code), headers={"Accept-Language": language})
    assert response.status_code == code
    html = response.get_data(as_text=True)
    title, message = expected(app, code, language)
    assert TITLE.findall(html) == [str(title).replace("'", "&#39;")]
    assert NOTICE.findall(html) == [(str(code), message.replace("'", "&#39;"))]
    assert f'<html lang="{language}"' in html or language == "en"
    with app.test_request_context(), force_locale(language):
        assert _("Go to contracts") in html  # the page around it: in the language too


@pytest.mark.parametrize("language, words", [
    ("da", ("Ikke fundet", "Ikke tilladt")), ("ms", ("Tidak ditemui", "Tidak dibenarkan"))])
def test_not_found_and_not_allowed_read_in_danish_and_malay(client, answers, language, words):
    not_found = client.get("/no/such/page", headers={"Accept-Language": language}).text
    assert f"<h1>{words[0]}</h1>" in not_found
    forbidden = client.get(answers(403), headers={"Accept-Language": language}).text
    assert f"<h1>{words[1]}</h1>" in forbidden


def test_an_unknown_address_is_404_and_a_wrong_method_405(client):
    assert client.get("/no/such/page").status_code == 404
    response = client.put("/actuals/import")
    assert response.status_code == 405
    assert "Allow" in response.headers and "Not allowed here" in response.text


@pytest.mark.parametrize("code", STATUSES + [500])
def test_htmx_gets_the_notice_alone(client, answers, code):
    response = client.get(answers(code), headers=HTMX)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert html.startswith('<p class="notice error" role="alert" data-flash')
    assert "<html" not in html and "<h1>" not in html


@pytest.mark.parametrize("code", [409, 422])
def test_htmx_notices_of_swapped_statuses_go_among_the_messages_not_into_a_row(
        client, answers, code):
    response = client.get(answers(code), headers=HTMX)
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == (
        "#flashes", "innerHTML")


def test_a_json_client_gets_json(client, answers):
    response = client.get(answers(404), headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "There is nothing at this address. It may have been "
                                            "mistyped, or the record does not exist."}


def test_a_bug_answers_500_with_a_request_id_logged_with_the_traceback(
        app, client, answers, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get(answers(500), headers={"Accept-Language": "da"})
    assert response.status_code == 500
    reference = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{8}", reference)
    html = response.get_data(as_text=True)
    assert f'<code data-testid="request-id">{reference}</code>' in html
    assert "secret detail" not in html and "Traceback" not in html and "RuntimeError" not in html
    logged = [record for record in caplog.records if record.exc_info]
    assert len(logged) == 1
    assert f"request id {reference}" in logged[0].getMessage()
    assert logged[0].exc_info[0] is RuntimeError  # the traceback is in the log


def test_each_failure_has_its_own_request_id(client, answers):
    url = answers(500)
    first, second = client.get(url), client.get(url)
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_an_htmx_bug_gets_the_notice_with_the_request_id(client, answers):
    response = client.get(answers(500), headers=HTMX)
    assert response.status_code == 500
    assert f'<code data-testid="request-id">{response.headers["X-Request-ID"]}</code>' in response.text


def test_an_expired_form_answers_400_saying_so(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/actuals/import", data={})
    assert response.status_code == 400
    assert "The form has expired. Reload the page and try again." in response.text
    htmx = client.post("/actuals/import", data={}, headers=HTMX)
    assert htmx.status_code == 400 and htmx.text.startswith('<p class="notice error"')


def test_an_upload_over_the_limit_answers_413_in_danish(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/actuals/import", data={"x": "y" * 2000},
                           headers={"Accept-Language": "da"})
    assert response.status_code == 413
    title, message = expected(app, 413, "da")
    assert f"<h1>{title}</h1>" in response.text and message in response.text


def test_the_upload_limit_comes_from_max_upload_mb(monkeypatch, tmp_path):
    from app.config import from_environment

    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    assert from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    monkeypatch.delenv("MAX_UPLOAD_MB")
    assert from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024


def test_an_upload_over_the_limit_answers_413_also_before_the_csrf_check(app, client):
    app.config.update(WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=1000)
    response = client.post("/actuals/import", data={"x": "y" * 2000})
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in response.text


def test_a_database_error_of_a_bug_answers_the_500_page_after_rolling_back(
        app, client, monkeypatch):
    from sqlalchemy import text

    from app.extensions import db

    def broken_query():
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setitem(app.view_functions, "main.index", broken_query)
    response = client.get("/", headers={"Accept-Language": "da"})
    assert response.status_code == 500
    assert f'<code data-testid="request-id">{response.headers["X-Request-ID"]}</code>' in response.text
    assert "no_such_table" not in response.text
    assert client.get("/no/such/page").status_code == 404  # the next request is fine

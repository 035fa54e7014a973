"""Looks and layout in Chromium (issue 11): a styled sign-in page, a one-row navigation in
Danish at 1440 px, no page that scrolls sideways at 1280 or 390 px, flashes that go when
the next action answers, htmx swaps without CSP violations, and document dates that keep
clear of the description.

Screenshots land in test-results/ (layout-*.png)."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services.users import create_user

PASSWORD = "a long enough password"
SHOTS = "test-results/layout"


@pytest.fixture
def sign_in(page: Page, base_url: str, live_app, monkeypatch):
    """Sign-in required (the shared live app runs without) and an admin with a long e-mail
    signed in through the sign-in page; returns the e-mail."""
    monkeypatch.setitem(live_app.config, "LOGIN_DISABLED", False)

    def sign_in_as_new_admin() -> str:
        email = f"billing.manager.{uuid.uuid4().hex[:8]}@havnefronten-consulting.example"
        with live_app.app_context():
            create_user(email, PASSWORD, "admin", "Billing manager")
            db.session.remove()
        page.goto(f"{base_url}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_test_id("sign-in").click()
        expect(page.get_by_test_id("user-menu")).to_be_visible()
        return email

    return sign_in_as_new_admin


def choose_language(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    expect(page.get_by_role("button", name=name)).to_have_attribute("aria-pressed", "true")


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_sign_in_page_is_styled(page: Page, base_url: str, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "LOGIN_DISABLED", False)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    page.screenshot(path=f"{SHOTS}-sign-in.png")

    button = page.get_by_test_id("sign-in")
    expect(button).to_have_css("background-color", "rgb(31, 95, 191)")  # the accent
    expect(button).to_have_css("color", "rgb(255, 255, 255)")
    card = page.locator(".card.narrow").bounding_box()
    for label in ("E-mail", "Password"):
        field = page.get_by_label(label)
        expect(field).to_have_css("border-radius", "6px")
        box = field.bounding_box()
        assert box["width"] > card["width"] * 0.8, label  # the card's width, not the browser's 20 characters
        assert box["height"] >= 30, label
    expect(page.get_by_text("E-mail", exact=True)).to_have_css("text-transform", "uppercase")
    expect(page.get_by_role("alert")).to_have_css("color", "rgb(161, 42, 42)")  # --bad
    expect(page.get_by_label("Password")).to_have_css("border-color", "rgb(161, 42, 42)")


# 1425: the same screen with a desktop browser's scrollbar (15 px) taken off.
@pytest.mark.parametrize("width", [1440, 1425])
def test_the_danish_navigation_is_one_row_on_a_wide_screen(page: Page, base_url: str, sign_in,
                                                           width: int):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in()
    choose_language(page, "Dansk")
    page.goto(f"{base_url}/invoices")
    expect(page.get_by_role("navigation").get_by_role("link", name="Opsætning")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-nav-da-{width}.png")
    row = page.evaluate("""() => {
        const bar = document.querySelector('.topbar .wrap');
        const middles = Array.from(bar.children).map(child => {
            const box = child.getBoundingClientRect();
            return box.top + box.height / 2;
        });
        return {nav: document.querySelector('.topbar .nav').getBoundingClientRect().height,
                link: document.querySelector('.topbar .nav a').getBoundingClientRect().height,
                spread: Math.max(...middles) - Math.min(...middles)};
    }""")
    assert row["nav"] <= row["link"] + 1, row  # the links in one row
    assert row["spread"] <= 4, row  # brand, links, languages and user menu side by side
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_scrolls_sideways_on_a_laptop_or_a_phone(page: Page, base_url: str, sign_in,
                                                         make_invoice, width: int):
    code = make_invoice()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in()
    choose_language(page, "Dansk")
    for path in ("/contracts", "/backlog", "/invoices", "/actuals", "/entries", "/setup",
                 "/admin/users", "/account/password", f"/invoices/{code}", "/invoices/PRO-000001"):
        page.goto(f"{base_url}{path}")
        assert no_sideways_scroll(page), path

    # The editor of a long invoice: the description keeps its room; on a phone the detail
    # table scrolls in its card, the page does not.
    description = page.locator("table.details col.col-desc").first
    assert description.bounding_box()["width"] >= 200
    first_row = page.get_by_test_id("detail-row").first
    first_row.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}-editor-da-{width}.png")
    wrap = page.locator(".invoice-line .table-wrap").first
    scrolls = wrap.evaluate("wrap => wrap.scrollWidth > wrap.clientWidth")
    assert scrolls == (width < 1240)
    if width == 1280:
        # The whole editor row is on screen: description, figures, billing type, delete.
        box = first_row.locator('select[name="billing_type"]').bounding_box()
        assert box["x"] + box["width"] <= width
        assert first_row.locator('input[name="description"]').bounding_box()["width"] >= 180


def test_a_flash_goes_when_the_next_action_answers(page: Page, base_url: str, make_invoice,
                                                   settled):
    code = make_invoice()
    page.goto(f"{base_url}/invoices/{code}")
    settled()
    page.get_by_test_id("action-submit-review").click()
    flashes = page.locator(".flashes")
    expect(flashes).to_have_text("Submitted for review.")
    settled()

    page.get_by_test_id("action-recalculate").click()  # answers in the page's message area
    expect(page.locator("#invoice-messages")).to_contain_text("Recalculated:")
    expect(flashes.locator(".notice")).to_have_count(0)
    expect(page.locator("[data-flash]")).to_have_count(1)

    # A cell edit answers with its row: the "Recalculated" message goes too.
    description = page.get_by_test_id("detail-row").first.locator('input[name="description"]')
    description.fill("Development, reviewed")
    description.press("Tab")
    expect(page.get_by_test_id("detail-row").first.locator('input[name="description"]')
           ).to_have_value("Development, reviewed")
    expect(page.locator("[data-flash]")).to_have_count(0)
    expect(page.locator("#invoice-messages .notice")).to_have_count(0)


def test_htmx_swaps_log_no_csp_violation(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script("""
        window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', event => window.cspViolations.push(
            event.violatedDirective + ' ' + event.sourceFile + ':' + event.columnNumber));
    """)
    page.goto(f"{base_url}/invoices/{code}")
    # What a user does to an element gives it a style attribute: a resized text area. (So
    # does Playwright's screenshot, which hides the caret of every input.)
    page.locator("#h-description").evaluate("area => { area.style.height = '6em'; }")
    page.screenshot(path=f"{SHOTS}-editor-before-edits.png")

    row = page.get_by_test_id("detail-row").first
    row.locator('input[name="description"]').fill("Development, edited")
    row.locator('input[name="description"]').press("Tab")
    expect(page.get_by_test_id("detail-row").first.locator('input[name="description"]')
           ).to_have_value("Development, edited")
    # The row's answer replaces the row: wait for it, as a person sees the row saved, before
    # the next change (Playwright would otherwise change the old row within milliseconds).
    expect(page.locator("tr.detail.htmx-request")).to_have_count(0)
    page.get_by_test_id("detail-row").first.locator('select[name="billing_type"]').select_option(
        "complimentary")
    expect(page.get_by_test_id("invoice-total-amount")).not_to_have_attribute("data-value", "19625.00")
    page.locator("#h-name").fill("Renamed invoice")
    page.locator("#h-name").press("Tab")
    expect(page.locator("#h-name")).to_have_value("Renamed invoice")
    expect(page.locator("#invoice-header")).not_to_have_class("htmx-request")
    page.get_by_test_id("action-recalculate").click()
    expect(page.locator("#invoice-messages")).to_contain_text("Recalculated:")
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

    assert page.evaluate("window.cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line] == []


def test_document_dates_keep_clear_of_the_description(page: Page, base_url: str):
    # The demo invoice: dates from "Jan 7, 2026" to "Oct 30, 2026", the widest there are.
    page.goto(f"{base_url}/invoices/PRO-000001/preview")
    dates = page.locator("table.rows td.date")
    expect(dates.first).to_be_visible()
    overflowing = dates.evaluate_all(
        "cells => cells.filter(cell => cell.scrollWidth > cell.clientWidth).map(cell => cell.textContent)")
    assert overflowing == []
    page.locator("table.rows").first.screenshot(path=f"{SHOTS}-preview-rows.png")

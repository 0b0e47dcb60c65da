"""The analyst pages in a real browser: a bar of the dashboard opens the
explorer on its orders, and a shared explorer URL shows each user their own
wallet."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _expect_total(page: Page, total: int) -> None:
    """The explorer's caption comes to say `total` orders match. Waiting for
    the number itself: the URL changes before the rerun redraws the page."""
    caption = page.get_by_text(re.compile(r"^Orders [\d,]+–[\d,]+ of [\d,]+\."))
    expect(caption).to_contain_text(f" of {total:,}.")


# Resolves once the element's height has held for a few animation frames.
_HEIGHT_SETTLES = """element => new Promise(done => {
    let height = -1, still = 0;
    const tick = () => {
        const now = element.getBoundingClientRect().height;
        still = now === height ? still + 1 : 0;
        height = now;
        if (still > 5) done(true); else requestAnimationFrame(tick);
    };
    tick();
})"""


def _open_filters(page: Page) -> None:
    """Open the filter panel and wait for it to finish growing: a list opened
    while the panel still animates closes again as the page moves."""
    page.get_by_text("Filters", exact=True).click()
    panel = page.locator(".st-key-flt-panel")
    expect(panel.get_by_role("button", name="Apply filters")).to_be_visible()
    panel.evaluate(_HEIGHT_SETTLES)


def _click_bar(page: Page, chart_key: str, index: int) -> None:
    """Click a bar of a Plotly chart; Plotly's drag layer sits above the bars,
    so the click goes to the bar's position rather than to its element."""
    bar = page.locator(f".st-key-{chart_key} g.trace.bars g.point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_status_bar_opens_the_explorer_on_that_status(live_app, facts, page, sign_in):
    sign_in("admin@acme.test", "/dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("All orders of Acme")).to_be_visible()
    page.locator(".st-key-chart-status-orders g.point path").first.wait_for()
    page.screenshot(path=str(live_app.db_path.parent / "dashboard.png"))

    # Statuses keep their declared order: pending, then paid.
    _click_bar(page, "chart-status-orders", 1)

    expect(page).to_have_url(re.compile(r"/explorer\?status=paid$"))
    expect(page.get_by_role("heading", name="Explorer")).to_be_visible()
    expect(page.get_by_text("Showing only orders with Status: Paid")).to_be_visible()
    _expect_total(page, facts["acme_paid"])
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_contain_text("Paid")
    for other in ("Pending", "Refunded", "Canceled", "Overdue"):
        expect(table).not_to_contain_text(other)
    page.screenshot(path=str(live_app.db_path.parent / "explorer.png"))


def test_a_shared_explorer_url_shows_the_readers_wallet(
    live_app, facts, browser, page, sign_in
):
    sign_in("admin@acme.test", "/explorer")
    _open_filters(page)
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Paid", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/explorer\?status=paid$"))
    expect(page.get_by_text("Showing only orders with Status: Paid")).to_be_visible()
    _expect_total(page, facts["acme_paid"])
    shared = page.url

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        rep = context.new_page()
        rep.goto(shared)
        rep.get_by_role("textbox", name="Email").fill("ana@acme.test")
        rep.get_by_role("textbox", name="Password").fill("orders-demo")
        rep.get_by_role("button", name="Sign in").click()

        wallet = "Your wallet: orders whose contact or deal you own"
        expect(rep.get_by_text(wallet)).to_be_visible()
        expect(rep.get_by_text("Showing only orders with Status: Paid")).to_be_visible()
        assert facts["ana_paid"] < facts["acme_paid"]
        _expect_total(rep, facts["ana_paid"])
        expect(rep.get_by_test_id("stDataFrame")).to_contain_text("Paid")
        rep.screenshot(path=str(live_app.db_path.parent / "explorer-shared.png"))
    finally:
        context.close()

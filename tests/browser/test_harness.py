"""Self-test of the browser harness, on a test-only urlconf (no app views needed).

Shows that each check runs and can fail: axe-core under the app's CSP, the Nu checker on
server HTML (both per test and on strings), and console-error collection.
"""

import pytest
from playwright.sync_api import Error as PlaywrightError

from . import harness_urls
from .support import (
    AXE_JS,
    assert_no_console_errors,
    check_axe,
    check_html,
    check_recorded_html,
    record_html,
)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def harness_urlconf(settings):
    settings.ROOT_URLCONF = harness_urls.__name__


def test_clean_page_passes_every_check(page):
    response = page.goto("/clean/")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'self'" in csp
    check_axe(page)
    assert_no_console_errors(page)
    page.html_recorder.settle()  # bodies arrive while Playwright runs; settle() waits for them
    [document] = page.html_recorder.documents
    assert document.label.endswith("/clean/")
    assert document.html == harness_urls.CLEAN  # the server's source, not the DOM
    check_recorded_html([page.html_recorder])


def test_axe_reports_violations(page):
    page.goto("/inaccessible/")
    with pytest.raises(AssertionError) as failure:
        check_axe(page)
    message = str(failure.value)
    for rule in ("image-alt", "html-has-lang", "document-title", "label"):
        assert f"{rule}:" in message
    assert "img" in message  # failing nodes are listed
    page.html_recorder.documents.clear()  # this page is invalid HTML too; not what we test


def test_axe_can_disable_a_rule_for_a_reason(page):
    page.goto("/clean/")
    check_axe(page, disable=("region",))


def test_nu_checker_reports_invalid_server_html(page, live_server):
    page.goto("/bad-html/")
    check_axe(page)  # accessible, just invalid
    with pytest.raises(AssertionError) as failure:
        check_recorded_html([page.html_recorder])
    message = str(failure.value)
    assert f"{live_server.url}/bad-html/" in message  # file mapped back to the URL
    assert "Attribute “hx-get” not allowed" in message
    assert "Element “p” not allowed as child of element “span”" in message
    assert "line " in message
    page.html_recorder.documents.clear()


@pytest.mark.xfail(raises=pytest.fail.Exception, strict=True, reason="invalid HTML must fail")
def test_invalid_html_fails_the_test_automatically(page):
    page.goto("/clean/")
    page.click("text=A link")  # navigates to /bad-html/: recorded without asking
    page.wait_for_url("**/bad-html/")


def test_record_html_refetches_the_current_page(page, live_server):
    page.goto("/clean/")
    record_html(page, "clean, again")
    labels = [d.label for d in page.html_recorder.documents]
    assert labels == [f"200 {live_server.url}/clean/", "clean, again"]


def test_check_html_on_strings():
    check_html(harness_urls.CLEAN, "clean")
    with pytest.raises(AssertionError, match="not allowed as child of element"):
        check_html(harness_urls.INVALID, "invalid")


def test_csp_blocks_inline_scripts_but_not_axe(page):
    page.goto("/inline-script/")
    assert page.title() == "Harness: clean page"  # the inline script did not run
    with pytest.raises(AssertionError, match="Content Security Policy"):
        assert_no_console_errors(page)
    page.console_errors.clear()
    # add_script_tag inserts an inline <script>, which the CSP blocks...
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(path=AXE_JS)
    assert page.evaluate("typeof window.axe") == "undefined"
    page.console_errors.clear()
    # ...while check_axe injects through DevTools, which CSP does not govern.
    check_axe(page)
    assert page.evaluate("typeof window.axe") == "object"


def test_phone_page(phone_page):
    phone_page.goto("/clean/")
    assert phone_page.viewport_size == {"width": 390, "height": 844}
    assert phone_page.evaluate("matchMedia('(pointer: coarse)').matches")
    check_axe(phone_page)
    assert_no_console_errors(phone_page)

"""Playwright harness: Debian's Chromium driving pytest-django's live_server.

Fixtures:
  browser     session-wide headless Chromium (/usr/bin/chromium; missing = failure, not skip)
  page        fresh context + page, 1280x900, base_url = live_server.url
  phone_page  the same as a touch phone, 390x844

Every text/html document that `page`/`phone_page` load is recorded from the server's response
and validated with the Nu checker after the test body, in one java run per test: invalid HTML
fails the test. A test can opt out for a page with `page.html_recorder.enabled = False`.
Each page also collects `page.console_errors` and `page.page_errors`
(see support.assert_no_console_errors). On failure, a screenshot and the DOM of each page go
to test-artifacts/.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
# beside it. The tests' own ORM calls are synchronous, so this is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re

import pytest
from playwright.sync_api import sync_playwright

from .support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    REPO_ROOT,
    check_recorded_html,
    instrument,
)

PAGES = pytest.StashKey[list]()
CALL_REPORT = pytest.StashKey[pytest.TestReport]()
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; "
            "script/test does it). Browser tests never skip.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


def _open_page(browser, live_server, request, options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    page = instrument(context.new_page())
    request.node.stash.setdefault(PAGES, []).append(page)
    return context, page


def _save_artifacts(request, page, index):
    report = request.node.stash.get(CALL_REPORT, None)
    if report is None or not report.failed:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / f"page{index}.png"), full_page=True)
        (folder / f"page{index}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # the page may be broken; the test has failed already
        (folder / f"page{index}.txt").write_text(f"no screenshot: {exc}", encoding="utf-8")


@pytest.fixture
def page(browser, live_server, request):
    context, page = _open_page(browser, live_server, request, DESKTOP)
    yield page
    _save_artifacts(request, page, 0)
    context.close()


@pytest.fixture
def phone_page(browser, live_server, request):
    context, page = _open_page(browser, live_server, request, PHONE)
    yield page
    _save_artifacts(request, page, 1)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a passing test body, validate all HTML its pages loaded: errors fail the test."""
    result = yield
    pages = item.stash.get(PAGES, [])
    if pages:
        try:
            check_recorded_html([p.html_recorder for p in pages])
        except AssertionError as exc:
            pytest.fail(str(exc), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)

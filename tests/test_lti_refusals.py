"""Launches Lens refuses, against the LMS of tests/lti_platform.py over HTTP: a replayed nonce, a
wrong state, issuer, audience or key id, an expired or unsigned token, a signature that is not
the LMS's, an unknown or switched-off deployment, a login from an LMS Lens does not know. Each
is a 4xx with a plain page saying why, logged on `lens.security`, and nothing is made."""

import logging
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from django.urls import reverse

from lessons.lms import services

from .html import assert_in_fragment
from .lti_platform import new_key_pair
from .lti_support import AMIRA, TEACHER, Browser, platform_fields, snapshot

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it, a browser


def refusals(caplog) -> list[str]:
    return [
        r.reason
        for r in caplog.records
        if r.name == "lens.security" and getattr(r, "event", "") == "lti_refused"
    ]


@pytest.fixture
def course_open(lti, browser_http):
    """The teacher has opened Lens from the course: a learner's launch would enrol them."""
    browser_http.launch(lti.lms, TEACHER)
    return lti


def _refused(page, status: int, words: str) -> None:
    assert page.status_code == status, page.text[:3000]
    assert_in_fragment(page.text, "#lti-refusal", words)
    assert "Signed in as" not in page.text


def test_a_replayed_launch_is_refused(course_open, caplog):
    lms = course_open.lms
    browser = Browser()
    form = browser.launch_form(lms, AMIRA)
    first = browser.request("POST", form.action, form.fields)
    assert first.status_code == 302
    before = snapshot()
    caplog.clear()

    again = Browser()  # with the same state cookie (not signed in, so the page says only why)
    for cookie in browser.http.cookies:
        if cookie.name.startswith("lti1p3-"):
            again.http.cookies.set_cookie(cookie)
    replayed = again.request("POST", form.action, form.fields)

    _refused(replayed, 400, "This sign-in has been used already")
    assert refusals(caplog) == ["nonce"]
    assert snapshot() == before


def test_a_state_that_is_not_this_browsers_is_refused(course_open, caplog):
    browser = Browser()
    form = browser.launch_form(course_open.lms, AMIRA)
    forged = {**form.fields, "state": "state-made-up-by-someone"}
    before = snapshot()

    page = browser.request("POST", form.action, forged)
    from_another_browser = Browser().request("POST", form.action, form.fields)

    _refused(page, 400, "did not start in this browser")
    _refused(from_another_browser, 400, "did not start in this browser")
    assert refusals(caplog) == ["state", "state"]
    assert snapshot() == before


# How the LMS spoils the next launch (tests/lti_platform.py, `LMS.tamper`), the status, the
# reason logged, and the words of the page.
OTHER_KEY = new_key_pair()[0]
SPOILED = {
    "wrong-issuer": (
        {"claims": {"iss": "https://lms.elsewhere.example"}},
        403,
        "registration",
        "not registered with Lens",
    ),
    "wrong-audience": (
        {"claims": {"aud": "another-tool"}},
        403,
        "registration",
        "not registered with Lens",
    ),
    "two-audiences-no-azp": (
        {"claims": {"aud": ["lens-at-northside", "another-tool"]}, "drop": ["azp"]},
        403,
        "registration",
        "not registered with Lens",
    ),
    "unknown-key-id": ({"kid": "no-such-key"}, 400, "key", "a key it does not publish"),
    "another-key": ({"sign_with": OTHER_KEY}, 400, "signature", "is not the LMS's"),
    "expired": ({"expires_in": -120}, 400, "expired", "This sign-in has expired"),
    "no-expiry": ({"drop": ["exp"]}, 400, "token", "Lens cannot read"),
    "unsigned": ({"unsigned": True}, 400, "unsigned", "not signed as LTI 1.3 requires"),
    "unknown-deployment": (
        {"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-9"}},
        403,
        "deployment",
        "not switched on for this part of the LMS",
    ),
    "no-nonce": ({"drop": ["nonce"]}, 400, "nonce", "used already"),
    "nul-in-issuer": ({"claims": {"iss": "https://lms\x00.example"}}, 400, "token", "cannot read"),
}


@pytest.mark.parametrize("case", SPOILED)
def test_a_spoiled_launch_is_refused_logged_and_changes_nothing(course_open, caplog, case):
    tamper, status, reason, words = SPOILED[case]
    course_open.lms.tamper = tamper
    before = snapshot()
    caplog.clear()

    page = Browser().launch(course_open.lms, AMIRA)

    _refused(page, status, words)
    assert refusals(caplog) == [reason]
    assert snapshot() == before


def test_a_refused_launch_may_be_shown_in_the_lms_that_sent_it_only(course_open):
    course_open.lms.tamper = {"expires_in": -120}

    page = Browser().launch(course_open.lms, AMIRA)

    assert f"frame-ancestors {course_open.lms.url}" in page.headers["Content-Security-Policy"]


def test_a_deployment_the_school_switched_off_is_refused(course_open, caplog):
    platform = course_open.platform
    services.platform_update(
        platform=platform, fields=platform_fields(course_open.lms, deployment_ids=["dep-new"])
    )
    before = snapshot()

    page = Browser().launch(course_open.lms, AMIRA)

    _refused(page, 403, "not switched on for this part of the LMS")
    assert refusals(caplog) == ["deployment"]
    assert snapshot() == before


def test_a_registration_that_belongs_to_no_school_is_refused(course_open, caplog):
    course_open.platform.delete()  # the registration stays (as if made in the admin alone)

    page = Browser().launch(course_open.lms, TEACHER)

    _refused(page, 403, "not registered with Lens")
    assert refusals(caplog) == ["registration"]


@pytest.mark.parametrize(
    "params",
    [
        {"iss": "https://lms.elsewhere.example", "login_hint": "x", "client_id": "c"},
        {"login_hint": "x"},
        {"iss": "http://127.0.0.1", "client_id": "lens-at-northside"},  # no login hint
        {"iss": "x\x00", "login_hint": "x"},
    ],
    ids=["unknown-issuer", "no-issuer", "no-login-hint", "nul"],
)
def test_a_login_lens_cannot_place_is_refused(lti, caplog, params):
    if params.get("client_id") == "lens-at-northside":
        params = {**params, "iss": lti.lms.issuer}
    browser = Browser()

    page = browser.request("GET", lti.lens_url + reverse("lms:login") + "?" + urlencode(params))

    _refused(page, 400, "incomplete or came from an LMS Lens does not know")
    assert refusals(caplog) == ["login"]
    assert not [c for c in browser.http.cookies if c.name.startswith("lti1p3")]


def test_a_login_at_a_registrations_own_address_without_its_fields_is_refused(lti, caplog):
    """A registration's own login address (`login_for`), asked with nothing: the same plain
    refusal as the shared address, not a server error."""
    browser = Browser()

    page = browser.request("GET", lti.lens_url + reverse("lms:login_for", args=[uuid4()]))

    _refused(page, 400, "incomplete or came from an LMS Lens does not know")
    assert refusals(caplog) == ["login"]


def test_a_launch_that_is_not_a_token_is_refused(lti, caplog):
    page = Browser().request(
        "POST", lti.lens_url + reverse("lms:launch"), {"id_token": "not.a-token", "state": "s"}
    )

    _refused(page, 400, "did not start in this browser")
    assert refusals(caplog) == ["state"]


def test_the_launch_url_takes_no_get(lti):
    page = Browser().request("GET", lti.lens_url + reverse("lms:launch"))

    assert page.status_code == 405


@pytest.fixture
def caplog(caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")
    return caplog


@pytest.mark.parametrize(
    "token",
    ["only.two", "e30.W10.c2ln", "e30.bm90IGpzb24.c2ln", "eyJhbGciOiJSUzI1NiJ9.W10.c2ln"],
    ids=["two-parts", "list-body-no-alg", "not-json", "list-body"],
)
def test_a_token_lens_cannot_read_is_refused(course_open, caplog, token):
    browser = Browser()
    form = browser.launch_form(course_open.lms, AMIRA)
    before = snapshot()

    page = browser.request("POST", form.action, {**form.fields, "id_token": token})

    assert page.status_code == 400
    assert refusals(caplog)[-1] in ("token", "unsigned")
    assert snapshot() == before


def test_an_lms_whose_keys_lens_cannot_fetch_gets_a_plain_502(course_open, caplog):
    services.platform_update(
        platform=course_open.platform,
        fields=platform_fields(course_open.lms, keyset_url="http://127.0.0.1:9/jwks"),
    )
    before = snapshot()

    page = Browser().launch(course_open.lms, AMIRA)

    _refused(page, 502, "could not reach the LMS")
    assert refusals(caplog) == ["unreachable"]
    assert snapshot() == before

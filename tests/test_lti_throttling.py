"""The LTI login and launch, which anyone may call without signing in, are limited per address
(lessons/lms/throttles.py, docs/lti.md "Limits"): over a limit the answer is the 429 page,
shown in the LMS's frame, and nothing is made; under it a launch works, and a class of 40
behind one address opens Lens without meeting the limit."""

import pytest
from django.test import Client
from django.urls import reverse

from .html import assert_in_fragment
from .lti_support import AMIRA, BEN, TEACHER, Browser, snapshot

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it, a browser


def _throttled(caplog) -> list[str]:
    return [
        r.scope
        for r in caplog.records
        if r.name == "lens.security" and getattr(r, "event", "") == "throttled"
    ]


def _paused(page) -> None:
    assert page.status_code == 429, page.text[:3000]
    assert int(page.headers["Retry-After"]) > 0
    assert_in_fragment(page.text, "main", "opened from your LMS too many times from this network")
    assert "Signed in as" not in page.text


@pytest.fixture
def few_launches(settings):
    """Windows of a day, so that none ends in the middle of a test."""
    settings.THROTTLES = {**settings.THROTTLES, "lti_login_ip": "2/d", "lti_launch_ip": "2/d"}


def test_launches_under_the_limit_work_and_one_over_it_is_paused(lti, few_launches, caplog):
    teacher = Browser().launch(lti.lms, TEACHER)
    amira = Browser().launch(lti.lms, AMIRA)
    assert teacher.status_code == 200 and "Ms Rivera" in teacher.text, teacher.text[:2000]
    assert amira.status_code == 200 and "Amira K." in amira.text, amira.text[:2000]
    before = snapshot()

    browser = Browser()
    ben = browser.launch(lti.lms, BEN)  # the third login from this address

    _paused(ben)
    assert snapshot() == before  # Ben has no account, and is in no class
    assert not [c for c in browser.http.cookies if c.name.startswith("lti1p3")]  # no state
    assert _throttled(caplog) == ["lti_login_ip"]
    assert f"frame-ancestors {lti.lms.url}" in ben.headers["Content-Security-Policy"]


def test_a_launch_over_its_limit_is_paused_and_makes_nothing(lti, settings, caplog):
    settings.THROTTLES = {**settings.THROTTLES, "lti_login_ip": "10/d", "lti_launch_ip": "1/d"}
    Browser().launch(lti.lms, TEACHER)
    before = snapshot()

    browser = Browser()
    form = browser.launch_form(lti.lms, AMIRA)  # the login goes through
    page = browser.request("POST", form.action, form.fields)

    _paused(page)
    assert snapshot() == before
    assert _throttled(caplog) == ["lti_launch_ip"]
    assert f"frame-ancestors {lti.lms.url}" in page.headers["Content-Security-Policy"]
    assert not [c for c in browser.http.cookies if c.name == "sessionid"]


def test_the_pause_is_in_the_language_of_the_browser(lti, few_launches):
    Client().get(reverse("lms:login"))
    Client().get(reverse("lms:login"))

    page = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("lms:login"))

    assert page.status_code == 429
    assert_in_fragment(page.content, "main", "Se ha abierto Lens desde tu LMS demasiadas veces")


@pytest.mark.django_db
def test_a_class_of_40_behind_one_address_opens_lens_twice_each_within_the_limits():
    """Every student's browser sends one login and one launch; all from one school's NAT.
    These launches are refused for what they carry (400), never paused (429)."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = set()
    for student in range(80):
        statuses.add(client.post(reverse("lms:login"), {"login_hint": f"s{student}"}).status_code)
        statuses.add(
            client.post(reverse("lms:launch"), {"id_token": "x", "state": "y"}).status_code
        )

    assert statuses == {400}

"""Throttles (core.throttle): logins, class codes, sign-ups and password resets are limited per
address and per account or code; over a limit the answer is the 429 page and a lens.security
warning; the limit lifts after its window. Every test runs on both stores: the database cache
(the default) and Redis (REDIS_URL). Sharing between workers and processes:
tests/test_throttling_shared.py."""

import io
import logging
import os
import re
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import User

# Redis from Debian, on this machine (script/test and .ci/run start it); database 15, under
# key prefixes of each test's own.
REDIS_URL = os.environ.get("LENS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEACHER_PASSWORD = "a-long-teacher-password"
# The tests' windows are a day long, so that none ends in the middle of a test; "later" is
# past them all.
LATER = timedelta(days=3)


def cache_settings(store: str) -> dict:
    """CACHES for `store`, under a key prefix of the test's own."""
    prefix = f"test-{uuid.uuid4().hex}"
    if store == "redis":
        config = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    else:
        config = {"BACKEND": "lens.cache.DatabaseCache", "LOCATION": "lens_cache"}
    return {"default": {**config, "KEY_PREFIX": prefix}}


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    settings.CACHES = cache_settings(request.param)
    caches["default"].get("anything")  # Redis must answer (CI starts it): never a skip
    return request.param


@pytest.fixture
def limits(settings):
    """Small limits in windows of a day, and a lockout of two seconds."""
    settings.THROTTLES = {
        "login_ip": "20/d",
        "join_ip": "3/d",
        "join_code": "3/d",
        "signup_ip": "3/d",
        "signup_email": "2/d",
        "password_reset_ip": "3/d",
        "password_reset_email": "2/d",
    }
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    return settings.THROTTLES


def _throttled(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "lens.security" and getattr(r, "event", "") == "throttled"
    ]


def _page(response) -> str:
    """The page without its CSRF token and CSP nonce (new on every response)."""
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)  # the forms' too
    return re.sub(r'nonce="[^"]*"', "", page)


def _assert_too_many(response, family_text: str) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "<h1>Too many tries</h1>" in page
    assert family_text in page


# Logins: django-axes per username, core.throttle per address.


def test_a_username_is_locked_after_its_failures_and_unlocked_after_the_cool_off(
    client, world, store, limits, caplog
):
    caplog.set_level(logging.WARNING, logger="lens.security")
    url = reverse("core:login")
    username = world.alice.username
    wrong = {"username": username, "password": "not-her-password"}
    right = {"username": username, "password": TEACHER_PASSWORD}

    assert [client.post(url, wrong).status_code for _ in range(3)] == [200, 200, 429]
    locked = client.post(url, right)

    _assert_too_many(locked, "too many failed logins")
    assert "_auth_user_id" not in client.session
    # the lockout is the account's, from any address; other accounts log in
    assert Client(REMOTE_ADDR="198.51.100.4").post(url, right).status_code == 429
    assert Client().post(url, {"username": world.bob.username, "password": TEACHER_PASSWORD})[
        "Location"
    ] == reverse("work:home")
    record = _throttled(caplog)[-1]
    assert (record.throttle, record.scope, record.username) == ("login", "account", username)
    assert TEACHER_PASSWORD not in repr(vars(record))

    time.sleep(2.2)  # the cool-off: two seconds after the last try
    assert client.post(url, right).status_code == 302


def test_failed_logins_from_one_address_are_limited_whatever_the_usernames(
    client, world, store, limits, settings
):
    settings.THROTTLES = {**limits, "login_ip": "3/d"}
    url = reverse("core:login")
    for n in range(3):
        assert client.post(url, {"username": f"nobody-{n}", "password": "x"}).status_code == 200
    right = {"username": world.alice.username, "password": TEACHER_PASSWORD}

    _assert_too_many(client.post(url, right), "too many failed logins")
    assert client.get(url).status_code == 200  # the page itself stays open
    assert Client(REMOTE_ADDR="198.51.100.4").post(url, right).status_code == 302
    with time_machine.travel(timezone.now() + LATER):
        assert client.post(url, right).status_code == 302


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_is_counted(
    world, store, limits, settings
):
    settings.THROTTLES = {**limits, "login_ip": "2/d"}
    settings.TRUSTED_PROXIES = 1
    url = reverse("core:login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    for forged in ("5.6.7.8", "9.9.9.9"):  # what the client writes itself changes nothing
        attacker.post(
            url, {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.66"
        )

    assert attacker.post(url, {"username": "x", "password": "y"}).status_code == 429
    teacher = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    right = {"username": world.alice.username, "password": TEACHER_PASSWORD}
    assert teacher.post(url, right).status_code == 302


def test_the_admin_login_is_throttled_like_the_sites(client, world, store, limits):
    url = reverse("admin:login")
    wrong = {"username": world.alice.username, "password": "not-her-password"}

    statuses = [client.post(url, wrong).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    site = client.post(
        reverse("core:login"), {"username": world.alice.username, "password": TEACHER_PASSWORD}
    )
    assert site.status_code == 429  # one lockout for the account, wherever it was earned


def test_a_teachers_new_password_for_a_student_lifts_the_students_lockout(
    client, world, store, limits
):
    url = reverse("core:login")
    sam = world.sam.username
    for _ in range(3):
        Client().post(url, {"username": sam, "password": "a-classmates-guess"})
    assert Client().post(url, {"username": sam, "password": "a-long-password"}).status_code == 429
    client.force_login(world.alice)

    response = client.post(
        reverse("core:classroom_student_password", args=[world.class_a.pk, world.sam.pk]),
        follow=True,
    )

    password = response.context["password"]
    assert Client().post(url, {"username": sam, "password": password}).status_code == 302


def test_the_operator_lifts_a_lockout_at_once(client, world, store, limits):
    url = reverse("core:login")
    username = world.alice.username
    for _ in range(3):
        client.post(url, {"username": username, "password": "not-her-password"})

    call_command("axes_reset_username", username, stdout=io.StringIO())

    right = {"username": username, "password": TEACHER_PASSWORD}
    assert client.post(url, right).status_code == 302


# Class codes: wrong codes per address, tries per code, and no oracle.


def _join(client, code, name="Amira K."):
    password = "a-fine-password-42"
    return client.post(
        reverse("core:join"),
        {"code": code, "display_name": name, "password1": password, "password2": password},
    )


def test_wrong_codes_from_one_address_are_limited_and_a_right_code_then_looks_unknown(
    client, world, store, limits, caplog
):
    caplog.set_level(logging.WARNING, logger="lens.security")
    for code in ("QQQQ-QQQQ-Q3", "QQQQ-QQQQ-Q4", "QQQQ-QQQQ-Q6"):
        assert _join(client, code).status_code == 400

    with time_machine.travel(timezone.now(), tick=False):
        right = _join(client, world.class_a.join_code)
        unknown = _join(client, "QQQQ-QQQQ-Q7")

    _assert_too_many(right, "too many tries of class codes")
    assert (unknown.status_code, unknown["Retry-After"]) == (429, right["Retry-After"])
    assert _page(unknown) == _page(right)
    assert not User.objects.filter(display_name="Amira K.").exists()
    assert _throttled(caplog)[-1].throttle == "join"
    assert world.class_a.join_code not in repr([vars(r) for r in caplog.records])
    assert _join(Client(REMOTE_ADDR="198.51.100.4"), world.class_a.join_code).status_code == 302
    with time_machine.travel(timezone.now() + LATER):
        assert _join(client, world.class_a.join_code, name="Later K.").status_code == 302


@pytest.mark.parametrize("known", [True, False])
def test_tries_of_one_code_are_limited_from_any_address_known_or_not(world, store, limits, known):
    code = world.class_a.join_code if known else "QQQQ-QQQQ-Q9"
    for n in range(3):
        # one try from each of three addresses, each a form with a mistake (no name)
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(reverse("core:join"), {"code": code})

    refused = _join(Client(REMOTE_ADDR="198.51.100.9"), code.lower())

    _assert_too_many(refused, "too many tries of class codes")
    other = _join(Client(REMOTE_ADDR="198.51.100.9"), world.class_b.join_code)
    assert other.status_code == 302


def test_a_locked_out_student_joins_another_class_only_after_the_window(
    client, world, store, limits
):
    client.force_login(world.sam)
    for code in ("QQQQ-QQQQ-Q3", "QQQQ-QQQQ-Q4", "QQQQ-QQQQ-Q6"):
        assert client.post(reverse("core:join"), {"code": code}).status_code == 400

    assert client.post(reverse("core:join"), {"code": world.class_b.join_code}).status_code == 429
    with time_machine.travel(timezone.now() + LATER):
        joined = client.post(reverse("core:join"), {"code": world.class_b.join_code})
    assert joined.status_code == 302


# Sign-ups and password resets: per address and per e-mail address.


def _signup(client, n: int, email: str):
    return client.post(
        reverse("core:signup"),
        {
            "username": f"new-teacher-{n}",
            "display_name": f"New Teacher {n}",
            "email": email,
            "password1": "a-very-long-password-9",
        },
    )


def test_sign_ups_are_limited_per_address_and_per_email_address(db, store, limits):
    for n in range(3):
        assert _signup(Client(), n, f"t{n}@example.org").status_code == 302
    _assert_too_many(_signup(Client(), 3, "t3@example.org"), "too many tries from here")
    assert _signup(Client(REMOTE_ADDR="198.51.100.4"), 4, "t4@example.org").status_code == 302

    for n in (5, 6):  # taken usernames: refused, but counted
        _signup(Client(REMOTE_ADDR=f"198.51.100.{n}"), 0, "Same@Example.org")
    refused = _signup(Client(REMOTE_ADDR="198.51.100.7"), 7, "same@example.org")

    _assert_too_many(refused, "too many tries from here")
    assert not User.objects.filter(username="new-teacher-7").exists()
    with time_machine.travel(timezone.now() + LATER):
        assert _signup(Client(), 8, "t8@example.org").status_code == 302


def test_password_reset_requests_are_limited_per_address_and_per_email_address(
    world, store, limits, mailoutbox
):
    url = reverse("core:password_reset")
    for n in range(3):
        assert Client().post(url, {"email": f"x{n}@example.org"}).status_code == 302
    _assert_too_many(Client().post(url, {"email": "x3@example.org"}), "reset a password")

    email = world.alice.email
    for n in (4, 5):
        assert Client(REMOTE_ADDR=f"198.51.100.{n}").post(url, {"email": email}).status_code == 302
    refused = Client(REMOTE_ADDR="198.51.100.6").post(url, {"email": email.upper()})

    _assert_too_many(refused, "reset a password")
    assert len(mailoutbox) == 2  # the inbox got two links, not three
    with time_machine.travel(timezone.now() + LATER):
        assert Client().post(url, {"email": email}).status_code == 302
    assert len(mailoutbox) == 3


def test_the_429_page_is_in_the_sites_layout_with_a_way_out(client, world, store, limits):
    for _ in range(3):
        client.post(reverse("core:login"), {"username": "someone", "password": "x"})

    page = client.post(reverse("core:login"), {"username": "someone", "password": "x"})

    html = page.content.decode()
    assert html.startswith("<!doctype html>")
    assert '<main id="main"' in html
    assert reverse("core:password_reset") in html
    assert reverse("work:home") in html

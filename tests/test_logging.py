"""What Lens logs for an operator: refused logins and join codes (lens.security), unhandled
exceptions (django.request, with the traceback), one JSON object per line."""

import io
import json
import logging
import sys

import pytest
from django.test import Client
from django.urls import path, reverse

from lens.logging import JsonFormatter
from lens.urls import urlpatterns as site_urlpatterns

PASSWORD = "a-secret-password-never-logged"


def boom(request):
    raise RuntimeError("the test view fails")


# The site's URLs and one view that fails, for the 500 tests (pytest.mark.urls below).
urlpatterns = [path("boom/", boom), *site_urlpatterns]


def _security(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lens.security"]


def _everything_logged(record: logging.LogRecord) -> str:
    return JsonFormatter().format(record) + repr(vars(record))


def test_a_failed_login_logs_the_username_and_address_but_not_the_password(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")

    response = client.post(
        reverse("core:login"),
        {"username": world.sam.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 200  # the form again
    [record] = _security(caplog)
    assert record.levelno == logging.WARNING
    assert record.event == "login_failed"
    assert record.username == world.sam.username
    assert record.client_ip == "203.0.113.9"
    assert world.sam.username in record.getMessage()
    assert PASSWORD not in _everything_logged(record)


def test_a_successful_login_logs_nothing(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")

    response = client.post(
        reverse("core:login"),
        {"username": world.alice.username, "password": "a-long-teacher-password"},
    )

    assert response.status_code == 302
    assert _security(caplog) == []


def test_the_proxys_forwarded_address_is_logged_beside_the_peer(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")

    client.post(
        reverse("core:login"),
        {"username": "nobody", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    [record] = _security(caplog)
    assert (record.client_ip, record.forwarded_for) == ("10.0.0.2", "198.51.100.7")


def test_a_failed_admin_login_is_logged_too(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")

    response = client.post(
        reverse("admin:login"), {"username": world.alice.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    [record] = _security(caplog)
    assert record.username == world.alice.username
    assert record.path == reverse("admin:login")
    assert PASSWORD not in _everything_logged(record)


def test_a_wrong_join_code_is_logged_with_the_address(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")

    response = client.post(
        reverse("core:join"),
        {"code": "QQQ-QQQ", "display_name": "Amira", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 400
    assert "No class has this code" in response.content.decode()
    [record] = _security(caplog)
    assert record.event == "join_code_wrong"
    assert record.client_ip == "203.0.113.9"
    assert "QQQ" not in _everything_logged(record)
    assert PASSWORD not in _everything_logged(record)


def test_a_signed_in_students_wrong_join_code_is_logged_with_their_id(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")
    client.force_login(world.sam)

    client.post(reverse("core:join"), {"code": "QQQQQQ"})

    [record] = _security(caplog)
    assert record.user_id == world.sam.pk


def test_a_right_join_code_or_an_empty_one_logs_nothing(client, world, caplog):
    caplog.set_level(logging.WARNING, logger="lens.security")
    client.force_login(world.sam)

    client.post(reverse("core:join"), {"code": world.class_b.join_code})
    client.post(reverse("core:join"), {"code": ""})

    assert _security(caplog) == []


def _record(**extra) -> logging.LogRecord:
    record = logging.getLogger("lens.test").makeRecord(
        "lens.test", logging.WARNING, __file__, 1, "Hello %s\nsecond line", ("world",), None
    )
    record.__dict__.update(extra)
    return record


def test_the_json_formatter_writes_one_object_per_line_with_the_fields():
    line = JsonFormatter().format(_record(username="sam", client_ip="203.0.113.9"))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "lens.test"
    assert entry["message"] == "Hello world\nsecond line"
    assert entry["timestamp"].endswith("+00:00")
    assert entry["username"] == "sam"
    assert entry["client_ip"] == "203.0.113.9"
    assert "args" not in entry
    assert "msg" not in entry


def test_the_json_formatter_adds_the_traceback_and_copes_with_any_extra():
    try:
        raise ValueError("broken")
    except ValueError:
        exc_info = sys.exc_info()
    record = _record(when=object(), level="not the level")
    record.exc_info = exc_info

    entry = json.loads(JsonFormatter().format(record))

    assert "Traceback" in entry["exception"]
    assert "ValueError: broken" in entry["exception"]
    assert entry["when"].startswith("<object object")
    assert entry["level"] == "WARNING"  # an extra field never hides one of the four


@pytest.mark.urls("tests.test_logging")
def test_an_unhandled_exception_is_logged_by_django_request_with_its_traceback(db, caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.status_code == 500
    assert record.exc_info[0] is RuntimeError
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["method"], entry["path"], entry["status_code"]) == ("GET", "/boom/", 500)
    assert "the test view fails" in entry["exception"]


@pytest.mark.urls("tests.test_logging")
def test_the_500_reaches_the_configured_handler_once(db):
    handler = logging.getHandlerByName("console")
    stream = io.StringIO()
    original = handler.setStream(stream)
    try:
        Client(raise_request_exception=False).get("/boom/")
    finally:
        handler.setStream(original)

    written = stream.getvalue()
    assert written.count("Internal Server Error: /boom/") == 1
    assert logging.getLogger("django").handlers == []  # Django's own console handler is gone
    assert "Traceback" in written
    assert "RuntimeError: the test view fails" in written

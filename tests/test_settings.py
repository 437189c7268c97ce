import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lens.settings import envbool, envint, envlist

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "-a-long-random-production-secret",
    "ALLOWED_HOSTS": "lens.example.org",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    # A production server has neither DEBUG nor the test run's DJANGO_ALLOW_ASYNC_UNSAFE.
    unset = {*PRODUCTION, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_production_settings_pass_check_deploy():
    result = _check_deploy(PRODUCTION)

    assert result.returncode == 0, result.stderr


def test_the_development_defaults_would_not_pass_check_deploy():
    result = _check_deploy({})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    clean = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    code = "from django.conf import settings; print(settings.DEBUG)"
    shell = [sys.executable, "manage.py", "shell", "-c", code]
    off = subprocess.run(shell, cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    on = subprocess.run(
        shell, cwd=ROOT, env={**clean, "DEBUG": "true"}, capture_output=True, text=True, check=True
    )

    assert off.stdout.strip().endswith("False")
    assert on.stdout.strip().endswith("True")


def _settings(env: dict, code: str) -> subprocess.CompletedProcess:
    """Load the settings module alone in a fresh interpreter, with `env` on top of a clean
    environment, and run `code` after it."""
    unset = {*PRODUCTION, "DEBUG", "LOG_LEVEL", "LOG_FORMAT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", f"from lens import settings as s; {code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "On", " true "])
def test_envbool_reads_the_usual_ways_of_saying_yes(monkeypatch, value):
    monkeypatch.setenv("LENS_TEST_FLAG", value)

    assert envbool("LENS_TEST_FLAG", "False") is True


@pytest.mark.parametrize("value", ["false", "False", "0", "no", "OFF"])
def test_envbool_reads_the_usual_ways_of_saying_no(monkeypatch, value):
    monkeypatch.setenv("LENS_TEST_FLAG", value)

    assert envbool("LENS_TEST_FLAG", "True") is False


def test_envbool_takes_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("LENS_TEST_FLAG", raising=False)
    assert envbool("LENS_TEST_FLAG", "True") is True

    monkeypatch.setenv("LENS_TEST_FLAG", "")
    assert envbool("LENS_TEST_FLAG", "True") is True


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "y es"])
def test_envbool_refuses_anything_else_naming_the_variable_and_value(monkeypatch, value):
    monkeypatch.setenv("LENS_TEST_FLAG", value)

    with pytest.raises(ImproperlyConfigured, match=f"LENS_TEST_FLAG .*{value!r}"):
        envbool("LENS_TEST_FLAG", "False")


def test_envint_reads_a_whole_number_and_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("LENS_TEST_NUMBER", " 60 ")
    assert envint("LENS_TEST_NUMBER", "0") == 60

    monkeypatch.setenv("LENS_TEST_NUMBER", "1 year")
    with pytest.raises(ImproperlyConfigured, match=r"LENS_TEST_NUMBER .*'1 year'"):
        envint("LENS_TEST_NUMBER", "0")


def test_envlist_drops_empty_items_and_spaces(monkeypatch):
    monkeypatch.setenv("LENS_TEST_LIST", " lens.example.org, ,www.lens.example.org,")
    assert envlist("LENS_TEST_LIST", "") == ["lens.example.org", "www.lens.example.org"]

    monkeypatch.setenv("LENS_TEST_LIST", "")
    assert envlist("LENS_TEST_LIST", "localhost") == []
    monkeypatch.delenv("LENS_TEST_LIST")
    assert envlist("LENS_TEST_LIST", "localhost,127.0.0.1") == ["localhost", "127.0.0.1"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "ture"),
        ("SECURE_SSL_REDIRECT", "maybe"),
        ("SECURE_HSTS_SECONDS", "1y"),
        ("CONN_MAX_AGE", "sixty"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_mistyped_setting_stops_the_start_naming_the_variable(name, value):
    result = _settings({name: value}, "print('loaded')")

    assert result.returncode != 0
    assert "loaded" not in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert name in last_line
    assert repr(value) in last_line


def test_the_development_defaults_load():
    code = "print(s.DEBUG, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SECURE_HSTS_SECONDS)"

    result = _settings({}, code)

    assert result.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]'] [] 0"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "json WARNING"),
        ({"DEBUG": "true"}, "text WARNING"),
        ({"DEBUG": "true", "LOG_FORMAT": "JSON"}, "json WARNING"),
        ({"LOG_FORMAT": "text", "LOG_LEVEL": "info"}, "text INFO"),
    ],
)
def test_logs_are_json_unless_debug_or_log_format_says_text(env, expected):
    code = "print(s.LOGGING['handlers']['console']['formatter'], s.LOGGING['root']['level'])"

    result = _settings(env, code)

    assert result.stdout.strip() == expected, result.stderr

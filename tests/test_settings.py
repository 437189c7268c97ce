import contextlib
import io
import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from lens.settings import EmailServer, envbool, envemail, envint, envlist

ROOT = Path(__file__).resolve().parent.parent

# A real-looking key: 50 characters or more, many different ones, no "django-insecure-".
A_SECRET_KEY = "k3Vq9-xP2wLz7rT8mN4bH6cJ1yF5gD0s-a-long-random-production-secret"

# Every variable the settings read, so that a test's subprocess starts from none of them.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_HTTP_ONLY",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "TRUSTED_PROXIES",
    "REDIS_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

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
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
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


def test_with_debug_off_and_a_secret_key_alone_check_deploy_says_nothing():
    """The secure defaults alone pass: HTTPS redirect, secure cookies, HSTS (issue 10)."""
    result = _check_deploy({"DEBUG": "false", "SECRET_KEY": A_SECRET_KEY})

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "WARNING" not in output
    assert "System check identified no issues" in output


@pytest.mark.parametrize(
    "opt_out", [{"DEBUG": "true"}, {"SECURE_HTTP_ONLY": "true"}, {"SECURE_SSL_REDIRECT": "false"}]
)
def test_plain_http_is_an_explicit_opt_out_that_check_deploy_notices(opt_out):
    result = _check_deploy({"SECRET_KEY": A_SECRET_KEY, **opt_out})

    assert result.returncode != 0
    assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT


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
    """Run the settings module afresh, with `env` on top of a clean environment, and run
    `code` after it (the module as `s`). In this process, as a fresh interpreter would load
    it (the module is executed anew, not taken from `sys.modules`), without the second or so
    an interpreter takes to start: what it prints is the result's stdout, and a settings error
    is its stderr's last line, as Python's traceback would end."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    stdout = io.StringIO()
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        try:
            namespace = runpy.run_path(str(ROOT / "lens" / "settings.py"))
            with contextlib.redirect_stdout(stdout):
                exec(code, {"s": SimpleNamespace(**namespace)})
        except Exception as error:
            kind = type(error)
            return subprocess.CompletedProcess(
                code, 1, stdout.getvalue(), f"{kind.__module__}.{kind.__qualname__}: {error}\n"
            )
    return subprocess.CompletedProcess(code, 0, stdout.getvalue(), "")


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
        ("SECURE_HTTP_ONLY", "sometimes"),
        ("TRUSTED_PROXIES", "one"),
        ("TRUSTED_PROXIES", "-1"),
        ("EMAIL_URL", "gmail"),
        ("EMAIL_URL", "smtp://user@"),
        ("EMAIL_URL", "smtp://mail.example.org:587/path"),
        ("EMAIL_URL", "smtp://mail.example.org:99999"),
        ("DEFAULT_FROM_EMAIL", "nobody"),
        ("REDIS_URL", "memcached://127.0.0.1:11211"),
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


def test_the_defaults_load():
    code = "print(s.DEBUG, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS)"

    result = _settings({}, code)

    assert result.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]'] []"


HARDENING = (
    "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
    " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True True True 31536000 True True"),
        ({"DEBUG": "true"}, "False False False 0 False False"),
        ({"SECURE_HTTP_ONLY": "true"}, "False False False 0 False False"),
        # each variable still says what it says
        (
            {"SECURE_HSTS_SECONDS": "600", "SECURE_HSTS_PRELOAD": "no"},
            "True True True 600 True False",
        ),
        ({"DEBUG": "true", "SECURE_COOKIES": "true"}, "False True True 0 False False"),
    ],
)
def test_https_hardening_is_on_unless_debug_or_the_plain_http_opt_out(env, expected):
    result = _settings(env, HARDENING)

    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "lens.cache.DatabaseCache lens_cache"),
        (
            {"REDIS_URL": "redis://:secret@127.0.0.1:6379/2"},
            "django.core.cache.backends.redis.RedisCache redis://:secret@127.0.0.1:6379/2",
        ),
    ],
)
def test_the_throttles_store_is_the_database_unless_redis_url_is_set(env, expected):
    code = "c = s.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"

    result = _settings(env, code)

    assert result.stdout.strip() == expected, result.stderr


def test_a_wrong_redis_url_is_refused_without_showing_its_password():
    result = _settings({"REDIS_URL": "http://user:hunter2@cache.internal:6379"}, "print(1)")

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "0"),
        ({"BEHIND_TLS_PROXY": "true"}, "1"),
        ({"BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "2"}, "2"),
    ],
)
def test_behind_a_tls_proxy_one_proxy_is_trusted_for_the_clients_address(env, expected):
    result = _settings(env, "print(s.TRUSTED_PROXIES)")

    assert result.stdout.strip() == expected, result.stderr


# E-mail: EMAIL_URL, read strictly.


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://lens%40school.example:p%40ss%3Aword@mail.school.example:587",
            EmailServer(
                backend="django.core.mail.backends.smtp.EmailBackend",
                host="mail.school.example",
                port=587,
                user="lens@school.example",
                password="p@ss:word",
                use_tls=True,
            ),
        ),
        (
            "smtp://mail.example.org",
            EmailServer(
                backend="django.core.mail.backends.smtp.EmailBackend",
                host="mail.example.org",
                port=587,
                use_tls=True,
            ),
        ),
        (
            "SMTPS://user:pw@Mail.Example.org",
            EmailServer(
                backend="django.core.mail.backends.smtp.EmailBackend",
                host="mail.example.org",
                port=465,
                user="user",
                password="pw",
                use_ssl=True,
            ),
        ),
        (
            "smtp+plain://localhost:2525",
            EmailServer(
                backend="django.core.mail.backends.smtp.EmailBackend", host="localhost", port=2525
            ),
        ),
        ("console://", EmailServer(backend="django.core.mail.backends.console.EmailBackend")),
        ("locmem://", EmailServer(backend="django.core.mail.backends.locmem.EmailBackend")),
        ("dummy://", EmailServer(backend="django.core.mail.backends.dummy.EmailBackend")),
    ],
)
def test_email_url_names_the_mail_server(monkeypatch, url, expected):
    monkeypatch.setenv("LENS_TEST_EMAIL_URL", url)

    assert envemail("LENS_TEST_EMAIL_URL", "console://") == expected


@pytest.mark.parametrize(
    "url",
    [
        "mail.example.org",
        "http://mail.example.org",
        "smtp://",
        "smtp://:secret-password@mail.example.org",
        "smtp://user:secret-password@mail.example.org:0",
        "smtp://user:secret-password@mail.example.org:port",
        "smtp://user:secret-password@mail.example.org?tls=false",
        "smtp+plain://user:secret-password@mail.example.org",
        "console://mail.example.org",
    ],
)
def test_a_wrong_email_url_is_refused_without_showing_its_password(monkeypatch, url):
    monkeypatch.setenv("LENS_TEST_EMAIL_URL", url)

    with pytest.raises(ImproperlyConfigured, match="LENS_TEST_EMAIL_URL") as refusal:
        envemail("LENS_TEST_EMAIL_URL", "console://")

    assert "secret-password" not in str(refusal.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, "django.core.mail.backends.console.EmailBackend {}"),
        (
            {},
            "django.core.mail.backends.smtp.EmailBackend "
            "{'host': 'localhost', 'port': 25, 'username': '', 'password': '', "
            "'use_tls': False, 'use_ssl': False, 'timeout': 10}",
        ),
        (
            {"EMAIL_URL": "smtp://lens:pw@mail.example.org"},
            "django.core.mail.backends.smtp.EmailBackend "
            "{'host': 'mail.example.org', 'port': 587, 'username': 'lens', 'password': 'pw', "
            "'use_tls': True, 'use_ssl': False, 'timeout': 10}",
        ),
    ],
)
def test_mail_goes_to_the_console_in_development_and_to_a_mail_server_otherwise(env, expected):
    code = "m = s.MAILERS['default']; print(m['BACKEND'], m.get('OPTIONS', {}))"

    result = _settings(env, code)

    assert result.stdout.strip() == expected, result.stderr


def test_the_sender_of_lens_mail_is_configurable():
    env = {"DEFAULT_FROM_EMAIL": "Lens at Example School <lens@school.example>"}

    result = _settings(env, "print(s.DEFAULT_FROM_EMAIL)")

    assert result.stdout.strip() == "Lens at Example School <lens@school.example>"


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


# The database: SQLite (the default) writes ahead, and a transaction takes the write lock as it
# begins (docs/deployment.md, "SQLite").

SQLITE_AT_WORK = """
import sqlite3
from django.db import connection, transaction

with connection.cursor() as cursor:
    pragmas = ("journal_mode", "synchronous", "busy_timeout")
    print(*(cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in pragmas))
with transaction.atomic():  # nothing written yet
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("CREATE TABLE elsewhere (a)")
        print("another connection wrote")
    except sqlite3.OperationalError as error:
        print(error)
"""


def test_a_sqlite_database_writes_ahead_and_a_transaction_holds_the_write_lock(tmp_path):
    """Through Django's connection, as Lens opens it: WAL mode, synchronous=NORMAL (1), a busy
    timeout of 20 s, and the write lock taken when a transaction begins (IMMEDIATE), so that
    another writer waits for it rather than one of them failing halfway."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    database = tmp_path / "lens.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", SQLITE_AT_WORK],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-3:] == ["wal 1 20000", "database is locked", ""]


def test_postgresql_gets_none_of_sqlites_options():
    url = "postgres://lens:secret@db.internal:5432/lens"
    code = "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default'].get('OPTIONS', {}))"

    result = _settings({"DATABASE_URL": url}, code)

    assert result.stdout.strip() == "django.db.backends.postgresql {}", result.stderr

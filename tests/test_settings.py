import os
import subprocess
import sys
from pathlib import Path

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

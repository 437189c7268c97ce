"""The health check a load balancer asks (`/healthz`, docs/deployment.md): it answers
everyone the same, shows no data, reaches the database, and says 503 when it cannot."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from core import views

from .conftest import PERSONAS, log_in

CLASS_SECRETS = ("Class A", "Class B", "Sam Student", "Olga Other", "Alice", "Bob")


def test_the_health_check_lives_at_healthz():
    assert reverse("core:healthz") == "/healthz"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_the_same_answer_without_data(client, world, persona):
    log_in(client, world, persona)

    response = client.get(reverse("core:healthz"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "no-cache" in response.headers["Cache-Control"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    for secret in CLASS_SECRETS:
        assert secret not in response.content.decode()


@pytest.mark.parametrize("persona", ["anonymous", "alice"])
def test_it_only_reads(client, world, persona):
    log_in(client, world, persona)

    response = client.post(reverse("core:healthz"))

    assert response.status_code == 405


def test_it_asks_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        client.get(reverse("core:healthz"))

    assert queries.captured_queries[0]["sql"] == "SELECT 1"


def test_it_says_503_when_the_database_does_not_answer(client, db, monkeypatch, caplog):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Unreachable())

    response = client.get(reverse("core:healthz"))

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
    assert "connection refused" not in response.content.decode()
    assert [r.getMessage() for r in caplog.records if r.name == "lens.health"] == [
        "health check: the database does not answer"
    ]

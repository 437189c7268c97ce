"""Reading a page changes nothing in the database (issue 10, item 4: GET never writes).

Every page of the student's and the teacher's side (each URL pattern of the `work:`,
`insights:` and `library:` namespaces, read from the URL configuration, so a new page is
covered without touching this file) is asked with GET, plainly and as htmx, by a student
with work in progress, a student who has not started, a student who has handed in, the
class's teacher, and a student and a teacher of another class. Every table is read before
and after each request and must be the same.

One table is written by reading, on purpose: the audit log (issue 10, item 7) records who
viewed or exported students' work. Reading may only add "viewed" and "exported" events to it;
its earlier rows stay as they were."""

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lessons.library.models import KeySpan
from lessons.work.models import Submission

from . import factories

NAMESPACES = ("work", "insights", "library")
PERSONAS = ("sam", "nina", "hana", "alice", "olga", "bob")
READ_EVENTS = {"viewed", "exported"}  # what reading may add to the audit log


def _patterns():
    """(name, parameter names, route) of every URL pattern in NAMESPACES."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in NAMESPACES:
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern), pattern
                route = str(pattern.pattern)
                yield f"{entry.namespace}:{pattern.name}", list(pattern.pattern.converters), route


def _audit_table() -> str | None:
    try:
        return apps.get_model("work", "AuditEvent")._meta.db_table
    except LookupError:
        return None


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            rows = sorted(cursor.fetchall(), key=repr)
            tables[table] = [tuple(zip(columns, row, strict=True)) for row in rows]
    return tables


def _changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    changes = []
    audit = _audit_table()
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old == new:
            continue
        if table == audit:
            added = [dict(row) for row in new if row not in old]
            if all(row in new for row in old) and all(
                row["action"] in READ_EVENTS for row in added
            ):
                continue
        gone = [row for row in old if row not in new]
        came = [row for row in new if row not in old]
        changes.append(f"{table}: {len(gone)} rows gone or changed {gone[:2]}, now {came[:2]}")
    return changes


@pytest.fixture
def people(world):
    """Sam has work in progress (at passage 2), Nina has not started, Hana has handed in."""
    assignment = world.assignment
    factories.make_highlight(assignment, world.sam, "glorious leader", note="Praise.")
    factories.make_answer(
        assignment, world.sam, factories.prompt_of(assignment, 1, "text"), "Them."
    )
    factories.open_at(assignment, world.sam, 2)
    world.nina = factories.make_student("Nina Notyet", world.class_a)
    world.hana = factories.make_student("Hana Handed", world.class_a)
    factories.make_highlight(assignment, world.hana, "traitors", "Doubt", occurrence=1)
    factories.hand_in(assignment, world.hana)
    return world


def _urls(world) -> list[tuple[str, str]]:
    """(name, url) of every page, with the ids of class A's objects (both passages)."""
    assignment = world.assignment
    sams = Submission.objects.get(assignment=assignment, student=world.sam)
    lesson = assignment.lesson
    values = {
        "position": [1, 2],
        "student_pk": [world.sam.pk],
        "highlight_pk": [sams.highlights.get().pk],
        "prompt_pk": [factories.prompt_of(assignment, 1, "text").pk],
        "key_pk": [KeySpan.objects.filter(segment__lesson=lesson).first().pk],
        "submission_pk": [sams.pk],
    }
    urls = []
    for name, params, route in _patterns():
        kwargs_list: list[dict] = [{}]
        for param in params:
            if param == "pk":
                choices = [world.class_a.pk if route.startswith("classes/") else assignment.pk]
            elif param == "slug":
                slug = lesson.taxonomy.slug if route.startswith("techniques/") else lesson.slug
                choices = [slug]
            else:
                choices = values[param]
            kwargs_list = [
                {**kwargs, param: choice} for kwargs in kwargs_list for choice in choices
            ]
        urls.extend((name, reverse(name, kwargs=kwargs)) for kwargs in kwargs_list)
    return urls


def test_reading_any_page_changes_nothing(people):
    world = people
    urls = _urls(world)
    assert {"work:segment", "work:submit", "work:assignment", "insights:dashboard"} <= {
        name for name, _ in urls
    }
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        clients[persona].force_login(getattr(world, persona))

    changes = []
    statuses = {}
    before = _snapshot()
    for persona, client in clients.items():
        for name, url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                assert response.status_code < 500, (persona, url, response.status_code)
                statuses[(persona, name, url)] = response.status_code
                after = _snapshot()
                changes += [f"{persona} GET {url}: {change}" for change in _changes(before, after)]
                before = after

    assert not changes, "\n".join(changes)
    # The pages were really read, not only refused: each student's exercise, the teacher's.
    for persona in ("sam", "nina", "hana"):
        for name in ("work:assignment", "work:segment", "work:submit"):
            assert {s for (p, n, _), s in statuses.items() if (p, n) == (persona, name)} == {200}
    assert statuses[("alice", "insights:dashboard", urls_of(urls, "insights:dashboard"))] == 200
    assert not Submission.objects.filter(student=world.nina).exists()
    sams = Submission.objects.get(student=world.sam)
    assert (sams.position, sams.reached) == (2, 2)  # opening passage 1 did not move Sam back


def urls_of(urls, name: str) -> str:
    return next(url for n, url in urls if n == name)

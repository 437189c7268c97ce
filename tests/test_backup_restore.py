"""Backup and restore (issue 10, item 8), as docs/deployment.md says to do them: a class
with work is backed up, the backup is restored into an empty database, and every page a
teacher reads about the class (class page, dashboard, review pages, each student's work,
the CSV exports) and the student's feedback and class map come back byte for byte, read
with the same sessions (they were in the backup too).

On PostgreSQL with the real `pg_dump` and `pg_restore`, into a database `createdb` made,
which Django then reads instead of the test database. On SQLite with the backup API that
the `sqlite3` shell's `.backup` and `.restore` use, on the test database itself (in memory):
backed up to a file, every table dropped, then restored from the file."""

import contextlib
import os
import re
import shlex
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import get_resolver, reverse

from lessons.library.models import KeySpan, Prompt
from lessons.work import services as work_services
from lessons.work.models import Answer, Highlight, Review, Submission

from . import factories
from .conftest import build_world

DEPLOYMENT = Path(__file__).resolve().parent.parent / "docs/deployment.md"

# The commands docs/deployment.md gives, run here as they are written there.
PG_DUMP = ["pg_dump", "--format=custom", "--file={dump}", "{database}"]
CREATEDB = ["createdb", "{database}"]
PG_RESTORE = ["pg_restore", "--no-owner", "--exit-on-error", "--dbname={database}", "{dump}"]
SQLITE_BACKUP = 'sqlite3 db.sqlite3 ".backup lens.bak"'
SQLITE_RESTORE = 'sqlite3 db.sqlite3 ".restore lens.bak"'

STARTED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HANDED_IN = datetime(2025, 3, 3, 9, 40, 5, tzinfo=UTC)
MADE = datetime(2025, 3, 3, 9, 15, tzinfo=UTC)
REVIEWED = datetime(2025, 3, 4, 16, 30, tzinfo=UTC)


def class_with_work():
    """The world (conftest), committed, with class A at work: Sam, Ada and Ben handed in (so
    the class map shows), Cy is on the second passage with an extension; highlights, answers,
    and Alice's reviews of an answer, of a key span and of the whole work. Every time is
    fixed. (Not the `world` fixture: its rows stay in a transaction shared between tests,
    which `pg_dump` would not see.)"""
    world = build_world()
    a = world.assignment
    ada = factories.make_student("Ada Lovelace", world.class_a)
    ben = factories.make_student("Ben Okri", world.class_a)
    cy = factories.make_student("Cy Twombly", world.class_a)
    text = factories.prompt_of(a, 1, "text")
    choose = factories.prompt_of(a, 1, "choose")
    for student, quote, code in (
        (world.sam, "glorious leader", "Loaded_Language"),
        (ada, "glorious leader", "Exaggeration,Minimisation"),
        (ben, "will fail", "Doubt"),
        (cy, "glorious leader", "Loaded_Language"),
    ):
        factories.make_highlight(a, student, quote, code, note=f"{student.display_name}'s note")
    factories.make_highlight(a, world.sam, "traitors", "Name_Calling,Labeling", occurrence=1)
    factories.make_highlight(a, ben, "Everyone", "Bandwagon,Reductio_ad_hitlerum", position=2)
    factories.make_answer(a, world.sam, text, 'The enemies, "they" say.')
    factories.make_answer(a, ada, text, "=SUM(1) is not an answer")
    factories.make_answer(a, world.sam, choose, technique_codes=("Loaded_Language",))
    factories.make_answer(a, ben, choose, technique_codes=("Doubt", "Loaded_Language"))
    for student in (world.sam, ada, ben):
        factories.hand_in(a, student)
    factories.open_at(a, cy, 2)
    work_services.submission_extend(assignment=a, student=cy, due_at=REVIEWED)
    sams = Submission.objects.get(assignment=a, student=world.sam)
    key = KeySpan.objects.filter(segment__lesson=a.lesson).order_by("pk").first()
    for target in ({"prompt": text}, {"key_span": key}, {}):
        work_services.review_save(
            submission=sams, reviewer=world.alice, comment="Well found.", score=2, **target
        )
    Submission.objects.filter(assignment=a).update(started_at=STARTED)
    Submission.objects.filter(assignment=a, submitted_at__isnull=False).update(
        submitted_at=HANDED_IN
    )
    Highlight.objects.filter(submission__assignment=a).update(created_at=MADE, updated_at=MADE)
    Answer.objects.filter(submission__assignment=a).update(updated_at=MADE)
    Review.objects.filter(submission__assignment=a).update(reviewed_at=REVIEWED)
    return world


# Every CSV export of an assignment: insights' URLs named export_*.
EXPORTS = sorted(
    name
    for name in get_resolver().namespace_dict["insights"][1].reverse_dict
    if isinstance(name, str) and name.startswith("export_")
)


def pages(world) -> dict[str, list[str]]:
    """Every page about the class, by who reads it."""
    a = world.assignment
    pk = a.pk
    prompts = Prompt.objects.filter(segment__lesson=a.lesson).exclude(kind="highlight")
    keys = KeySpan.objects.filter(segment__lesson=a.lesson)
    students = a.classroom.enrollments.values_list("student", flat=True)
    teacher = [
        reverse("work:classroom", args=[a.classroom.pk]),
        reverse("insights:dashboard", args=[pk]),
        *(reverse(f"insights:{name}", args=[pk]) for name in EXPORTS),
        reverse("insights:review_queue", args=[pk]),
        reverse("insights:review_queue", args=[pk]) + "?blind=1",
        *(reverse("insights:review_prompt", args=[pk, p.pk]) for p in prompts.order_by("pk")),
        *(reverse("insights:review_key_span", args=[pk, k.pk]) for k in keys.order_by("pk")),
        *(reverse("insights:student_work", args=[pk, s]) for s in sorted(students)),
    ]
    student = [reverse("insights:feedback", args=[pk]), reverse("insights:class_map", args=[pk])]
    return {"alice": teacher, "sam": student}


# What differs from one request to the next: the CSRF token (masked anew each time) and the
# Content-Security-Policy's nonce.
PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]+')


def render(clients: dict[str, Client], urls: dict[str, list[str]]) -> dict[str, bytes]:
    """Each page as its reader gets it (over HTTPS, as in production), with what differs
    from one request to the next masked."""
    seen = {}
    for who, paths in urls.items():
        for path in paths:
            # The CSV exports are the dashboard's download buttons: a POST.
            fetch = clients[who].post if path.endswith(".csv") else clients[who].get
            response = fetch(path, secure=True)
            assert response.status_code == 200, (who, path, response.status_code)
            headers = f"{response['Content-Type']}\n{response.get('Content-Disposition', '')}\n"
            seen[f"{who} {path}"] = headers.encode() + PER_REQUEST.sub(
                rb"\1(masked)", response.content
            )
    return seen


def _postgres_environment() -> dict[str, str]:
    """libpq's environment for the test database's server and role."""
    db = connection.settings_dict
    values = {"PGHOST": db["HOST"], "PGPORT": db["PORT"], "PGUSER": db["USER"]}
    values["PGPASSWORD"] = db["PASSWORD"]
    return {**os.environ, **{name: str(v) for name, v in values.items() if v}}


def _run(command: list[str], **values) -> None:
    command = [part.format(**values) for part in command]
    done = subprocess.run(command, env=_postgres_environment(), capture_output=True, text=True)
    assert done.returncode == 0, f"{shlex.join(command)}: {done.stderr}"


@contextlib.contextmanager
def postgresql_restored(folder: Path):
    """pg_dump the test database, restore the dump into an empty database made with
    createdb, and point Django at it; then back to the test database, the copy dropped."""
    original = connection.settings_dict["NAME"]
    restored = f"{original}_restored"
    dump = folder / "lens.dump"
    _run(PG_DUMP, dump=dump, database=original)
    _run(["dropdb", "--if-exists", "{database}"], database=restored)  # from an aborted run
    _run(CREATEDB, database=restored)
    try:
        _run(PG_RESTORE, dump=dump, database=restored)
        connection.close()
        connection.settings_dict["NAME"] = restored
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone() == (restored,)
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        _run(["dropdb", "--if-exists", "{database}"], database=restored)


def _sqlite_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [name for (name,) in cursor.fetchall()]


@contextlib.contextmanager
def sqlite_restored(folder: Path):
    """`.backup` the test database to a file, drop every table, then `.restore` the file
    into it (the sqlite3 shell's two commands are the backup API, used here)."""
    backup = folder / "lens.bak"
    connection.ensure_connection()
    live = connection.connection
    with contextlib.closing(sqlite3.connect(backup)) as target:
        live.backup(target)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in _sqlite_tables():
            cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")
    assert _sqlite_tables() == []  # nothing left: the data is gone
    with contextlib.closing(sqlite3.connect(backup)) as source:
        source.backup(live)
    yield


def restored(folder: Path):
    if connection.vendor == "postgresql":
        return postgresql_restored(folder)
    if connection.vendor == "sqlite":
        return sqlite_restored(folder)
    pytest.fail(f"docs/deployment.md says nothing of backing up {connection.vendor}")


@pytest.mark.django_db(transaction=True)  # pg_dump sees only committed rows
def test_every_page_and_export_is_the_same_after_a_backup_and_restore(tmp_path):
    world = class_with_work()
    clients = {"alice": Client(), "sam": Client()}
    clients["alice"].force_login(world.alice)
    clients["sam"].force_login(world.sam)
    urls = pages(world)
    before = render(clients, urls)
    assert len(before) >= 15
    assert {"export_students", "export_answers", "export_highlights"} <= set(EXPORTS)
    assert b"Sam Student" in before[f"alice {urls['alice'][1]}"]  # the dashboard has the work

    with restored(tmp_path):
        after = render(clients, urls)  # the same sessions: they were restored too

    assert list(after) == list(before)
    for page, content in before.items():
        assert after[page] == content, page


def test_the_documented_commands_are_the_tested_ones():
    text = DEPLOYMENT.read_text("utf-8")
    section = text[text.index("## Backup and restore") :]
    for command in (PG_DUMP, CREATEDB, PG_RESTORE):
        assert " ".join(command).partition("{")[0] in section, command
    assert SQLITE_BACKUP in section
    assert SQLITE_RESTORE in section

"""Long work in the background, with progress (issue 12, item 4): the job's page, who sees
it, retries; and the real task backends with their real workers. A move enqueued with the
database backend waits until the worker runs it (a separate process on PostgreSQL, as CI
runs it; on SQLite, whose test database lives in this process's memory, the same worker in
this process); a worker that fails or is killed halfway through a move leaves the class as
it was, and its teacher retries. The same with Redis when REDIS_URL is set.

The rest of the suite runs tasks at once (conftest's TEST_SETTINGS), through the same code.
"""

import io
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from core import jobs
from core.models import Job
from lessons.authoring import tasks as authoring_tasks
from lessons.library import services as library_services
from lessons.library.models import KeySpan, Lesson
from lessons.work import services as work_services
from lessons.work.models import Assignment, AuditEvent, Highlight, RevisionMove, UnplacedWork

from . import factories
from .conftest import PERSONAS, log_in
from .html import assert_in_fragment, text

BASE_DIR = Path(__file__).resolve().parent.parent
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REDIS_URL = os.environ.get("LENS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LOGIN = "login"


# The job's page ---------------------------------------------------------------------------


def _job(owner, **fields) -> Job:
    values = {
        "kind": Job.Kind.PLAN,
        "title": "What moving would do: Class A, to revision 2",
        "task_path": "lessons.work.tasks.plan_move",
        "subject": "assignment:1",
        "state": Job.State.RUNNING,
        "step": "Working out where each student's work goes",
        "done": 40,
        "total": 120,
    }
    return Job.objects.create(owner=owner, **{**values, **fields})


def _export(owner) -> Job:
    return _job(
        owner,
        kind=Job.Kind.EXPORT,
        title="Exporting Class A's answers",
        state=Job.State.DONE,
        step="Done",
        message="The CSV file is ready.",
        output=b"\xef\xbb\xbfStudent,Answer\r\nSam Student,Enemies\r\n",
        output_name="class-a-answers.csv",
        output_type="text/csv; charset=utf-8",
    )


URLS = {
    "job": lambda job: reverse("core:job", args=[job.pk]),
    "job_retry": lambda job: reverse("core:job_retry", args=[job.pk]),
    "job_download": lambda job: reverse("core:job_download", args=[job.pk]),
}

#      view            method   anonymous sam  olga alice bob
TABLE = [
    ("job",          "get",  (LOGIN, 404, 404, 200, 404)),
    ("job",          "post", (LOGIN, 405, 405, 405, 405)),
    ("job_retry",    "get",  (LOGIN, 405, 405, 405, 405)),
    ("job_retry",    "post", (LOGIN, 404, 404, 409, 404)),  # Alice's: done, nothing to retry
    ("job_download", "get",  (LOGIN, 404, 404, 200, 404)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("view", "method", "persona", "expected"),
    [
        pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
        for view, method, expectations in TABLE
        for persona, expected in zip(PERSONAS, expectations, strict=True)
    ],
)
def test_only_the_one_who_started_the_work_sees_it(client, world, view, method, persona, expected):
    job = _export(world.alice)
    url = URLS[view](job)
    log_in(client, world, persona)
    before = list(Job.objects.values())

    response = getattr(client, method)(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
    if persona != "alice":
        for secret in (job.title, "Enemies", "class-a-answers"):
            assert secret not in response.content.decode(errors="replace")
    assert list(Job.objects.values()) == before


def test_the_page_shows_a_progress_bar_that_polls_itself_and_a_link_to_check_again(client, world):
    job = _job(world.alice)
    client.force_login(world.alice)
    url = reverse("core:job", args=[job.pk])

    page = client.get(url).content.decode()

    assert text(page, "main h1") == job.title
    assert text(page, "#job-step") == "Working out where each student's work goes"
    assert text(page, "#job-count") == "40 of 120"
    assert '<progress id="job-bar" max="120" value="40" aria-labelledby="job-step">' in page
    assert f'data-hx-get="{url}" data-hx-trigger="every 2s"' in page
    assert f'<a href="{url}" id="job-check">Check progress</a>' in page  # without JavaScript
    assert "job-retry" not in page


def test_the_poll_gets_the_progress_alone_then_the_outcome_and_stops(client, world):
    job = _job(world.alice)
    client.force_login(world.alice)
    url = reverse("core:job", args=[job.pk])

    polled = client.get(url, HTTP_HX_REQUEST="true")

    assert polled.status_code == 200
    assert "<html" not in polled.content.decode()
    assert_in_fragment(polled.content, "#job-count", "40 of 120")
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, step="Done", done=120, message="Lens has worked it out."
    )
    finished = client.get(url, HTTP_HX_REQUEST="true")
    assert finished.status_code == 286  # htmx stops polling
    assert_in_fragment(finished.content, "#job-message", "Lens has worked it out.")
    assert "job-bar" not in finished.content.decode()
    assert "job-check" not in finished.content.decode()


def test_reading_the_page_writes_nothing(client, world):
    job = _job(world.alice, updated_at=None)
    Job.objects.filter(pk=job.pk).update(updated_at=job.created_at - timedelta(hours=1))
    client.force_login(world.alice)
    before = list(Job.objects.values())

    client.get(reverse("core:job", args=[job.pk]))
    client.get(reverse("core:job", args=[job.pk]), HTTP_HX_REQUEST="true")

    assert list(Job.objects.values()) == before


def test_a_file_the_work_made_downloads_as_it_was_made(client, world):
    job = _export(world.alice)
    client.force_login(world.alice)

    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    response = client.get(reverse("core:job_download", args=[job.pk]))

    assert_in_fragment(page, "#job-download", "Download class-a-answers.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="class-a-answers.csv"'
    assert response.content == bytes(job.output)


def test_retry_is_offered_only_once_the_work_stopped_or_stalled(client, world, settings):
    job = _job(world.alice, attempt=1)
    client.force_login(world.alice)
    url = reverse("core:job", args=[job.pk])
    assert "job-retry" not in client.get(url).content.decode()
    assert client.post(reverse("core:job_retry", args=[job.pk])).status_code == 409

    settings.JOB_STALLED_AFTER = timedelta(seconds=0)  # no step for that long: stalled
    page = client.get(url).content.decode()
    assert_in_fragment(page, "#job-retry", "the worker may have been stopped", "Retry")

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    response = client.post(reverse("core:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert response.status_code == 302 and response.url == url
    assert (job.attempt, job.state, job.done, job.total) == (2, Job.State.QUEUED, 0, 0)
    assert job.task_id  # enqueued again


def test_an_attempt_a_retry_took_over_stops_at_its_next_step_and_finishes_nothing(world):
    job = _job(world.alice, state=Job.State.QUEUED, done=0, total=0)
    steps = []

    def work(progress):
        progress.step("One", 1, 3)
        steps.append(1)
        Job.objects.filter(pk=job.pk).update(attempt=2, state=Job.State.QUEUED)  # a retry
        progress.step("Two", 2, 3)
        steps.append(2)

    jobs.run(str(job.pk), 1, work)
    jobs.run(str(job.pk), 1, work)  # the old attempt, delivered again: not claimed

    job.refresh_from_db()
    assert steps == [1]
    assert (job.attempt, job.state, job.step) == (2, Job.State.QUEUED, "One")


def test_a_refusal_ends_the_work_with_its_message_and_an_error_lets_it_be_retried(world):
    refused = _job(world.alice, state=Job.State.QUEUED)
    failed = _job(world.alice, state=Job.State.QUEUED)

    def refuse(progress):
        raise jobs.Refusal("This class is no longer yours to move.", status=404)

    def crash(progress):
        raise RuntimeError("the database went away")

    jobs.run(str(refused.pk), 1, refuse)
    with pytest.raises(RuntimeError):  # raised again, for the task backend's own record
        jobs.run(str(failed.pk), 1, crash)

    refused.refresh_from_db()
    failed.refresh_from_db()
    assert (refused.state, refused.message) == (
        Job.State.REFUSED,
        "This class is no longer yours to move.",
    )
    assert not refused.may_retry
    assert (failed.state, failed.message, failed.may_retry) == (Job.State.FAILED, jobs.FAILED, True)


def test_work_that_cannot_be_handed_to_the_worker_says_so_and_may_be_retried(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_redis.RedisTaskBackend",
                                  "OPTIONS": {"REDIS_URL": "redis://127.0.0.1:1/0",
                                              "REDIS_SOCKET_CONNECT_TIMEOUT": 1}}}  # fmt: skip
    from lessons.work import tasks

    job = jobs.job_start(task=tasks.plan_move, owner=world.alice, kind="plan", title="A dry run")

    assert (job.state, job.message, job.may_retry) == (Job.State.FAILED, jobs.NOT_QUEUED, True)


def test_the_worker_writes_in_the_language_the_work_was_asked_in(client, world, settings):
    """The worker has no request to take a language from: a job keeps the language of the
    request that started it, and its steps and outcome are written in it, for its owner."""
    world.alice.language = "es"
    world.alice.save(update_fields=["language"])
    client.force_login(world.alice)
    settings.BACKGROUND_EXPORT_ROWS = 0
    client.post(reverse("insights:export_students", args=[world.assignment.pk]))
    assert Job.objects.get(owner=world.alice, kind=Job.Kind.EXPORT).language == "es"

    done = _job(world.alice, state=Job.State.QUEUED, language="es")
    failed = _job(world.alice, state=Job.State.QUEUED, language="es")
    jobs.run(str(done.pk), 1, lambda progress: None)  # here, as in the worker: English active
    with pytest.raises(RuntimeError):
        jobs.run(str(failed.pk), 1, mock.Mock(side_effect=RuntimeError("the database went away")))

    done.refresh_from_db()
    failed.refresh_from_db()
    assert (done.step, done.message) == ("Hecho", "Hecho.")
    assert failed.message.startswith("Algo ha fallado y no se ha cambiado nada.")
    page = client.get(reverse("core:job", args=[done.pk]))
    assert_in_fragment(page.content, "#job-step", "Hecho")


# The real backends and their workers --------------------------------------------------------


def _class_with_work():
    """A teacher's class whose two students highlighted revision 1 of a small lesson, and
    revision 2 published (the same text: everything is placed)."""
    author = factories.make_teacher("Ana Author")
    teacher = factories.make_teacher("Tess Teacher")
    classroom = factories.make_classroom(teacher, "Class T")
    lesson = factories.make_lesson()
    Lesson.objects.filter(pk=lesson.pk).update(created_by=author)
    lesson.refresh_from_db()
    assignment = factories.make_assignment(classroom, lesson)
    for name in ("Sam", "Tom"):
        student = factories.make_student(f"{name} Student", classroom)
        factories.make_highlight(assignment, student, "glorious leader")
        factories.make_highlight(assignment, student, "always fail", "Doubt")
    new = library_services.lesson_publish(
        lesson=library_services.lesson_edit_draft(lesson=lesson, by=author)
    )
    return teacher, assignment, new


def _work(assignment: Assignment) -> dict:
    """The class's work as stored: to show that nothing was half done."""
    return {
        "lesson": Assignment.objects.get(pk=assignment.pk).lesson_id,
        "highlights": list(
            Highlight.objects.filter(submission__assignment=assignment)
            .order_by("pk")
            .values_list("pk", "segment", "start", "end", "prefix", "suffix")
        ),
        "moves": RevisionMove.objects.filter(assignment=assignment).count(),
        "kept": UnplacedWork.objects.filter(submission__assignment=assignment).count(),
    }


def _moved(assignment: Assignment, new: Lesson) -> None:
    assert Assignment.objects.get(pk=assignment.pk).lesson_id == new.pk
    assert RevisionMove.objects.filter(assignment=assignment).count() == 1
    highlights = Highlight.objects.filter(submission__assignment=assignment)
    assert highlights.count() == 4
    for highlight in highlights.select_related("segment"):
        assert highlight.segment.lesson_id == new.pk
        assert highlight.segment.text[highlight.start : highlight.end] == highlight.quote


def _post_move(client, teacher, assignment, new) -> Job:
    client.force_login(teacher)
    response = client.post(
        reverse("work:assignment_revision", args=[assignment.pk]), {"to": new.pk}
    )
    job = Job.objects.get(owner=teacher, kind=Job.Kind.MOVE)
    assert response.status_code == 302
    assert response.url == reverse("core:job", args=[job.pk])
    return job


def _worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process on this test database (PostgreSQL)."""
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
    return {**env, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", **extra}


def _worker_process(*args: str, **env: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), "worker", *args]


def _run_worker(**env: str) -> None:
    """The worker runs what is queued, then stops: a process of its own on PostgreSQL; on
    SQLite (an in-memory test database) the same command in this process."""
    if connection.vendor == "postgresql":
        done = subprocess.run(
            _worker_process("--batch"),
            env=_worker_env(**env),
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return
    _run_worker_here()


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_move_waits_in_the_database_queue_until_the_worker_does_it(client):
    teacher, assignment, new = _class_with_work()
    before = _work(assignment)

    job = _post_move(client, teacher, assignment, new)

    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status) == ("lessons.work.tasks.move_class", "READY")
    assert queued.args_kwargs["args"] == [str(job.pk), 1]
    assert job.task_id == str(queued.id)
    assert _work(assignment) == before  # nothing moves before the worker runs
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert text(page, "#job-step") == "Waiting for the worker"
    assert 'data-hx-trigger="every 2s"' in page

    _run_worker()

    job.refresh_from_db()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert job.state == Job.State.DONE
    assert job.message.startswith("Class T is now on revision 2. 4 highlights re-anchored")
    _moved(assignment, new)
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert_in_fragment(page, "#job-message", "Class T is now on revision 2")
    assert "job-bar" not in page


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_move_that_fails_halfway_changes_nothing_and_its_teacher_retries_it(client):
    teacher, assignment, new = _class_with_work()
    before = _work(assignment)
    job = _post_move(client, teacher, assignment, new)
    logger = mock.Mock()
    logger.info.side_effect = RuntimeError("the worker died")  # the move's last statement

    with mock.patch.object(work_services, "logger", logger):
        _run_worker_here()

    logger.info.assert_called_once()  # every write of the move was made, then it failed
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, jobs.FAILED)
    assert DBTaskResult.objects.get().status == "FAILED"
    assert _work(assignment) == before
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert_in_fragment(page, "#job-retry", "Retry")

    response = client.post(reverse("core:job_retry", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.QUEUED, 2)
    _run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    _moved(assignment, new)


def _wait_for(condition, what: str, seconds: float = 120) -> None:
    """Wait until `condition()` holds, checking every tenth of a second; fail after
    `seconds` (a worker that never gets there)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, JOB_STALLED_AFTER=timedelta(seconds=0))
def test_a_worker_killed_halfway_through_a_move_leaves_nothing_half_done(client):
    """PostgreSQL: the worker process is killed (SIGKILL) while its move's transaction has
    written the move and is waiting for a highlight's row, which this test holds locked. On
    SQLite, the worker in this process stops the same way a forced shutdown of db_worker
    stops it: SystemExit, raised after the move's last write."""
    teacher, assignment, new = _class_with_work()
    before = _work(assignment)
    job = _post_move(client, teacher, assignment, new)

    if connection.vendor == "postgresql":
        worker = subprocess.Popen(
            _worker_process(), env=_worker_env(), cwd=BASE_DIR, stderr=subprocess.PIPE
        )
        try:
            with transaction.atomic():
                Highlight.objects.select_for_update().filter(
                    submission__assignment=assignment
                ).order_by("pk").first()
                _wait_for(_blocked_on_a_lock, "the worker's move to wait for the highlight")
                assert Job.objects.get(pk=job.pk).step == "Moving the class's work"
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
        assert DBTaskResult.objects.get().status == "RUNNING"  # as the killed worker left it
    else:
        logger = mock.Mock()
        logger.info.side_effect = SystemExit(1)
        with mock.patch.object(work_services, "logger", logger):
            _run_worker_here()

    assert _work(assignment) == before
    job.refresh_from_db()
    assert (job.state, job.step) == (Job.State.RUNNING, "Moving the class's work")
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert_in_fragment(page, "#job-retry", "the worker may have been stopped", "Retry")

    client.post(reverse("core:job_retry", args=[job.pk]))
    _run_worker()

    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.DONE, 2)
    _moved(assignment, new)


@pytest.fixture
def redis_tasks():
    """The Redis backend, under a key prefix of this test's own, removed afterwards."""
    import redis

    prefix = f"lens-test-tasks-{uuid.uuid4().hex}"
    tasks = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix},
        }
    }
    with override_settings(TASKS=tasks):
        yield tasks
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.mark.django_db(transaction=True)
def test_with_redis_a_move_waits_in_its_queue_until_the_worker_does_it(client, redis_tasks):
    teacher, assignment, new = _class_with_work()
    before = _work(assignment)

    job = _post_move(client, teacher, assignment, new)

    assert job.state == Job.State.QUEUED and job.task_id
    assert _work(assignment) == before
    # Its worker command imports the package's admin, which registers a model in the one
    # admin site: taken out again, or the admin of every later test would list an app that
    # is not installed.
    registered = dict(admin.site._registry)
    try:
        with override_settings(INSTALLED_APPS=[*_installed_apps(), "django_tasks_redis"]):
            call_command("worker", "--batch", verbosity=0)
    finally:
        admin.site._registry = registered

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    _moved(assignment, new)


def _installed_apps() -> list[str]:
    from django.conf import settings

    return list(settings.INSTALLED_APPS)


# Large imports and exports: the same progress page ---------------------------------------

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def _zip(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("lessons.zip", buffer.getvalue(), "application/zip")


def _lesson_file(slug: str) -> bytes:
    return factories.SMALL_LESSON.format(title=f"Imported {slug}", slug=slug).encode()


def test_a_large_zip_is_imported_in_the_worker_then_its_page_links_to_the_drafts(
    client, world, settings
):
    settings.BACKGROUND_IMPORT_BYTES = 100  # this zip is "large"
    client.force_login(world.alice)

    response = client.post(
        reverse("authoring:author_import"),
        {"file": _zip({"a.md": _lesson_file("big-a"), "b.md": _lesson_file("big-b")})},
    )

    job = Job.objects.get(owner=world.alice, kind=Job.Kind.IMPORT)
    assert response.status_code == 302 and response.url == reverse("core:job", args=[job.pk])
    drafts = Lesson.objects.filter(created_by=world.alice, is_published=False)
    assert sorted(drafts.values_list("slug", flat=True)) == ["big-a", "big-b"]
    assert (job.state, bytes(job.payload)) == (Job.State.DONE, b"")  # the upload is let go
    page = client.get(response.url).content.decode()
    assert text(page, "main h1") == "Importing lessons.zip"
    assert_in_fragment(page, "#job-message", "Imported as your drafts: “Imported big-a”")
    assert_in_fragment(page, "#job-result", "See your drafts")


def test_a_large_zip_with_problems_lists_them_on_its_page_and_imports_nothing(
    client, world, settings
):
    settings.BACKGROUND_IMPORT_BYTES = 100
    client.force_login(world.alice)
    broken = _lesson_file("big-broken").replace(b'traitors" #2', b'traitorz" #2')

    response = client.post(
        reverse("authoring:author_import"),
        {"file": _zip({"good.md": _lesson_file("big-good"), "bad.md": broken})},
        follow=True,
    )

    page = response.content.decode()
    assert_in_fragment(page, "#job-message", "Nothing was imported.")
    assert_in_fragment(
        page, "#job-problems", "lessons.zip/bad.md:31: the quote 'traitorz' is not in"
    )
    assert_in_fragment(page, "#job-result", "Back to importing")
    assert "job-retry" not in page  # the same file would be refused again
    assert not Lesson.objects.filter(slug__startswith="big-").exists()


def test_a_large_corpus_article_is_imported_in_the_worker(client, world, settings):
    settings.BACKGROUND_IMPORT_BYTES = 100
    client.force_login(world.alice)
    files = {
        "article": SimpleUploadedFile("article8001.txt", (CORPUS / "article8001.txt").read_bytes()),
        "labels": SimpleUploadedFile(
            "article8001.labels", (CORPUS / "article8001.labels").read_bytes()
        ),
        "author": "The Ministry (fictional)",
    }

    response = client.post(reverse("authoring:author_import_corpus"), files, follow=True)

    lesson = Lesson.objects.get(created_by=world.alice)
    assert lesson.author == "The Ministry (fictional)" and not lesson.is_published
    assert KeySpan.objects.filter(segment__lesson=lesson).count() >= 3
    page = response.content.decode()
    assert_in_fragment(page, "#job-message", f"“{lesson.title}” is your draft, with")
    assert_in_fragment(page, "#job-result", "Open the draft")


@pytest.mark.parametrize("export", ["students", "answers", "highlights"])
def test_a_large_export_is_made_in_the_worker_and_downloads_the_same_file(
    client, world, settings, export
):
    factories.make_highlight(world.assignment, world.sam, "glorious leader", note="Praise")
    factories.make_answer(
        world.assignment, world.sam, factories.prompt_of(world.assignment, 1, "text"), "Them."
    )
    client.force_login(world.alice)
    url = reverse(f"insights:export_{export}", args=[world.assignment.pk])
    at_once = client.post(url)
    settings.BACKGROUND_EXPORT_ROWS = 0  # every export is "large"

    response = client.post(url, follow=True)

    job = Job.objects.get(owner=world.alice, kind=Job.Kind.EXPORT)
    assert response.redirect_chain == [(reverse("core:job", args=[job.pk]), 302)]
    assert_in_fragment(response.content, "#job-download", f"Download {job.output_name}")
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download["Content-Disposition"] == at_once["Content-Disposition"]
    assert download.content == at_once.content
    events = AuditEvent.objects.filter(actor=world.alice, action=AuditEvent.Action.EXPORTED)
    assert events.count() == 2  # asked for twice, recorded twice


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, BACKGROUND_IMPORT_BYTES=100)
def test_an_import_that_fails_before_it_is_done_saves_nothing_and_is_retried(client):
    teacher = factories.make_teacher("Ana Author")
    client.force_login(teacher)
    response = client.post(
        reverse("authoring:author_import"),
        {"file": _zip({"a.md": _lesson_file("queued-a"), "b.md": _lesson_file("queued-b")})},
    )
    job = Job.objects.get(owner=teacher)
    assert response.url == reverse("core:job", args=[job.pk]) and job.state == Job.State.QUEUED
    assert not Lesson.objects.filter(slug__startswith="queued-").exists()

    # The lessons are saved, then the worker fails before the job is marked done.
    with mock.patch.object(authoring_tasks, "_finish", side_effect=RuntimeError("died")):
        _run_worker_here()

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert not Lesson.objects.filter(slug__startswith="queued-").exists()
    assert bytes(job.payload)  # kept for the retry
    client.post(reverse("core:job_retry", args=[job.pk]))
    _run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert sorted(Lesson.objects.filter(created_by=teacher).values_list("slug", flat=True)) == [
        "queued-a",
        "queued-b",
    ]


def _run_worker_here() -> None:
    """The worker, in this process (a patch applies), whatever the database. db_worker
    installs its own signal handlers, for a graceful shutdown: they are put back."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", "--batch", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_a_stalled_page_stops_polling_so_its_retry_button_keeps_the_focus(client, world, settings):
    job = _job(world.alice)
    settings.JOB_STALLED_AFTER = timedelta(seconds=0)
    client.force_login(world.alice)
    url = reverse("core:job", args=[job.pk])

    page = client.get(url).content.decode()
    polled = client.get(url, HTTP_HX_REQUEST="true")

    assert "data-hx-trigger" not in page
    assert_in_fragment(page, "#job-retry", "Retry")
    assert f'<a href="{url}" id="job-check">Check progress</a>' in page
    assert polled.status_code == 286

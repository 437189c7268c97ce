"""Long work done in the worker, and its progress (docs/architecture.md, "Background work").

A view starts the work with `job_start`: a `Job` row for the person who asked, and a task of
Django's tasks framework enqueued with the job's id and attempt; it then sends them to the
job's page (`core.views.job`), which shows a progress bar until the work is done, then its
outcome. The task, in an app's `tasks.py`, is a thin function that hands its work to `run`:

    @task
    def move_class(job_id: str, attempt: int) -> None:
        jobs.run(job_id, attempt, _move)

The work reports each step (`Progress.step`, one UPDATE, committed at once, outside any
transaction of the work's own) and ends with `Progress.finish`, best inside the transaction
that makes the change, so that a change made and a job done are one. A `Refusal` ends the job
with its message (and an import's `problems`); any other error stops it, and its owner may
retry it. A killed worker leaves the job as it was at its last step: after
JOB_STALLED_AFTER without a step, its page offers the Retry button too. A retry is a new
attempt of the same task; an earlier attempt still running finds at its next step that it
was superseded, and stops (`Superseded`), so two attempts never both finish.

Whatever a task does, it does as units that leave nothing half-done: one transaction
(all or nothing), or steps each in its own transaction that a retry resumes.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404
from django.tasks import Task
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job, User
from .refusals import Refusal

logger = logging.getLogger(__name__)

# A finished job is kept this long (its page, an export to download), then deleted the next
# time its owner starts one.
KEPT_FOR = timedelta(days=7)
NOT_QUEUED = gettext_lazy(
    "Lens could not hand this work to its worker just now. Try again in a moment; if it "
    "happens again, tell whoever runs Lens."
)
FAILED = gettext_lazy(
    "Something went wrong, and nothing was changed. Try again; if it happens again, tell "
    "whoever runs Lens."
)


class Superseded(Exception):
    """A later attempt of the job (a retry) has taken over: this one stops."""


# Starting work, and retrying it -----------------------------------------------------------


def job_start(
    *,
    task: Task,
    owner: User,
    kind: str,
    title: str,
    subject: str = "",
    params: dict[str, Any] | None = None,
    payload: bytes = b"",
) -> Job:
    """A job for `owner`, and `task` enqueued to do it (called with the job's id and
    attempt). With a backend that runs tasks at once (the tests'), the job is finished when
    this returns. The owner's jobs finished more than a week ago are deleted. The work
    reports in the language of this request (the active one)."""
    Job.objects.filter(owner=owner, finished_at__lt=timezone.now() - KEPT_FOR).delete()
    job = Job.objects.create(
        owner=owner,
        kind=kind,
        title=title[:300],
        subject=subject,
        task_path=task.module_path,
        params=params or {},
        payload=payload,
        language=translation.get_language() or "",
        step=str(Job.State.QUEUED.label),
    )
    _enqueue(job)
    job.refresh_from_db()
    return job


def job_retry(*, job: Job) -> Job:
    """Start the job again, as a new attempt: after an error, or when it has stalled (its
    worker stopped). Refused (409) otherwise: while it runs, or once it is done."""
    if not job.may_retry:
        raise Refusal(_("This work is not stopped: there is nothing to retry."), status=409)
    retried = Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
        attempt=job.attempt + 1,
        state=Job.State.QUEUED,
        step=str(Job.State.QUEUED.label),
        language=translation.get_language() or "",
        done=0,
        total=0,
        message="",
        problems=[],
        finished_at=None,
        updated_at=timezone.now(),
    )
    if not retried:  # retried in another tab meanwhile
        raise Refusal(_("This work has just been started again."), status=409)
    job.refresh_from_db()
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    try:
        result = import_string(job.task_path).enqueue(str(job.pk), job.attempt)
    except Exception:
        logger.exception("could not enqueue job %s", job.pk, extra={"job_id": str(job.pk)})
        Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
            state=Job.State.FAILED,
            message=str(NOT_QUEUED),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


# Reading jobs -------------------------------------------------------------------------------


def job_for_user(user: User, pk: uuid.UUID) -> Job:
    """The job, for its owner only (404 for anyone else, as if it did not exist)."""
    job = Job.objects.filter(pk=pk, owner=user).first()
    if job is None:
        raise Http404(_("No such work."))
    return job


def job_under_way(owner: User, subject: str, *kinds: str) -> Job | None:
    """The owner's latest job of these kinds on `subject` that has not finished, if any."""
    return (
        Job.objects.filter(owner=owner, subject=subject, kind__in=kinds)
        .exclude(state__in=[Job.State.DONE, Job.State.REFUSED, Job.State.FAILED])
        .order_by("-created_at")
        .first()
    )


# In the worker ------------------------------------------------------------------------------


class Progress:
    """The worker's hold on one attempt of a job: every write checks that the attempt is
    still the job's and still running, and raises `Superseded` when a retry has taken over
    (or the same attempt, delivered twice by the queue, has finished it already)."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def _update(self, **fields: Any) -> None:
        fields["updated_at"] = timezone.now()
        mine = Job.objects.filter(pk=self.job.pk, attempt=self.job.attempt, state=Job.State.RUNNING)
        if not mine.update(**fields):  # retried, or finished by a copy delivered twice
            raise Superseded
        for name, value in fields.items():
            setattr(self.job, name, value)

    def step(self, label: str, done: int = 0, total: int = 0) -> None:
        """Where the work has got: `done` of `total` (0: not known), committed at once when
        called outside a transaction."""
        self._update(step=label[:200], done=done, total=total)

    def finish(
        self,
        message: str,
        *,
        url: str = "",
        label: str = "",
        output: bytes | None = None,
        output_name: str = "",
        output_type: str = "",
    ) -> None:
        """The work is done: what it did, and where to go next (or a file to download)."""
        self._update(
            state=Job.State.DONE,
            step=str(Job.State.DONE.label),
            done=self.job.total or 1,
            total=self.job.total or 1,
            message=message,
            result_url=url[:300],
            result_label=label[:200],
            payload=b"",
            output=output or b"",
            output_name=output_name[:200],
            output_type=output_type[:100],
            finished_at=timezone.now(),
        )

    def refuse(self, message: str, problems: list[str], *, url: str = "", label: str = "") -> None:
        self._update(
            state=Job.State.REFUSED,
            step=str(Job.State.REFUSED.label),
            message=message,
            problems=problems,
            result_url=url[:300],
            result_label=label[:200],
            payload=b"",
            finished_at=timezone.now(),
        )

    def fail(self, message: str | None = None) -> None:
        self._update(
            state=Job.State.FAILED, message=message or str(FAILED), finished_at=timezone.now()
        )


Work = Callable[[Progress], None]


def run(job_id: str, attempt: int, work: Work) -> None:
    """Run `work` for this attempt of the job: the body of every task. The job is claimed
    (running), unless a retry has superseded this attempt or the job was deleted; then
    `work` reports its steps and finishes it. A refusal ends the job with its message; an
    error stops it (logged, and raised again for the task backend's record), so that its
    owner may retry; a worker killed meanwhile leaves it at its last step.

    The work runs in the language of the request that started the job (`Job.language`):
    its steps and outcome, made with gettext, are stored in the words its owner reads."""
    language = Job.objects.filter(pk=job_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        _run(job_id, attempt, work)


def _run(job_id: str, attempt: int, work: Work) -> None:
    claimed = Job.objects.filter(
        pk=job_id, attempt=attempt, state__in=[Job.State.QUEUED, Job.State.RUNNING]
    ).update(state=Job.State.RUNNING, step=_("Starting"), updated_at=timezone.now())
    if not claimed:
        logger.info("job %s attempt %s: superseded or gone", job_id, attempt)
        return
    progress = Progress(Job.objects.get(pk=job_id))
    try:
        work(progress)
    except Superseded:
        logger.info("job %s attempt %s: superseded by a retry", job_id, attempt)
        return
    except Refusal as refusal:
        problems = list(getattr(refusal, "problems", []))
        progress.refuse(str(refusal.message) if not problems else _("Nothing was done."), problems)
        return
    except Exception:
        logger.exception(
            "job %s failed (attempt %s)", job_id, attempt, extra={"job_id": str(job_id)}
        )
        try:
            progress.fail()
        except Exception:  # the database itself failed, or a retry took over
            logger.exception("job %s: could not record the failure", job_id)
        raise
    if not progress.job.is_finished:
        progress.finish(progress.job.message or _("Done."))

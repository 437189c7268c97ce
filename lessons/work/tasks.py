"""Long work on students' work, done in the worker (`core.jobs`): the dry run of moving a
class to a new revision, and the move itself.

Both plan the move a few students at a time outside any lock (`selectors.prepare_move`),
reporting each part on the job's page. The dry run keeps its summary for the revision page
(`services.plan_cache_store`). The move then takes the class's lock and moves everything in
one transaction (`services.assignment_move`), planning again inside the lock only the work
of students who wrote meanwhile; the audit event and the job's outcome are written in the
same transaction, so a worker killed at any point leaves the class as it was, or moved and
recorded as moved, and a retry starts the move again."""

from django.db import transaction
from django.http import Http404
from django.tasks import task
from django.urls import reverse

from core import jobs
from core.models import User
from core.refusals import Refusal
from lessons.library.models import Lesson

from . import selectors, services
from .access import get_assignment_for_teacher
from .models import Assignment, AuditEvent, RevisionMove

PLANNING = "Working out where each student's work goes"
MOVING = "Moving the class's work"


def _assignment(owner: User, params: dict) -> tuple[Assignment, Lesson]:
    """The class and the revision the job is about, if the job's owner still teaches it."""
    try:
        assignment = get_assignment_for_teacher(owner, params["assignment"])
    except Http404:
        raise Refusal("This class is no longer yours to move.", status=404) from None
    to = Lesson.objects.filter(pk=params["to"]).first()
    if to is None:
        raise Refusal("That revision does not exist any more.", status=404)
    return assignment, to


def moved_message(assignment: Assignment, move: RevisionMove) -> str:
    outcome = selectors.move_outcome(move)
    placed, answers, reviews = outcome.placed, outcome.answers, outcome.reviews
    message = (
        f"{assignment.classroom.name} is now on revision {move.to_lesson.revision}. "
        f"{placed} highlight{'s' if placed != 1 else ''} re-anchored; "
        f"{answers} answer{'s' if answers != 1 else ''} and "
        f"{reviews} review{'s' if reviews != 1 else ''} followed their questions."
    )
    if outcome.unplaced:
        message += (
            f" {outcome.unplaced} piece{'s' if outcome.unplaced != 1 else ''} of work could "
            "not be placed: listed on the revision page."
        )
    return message


def _plan(progress: jobs.Progress) -> None:
    owner = progress.job.owner
    assignment, to = _assignment(owner, progress.job.params)
    version = selectors.work_version(assignment)
    prepared = selectors.prepare_move(
        assignment, to, report=lambda done, total: progress.step(PLANNING, done, total)
    )
    services.plan_cache_store(prepared=prepared, version=version)
    progress.finish(
        f"Lens has worked out what moving {assignment.classroom.name} to revision "
        f"{to.revision} would do.",
        url=reverse("work:assignment_revision", args=[assignment.pk]) + "#dry-run-heading",
        label="See what moving would do",
    )


def _move(progress: jobs.Progress) -> None:
    owner = progress.job.owner
    assignment, to = _assignment(owner, progress.job.params)
    prepared = selectors.prepare_move(
        assignment, to, report=lambda done, total: progress.step(PLANNING, done, total)
    )
    progress.step(MOVING)  # one transaction: done when it commits
    with transaction.atomic():
        move = services.assignment_move(assignment=assignment, to=to, by=owner, prepared=prepared)
        services.audit_record(
            actor=owner,
            action=AuditEvent.Action.CHANGED,
            classroom_id=assignment.classroom_id,
            obj=move,
            detail=(
                f"Moved the class's work on “{assignment.lesson.title}” from revision "
                f"{move.from_lesson.revision} to revision {move.to_lesson.revision}"
            ),
        )
        progress.finish(
            moved_message(assignment, move),
            url=reverse("work:assignment_revision", args=[assignment.pk]),
            label="See the class's revision page",
        )


@task
def plan_move(job_id: str, attempt: int) -> None:
    """The dry run of moving a class (`Job.Kind.PLAN`)."""
    jobs.run(job_id, attempt, _plan)


@task
def move_class(job_id: str, attempt: int) -> None:
    """Moving a class to a new revision (`Job.Kind.MOVE`)."""
    jobs.run(job_id, attempt, _move)

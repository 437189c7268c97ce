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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core import jobs
from core.models import User
from core.refusals import Refusal
from lessons.library.models import Lesson

from . import selectors, services
from .access import get_assignment_for_teacher
from .models import Assignment, AuditEvent, RevisionMove

# Steps of the job's page, translated when reported (in the language of the request).
PLANNING = gettext_noop("Working out where each student's work goes")
MOVING = gettext_noop("Moving the class's work")


def _assignment(owner: User, params: dict) -> tuple[Assignment, Lesson]:
    """The class and the revision the job is about, if the job's owner still teaches it."""
    try:
        assignment = get_assignment_for_teacher(owner, params["assignment"])
    except Http404:
        raise Refusal(_("This class is no longer yours to move."), status=404) from None
    to = Lesson.objects.filter(pk=params["to"]).first()
    if to is None:
        raise Refusal(_("That revision does not exist any more."), status=404)
    return assignment, to


def moved_message(assignment: Assignment, move: RevisionMove) -> str:
    outcome = selectors.move_outcome(move)
    placed, answers, reviews = outcome.placed, outcome.answers, outcome.reviews
    parts = [
        _("%(class)s is now on revision %(revision)s.")
        % {"class": assignment.classroom.name, "revision": move.to_lesson.revision},
        ngettext("%(count)s highlight re-anchored;", "%(count)s highlights re-anchored;", placed)
        % {"count": placed},
        ngettext(
            "%(count)s answer and %(reviews)s followed their questions.",
            "%(count)s answers and %(reviews)s followed their questions.",
            answers,
        )
        % {
            "count": answers,
            "reviews": ngettext("%(count)s review", "%(count)s reviews", reviews)
            % {"count": reviews},
        },
    ]
    if outcome.unplaced:
        parts.append(
            ngettext(
                "%(count)s piece of work could not be placed: listed on the revision page.",
                "%(count)s pieces of work could not be placed: listed on the revision page.",
                outcome.unplaced,
            )
            % {"count": outcome.unplaced}
        )
    return " ".join(parts)


def _plan(progress: jobs.Progress) -> None:
    owner = progress.job.owner
    assignment, to = _assignment(owner, progress.job.params)
    version = selectors.work_version(assignment)
    prepared = selectors.prepare_move(
        assignment, to, report=lambda done, total: progress.step(_(PLANNING), done, total)
    )
    services.plan_cache_store(prepared=prepared, version=version)
    progress.finish(
        _("Lens has worked out what moving %(class)s to revision %(revision)s would do.")
        % {"class": assignment.classroom.name, "revision": to.revision},
        url=reverse("work:assignment_revision", args=[assignment.pk]) + "#dry-run-heading",
        label=_("See what moving would do"),
    )


def _move(progress: jobs.Progress) -> None:
    owner = progress.job.owner
    assignment, to = _assignment(owner, progress.job.params)
    prepared = selectors.prepare_move(
        assignment, to, report=lambda done, total: progress.step(_(PLANNING), done, total)
    )
    progress.step(_(MOVING))  # one transaction: done when it commits
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
            label=_("See the class's revision page"),
        )


@task
def plan_move(job_id: str, attempt: int) -> None:
    """The dry run of moving a class (`Job.Kind.PLAN`)."""
    jobs.run(job_id, attempt, _plan)


@task
def move_class(job_id: str, attempt: int) -> None:
    """Moving a class to a new revision (`Job.Kind.MOVE`)."""
    jobs.run(job_id, attempt, _move)

"""Large CSV exports, made in the worker (`core.jobs`): an export of more rows than
BACKGROUND_EXPORT_ROWS (smaller ones are downloaded at once). The file is kept in the job's
row (`Job.output`) for its owner to download from the job's page; making it writes nothing
else, so a retry after a killed worker simply makes it again.

And a class's stored figures computed again (`figures_rebuild`), after a change to the key
they were scored against."""

from django.http import Http404
from django.tasks import task
from django.utils.translation import gettext

from core import jobs
from core.refusals import Refusal

from . import exports, services
from .access import get_assignment_for_teacher


def _export(progress: jobs.Progress) -> None:
    job = progress.job
    kind = job.params["export"]
    try:
        assignment = get_assignment_for_teacher(job.owner, job.params["assignment"])
    except Http404:
        raise Refusal(gettext("This class is no longer yours to export."), status=404) from None
    if kind not in exports.EXPORTS:
        raise Refusal(gettext("There is no such export."), status=404)
    progress.step(gettext("Reading the class's work and writing the file"), 0, 2)
    response = exports.make_csv(assignment, kind)
    progress.step(gettext("Keeping the file for you"), 1, 2)
    progress.finish(
        gettext("The CSV file is ready."),
        output=response.content,
        output_name=exports.filename(assignment, kind),
        output_type=response["Content-Type"],
    )


@task
def export_csv(job_id: str, attempt: int) -> None:
    """A class's CSV export (`Job.Kind.EXPORT`): its students, answers or highlights."""
    jobs.run(job_id, attempt, _export)


@task
def figures_rebuild(assignment_id: int) -> int:
    """Store a class's figures again (`services.figures_rebuild`): enqueued when the answer
    key they were scored against changed (`receivers.on_draft_changed`). One transaction; a
    retry, or a second run, computes the same figures."""
    return services.figures_rebuild(assignment_id=assignment_id)

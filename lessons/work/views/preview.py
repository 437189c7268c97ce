"""A lesson as a student works on it, for its author and teachers: "Preview as a student".

The student's own page (`work/segment.html`), passage by passage, read-only: nothing is saved,
so the page has no highlight form and no save buttons (the template's `preview` flag, with the
"locked" rendering of handed-in work), and the view answers GET only. Nobody's work is read:
the preview's submission is a new, unsaved one, so the highlights and answers are empty.

Who may preview a lesson: a teacher who may see it, the current revision of a published
lesson (the library's lessons), the teacher's own lessons and drafts, and any revision one of
the teacher's classes is on. The preview shows no answer key.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.models import User
from core.responses import AuthenticatedRequest
from lessons.library.models import Lesson

from .. import selectors
from ..models import Submission


@dataclass(frozen=True)
class Preview:
    """What the student's page needs to be a preview: where the preview came from."""

    back_url: str
    back_label: str


def lessons_previewable_by(user: User):
    """The lessons `user` may preview (none for anyone but an active teacher)."""
    if not user.is_active or not user.is_teacher:
        return Lesson.objects.none()
    return Lesson.objects.filter(
        Q(is_published=True, replaced_at__isnull=True)
        | Q(created_by=user)
        | Q(assignments__classroom__teacher=user)
    ).distinct()


def _back(user: User, lesson: Lesson) -> Preview:
    if lesson.created_by_id == user.pk and not lesson.is_published:
        url = reverse("authoring:author_lesson", args=[lesson.pk])
        return Preview(url, _("Back to editing the lesson"))
    return Preview(reverse("library:lesson_detail", args=[lesson.slug]), _("Back to the lesson"))


@login_required
@require_GET
def preview_segment(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    """Passage `position` of the lesson as the student's page shows it, read-only."""
    lesson = get_object_or_404(
        lessons_previewable_by(request.user).select_related("taxonomy"), pk=pk
    )
    segments = selectors.passages_of(lesson)
    segment = lesson.segments.filter(position=position).first()
    if segment is None:
        raise Http404(_("This lesson has no such passage."))
    nobody = Submission()  # unsaved: no highlights, no answers, and nothing is written
    return render(
        request,
        "work/segment.html",
        {
            "preview": _back(request.user, lesson),
            "lesson": lesson,
            "segment": segment,
            "segments": segments,
            "segment_count": len(segments),
            "passage": selectors.passage_for(nobody, segment),
            "highlights": [],
            "answers": selectors.prompt_answers(nobody, segment),
            "answer_errors": [],
            "techniques": list(lesson.taxonomy.techniques.all()),
            "locked": True,  # the page as it is once work is handed in: nothing to post
            "has_previous": position > 1,
            "has_next": position < len(segments),
            "max_answer_length": settings.MAX_ANSWER_LENGTH,
        },
    )

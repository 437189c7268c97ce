"""What a teacher sees of students' work (the dashboards build on this)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.models import User

from ..access import get_assignment_for_teacher
from ..models import Answer, Submission
from ..rendering import Mark, annotate


@login_required
def student_work(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    """One student's highlights, notes and answers for a lesson, shown in the text."""
    assignment = get_assignment_for_teacher(request.user, pk)
    student = get_object_or_404(User, pk=student_pk, enrollments__classroom=assignment.classroom_id)
    submission = Submission.objects.filter(assignment=assignment, student=student).first()
    segments = list(assignment.lesson.segments.prefetch_related("prompts"))
    highlights: dict[int, list] = {}
    answers: dict[int, Answer] = {}
    if submission:
        for h in submission.highlights.select_related("technique"):
            highlights.setdefault(h.segment_id, []).append(h)
        answers = {a.prompt_id: a for a in submission.answers.prefetch_related("techniques")}
    rows = []
    for segment in segments:
        mine = highlights.get(segment.pk, [])
        marks = [Mark(h.start, h.end, h.technique.name, ident=f"highlight-{h.pk}") for h in mine]
        prompts = [p for p in segment.prompts.all() if p.is_answerable]
        rows.append(
            {
                "segment": segment,
                "html": annotate(segment.body_html, marks),
                "highlights": mine,
                "prompts": [(p, answers.get(p.pk)) for p in prompts],
            }
        )
    return render(
        request,
        "lessons/student_work.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "student": student,
            "submission": submission,
            "rows": rows,
            "highlight_total": sum(len(v) for v in highlights.values()),
        },
    )

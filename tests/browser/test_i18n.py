"""Lens in Spanish in Chromium (docs/i18n.md): pages in Spanish pass axe-core and the Nu
checker, the switcher works without JavaScript and saves the choice on the account, and a
page laid out right to left mirrors (the stylesheet's logical properties)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from core.models import User
from tests import factories

from .journeys import audit, check_no_sideways_scroll, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_public_pages_in_spanish_are_accessible(page):
    page.context.set_extra_http_headers({"Accept-Language": "es-ES,es;q=0.9"})
    for url, heading in [
        ("/accounts/login/", "Iniciar sesión"),
        ("/join/", "Unirse a una clase"),
        ("/signup/", "Crear una cuenta de docente"),
        ("/techniques/", "Técnicas de propaganda"),
        ("/nowhere/", "No encontrado"),
    ]:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        audit(page)


def test_a_teacher_switches_to_spanish_and_the_lesson_text_keeps_its_language(page):
    teacher = factories.make_teacher("Ms Rivera")
    lesson = factories.seed_lesson()
    log_in(page, teacher.username, "a-long-teacher-password")
    url = reverse("library:lesson_detail", args=[lesson.slug])
    page.goto(url)
    page.locator("footer").get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(page.url.split(url)[0] + url)
    expect(page.get_by_role("heading", name="Asignar a una clase")).to_be_visible()
    # The lesson's own words are marked with their language, the page's are Spanish.
    expect(page.locator("h1")).to_have_attribute("lang", lesson.language)
    expect(page.locator(".source-text").first).to_have_attribute("lang", lesson.language)
    audit(page)
    assert User.objects.get(pk=teacher.pk).language == "es"


def test_the_switcher_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change language").click()
        expect(page).to_have_url(f"{live_server.url}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
        page.goto("/join/")  # the cookie keeps the choice
        expect(page.get_by_role("heading", level=1)).to_have_text("Unirse a una clase")
    finally:
        context.close()


def test_a_page_right_to_left_mirrors_its_layout(page):
    """No right-to-left language yet: the login page with dir="rtl" set on <html> shows what
    one would get. The brand moves to the right-hand side, text starts on the right, and
    nothing sticks out sideways."""
    page.goto("/accounts/login/")
    width = page.viewport_size["width"]
    before = page.locator(".brand").bounding_box()
    assert before["x"] < width / 2
    page.evaluate("document.documentElement.dir = 'rtl'")
    after = page.locator(".brand").bounding_box()
    assert after["x"] + after["width"] > width / 2, (before, after)
    start = page.locator("main h1").evaluate("el => getComputedStyle(el).textAlign")
    assert start in ("start", "right")
    heading = page.locator("main h1").bounding_box()
    assert heading["x"] + heading["width"] > width / 2
    check_no_sideways_scroll(page)


def test_a_spanish_student_reads_works_and_gets_feedback_accessibly(page):
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "4.º B")
    assignment = factories.make_assignment(classroom, factories.seed_lesson())
    student = factories.make_student("Amira K.", classroom=classroom)
    log_in(page, student.username, "a-long-password")
    User.objects.filter(pk=student.pk).update(language="es")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis lecciones")
    audit(page)
    page.get_by_role("link", name=assignment.lesson.title).click()
    expect(page.get_by_role("heading", name="Tu tarea")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Empezar a leer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fragmento 1 de")
    expect(page.locator("#segment-text")).to_have_attribute("lang", assignment.lesson.language)
    audit(page)
    factories.hand_in(assignment, student)
    page.goto(reverse("insights:feedback", args=[assignment.pk]))
    expect(page.get_by_role("heading", name="Cómo te ha ido")).to_be_visible()
    audit(page)


def test_a_spanish_teacher_reads_the_dashboard_accessibly(page):
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "4.º B")
    assignment = factories.make_assignment(classroom, factories.seed_lesson())
    factories.make_student("Amira K.", classroom=classroom)
    log_in(page, teacher.username, "a-long-teacher-password")
    User.objects.filter(pk=teacher.pk).update(language="es")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis clases")
    expect(page.get_by_text("1 estudiante ·")).to_be_visible()
    audit(page)
    page.goto(reverse("insights:dashboard", args=[assignment.pk]))
    expect(page.locator("#summary")).to_contain_text("1 estudiante · 0 han empezado")
    audit(page)

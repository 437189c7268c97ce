from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "lessons.work"
    label = "work"
    verbose_name = "Students' work"

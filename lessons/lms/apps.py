from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lessons.lms"
    label = "lms"
    verbose_name = "Learning-management systems (LTI)"

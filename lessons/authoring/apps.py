from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "lessons.authoring"
    label = "authoring"
    verbose_name = "Authoring"

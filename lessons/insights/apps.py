from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "lessons.insights"
    label = "insights"
    verbose_name = "Insights for teachers"

    def ready(self) -> None:
        # The stored figures follow the writes of lessons.work and lessons.library, through
        # their signals (they import nothing of insights).
        from . import receivers

        receivers.connect()

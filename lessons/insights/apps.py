from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "lessons.insights"
    label = "insights"
    verbose_name = "Insights for teachers"

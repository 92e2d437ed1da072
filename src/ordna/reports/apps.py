from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ordna.reports"
    label = "reports"

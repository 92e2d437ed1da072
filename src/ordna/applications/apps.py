from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "ordna.applications"
    label = "applications"

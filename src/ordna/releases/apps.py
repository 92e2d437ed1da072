from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "ordna.releases"
    label = "releases"

from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The pages that compose several apps: the dashboard and the user administration."""

    name = "ordna.home"
    label = "home"

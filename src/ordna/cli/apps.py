from django.apps import AppConfig


class CliConfig(AppConfig):
    """The commands that span several apps (import, export, user, supplier, serve); each app's own commands live
    in that app."""

    name = "ordna.cli"
    label = "cli"

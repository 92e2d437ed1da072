from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "ordna.connectors"
    verbose_name = "Connectors"

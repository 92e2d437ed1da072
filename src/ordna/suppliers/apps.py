from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "ordna.suppliers"
    label = "suppliers"

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "ordna.devices"
    label = "devices"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ordna.accounts"
    label = "accounts"

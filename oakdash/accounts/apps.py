from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oakdash.accounts"
    label = "accounts"
    verbose_name = "Accounts and API keys"

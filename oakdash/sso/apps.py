from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "oakdash.sso"
    label = "sso"
    verbose_name = "Company sign-in"

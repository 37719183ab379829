from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "oakdash.sharing"
    label = "sharing"
    verbose_name = "Sharing"

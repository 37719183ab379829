from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "oakdash.dashboard"
    label = "dashboard"

"""Django app config, only so `manage.py demo_api` is found. The demo itself is framework-free."""

from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "oakdash.demo"
    label = "demo"
    verbose_name = "OakData demo backend"

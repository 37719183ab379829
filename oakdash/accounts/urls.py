from django.urls import path

from oakdash.accounts import views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
]

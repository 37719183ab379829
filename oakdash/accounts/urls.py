from django.urls import path

from oakdash.accounts import views
from oakdash.sso import views as sso_views

urlpatterns = [
    # Django's views with the company sign-in button, and logout at the provider too.
    path("accounts/login/", sso_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_page, name="settings"),
]

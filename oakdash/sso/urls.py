"""Company sign-in routes. The redirect URI to register at the provider is
https://<oakdash host>/accounts/oidc/callback/ (docs/DEPLOY.md)."""

from django.urls import path

from oakdash.sso import breakglass, views

urlpatterns = [
    # Django's views with the company sign-in button, and logout at the provider too.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/oidc/start/", views.start, name="oidc_start"),
    path("accounts/oidc/callback/", views.CallbackView.as_view(), name="oidc_callback"),
    path("accounts/break-glass/<str:uidb64>/<str:token>/", breakglass.view, name="breakglass"),
]

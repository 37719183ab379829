"""Company sign-in routes. The redirect URI to register at the provider is
https://<oakdash host>/accounts/oidc/callback/ (docs/DEPLOY.md)."""

from django.urls import path

from oakdash.sso import breakglass, views

urlpatterns = [
    path("accounts/oidc/start/", views.start, name="oidc_start"),
    path("accounts/oidc/callback/", views.CallbackView.as_view(), name="oidc_callback"),
    path("accounts/break-glass/<str:uidb64>/<str:token>/", breakglass.view, name="breakglass"),
]

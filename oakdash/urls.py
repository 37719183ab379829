from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("oakdash.accounts.urls")),
    path("", include("oakdash.sso.urls")),
    path("", include("oakdash.dashboard.urls")),
]

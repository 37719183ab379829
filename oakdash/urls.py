from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("oakdash.accounts.urls")),
    path("", include("oakdash.sso.urls")),
    # Before the dashboard: its replays/<path:replay_id>/ would take …/portable.html.
    path("", include("oakdash.sharing.urls")),
    path("", include("oakdash.dashboard.urls")),
]

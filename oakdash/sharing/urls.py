"""Public links live at /s/<id>/ (an interface promise: they are sent to people outside the
team); managing them at /shared/."""

from django.urls import path

from oakdash.sharing.views import export, manage, public

urlpatterns = [
    path("s/<str:public_id>/", public.page, name="share_page"),
    path("s/<str:public_id>/meta", public.meta, name="share_meta"),
    path("s/<str:public_id>/events.ndjson", public.events, name="share_events"),
    path("shared/", manage.my_links, name="shared_links"),
    path("shared/new", manage.create, name="share_create"),
    path("shared/<str:public_id>/revoke", manage.revoke, name="share_revoke"),
    path(
        "p/<slug:project>/replays/<path:replay_id>/portable.html",
        export.download,
        name="replay_portable",
    ),
]

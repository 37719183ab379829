"""Company sign-in with OpenID Connect (mozilla-django-oidc), password switch, break-glass links.

Decides who the person is, never which OakData key is used: keys stay per user (accounts app).
"""

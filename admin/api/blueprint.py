"""The JSON API's blueprints ("api" and "openapi"), with their views registered. The check-in
fast path (admin/api/fastpath.py) wraps the app in init_web, not here."""

from admin.api import openapi, views

BLUEPRINTS = (views.bp, openapi.bp)
#: the API authenticates with bearer tokens, not cookies: no CSRF token on its bodies
CSRF_EXEMPT = (views.bp, openapi.bp)

"""The dashboard area's blueprint ("dashboard": the live dashboard and the reports), with its views registered."""

from admin.dashboard import views

BLUEPRINTS = (views.bp,)

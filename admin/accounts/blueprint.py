"""The accounts area's blueprint ("auth": login, logout), with its views registered."""

from admin.accounts import views

BLUEPRINTS = (views.bp,)

"""Personal data's blueprint ("privacy": one person's data as JSON, their erasure)."""

from admin.privacy import views

BLUEPRINTS = (views.bp,)

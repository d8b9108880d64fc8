"""The districts area's blueprint ("districts": an officer's private pages and the organiser's review)."""

from admin.districts import organiser, views  # noqa: F401  (organiser registers on views.bp)

BLUEPRINTS = (views.bp,)

"""The guest list's blueprint ("guests": the list, import, badges, one delegate's record), with its views
registered. The seat plan pages register on it too (admin/seating/blueprint.py)."""

from admin.guests import people, views  # noqa: F401  (people registers on views.bp)

BLUEPRINTS = (views.bp,)

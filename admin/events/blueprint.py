"""The events area's blueprints ("event_list": /admin/events; "event_settings": /admin/event and its
structure pages), with their views registered."""

from admin.events import checkpoints, listing, settings, structure  # noqa: F401  (registered on settings.bp)

BLUEPRINTS = (listing.bp, settings.bp)

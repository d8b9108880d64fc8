"""What the events area tells the areas above it (blinker signals, which Flask ships, as Indico
does), so it never imports them:

event_created(ev): a new event was flushed (models.events.service.create_event); the check-in
area gives it its hall entrance (models.checkin.checkpoints). Receivers connect when their
module is imported; models.schema imports every one, and the app imports models.schema."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent with the new Event as sender, inside the caller's transaction (receivers do not commit)
event_created = _signals.signal("event-created")

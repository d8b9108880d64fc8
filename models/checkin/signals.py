"""What a check-in asks of the areas above it (blinker signals, which Flask ships, as Indico
does), so the check-in area never imports them:

booth_scan(None, attendee_id=, seen=, station=, tz=) -> BoothAnswer: an exhibition kiosk's scan
of a genuine, live badge, inside the check-in's write transaction (models.exhibition.scan);
booth_answer(None, attendee_id=, outcome=, tz=) -> BoothAnswer: the same answer again for a
retried scan_id. Each has exactly one receiver, connected when models.exhibition.scan is
imported (models.schema imports it; the app imports models.schema)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

booth_scan = _signals.signal("booth-scan")
booth_answer = _signals.signal("booth-answer")


def ask(signal, **kwargs):
    """The answer of the signal's one receiver."""
    ((_receiver, answer),) = signal.send(None, **kwargs)
    return answer

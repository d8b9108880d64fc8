"""What seating asks of the areas above it (a blinker signal, as models/checkin/signals.py):

award_order(ev) -> [attendee id]: the award recipients in hand-out order, each once (the ceremony
answers: models.ceremony.sequence), so that seat assignment can seat them near the stage without
importing the ceremony. Exactly one receiver, connected when models.ceremony.sequence is imported
(models.schema imports it; the app imports models.schema)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

award_order = _signals.signal("award-order")


def recipients_in_award_order(ev) -> list[int]:
    """Attendee ids of award recipients in hand-out order (Award.position), each once."""
    ((_receiver, ids),) = award_order.send(ev)
    return ids

"""Imports every model so that the metadata (and Alembic) sees the whole schema, and every
signal receiver (models.events.signals, models.checkin.signals, models.seating.signals) so that
it is connected."""

from models.accounts.models import AuditLog, Device, User
from models.accounts.pairing import DevicePairing
from models.accounts.sessions import LoginFailure, UserSession
from models.ceremony.models import Award, AwardBatch, AwardTier, CeremonyState
from models.ceremony.sequence import recipients_in_award_order
from models.checkin.checkpoints import Checkpoint, CheckpointPass
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.ratelimit import RateHit
from models.districts.models import DistrictLink, DistrictQuota
from models.events.models import Event, EventKey, Group, ProgrammeItem, ProtocolRank
from models.exhibition.models import Exhibitor, ExhibitorStaff, ExhibitTable, Product
from models.exhibition.scan import booth_scan
from models.guests.models import Attendee, Badge
from models.guests.precedence import derive_on_flush
from models.hall.models import Block, Seat
from models.units.models import District

__all__ = [
    "db",
    "RateHit",
    "Award",
    "AwardBatch",
    "AwardTier",
    "CeremonyState",
    "DistrictLink",
    "DistrictQuota",
    "AuditLog",
    "Device",
    "DevicePairing",
    "User",
    "District",
    "Event",
    "EventKey",
    "Group",
    "ProgrammeItem",
    "ProtocolRank",
    "derive_on_flush",
    "Exhibitor",
    "ExhibitorStaff",
    "ExhibitTable",
    "Product",
    "booth_scan",
    "recipients_in_award_order",
    "Block",
    "Seat",
    "Attendee",
    "Badge",
    "CheckIn",
    "Checkpoint",
    "CheckpointPass",
    "LoginFailure",
    "UserSession",
]

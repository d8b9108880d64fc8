"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from models.accounts.models import AuditLog, Device, User
from models.accounts.pairing import DevicePairing
from models.accounts.sessions import LoginFailure, UserSession
from models.ceremony.models import Award, AwardBatch, AwardTier, CeremonyState
from models.checkin.checkpoints import Checkpoint, CheckpointPass
from models.core.base import db
from models.core.ratelimit import RateHit
from models.districts.models import DistrictLink, DistrictQuota
from models.events.models import District, Event, EventKey, Group, ProgrammeItem, ProtocolRank
from models.events.protocol import derive_on_flush
from models.exhibition.models import Exhibitor, ExhibitorStaff, ExhibitTable, Product
from models.guests.models import Attendee, Badge, CheckIn
from models.seating.models import Block, Seat

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

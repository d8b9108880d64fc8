"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from models.awards import Award, AwardBatch, AwardTier, CeremonyState
from models.base import db
from models.delegations import DistrictLink, DistrictQuota
from models.entities import AuditLog, Device, User
from models.event import District, Event, EventKey, Group, ProgrammeItem
from models.exhibition import Exhibitor, ExhibitorStaff, ExhibitTable, Product
from models.hall import Block, Seat
from models.people import Attendee, Badge, CheckIn
from models.sessions import LoginFailure, UserSession

__all__ = [
    "db", "Award", "AwardBatch", "AwardTier", "CeremonyState", "DistrictLink", "DistrictQuota",
    "AuditLog", "Device", "User", "District", "Event", "EventKey", "Group", "ProgrammeItem",
    "Exhibitor", "ExhibitorStaff", "ExhibitTable", "Product", "Block", "Seat", "Attendee",
    "Badge", "CheckIn", "LoginFailure", "UserSession",
]

"""Personal data's blueprints ("privacy": one person's data as JSON, their erasure; "audit":
/admin/audit, the exports and the audit log)."""

from admin.privacy import audit, views

BLUEPRINTS = (views.bp, audit.bp)

"""Personal data's blueprint ("privacy": one person's data as JSON, their erasure; /admin/audit: the exports and the audit log)."""

from admin.privacy import audit, views

BLUEPRINTS = (views.bp, audit.bp)

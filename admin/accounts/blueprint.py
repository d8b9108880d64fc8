"""The accounts area's blueprints ("auth": login, logout; "pairing": the phones' pairing links;
"devices": /admin/devices), with their views registered."""

from admin.accounts import device_admin, pairing, views

BLUEPRINTS = (views.bp, pairing.bp, device_admin.bp)

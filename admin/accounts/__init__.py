"""The pages and routes of the accounts area (staff users, kiosk devices, the audit log, sign-in sessions); each
calls the domain in models/accounts/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""

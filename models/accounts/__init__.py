"""The domain of the accounts area: staff users, kiosk devices, the audit log, sign-in sessions.

Empty on purpose: importing a module of the area runs no code of another."""

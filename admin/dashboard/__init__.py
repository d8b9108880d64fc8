"""The pages and routes of the dashboard area (the organiser's live dashboard and the after-event reports); each
calls the domain in models/dashboard/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""

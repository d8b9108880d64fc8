"""The domain of the dashboard area: the organiser's live dashboard and the after-event reports.

Empty on purpose: importing a module of the area runs no code of another."""

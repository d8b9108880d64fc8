"""The pages and routes of the checkin area (badge codes (pure: the kiosk imports them), the ONE check_in,
attendance figures, the desk's walk-ins); each calls the domain in models/checkin/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""

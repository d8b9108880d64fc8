"""The domain of the checkin area: the check-in log (CheckIn), the ONE check_in, checkpoints,
attendance figures, the desk's walk-ins. (The badge codes, pure, are models/codes.py: the kiosk
imports them, and so do events and guests, below this area.)

Empty on purpose: importing a module of the area runs no code of another."""

"""The pages and routes of the ceremony area (award tiers, awards, the hand-out sequence, the live MC tablet and
stage, the MC script); each calls the domain in models/ceremony/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""

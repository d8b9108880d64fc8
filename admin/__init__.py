"""The HTTP surface, one package per feature area (the same names as in models/): each area's
blueprint.py imports its views and lists its BLUEPRINTS; admin/web.py (init_web, the composition
root) puts them together. api/ is the JSON API, with the check-in fast path.

Empty on purpose: importing one view module runs no code of another area."""

"""The HTTP surface, one package per feature area (the same names as in models/): each area's
blueprint.py imports its views and lists its BLUEPRINTS; admin/core/web.py (init_web) puts
them together. api/ is the JSON API, with the check-in fast path.

Empty on purpose: importing one view module runs no code of another area."""

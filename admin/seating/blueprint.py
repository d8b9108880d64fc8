"""The seat plan pages (blocks, assignment, moves, the seat map). They sit on the guests blueprint
(their endpoints are "guests.*", their addresses under /admin), so this area adds no blueprint."""

from admin.seating import relayout, views  # noqa: F401  (register on the guests blueprint)

BLUEPRINTS = ()

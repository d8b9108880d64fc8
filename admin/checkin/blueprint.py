"""The check-in desk's blueprint ("desk": find, check in by hand, walk-ins, reissue), with its views registered."""

from admin.checkin import desk, walkin  # noqa: F401  (walkin registers on desk.bp)

BLUEPRINTS = (desk.bp,)

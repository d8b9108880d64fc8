"""The ceremony area's blueprint ("mc": the MC tablet, the stage, the award pages), with its views registered."""

from admin.ceremony import awards, mc  # noqa: F401  (awards registers on mc.bp)

BLUEPRINTS = (mc.bp,)

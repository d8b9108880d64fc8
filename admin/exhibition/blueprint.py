"""The exhibition area's blueprints ("exhibitors": registration and the organiser's workflow;
"exhibition": the public exhibition for visitors), with their views registered."""

from admin.exhibition import exhibitors, public

BLUEPRINTS = (exhibitors.bp, public.bp)

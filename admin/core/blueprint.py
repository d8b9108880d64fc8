"""The core pages' blueprints ("pages": home, language, the admin landing page; "trust": the
local certificate authority for phones), with their views registered."""

from admin.core import pages, trust

BLUEPRINTS = (pages.bp, trust.bp)

"""The core pages' blueprint ("pages": home, language, the admin landing page)."""

from admin.core import pages

BLUEPRINTS = (pages.bp,)

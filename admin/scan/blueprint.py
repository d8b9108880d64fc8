"""The phone scanner's blueprint ("scan": the page /scan/ and the browser packages under /vendor/),
with its views registered."""

from admin.scan import views

BLUEPRINTS = (views.bp,)

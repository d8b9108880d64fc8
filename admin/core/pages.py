"""Home, language switch and the admin landing page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from models.events.service import current_event

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home.html", event=current_event())


@bp.get("/lang/<code>")
def set_lang(code: str):
    if code in ("vi", "en"):
        session["lang"] = code
    target = request.referrer or url_for("pages.home")
    if not target.startswith(request.host_url):
        target = url_for("pages.home")
    return redirect(target)

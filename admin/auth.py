"""Login and logout (Flask-Login, hashed passwords, rate-limited)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from admin import login_manager
from admin.forms import ActionForm, LoginForm
from admin.security import RateLimiter, client_address
from models.base import db
from models.entities import User, audit

bp = Blueprint("auth", __name__)
login_limiter = RateLimiter(limit=20, window=600)

HOME_BY_ROLE = {"admin": "dashboard.index", "desk": "desk.index", "mc": "mc.index"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "POST":
        limit = current_app.config.get("LOGIN_RATE_LIMIT", 20)
        login_limiter.limit = limit
        if not login_limiter.hit(client_address()):
            abort(429)
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            audit("login", "user", user.id, actor=f"user:{user.username}", user_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next"))
                            or url_for(HOME_BY_ROLE.get(user.role, "pages.home")))
        flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
    elif request.method == "POST":
        for errors in form.errors.values():
            for msg in errors:
                flash(msg, "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 200)


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))

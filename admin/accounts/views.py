"""Login and logout: hashed passwords, server-side sessions that end, failures counted in the
database per account and per address (issue 16)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from admin.core.extensions import login_manager
from admin.core.forms import ActionForm, LoginForm, renew_csrf_token
from admin.core.security import client_address
from models.accounts.models import User, audit
from models.accounts.sessions import (
    check_session,
    clear_failures,
    end_session,
    login_blocked,
    record_failure,
    record_visit,
    start_session,
)
from models.core.base import db

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {"admin": "dashboard.index", "desk": "desk.index", "mc": "mc.index"}
#: the session key holding the random session id (the row in user_session)
SID = "sid"

_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash made the same way as real ones: an unknown user costs the same work."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("not-a-password-of-anyone")
    return _dummy_hash


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's session, only while its session row is live."""
    sid = session.get(SID)
    uid, what = check_session(sid, current_app.config["SESSION_IDLE_HOURS"])
    if what:
        g._session_write = (sid, what)  # done after the request's own work (below)
    if uid is None or str(uid) != str(user_id):
        return None
    return db.session.get(User, uid)


@bp.teardown_app_request
def _record_visit(exc=None) -> None:
    """Record the visit (or end the idle session) once the view has finished: its own work is
    committed or abandoned by now, so only this small write is committed here."""
    pending = g.pop("_session_write", None)
    if pending is None:
        return
    try:
        db.session.rollback()
        record_visit(*pending)
    except Exception:  # never fail a finished request for a visit time
        db.session.rollback()
        current_app.logger.exception("session visit not recorded")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _limits() -> dict:
    cfg = current_app.config
    return {
        "per_account": cfg["LOGIN_FAILURES_PER_ACCOUNT"],
        "per_address": cfg["LOGIN_RATE_LIMIT"],
        "window_seconds": cfg["LOGIN_FAILURE_WINDOW"],
    }


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = client_address()
        limits = _limits()
        if login_blocked(username, address, **limits):
            db.session.rollback()
            flash(
                _(
                    "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
                    minutes=max(1, round(limits["window_seconds"] / 60)),
                ),
                "error",
            )
            return render_template("accounts/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == username))
        # the same work whether the user exists or not: always one password hash check
        ok = check_password_hash(user.password_hash if user is not None else _dummy(), form.password.data)
        if ok and user is not None and user.active:
            clear_failures(username)
            # a new random id each login (an id known before login is never the one after)
            session[SID] = start_session(user)
            renew_csrf_token()  # the token of the login page is not the one after it
            login_user(user)
            audit("login", "user", user.id, actor=f"user:{user.username}", user_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE.get(user.role, "pages.home")))
        record_failure(username, address, window_seconds=limits["window_seconds"])
        flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
    elif request.method == "POST":
        for errors in form.errors.values():
            for msg in errors:
                flash(msg, "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        end_session(session.get(SID))
        db.session.commit()
        logout_user()
        session.pop(SID, None)
        renew_csrf_token()
    return redirect(url_for("auth.login"))

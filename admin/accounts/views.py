"""Login and logout: hashed passwords checked on a bounded lane, server-side sessions that end,
failures counted in the database per device cookie, per account and address, and per address
(issues 16 and 22)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from admin.accounts import devices
from admin.core.extensions import login_manager
from admin.core.forms import ActionForm, LoginForm, renew_csrf_token
from admin.core.security import client_address
from models.accounts import passwords, throttle
from models.accounts.models import User, audit
from models.accounts.sessions import check_session, end_session, record_visit, start_session
from models.accounts.throttle import Limits
from models.core.base import db

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {"admin": "dashboard.index", "desk": "desk.index", "mc": "mc.index"}
#: the session key holding the random session id (the row in user_session)
SID = "sid"


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


def _limits() -> Limits:
    cfg = current_app.config
    return Limits(cfg["LOGIN_FAILURES_PER_ACCOUNT"], cfg["LOGIN_RATE_LIMIT"], cfg["LOGIN_FAILURE_WINDOW"])


def _refused(form: LoginForm, limits: Limits):
    db.session.rollback()
    flash(
        _(
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
            minutes=max(1, round(limits.window_seconds / 60)),
        ),
        "error",
    )
    return render_template("accounts/login.html", form=form), 429


def _busy(form: LoginForm):
    db.session.rollback()
    flash(_("Máy chủ đang bận kiểm tra đăng nhập. Vui lòng thử lại sau vài giây."), "error")
    return render_template("accounts/login.html", form=form), 503, {"Retry-After": "2"}


def _check_password(user: User | None, password: str, device: str | None, suspect: bool) -> bool | None:
    """The password check, bounded and in order of priority (models/accounts/passwords.py):
    the same work whether the user exists or not. None: busy."""
    pwhash = user.password_hash if user is not None else None
    db.session.rollback()  # no transaction held while the hash runs
    cfg = current_app.config
    return passwords.check(
        pwhash,
        password,
        priority=passwords.TRUSTED if device else (passwords.SUSPECT if suspect else passwords.CLEAN),
        threads=cfg["LOGIN_HASH_THREADS"],
        queue=cfg["LOGIN_HASH_QUEUE"],
    )


def _logged_in(user: User, address: str, device: str | None):
    throttle.clear_success(user.username, address, device)
    # a new random id each login (an id known before login is never the one after)
    session[SID] = start_session(user)
    renew_csrf_token()  # the token of the login page is not the one after it
    login_user(user)
    audit("login", "user", user.id, actor=f"user:{user.username}", user_id=user.id)
    db.session.commit()
    response = redirect(_safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE.get(user.role, "pages.home")))
    devices.issue(response, user.username)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Throttled per device cookie, else per account and address and per address
    (models/accounts/throttle.py); refused attempts are counted too."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        address, limits = client_address(), _limits()
        device = devices.device_of(username)
        verdict = throttle.verdict(username, address, device, limits)
        if verdict.refused:
            throttle.record_failure(username, address, device, limits, refused=True)
            return _refused(form, limits)
        user = db.session.scalar(select(User).where(User.username == username))
        ok = _check_password(user, form.password.data, device, verdict.suspect)
        if ok is None:
            return _busy(form)
        if ok and user is not None and user.active:
            return _logged_in(user, address, device)
        throttle.record_failure(username, address, device, limits)
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

"""CLI commands of one area: staff users (issue 16).

`users` lists them (`--throttled`: failed logins counted and refused, models/accounts/throttle.py;
`unthrottle-user NAME` lifts them); `set-password NAME`, `deactivate-user NAME`, `delete-user NAME` change one
(and end every session of that user at once: models/accounts/sessions.py); `remove-demo-users` deletes
the demo logins that `seed-demo` made (admin, desk, mc) and forgets instance/demo_logins.json.
`scan-link NAME` pairs an usher's phone (issue 24): a one-time link, printed as the last line
(`--revoke` stops the phone at once).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from commands.links import base_url_option, link_base
from commands.locked import remembered
from models.accounts.models import User, audit
from models.accounts.sessions import UserSession
from models.core.base import db
from models.core.timeutil import utcnow

#: the users seed-demo makes, with the display names it gives them
DEMO_USERS = {"admin": "Quản trị (demo)", "desk": "Bàn đón tiếp (demo)", "mc": "Người dẫn chương trình (demo)"}


def demo_logins_path() -> Path:
    return Path(current_app.instance_path) / "demo_logins.json"


@remembered  # asked once, also when the command waits for a locked database and runs again
def read_password() -> str:
    """A new password from a prompt (typed twice) or the first line of stdin; 8+ characters."""
    if sys.stdin.isatty():
        password = click.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password or "") < 8:
        raise click.ClickException("Mật khẩu phải có ít nhất 8 ký tự / password: 8+ characters.")
    return password


def _user(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name.strip()))
    if user is None:
        raise click.ClickException(f"Không có người dùng {name} / no such user.")
    return user


@click.command("users")
@click.option("--throttled", is_flag=True, help="failed logins being counted or refused (by account, address, device)")
def users(throttled: bool) -> None:
    """List staff users: name, role, active, open sessions, created, demo or not; with
    --throttled the failed logins of the last LOGIN_FAILURE_WINDOW seconds instead."""
    if throttled:
        _throttled()
        return
    demo = set(_demo_names())
    now = utcnow()
    open_sessions = dict(
        db.session.execute(
            select(UserSession.user_id, func.count())
            .where(UserSession.ended_at.is_(None))
            .group_by(UserSession.user_id)
        ).all()
    )
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    click.echo(f"{'tên / name':<20} {'vai trò':<6} {'hoạt động':<9} {'phiên':>5}  tạo lúc")
    for u in rows:
        flag = "có" if u.active else "KHÔNG"
        mark = "  DEMO" if u.username in demo else ""
        click.echo(
            f"{u.username:<20} {u.role:<6} {flag:<9} {open_sessions.get(u.id, 0):>5}  "
            f"{u.created_at:%Y-%m-%d %H:%M}{mark}"
        )
    click.echo(f"{len(rows)} người dùng / users ({now:%Y-%m-%d %H:%M} UTC)")


def _limits():
    from models.accounts.throttle import Limits

    cfg = current_app.config
    return Limits(cfg["LOGIN_FAILURES_PER_ACCOUNT"], cfg["LOGIN_RATE_LIMIT"], cfg["LOGIN_FAILURE_WINDOW"])


def _throttled() -> None:
    """`users --throttled`: who is refused (CHẶN) and until when, and who is being counted."""
    from models.accounts.throttle import throttles

    limits = _limits()
    rows = throttles(limits)
    click.echo(
        f"Đăng nhập sai trong {int(limits.window_seconds)} s qua / failed logins in the last "
        f"{int(limits.window_seconds)} s (UTC):"
    )
    click.echo(f"{'tài khoản / account':<22} {'địa chỉ / address · thiết bị / device':<40} {'lần':>4}  trạng thái")
    for t in rows:
        who = t.username if t.username is not None else "(mọi tài khoản / any)"
        where = f"thiết bị / device {t.device[:8]}…" if t.device else t.address
        state = f"CHẶN / refused đến {t.until:%H:%M:%S}" if t.until else "đang đếm / counting"
        click.echo(f"{who:<22} {where:<40} {t.failures:>4}  {state} (lần cuối {t.last_at:%H:%M:%S})")
    refused = sum(1 for t in rows if t.until)
    click.echo(f"{refused} đang bị chặn / refused, {len(rows) - refused} đang đếm / counting")
    if refused:
        click.echo("Gỡ chặn một tài khoản / lift an account's throttles: unthrottle-user NAME")


@click.command("unthrottle-user")
@click.argument("name")
def unthrottle_user(name: str) -> None:
    """Lift every login throttle of account NAME: its failures from every address and device
    are forgotten (the addresses' counts drop by as many)."""
    from models.accounts.throttle import account_key, unthrottle

    forgotten = unthrottle(name)
    audit("unthrottle_user", "user", None, actor="cli", username=account_key(name), failures=forgotten)
    db.session.commit()
    click.echo(
        f"Đã gỡ chặn đăng nhập của {account_key(name)} / throttles lifted: "
        f"{forgotten} lần sai đã xóa (failures forgotten)."
    )


@click.command("set-password")
@click.argument("name")
@click.option("--password", envvar="EVENT_KIOSK_PASSWORD", hidden=True)
def set_password(name: str, password: str | None) -> None:
    """Set a user's password (from a prompt or stdin); their sessions end at once."""
    user = _user(name)
    if password is None:
        password = read_password()
    elif len(password) < 8:
        raise click.ClickException("Mật khẩu phải có ít nhất 8 ký tự / password: 8+ characters.")
    user.set_password(password)
    from models.accounts.throttle import unthrottle

    unthrottle(user.username)  # a new password: the old guesses at this account are moved past
    audit("set_password", "user", user.id, actor="cli")
    db.session.commit()
    click.echo(f"Đã đổi mật khẩu của {user.username}; mọi phiên đăng nhập cũ đã kết thúc.")


@click.command("deactivate-user")
@click.argument("name")
def deactivate_user(name: str) -> None:
    """Stop a user from logging in (kept for the audit log); their sessions end at once."""
    user = _user(name)
    user.active = False
    audit("deactivate_user", "user", user.id, actor="cli")
    db.session.commit()
    click.echo(f"Đã khóa người dùng {user.username}; mọi phiên đăng nhập đã kết thúc.")


@click.command("delete-user")
@click.argument("name")
def delete_user(name: str) -> None:
    """Delete a user (the audit log keeps their actions, unnamed); their sessions end."""
    user = _user(name)
    _delete(user)
    db.session.commit()
    click.echo(f"Đã xóa người dùng {name}.")


def _delete(user: User) -> None:
    audit("delete_user", "user", user.id, actor="cli", username=user.username, role=user.role)
    db.session.delete(user)
    db.session.flush()


def _demo_names() -> list[str]:
    """Demo users: those listed in instance/demo_logins.json, and admin/desk/mc still carrying
    seed-demo's display name."""
    names: list[str] = []
    path = demo_logins_path()
    if path.exists():
        try:
            names = list(json.loads(path.read_text()))
        except (ValueError, OSError):
            names = []
    for u in db.session.scalars(select(User).where(User.username.in_(DEMO_USERS))):
        if u.display_name == DEMO_USERS[u.username] and u.username not in names:
            names.append(u.username)
    return names


@click.command("remove-demo-users")
def remove_demo_users() -> None:
    """Delete the demo logins (admin, desk, mc made by seed-demo) before a real event."""
    removed = []
    for name in _demo_names():
        user = db.session.scalar(select(User).where(User.username == name))
        if user is not None:
            _delete(user)
            removed.append(name)
    db.session.commit()
    demo_logins_path().unlink(missing_ok=True)
    if removed:
        click.echo("Đã xóa tài khoản demo / demo logins removed: " + ", ".join(removed))
    else:
        click.echo("Không còn tài khoản demo / no demo logins left.")


@click.command("scan-link")
@click.argument("name")
@base_url_option("The server's address as phones open it (default: PUBLIC_URL, else http://HOST:PORT).")
@click.option("--revoke", is_flag=True, help="Revoke the phone instead: its token and links stop at once.")
def scan_link(name: str, base_url: str | None, revoke: bool) -> None:
    """Pair an usher's phone NAME as a scanner: a one-time link (printed as the last line, valid
    PAIRING_HOURS) that stores the phone's token in the browser that opens it and opens /scan/."""
    from models.accounts.models import Device
    from models.accounts.pairing import PHONE, NotAPhone, new_code, pairing_link, phone_device
    from models.accounts.pairing import revoke as revoke_device

    if revoke:
        dev = db.session.scalar(select(Device).where(Device.name == name.strip()))
        if dev is None or dev.platform != PHONE:
            raise click.ClickException(f"Không có điện thoại {name} / no phone of that name.")
        revoke_device(dev, actor="cli")
        click.echo(f"Đã thu hồi điện thoại {name}: nó không quét được nữa / revoked, it stops at once.")
        return
    url = link_base(base_url)  # checked before anything is written
    try:
        dev = phone_device(name, actor="cli")
    except (NotAPhone, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    code = new_code(dev, actor="cli")
    db.session.commit()
    hours = current_app.config["PAIRING_HOURS"]
    click.echo(f"Điện thoại {dev.name}: mở liên kết dưới đây trên điện thoại (một lần, trong {hours:g} giờ).")
    click.echo("Phone: open this link on the phone once; it replaces the token of a phone paired before.")
    if url.startswith("http://"):
        click.echo("Lưu ý / note: điện thoại chỉ mở máy ảnh qua HTTPS: serve --https, --base-url https://…")
    click.echo(pairing_link(url, code))


COMMANDS = [users, unthrottle_user, set_password, deactivate_user, delete_user, remove_demo_users, scan_link]

"""Flask CLI commands (flask --app app ...). Thin: they call the domain functions."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

import config
from commands import Number, OutPath, current_event_or_exit
from models.accounts.models import ROLES, Device, User, audit, hash_token
from models.core.base import db


def main() -> None:
    """The ``event-kiosk`` command (pyproject.toml): the commands of ``flask --app app``, the
    same group, app factory and plugins (``db``), without having to name the app."""
    from flask.cli import FlaskGroup

    from app import create_app

    group = FlaskGroup(
        name="event-kiosk", create_app=create_app, help="Event Kiosk's commands (the same as `flask --app app ...`)."
    )
    group.main(prog_name="event-kiosk")


def register(app: Flask) -> None:
    """Every command, each waiting for a locked SQLite database (commands.locked)."""
    from commands.locked import retry_when_locked

    for cmd in (init_db, seed_demo, create_user, kiosk_token, export_codes, serve):
        app.cli.add_command(retry_when_locked(cmd))
    from commands import accounts, ceremony, core, dashboard, districts, events, exhibition, guests, privacy

    for area in (guests, dashboard, exhibition, ceremony, districts, core, events, accounts, privacy):
        for cmd in area.COMMANDS:
            app.cli.add_command(retry_when_locked(cmd))


def upgrade_database() -> None:
    """Create the database or bring it forward (Alembic migrations)."""
    from flask_migrate import upgrade

    from admin.core.extensions import MIGRATIONS_DIR

    upgrade(directory=MIGRATIONS_DIR)


@click.command("init-db")
def init_db() -> None:
    """Create the database or upgrade it to the current schema (keeps data)."""
    upgrade_database()
    click.echo("Cơ sở dữ liệu đã sẵn sàng / database is up to date.")


def demo_logins_path() -> Path:
    return Path(current_app.instance_path) / "demo_logins.json"


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no event yet.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo event (OCOP Khánh Hòa 2024) with demo users admin, desk, mc."""
    from models.demo.load import load_demo
    from models.events.models import Event
    from models.services.event_setup import demo_was_deleted

    if if_empty and db.session.scalar(select(func.count(Event.id))):
        click.echo("Đã có dữ liệu; bỏ qua dữ liệu mẫu / data present, demo not loaded.")
        return
    if if_empty and demo_was_deleted():
        click.echo(
            "Dữ liệu mẫu đã bị xóa (delete-demo); không nạp lại / demo deleted before, "
            "not loaded again (run seed-demo without --if-empty to load it)."
        )
        return
    ev, made = load_demo()
    if made:
        path = demo_logins_path()
        old = json.loads(path.read_text()) if path.exists() else {}
        old.update(made)
        path.write_text(json.dumps(old, ensure_ascii=False, indent=1))
        path.chmod(0o600)
    click.echo(f"Đã tạo sự kiện mẫu / demo event loaded: {ev.name}")
    for user, password in made.items():
        click.echo(f"  DEMO ONLY login: {user} / {password}")
    if made:
        click.echo(DEMO_WARNING)


#: said by seed-demo and serve while the demo logins exist
DEMO_WARNING = (
    "CẢNH BÁO / WARNING: các tài khoản demo ở trên đăng nhập được vào hệ thống. "
    "Trước sự kiện thật: tạo người dùng thật (create-user NAME --role admin) rồi xóa "
    "chúng bằng / the demo logins above work; before a real event create real users "
    "and remove them with: flask --app app remove-demo-users"
)


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", envvar="EVENT_KIOSK_PASSWORD", hidden=True)
def create_user(name: str, role: str, password: str | None) -> None:
    """Create a staff user (or reset their password and role). Password from a prompt or stdin."""
    if password is None:
        from commands.accounts import read_password

        password = read_password()
    if len(password or "") < 8:
        raise click.ClickException("Mật khẩu phải có ít nhất 8 ký tự / password: 8+ characters.")
    name = name.strip()
    if not name or len(name) > 80:
        raise click.ClickException("Tên đăng nhập không hợp lệ / invalid user name.")
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        user = User(username=name, role=role)
        db.session.add(user)
    user.role = role
    user.set_password(password)
    db.session.flush()
    audit("create_user", "user", user.id, actor="cli", role=role)
    db.session.commit()
    click.echo(f"Đã lưu người dùng {name} ({role}).")


@click.command("kiosk-token")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["hall", "exhibition"]),
    default="hall",
    help="exhibition: the kiosk at the exhibition entrance (marks booths set up).",
)
@click.option("--revoke", is_flag=True, help="Revoke the device's token instead.")
def kiosk_token(name: str, kind: str, revoke: bool) -> None:
    """Make a new device token for kiosk NAME (printed as the last line; stored hashed)."""
    from models.accounts.pairing import PHONE, devices_changed
    from models.core.timeutil import utcnow

    dev = db.session.scalar(select(Device).where(Device.name == name))
    if dev is not None and dev.platform == PHONE and not revoke:
        raise click.ClickException(f"{name} là điện thoại: ghép nối bằng scan-link {name} / a phone: use scan-link.")
    if revoke:
        if dev is None:
            raise click.ClickException(f"Không có thiết bị {name}.")
        dev.revoked_at = utcnow()
        audit("revoke_token", "device", dev.id, actor="cli")
        db.session.commit()
        devices_changed()  # every server process stops the token at once
        click.echo(f"Đã thu hồi mã của {name}.")
        return
    token = Device.new_token()
    if dev is None:
        dev = Device(name=name, token_hash=hash_token(token), kind=kind)
        db.session.add(dev)
    else:
        dev.token_hash, dev.kind, dev.revoked_at = hash_token(token), kind, None
    db.session.flush()
    audit("kiosk_token", "device", dev.id, actor="cli", kind=kind)
    db.session.commit()
    devices_changed()  # the old token stops at once
    click.echo(f"Mã thiết bị cho {name} ({kind}); the old one, if any, no longer works:")
    click.echo(token)


@click.command("export-codes")
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False))
def export_codes(out: str) -> None:
    """CSV for a print shop's mail merge: attendee_id, honorific, name, group, seat, code."""
    from models.events.models import Group
    from models.guests.badges import issue_missing_badges
    from models.guests.models import Attendee, Badge
    from models.hall.models import Seat

    ev = current_event_or_exit()
    issue_missing_badges(ev)
    db.session.commit()
    rows = db.session.execute(
        select(Attendee.id, Attendee.honorific, Attendee.full_name, Group.name, Seat.label, Badge.code)
        .join(Badge, (Badge.attendee_id == Attendee.id) & Badge.revoked_at.is_(None))
        .outerjoin(Group, Group.id == Attendee.group_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
        .order_by(Attendee.id)
    ).all()
    with open(out, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["attendee_id", "honorific", "name", "group", "seat", "code"])
        for r in rows:
            w.writerow([r[0], *[_safe_cell(v) for v in r[1:5]], r[5]])
    from models.privacy.exports import log_export

    log_export("codes", len(rows), event_id=ev.id, out=str(out))
    click.echo(f"{len(rows)} mã đã ghi vào {out}")


def _safe_cell(value: object) -> str:
    """Text that a spreadsheet will not run as a formula."""
    from models.guests.exports import DANGEROUS

    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def _setting(name: str):
    """A serve option's default: the app's setting (config.py read it from the environment)."""
    return current_app.config[name] if current_app else config.from_environment()[name]


@click.command("serve")
@click.option("--host", default=lambda: _setting("HOST"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: _setting("PORT"), type=Number(1, 65535), show_default="PORT or 8000")
@click.option(
    "--threads",
    default=lambda: _setting("THREADS"),
    type=Number(1, 1000),
    show_default="THREADS or 8",
    help="waitress threads per worker process",
)
@click.option(
    "--workers",
    default=lambda: _setting("WORKERS"),
    type=Number(1, 64),
    show_default="WORKERS or 1",
    help="server processes sharing the port (2 uses both cores of a 2-core laptop)",
)
@click.option(
    "--trusted-proxy",
    default=lambda: _setting("TRUSTED_PROXY"),
    show_default="TRUSTED_PROXY or none",
    help="address of a reverse proxy (e.g. caddy on 127.0.0.1) whose X-Forwarded-For/"
    "-Proto/-Host headers are believed; from any other address they are dropped",
)
@click.option(
    "--https",
    "https",
    is_flag=True,
    help="also run caddy (tls internal, docs/Caddyfile) in front for phones: waitress on 127.0.0.1 "
    "behind it; EK_HOST, EK_HTTPS_PORT, EK_HTTP_PORT (docs/https.md)",
)
def serve(host: str, port: int, threads: int, workers: int, trusted_proxy: str, https: bool) -> None:
    """Serve with waitress and print the page URLs and the demo logins."""
    app = current_app._get_current_object()
    caddy = None
    if https:
        from commands.https import Caddy

        caddy = Caddy(app, port)
        caddy.check()
        host, trusted_proxy = "127.0.0.1", "127.0.0.1"  # nothing reaches waitress around caddy
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    click.echo("Event Kiosk is running:")
    for path, what in PAGES:
        click.echo(f"  {base}{path:<21} {what}")
    for line in demo_banner():
        click.echo(line)
    click.echo(
        f"Database: {_redacted(current_app.config['SQLALCHEMY_DATABASE_URI'])}"
        f" · {workers} process(es) × {threads} threads"
    )
    if trusted_proxy:
        click.echo(f"Behind the reverse proxy at {trusted_proxy} (HTTPS: docs/https.md)")
    sys.stdout.flush()
    run_waitress(
        app, host=host, port=port, threads=threads, workers=workers, trusted_proxy=trusted_proxy, sidecar=caddy
    )


def demo_banner() -> list[str]:
    """What serve says about the demo logins while they still work (nothing once removed)."""
    path = demo_logins_path()
    if not path.exists():
        return []
    logins = json.loads(path.read_text())
    live = set(db.session.scalars(select(User.username).where(User.username.in_(list(logins)), User.active.is_(True))))
    if not live:
        return []
    return (
        ["DEMO ONLY logins (they work now):"]
        + [f"  {user:<6} {password}" for user, password in logins.items() if user in live]
        + [DEMO_WARNING]
    )


def _start_helpers(app: Flask) -> None:
    """What a serving process runs beside waitress: the SQLite WAL checkpointer thread and the
    dashboard's renderer process."""
    from admin.dashboard import worker as dashboard_worker
    from models.core.database import start_checkpointer

    with app.app_context():
        start_checkpointer(db.engine)
        _sweep_uploads(app)
    dashboard_worker.start(app)


def _sweep_uploads(app: Flask) -> None:
    """Uploaded guest lists left by a previous run whose preview has expired are deleted."""
    from admin.core.uploads import sweep_imports

    path = Path(app.instance_path) / "imports"
    if path.is_dir():
        sweep_imports(path, app.config["IMPORT_PREVIEW_SECONDS"])


def proxy_options(trusted_proxy: str) -> dict:
    """waitress settings that believe X-Forwarded-For/-Proto/-Host only from ``trusted_proxy``
    (one hop; the headers are removed from requests of any other address)."""
    if not trusted_proxy:
        return {}
    return {
        "trusted_proxy": trusted_proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        "clear_untrusted_proxy_headers": True,
    }


def run_waitress(
    app: Flask, *, host: str, port: int, threads: int, workers: int = 1, trusted_proxy: str = "", sidecar=None
) -> None:
    """waitress in ``workers`` forked processes that share one listening socket (the kernel
    hands each new connection to one of them), kept running by this process: a worker that
    dies (killed, crashed, out of memory) is replaced at once. Each process has its own
    database connections; the database keeps them consistent."""
    import socket

    from webserver import raise_open_file_limit

    # Python's GIL switch interval stays at its 5 ms default: measured with
    # scripts/bench_checkin.py, 1 ms halved the throughput (912 -> 526 check-ins/s).
    if app.config.get("SWITCH_INTERVAL"):
        sys.setswitchinterval(float(app.config["SWITCH_INTERVAL"]))
    # "Task queue depth is N" on every queued request would flood the operator's terminal
    import logging

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    raise_open_file_limit()  # every connection is a descriptor; the workers inherit the limit
    options = dict(
        threads=threads,
        ident="event-kiosk",
        connection_limit=int(app.config.get("CONNECTION_LIMIT", 10000)),
        per_address=int(app.config.get("CONNECTIONS_PER_ADDRESS", 100)),
        **proxy_options(trusted_proxy),
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    db.engine.dispose()  # no connection may cross a fork
    Supervisor(app, sock, options, max(1, workers), sidecar).run()


def _follow_parent() -> None:
    """A worker ends within a second when its supervisor is gone (killed with -9): no orphan
    keeps the port, so `serve` can be started again (systemd kills them with the unit anyway)."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-supervisor", daemon=True).start()


class Supervisor:
    """Forks the worker processes and replaces any that ends while the server is meant to run
    (a worker that ends within a second of its start is restarted after a second's pause, so a
    broken start never spins). SIGTERM or SIGINT stops the workers and returns. A ``sidecar``
    (``serve --https``: caddy, commands/https.py) is started after the workers, restarted the
    same way, and stopped with them."""

    def __init__(self, app: Flask, sock, options: dict, workers: int, sidecar=None):
        self.app, self.sock, self.options, self.workers = app, sock, options, workers
        self.sidecar = sidecar
        self.children: dict[int, float] = {}  # pid -> when it started (monotonic)
        self.stopping = False
        self.restarts = 0

    def spawn(self) -> None:
        import signal
        import time

        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, signal.default_int_handler)
            _follow_parent()
            try:
                from webserver import serve as waitress_serve

                with self.app.app_context():
                    db.engine.dispose(close=False)
                _start_helpers(self.app)  # each worker process has its own
                waitress_serve(self.app, sockets=[self.sock], **self.options)
            finally:
                os._exit(0)
        self.children[pid] = time.monotonic()

    def stop(self, *_args) -> None:
        import signal

        self.stopping = True
        if self.sidecar is not None:
            self.sidecar.stop()
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> None:
        import signal
        import time

        for _ in range(self.workers):
            self.spawn()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        try:
            self._start_sidecar()
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                if self.sidecar is not None and pid == self.sidecar.pid:
                    self._sidecar_ended()
                    continue
                started = self.children.pop(pid, None)
                if started is None or self.stopping:
                    continue
                how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
                click.echo(f"server worker {pid} ended ({how}); starting a new one", err=True)
                if time.monotonic() - started < 1:
                    time.sleep(1)
                if self.stopping:
                    continue
                self.restarts += 1
                self.spawn()
        finally:
            self.stop()

    def _start_sidecar(self) -> None:
        if self.sidecar is None:
            return
        self.sidecar.start()
        self.sidecar.wait_ready()
        for line in self.sidecar.banner():
            click.echo(line)
        sys.stdout.flush()

    def _sidecar_ended(self) -> None:
        """caddy ended (it was reaped by os.wait): started again unless the server is stopping."""
        import time

        self.sidecar.pid = None
        if self.stopping:
            return
        click.echo("caddy ended; starting it again", err=True)
        time.sleep(1)
        if not self.stopping:
            self.sidecar.start()


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


PAGES = [
    ("/login", "đăng nhập / log in"),
    ("/admin/", "tổng quan trực tiếp / live dashboard (admin)"),
    ("/admin/events", "sự kiện: tạo, chọn sự kiện hiện tại / events: create, choose (admin)"),
    ("/admin/event", "thiết lập sự kiện, chương trình, thành phần, đơn vị / settings, structure (admin)"),
    ("/admin/attendees", "đại biểu, nhập danh sách, xếp chỗ, in thẻ / guest list, seats, badges"),
    ("/admin/exhibitors", "gian hàng trưng bày / exhibition (admin)"),
    ("/admin/awards", "trao thưởng / award order and batches (admin)"),
    ("/admin/districts", "đoàn đại biểu các đơn vị / delegations (admin)"),
    ("/admin/devices", "máy kiosk, điện thoại quét thẻ, liên kết ghép nối / scanners, phone pairing (admin)"),
    ("/desk/", "bàn đón tiếp / desk: search, check in, USB scanner, walk-ins"),
    ("/mc/", "người dẫn chương trình / MC tablet"),
    ("/stage/", "màn hình sân khấu / stage screen (public)"),
    ("/exhibitors/register", "đăng ký gian hàng / booth registration (public)"),
    ("/trust", "chứng chỉ gốc cho điện thoại (HTTPS) / the local CA for phones (public)"),
    ("/exhibition/", "sản phẩm trưng bày cho khách tham quan / the exhibition for visitors (public)"),
    ("/api/v1/checkins", "API cho kiosk / kiosk API (POST, Bearer token)"),
]

"""`serve --https` (issue 24 item 4): Debian's caddy in front of waitress with the project's
docs/Caddyfile (`tls internal`: the venue's own certificate authority), as a child of the server
that is started with it, started again if it ends, and stopped with it. caddy's data folder is
instance/caddy (XDG_DATA_HOME), so the CA, and the phones' trust in it, last from one run to the
next. waitress listens on 127.0.0.1 only and believes caddy's X-Forwarded-* headers."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import click
from flask import Flask

from config import child_environment, private_dir
from models.core.local_ca import caddy_home, fingerprint, root_cert

CADDYFILE = Path(__file__).resolve().parents[1] / "docs" / "Caddyfile"
MISSING = (
    "Chưa cài caddy (máy chủ HTTPS) / caddy is not installed: apt-get install caddy "
    "(or make install-test); docs/https.md"
)


def _die_with_parent() -> None:
    """caddy gets SIGTERM if the server is killed outright (Linux prctl PR_SET_PDEATHSIG): no
    orphan keeps the ports."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


class Caddy:
    """The caddy child process of `serve --https`."""

    def __init__(self, app: Flask, port: int):
        cfg = app.config
        self.home = caddy_home(app.instance_path)
        self.root = root_cert(app.instance_path)
        self.host, self.https_port, self.http_port = cfg["EK_HOST"], int(cfg["EK_HTTPS_PORT"]), int(cfg["EK_HTTP_PORT"])
        self.env = child_environment(
            XDG_DATA_HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / "config"),
            EK_HOST=self.host,
            EK_HTTPS_PORT=str(self.https_port),
            EK_HTTP_PORT=str(self.http_port),
            EK_PORT=str(port),
        )
        self.exe = shutil.which("caddy")
        self.pid: int | None = None

    def check(self) -> None:
        if self.exe is None:
            raise click.ClickException(MISSING)

    def start(self) -> int:
        private_dir(self.home)
        with open(self.home / "caddy.log", "ab") as log:
            proc = subprocess.Popen(
                [self.exe, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent,
            )
        self.pid = proc.pid
        return proc.pid

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until caddy has its CA and listens on the HTTPS port; ClickException (with its log)
        when it ends first or does not come up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ended = os.waitpid(self.pid, os.WNOHANG)[0] if self.pid else 0
            if ended:
                self.pid = None
                raise click.ClickException("caddy dừng ngay khi khởi động / caddy stopped:\n" + self.log_tail())
            if self.root.is_file() and _listening(self.https_port):
                return
            time.sleep(0.1)
        raise click.ClickException("caddy không khởi động được / caddy did not start:\n" + self.log_tail())

    def log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join((self.home / "caddy.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
            for _ in range(50):
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    break
                time.sleep(0.1)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.pid = None

    def banner(self) -> list[str]:
        https = f"https://{self.host}" + ("" if self.https_port == 443 else f":{self.https_port}")
        http = f"http://{self.host}" + ("" if self.http_port == 80 else f":{self.http_port}")
        return [
            f"HTTPS (caddy, tls internal): {https}/   <- phones and laptops open this address",
            f"Trust the venue's CA once per phone: {http}/trust   (root.crt: {http}/trust/root.crt)",
            f"CA root SHA-256: {fingerprint(self.root.read_bytes())}",
        ]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False

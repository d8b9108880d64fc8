"""The phone scanner's routes: /scan/ (the page, no login, a CSP that allows WebAssembly and
nothing more) and /vendor/<path> (a fixed list of files from node_modules, nothing else)."""

from __future__ import annotations

import re

import pytest

from admin.scan.views import NODE_MODULES, VENDOR_FILES

pytestmark = pytest.mark.skipif(not NODE_MODULES.is_dir(), reason="node_modules missing: run `make install`")


def directive(csp: str, name: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith(name + " "))


def test_the_page_needs_no_login_and_may_compile_webassembly_only(client):
    r = client.get("/scan/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'src="/static/js/scan.js"' in html and 'type="module"' in html
    assert 'data-wasm-url="/vendor/zxing-wasm/dist/reader/zxing_reader.wasm"' in html
    assert "Xin mời quý đại biểu đưa mã QR vào khung hình" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    csp = r.headers["Content-Security-Policy"]
    assert directive(csp, "script-src") == "script-src 'self' 'wasm-unsafe-eval'"
    assert directive(csp, "connect-src") == "connect-src 'self'"  # no CDN, no other server
    assert "unsafe-inline" not in csp and "unsafe-eval'" not in csp.replace("wasm-unsafe-eval'", "")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "camera=(self)" in r.headers["Permissions-Policy"]
    # every other page keeps the strict policy
    other = client.get("/login").headers["Content-Security-Policy"]
    assert directive(other, "script-src") == "script-src 'self'"


@pytest.mark.parametrize("path", sorted(VENDOR_FILES))
def test_vendor_serves_the_listed_files_with_long_caching(client, path):
    r = client.get(f"/vendor/{path}")
    assert r.status_code == 200
    assert r.mimetype == VENDOR_FILES[path]
    assert r.data == (NODE_MODULES / path).read_bytes()
    assert r.headers["Cache-Control"] == "public, max-age=604800"
    again = client.get(f"/vendor/{path}", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_the_reader_wasm_is_webassembly(client):
    r = client.get("/vendor/zxing-wasm/dist/reader/zxing_reader.wasm")
    assert r.data[:4] == b"\0asm" and r.mimetype == "application/wasm"


@pytest.mark.parametrize(
    "path",
    [
        "zxing-wasm/package.json",
        "zxing-wasm/dist/full/zxing_full.wasm",
        "@noble/ed25519/index.ts",
        "zxing-wasm/dist/es/reader/../../../package.json",
        "zxing-wasm/dist/es/reader/..%2f..%2f..%2fpackage.json",
        "../package.json",
        "..%2F..%2Fconfig.py",
        "%2e%2e/%2e%2e/app.py",
        "/etc/passwd",
        "@noble/ed25519/index.js/",
        "@NOBLE/ed25519/index.js",
        ".package-lock.json",
    ],
)
def test_vendor_refuses_anything_else(client, path):
    r = client.get(f"/vendor/{path}", follow_redirects=True)  # "//etc" is first redirected to "/etc"
    assert r.status_code == 404
    assert b"zxing" not in r.data and b"root:" not in r.data


def test_the_service_worker_is_served_under_scan_and_always_revalidated(client):
    r = client.get("/scan/sw.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Cache-Control"] == "no-cache"
    body = r.get_data(as_text=True)
    assert "/api/" not in body.split("PRECACHE")[1].split("];")[0]  # the API is never cached
    for path in VENDOR_FILES:  # every vendor file is kept for a reload without the network
        assert f'"/vendor/{path}"' in body

"""Issue 24 item 4: /trust explains the venue's local CA and offers its root certificate, with a
QR of a plain-HTTP address a phone can open before it trusts the CA."""

from __future__ import annotations

import hashlib
import re
import ssl
import subprocess

import numpy as np
import zxingcpp

from models.core.local_ca import root_cert


def _make_ca(instance) -> bytes:
    path = root_cert(instance)
    path.parent.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=Test Local Authority", "-keyout", str(path.with_name("root.key")), "-out", str(path)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return path.read_bytes()


def _qr_text(html: str) -> str:
    """The QR drawn on /trust, decoded by zxing-cpp."""
    return svg_qr_text(html.split('class="qr"', 1)[1].split("</div>", 1)[0])


def svg_qr_text(svg: str) -> str:
    """The text of a QR drawn by models.core.qr.qr_svg (one square per dark module), decoded by
    zxing-cpp from the SVG itself."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    img = np.full((size, size), 255, np.uint8)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        img[int(y), int(x)] = 0
    return zxingcpp.read_barcodes(np.kron(img, np.ones((3, 3), np.uint8)))[0].text


def test_trust_without_https_says_so_and_has_no_file(app, client, tmp_path):
    app.instance_path = str(tmp_path)
    r = client.get("/trust")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "chưa bật HTTPS" in html and "make run-https" in html
    assert client.get("/trust/root.crt").status_code == 404


def test_trust_offers_the_root_certificate_and_a_plain_http_qr(app, client, tmp_path):
    app.instance_path = str(tmp_path)
    pem = _make_ca(tmp_path)
    r = client.get("/trust/root.crt")
    assert r.status_code == 200 and r.data == pem
    assert r.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert "attachment" in r.headers["Content-Disposition"]
    r = client.get("/trust")  # plain HTTP: the address the phone used
    html = r.get_data(as_text=True)
    for text in ("Android", "iPhone", "VPN & Quản lý thiết bị", "Cài đặt tin cậy chứng nhận", "tin cậy hoàn toàn"):
        assert text in html, text
    assert 'data-url="http://localhost/trust/root.crt"' in html
    assert _qr_text(html) == "http://localhost/trust/root.crt"
    der = ssl.PEM_cert_to_DER_cert(pem.decode())
    assert hashlib.sha256(der).hexdigest().upper()[:8] in html.replace(":", "")
    # over HTTPS through caddy: the same host on caddy's plain-HTTP port (EK_HTTP_PORT)
    app.config["EK_HTTP_PORT"] = 8080
    r = client.get("/trust", base_url="https://192.168.1.10:8443")
    assert 'data-url="http://192.168.1.10:8080/trust/root.crt"' in r.get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = "http://ek.lan:81/"
    r = client.get("/trust", base_url="https://192.168.1.10:8443")
    assert _qr_text(r.get_data(as_text=True)) == "http://ek.lan:81/trust/root.crt"


def test_trust_in_english(app, client, tmp_path):
    """(A test of its own: the outer app context keeps the first request's language.)"""
    app.instance_path = str(tmp_path)
    _make_ca(tmp_path)
    html = client.get("/trust?lang=en").get_data(as_text=True)
    assert "Settings → General → About → Certificate Trust Settings" in html
    assert "VPN &amp; Device Management" in html or "VPN & Device Management" in html

"""Error pages: HTML in Vietnamese for pages, JSON under /api/. Never a stack trace."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models.core.base import db
from models.core.numbers import NumberError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _out_of_range(exc: BaseException) -> bool:
    """The driver refused a value: an int beyond 64 bits (OverflowError) or PostgreSQL's
    "out of range" / NUL errors (DataError). Raised before anything is written."""
    from sqlalchemy.exc import DataError

    orig = getattr(exc, "orig", None)
    return isinstance(exc, OverflowError | DataError) or isinstance(orig, OverflowError)


def _no_current_event() -> bool:
    """A page that needs the current event found none: say so kindly, not "404"."""
    from models.events.service import current_event_id

    try:
        return current_event_id() is None
    except Exception:  # the database itself is unreachable: the plain error page
        db.session.rollback()
        return False


def register(app: Flask, no_event_page: Callable[[], object]) -> None:
    """The error pages; ``no_event_page`` (admin.events.listing, given by the composition root)
    answers a page's 404 when there is no current event."""
    messages = {
        400: lambda: _("Yêu cầu không hợp lệ."),
        401: lambda: _("Vui lòng đăng nhập."),
        403: lambda: _("Bạn không có quyền truy cập trang này."),
        404: lambda: _("Không tìm thấy trang."),
        405: lambda: _("Phương thức không được hỗ trợ."),
        413: lambda: _("Tệp quá lớn."),
        429: lambda: _("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."),
        500: lambda: _("Lỗi máy chủ. Vui lòng thử lại."),
    }

    def render(status: int, message: str, code: str):
        if _wants_json():
            return jsonify({"error": code, "message": message}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render(
            400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."), "csrf"
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if (
            status == 404
            and request.url_rule is not None
            and not _wants_json()
            and not request.path.endswith(".json")
            and _no_current_event()
        ):
            return no_event_page()
        msg = getattr(exc, "user_message", None) or messages.get(status, lambda: exc.name)()
        return render(status, msg, exc.name.lower().replace(" ", "_"))

    @app.errorhandler(NumberError)
    def _number(exc: NumberError):
        """A number read by models.core.numbers.parse_int deep in a form reader: bad input."""
        db.session.rollback()
        return render(400, _("Phải là số nguyên, chỉ gồm chữ số 0–9."), "bad_request")

    @app.errorhandler(Exception)
    def _any(exc: Exception):
        if _out_of_range(exc):  # a number the database cannot hold (a form's id): bad input
            db.session.rollback()
            return render(400, messages[400](), "bad_request")
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return render(500, messages[500](), "server_error")

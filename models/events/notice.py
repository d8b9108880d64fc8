"""The personal data notice shown on the public forms, and the consent kept with what they store
(Law 91/2025/QH15 art. 9 and 11, Decree 356/2025/NĐ-CP; issue 23 item 1).

Each event has its own notice (``Event.privacy_notice`` in Vietnamese, ``privacy_notice_en`` in
English, edited on /admin/event); an empty text means the default built here from the event's
issuing body, name, date, retention and ``privacy_contact``. ``privacy_notice_version`` goes up
whenever the text shown changes (bump_if_changed, called by the settings update), and every
version's text is kept in the audit log ("privacy_notice"), so the words a person agreed to can be
read back from ``consent_version``.

notice_text(ev, lang) -> the text shown ("vi" or "en").
bump_if_changed(ev, before, actor=, user_id=) -> the new version, or None when the text is the same.
stamp_consent(row, ev, now=None): ``consent_at`` and ``consent_version`` on an Exhibitor or Attendee.
consent_given(form) -> whether the posted ``consent`` box was ticked.
CONSENT_REQUIRED: the Vietnamese error when it was not.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from models.accounts.models import audit
from models.core.timeutil import utcnow
from models.core.vndate import numeric_date
from models.events.models import Event

CONSENT_REQUIRED = _l("Vui lòng đánh dấu ô đồng ý với thông báo xử lý dữ liệu cá nhân.")
#: how long after the event the data is kept when the event says nothing else (issue 23)
DEFAULT_RETENTION_DAYS = 90

_VI = """{body} (bên kiểm soát dữ liệu) thu thập các thông tin trong mẫu này: họ tên, danh xưng, chức vụ, \
đơn vị, số điện thoại, email{extra_vi}.

Mục đích: mời và đón tiếp đại biểu, cấp thẻ ra vào có mã QR, xếp chỗ ngồi, điểm danh, bố trí gian \
hàng trưng bày và báo cáo kết quả của {event}. Không dùng cho mục đích khác, không bán, không chuyển \
cho bên thứ ba ngoài các cơ quan tham gia tổ chức.

Thời gian lưu trữ: {retention_vi}; sau đó dữ liệu được xóa, chỉ giữ số liệu thống kê không gắn với \
cá nhân.

Quyền của người có dữ liệu (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15): được biết, xem, sửa, \
yêu cầu xóa dữ liệu của mình, rút lại sự đồng ý và khiếu nại. Việc rút lại sự đồng ý không ảnh \
hưởng đến việc xử lý đã thực hiện trước đó.

Liên hệ: {contact_vi}."""

_EN = """{body} (the data controller) collects the information in this form: name, title, position, \
organisation, phone number, e-mail{extra_en}.

Purpose: to invite and receive delegates, issue admission badges with a QR code, seat delegates, \
record attendance, arrange exhibition booths and report on {event}. It is not used for anything \
else, not sold, and not passed on to anyone outside the bodies organising the event.

Retention: {retention_en}; the data is then deleted, keeping only statistics that name no one.

Your rights (Law on Personal Data Protection No. 91/2025/QH15): to know, see and correct your data, \
to ask for it to be deleted, to withdraw your consent and to complain. Withdrawing consent does not \
affect processing done before.

Contact: {contact_en}."""


def _retention_days(ev: Event) -> int:
    days = getattr(ev, "retention_days", None)  # issue 23 item 2 adds the column
    return days if isinstance(days, int) and days > 0 else DEFAULT_RETENTION_DAYS


def default_notice(ev: Event, lang: str = "vi") -> str:
    """The notice built from the event's own settings."""
    body = (ev.issuing_body or ev.organiser or ev.parent_body or "").strip()
    days = _retention_days(ev)
    when = numeric_date(ev.date) if ev.date else ""
    contact = (ev.privacy_contact or "").strip()
    if lang == "en":
        return _EN.format(
            body=body or "The organising committee",
            extra_en=", arrival times at the event",
            event=ev.name,
            retention_en=f"{days} days after the conference ({when})" if when else f"{days} days after the conference",
            contact_en=contact or f"the organising committee{', ' + body if body else ''} (see the invitation)",
        )
    return _VI.format(
        body=body or "Ban tổ chức",
        extra_vi=", thời gian đến dự",
        event=ev.name,
        retention_vi=f"{days} ngày sau ngày hội nghị ({when})" if when else f"{days} ngày sau ngày hội nghị",
        contact_vi=contact or f"Ban tổ chức{' - ' + body if body else ''} (theo giấy mời)",
    )


def notice_text(ev: Event, lang: str = "vi") -> str:
    """The notice shown on the public forms in ``lang``: the event's own text, else the default.
    An English page without an English text of the event's gets the default English text."""
    own = (ev.privacy_notice_en if lang == "en" else ev.privacy_notice) or ""
    return own.strip() or default_notice(ev, lang)


def notice_snapshot(ev: Event) -> tuple[str, str]:
    """Both texts shown now (to compare before and after a settings change)."""
    return notice_text(ev, "vi"), notice_text(ev, "en")


def bump_if_changed(ev: Event, before: tuple[str, str], *, actor: str = "", user_id: int | None = None) -> int | None:
    """Raise ``privacy_notice_version`` when the text shown differs from ``before`` (either
    language); the new version's texts go into the audit log. No commit."""
    after = notice_snapshot(ev)
    if after == tuple(before):
        return None
    ev.privacy_notice_version = (ev.privacy_notice_version or 1) + 1
    audit(
        "privacy_notice",
        "event",
        ev.id,
        actor=actor,
        user_id=user_id,
        version=ev.privacy_notice_version,
        text=after[0],
        text_en=after[1],
    )
    return ev.privacy_notice_version


def consent_given(form) -> bool:
    """Whether the posted form ticked the ``consent`` box."""
    return (form.get("consent") or "").strip().lower() in ("1", "on", "yes", "true", "y")


def stamp_consent(row, ev: Event, now: datetime | None = None) -> None:
    """Keep the consent with the stored record: when, and which version of the notice."""
    row.consent_at = now or utcnow()
    row.consent_version = ev.privacy_notice_version or 1

"""Private links (an exhibitor's status page, a district officer's page): a signed, timed token
naming a row and the row's current nonce. Reissuing a link changes the nonce, so the old link
stops working; a forged or altered token never verifies."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class LinkError(Exception):
    """``code`` is "invalid" (forged, altered, malformed, reissued) or "expired"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def sign_link(secret: str, salt: str, row_id: int, nonce: str) -> str:
    return URLSafeTimedSerializer(secret, salt=salt).dumps([row_id, nonce])


def read_link(token: object, secret: str, salt: str, max_age: int) -> tuple[int, str]:
    """(row id, nonce) from a token. Raises LinkError("invalid") or LinkError("expired");
    never anything else, whatever the input."""
    if not isinstance(token, str) or not 10 <= len(token) <= 300:
        raise LinkError("invalid")
    try:
        row_id, nonce = URLSafeTimedSerializer(secret, salt=salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise LinkError("invalid") from exc
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not isinstance(nonce, str) or not nonce:
        raise LinkError("invalid")
    return row_id, nonce

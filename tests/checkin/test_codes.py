import pytest
import qrcode

from models import codes


@pytest.fixture(scope="module")
def key():
    priv = codes.new_private_key()
    return priv, {(77, 1): codes.public_key_of(priv)}


def make(priv, **kw):
    args = {"event_tag": 77, "key_no": 1, "attendee_id": 42, "serial": 1} | kw
    return codes.make_code(priv, **args)


def test_roundtrip_and_fields(key):
    priv, ring = key
    code = make(priv)
    got = codes.verify_code(code, ring, event_tag=77)
    assert (got.event_tag, got.key_no, got.attendee_id, got.serial) == (77, 1, 42, 1)


def test_code_is_qr_alphanumeric_and_fits_version_6_m(key):
    priv, _ = key
    code = make(priv, event_tag=2**32 - 1, attendee_id=2**32 - 1, serial=65535)
    assert len(code) == codes.CODE_LENGTH == 123
    assert set(code) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    qr.make(fit=True)
    assert qr.version <= 6


def test_no_personal_data(key):
    priv, _ = key
    code = make(priv)
    assert "NGUYEN" not in code and "42" not in code[:3]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "x",
        "EK1",
        "EK1" + "A" * 120,
        "EK2" + "A" * 120,
        "ek1" + "A" * 120,
        None,
        123,
        b"EK1",
        "A" * 5000,
        "EK1" + "Ă" * 120,
        "\x00" * 123,
    ],
)
def test_garbage_is_invalid(key, bad):
    _, ring = key
    with pytest.raises(codes.CodeError) as exc:
        codes.verify_code(bad, ring)
    assert exc.value.code == "invalid"


def test_one_character_changed_is_invalid(key):
    priv, ring = key
    code = make(priv)
    for i in range(3, len(code), 7):
        alt = "B" if code[i] != "B" else "C"
        tampered = code[:i] + alt + code[i + 1 :]
        with pytest.raises(codes.CodeError) as exc:
            codes.verify_code(tampered, ring)
        assert exc.value.code == "invalid"


def test_other_key_cannot_mint(key):
    _, ring = key
    forged = codes.make_code(codes.new_private_key(), event_tag=77, key_no=1, attendee_id=1, serial=1)
    with pytest.raises(codes.CodeError):
        codes.verify_code(forged, ring)


def test_wrong_event_needs_a_known_key(key):
    priv, ring = key
    other_priv = codes.new_private_key()
    ring2 = dict(ring) | {(88, 1): codes.public_key_of(other_priv)}
    other = codes.make_code(other_priv, event_tag=88, key_no=1, attendee_id=1, serial=1)
    with pytest.raises(codes.CodeError) as exc:
        codes.verify_code(other, ring2, event_tag=77)
    assert exc.value.code == "wrong_event"
    with pytest.raises(codes.CodeError) as exc:
        codes.verify_code(other, ring, event_tag=77)  # unknown event: not ours at all
    assert exc.value.code == "invalid"


def test_rotation_two_keys_valid(key):
    priv, ring = key
    priv2 = codes.new_private_key()
    ring2 = dict(ring) | {(77, 2): codes.public_key_of(priv2)}
    assert codes.verify_code(make(priv), ring2).key_no == 1
    assert codes.verify_code(make(priv2, key_no=2), ring2).key_no == 2


def test_field_ranges(key):
    priv, _ = key
    with pytest.raises(ValueError):
        make(priv, attendee_id=-1)
    with pytest.raises(ValueError):
        make(priv, serial=70000)


def test_codes_module_is_pure():
    import ast
    import pathlib

    src = pathlib.Path(codes.__file__).read_text()
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "cv2", "pyzbar"}

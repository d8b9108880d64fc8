import unicodedata

from models.names import clean, fold, sort_key, title_case


def test_fold_ignores_accents_case_and_d():
    assert fold("Đặng Thị Ánh  Tuyết") == "dang thi anh tuyet"
    assert fold(unicodedata.normalize("NFD", "Nguyễn Văn Ẩn")) == "nguyen van an"


def test_clean_nfc_and_spaces():
    nfd = unicodedata.normalize("NFD", "  Huỳnh   Thị\tÝ ")
    assert clean(nfd) == "Huỳnh Thị Ý"
    assert unicodedata.is_normalized("NFC", clean(nfd))


def test_title_case():
    assert title_case("NGUYỄN văn a") == "Nguyễn Văn A"
    assert title_case("đặng thị ánh") == "Đặng Thị Ánh"


def test_vietnamese_order_given_name_first():
    names = ["Võ Văn Đông", "Trần Thị Ánh", "Nguyễn Văn An", "Lê Ăn", "Bùi Thị Ân",
             "Phạm Đức Bình", "Đặng Thị Dung", "Huỳnh Thị Anh", "Lê Ảnh"]
    assert sorted(names, key=sort_key) == [
        "Nguyễn Văn An", "Huỳnh Thị Anh", "Lê Ảnh", "Trần Thị Ánh", "Lê Ăn", "Bùi Thị Ân",
        "Phạm Đức Bình", "Đặng Thị Dung", "Võ Văn Đông"]


def test_same_given_name_then_family():
    assert sorted(["Trần An", "Bùi An", "Đỗ An", "Dương An"], key=sort_key) == [
        "Bùi An", "Dương An", "Đỗ An", "Trần An"]

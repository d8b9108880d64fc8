import unicodedata

from models.core.names import clean, fold, sort_key, title_case


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
    names = [
        "Võ Văn Đông",
        "Trần Thị Ánh",
        "Nguyễn Văn An",
        "Lê Ăn",
        "Bùi Thị Ân",
        "Phạm Đức Bình",
        "Đặng Thị Dung",
        "Huỳnh Thị Anh",
        "Lê Ảnh",
    ]
    assert sorted(names, key=sort_key) == [
        "Nguyễn Văn An",
        "Huỳnh Thị Anh",
        "Lê Ảnh",
        "Trần Thị Ánh",
        "Lê Ăn",
        "Bùi Thị Ân",
        "Phạm Đức Bình",
        "Đặng Thị Dung",
        "Võ Văn Đông",
    ]


def test_same_given_name_then_family():
    assert sorted(["Trần An", "Bùi An", "Đỗ An", "Dương An"], key=sort_key) == [
        "Bùi An",
        "Dương An",
        "Đỗ An",
        "Trần An",
    ]


def test_title_case_names_written_one_way():
    assert title_case("nguyễn thị thanh thủy") == "Nguyễn Thị Thanh Thủy"
    assert title_case("  TRẦN   văn  BÌNH ") == "Trần Văn Bình"
    # an apostrophe or a hyphen starts a part of its own (Ê Đê, Raglai names)
    assert title_case("h'hen niê") == "H'Hen Niê"
    assert title_case("Y-MOAN ÊBAN") == "Y-Moan Êban"
    assert title_case("Nguyễn Văn An") == "Nguyễn Văn An"
    assert title_case("") == "" and title_case(None) == ""


def test_fix_caps_positions_and_organisations():
    from models.core.names import fix_caps

    assert fix_caps("GIÁM ĐỐC") == "Giám đốc"
    assert fix_caps("CÔNG TY TNHH ABC") == "Công ty TNHH ABC"
    assert fix_caps("UBND TỈNH KHÁNH HÒA") == "UBND tỉnh Khánh Hòa"
    assert fix_caps("PHÓ CHỦ TỊCH UBND TỈNH") == "Phó Chủ tịch UBND tỉnh"
    assert fix_caps("GIÁM ĐỐC SỞ CÔNG THƯƠNG") == "Giám đốc Sở Công thương"
    assert fix_caps("CHỦ NHIỆM HTX") == "Chủ nhiệm HTX"
    assert fix_caps("UBND HUYỆN DIÊN KHÁNH, TỈNH KHÁNH HÒA") == "UBND huyện Diên Khánh, tỉnh Khánh Hòa"
    assert fix_caps("THÀNH VIÊN HĐND, MTTQ VÀ OCOP") == "Thành viên HĐND, MTTQ và OCOP"
    assert fix_caps("SỞ NN&PTNT") == "Sở NN&PTNT"
    assert fix_caps("PHÓ TRƯỞNG PHÒNG KINH TẾ TX NINH HÒA") == "Phó Trưởng phòng Kinh tế TX Ninh Hòa"
    assert fix_caps("THT RAU AN TOÀN VN") == "THT Rau An Toàn VN"
    # the second field of an agency's name, and words that only look like an agency or acronym
    assert fix_caps("PHÓ GIÁM ĐỐC SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG") == "Phó Giám đốc Sở Nông nghiệp và Môi trường"
    assert fix_caps("SỞ VĂN HÓA VÀ THỂ THAO") == "Sở Văn hóa và Thể thao"
    assert fix_caps("CHUYÊN VIÊN PHÒNG QUẢN LÝ THỊ TRƯỜNG") == "Chuyên viên Phòng Quản lý thị trường"
    assert fix_caps("BAN KINH TẾ TƯ") == "Ban Kinh tế TƯ"
    assert fix_caps("CÔNG TY CP ĐẦU TƯ") == "Công ty CP Đầu Tư"  # the firm's own name, not "TƯ"
    # the event's own names keep their capitals anywhere
    assert fix_caps("BÁO CAM LÂM") == "Báo Cam lâm"
    assert fix_caps("BÁO CAM LÂM", names=["Cam Lâm"]) == "Báo Cam Lâm"
    # the country and the provinces are always proper names
    assert fix_caps("BÁO KHÁNH HÒA") == "Báo Khánh Hòa"
    assert fix_caps("ĐÀI PHÁT THANH VÀ TRUYỀN HÌNH KHÁNH HÒA") == "Đài Phát thanh và Truyền hình Khánh Hòa"
    # only ALL-CAPS text changes; text typed in mixed case is left as typed
    assert fix_caps("Phó Giám đốc Sở Tài chính") == "Phó Giám đốc Sở Tài chính"
    assert fix_caps("giám đốc") == "giám đốc"
    assert fix_caps("") == "" and fix_caps("123") == "123"


def test_fix_caps_as_a_vietnamese_office_writes():
    """Sentence case for organisations (Decree 30/2020, Phụ lục II): the kind of body and its field
    capitalised, ordinary words in lower case, place names and acronyms as they are."""
    from models.core.names import fix_caps

    cases = {
        "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI TỈNH": "Văn phòng Điều phối nông thôn mới tỉnh",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG": "Sở Nông nghiệp và Môi trường",
        "ỦY BAN NHÂN DÂN XÃ CAM LÂM": "Ủy ban nhân dân xã Cam Lâm",
        "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA": "Ủy ban nhân dân tỉnh Khánh Hòa",
        "CHỦ TỊCH HỘI ĐỒNG NHÂN DÂN HUYỆN KHÁNH SƠN": "Chủ tịch Hội đồng nhân dân huyện Khánh Sơn",
        "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN": "Sở Nông nghiệp và Phát triển nông thôn",
        "CHI CỤC PHÁT TRIỂN NÔNG THÔN": "Chi cục Phát triển nông thôn",
        "LIÊN MINH HỢP TÁC XÃ TỈNH": "Liên minh Hợp tác xã tỉnh",
        "BẢO HIỂM XÃ HỘI TỈNH KHÁNH HÒA": "Bảo hiểm xã hội tỉnh Khánh Hòa",
        "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI": "Phòng Lao động - Thương binh và Xã hội",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH": "Sở Văn hóa, Thể thao và Du lịch",
        "BAN TUYÊN GIÁO TỈNH ỦY KHÁNH HÒA": "Ban Tuyên giáo Tỉnh ủy Khánh Hòa",
        "PHÓ BÍ THƯ ĐẢNG ỦY XÃ CAM HẢI TÂY": "Phó Bí thư Đảng ủy xã Cam Hải Tây",
        "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM TỈNH KHÁNH HÒA": "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa",
        "HTX NÔNG NGHIỆP XÃ CAM HẢI": "HTX Nông Nghiệp xã Cam Hải",
        "GIÁM ĐỐC SỞ TÀI CHÍNH, PHÓ CHỦ TỊCH UBND TỈNH": "Giám đốc Sở Tài chính, Phó Chủ tịch UBND tỉnh",
    }
    assert {k: fix_caps(k) for k in cases} == cases


def test_acronym_list_is_one_place():
    from models.core.names import ACRONYMS, fix_caps

    for word in ("UBND", "HĐND", "MTTQ", "HTX", "TNHH", "CP", "OCOP", "TP", "TX", "THT", "VN"):
        assert word in ACRONYMS
        assert fix_caps(f"ĐẠI DIỆN {word}") == f"Đại diện {word}"

"""Data for the demo event, taken from the plan of Khánh Hòa's OCOP 2024 review conference
(shared/seed). Persons are invented; organisations and places are the plan's."""

EVENT = {
    "slug": "ocop-khanh-hoa-2024",
    "name": "Hội nghị tổng kết, đánh giá Chương trình OCOP tỉnh Khánh Hòa năm 2024 "
    "và Triển khai Kế hoạch thực hiện năm 2025",
    "short_name": "Hội nghị tổng kết OCOP 2024",
    "organiser": "UBND tỉnh Khánh Hòa · Sở Nông nghiệp và Môi trường",
    "venue": "Hội trường Trung tâm Hội nghị tỉnh, TP Nha Trang",
    "address": "TP Nha Trang, tỉnh Khánh Hòa",
}

# code, name, name_en, colour, priority, flags
GROUPS = [
    ("lanh-dao-tinh", "Lãnh đạo UBND tỉnh", "Provincial leaders", "#c62828", 1, {"is_leader": True}),
    ("so-nganh", "Lãnh đạo các sở, ban, ngành", "Provincial departments", "#ad1457", 2, {"is_leader": True}),
    ("hoi-dong-ocop", "Hội đồng đánh giá, xếp hạng sản phẩm OCOP tỉnh", "OCOP evaluation council", "#6a1b9a", 3, {}),
    ("don-vi", "Liên minh HTX tỉnh, Ngân hàng Nhà nước", "Co-op union, State Bank", "#283593", 4, {}),
    ("hoi-doan-the", "Các Hội đoàn thể tỉnh", "Mass organisations", "#1565c0", 5, {}),
    ("lanh-dao-huyen", "Lãnh đạo UBND cấp huyện", "District leaders", "#00838f", 6, {}),
    ("phong-nn-huyen", "Phòng Nông nghiệp và Môi trường cấp huyện", "District agriculture offices", "#00695c", 7, {}),
    ("ubnd-xa", "UBND các xã, phường, thị trấn", "Commune committees", "#2e7d32", 8, {}),
    ("chu-the-ocop", "Chủ thể có sản phẩm OCOP", "OCOP producers", "#ef6c00", 9, {}),
    ("doanh-nghiep", "Doanh nghiệp nhỏ và vừa, HTX, tổ hợp tác", "SMEs and co-operatives", "#8d6e63", 10, {}),
    ("sieu-thi", "Đại diện các siêu thị", "Supermarkets", "#5d4037", 11, {}),
    ("bao-chi", "Báo chí, truyền hình", "Press", "#546e7a", 12, {"is_press": True}),
    ("nhan-vien-gian-hang", "Nhân viên gian hàng trưng bày", "Exhibition staff", "#9e9d24", 13,
     {"is_exhibitor_staff": True}),
]

# code, name, kind, tables
DISTRICTS = [
    ("nha-trang", "TP Nha Trang", "thành phố", 6),
    ("cam-ranh", "TP Cam Ranh", "thành phố", 4),
    ("ninh-hoa", "TX Ninh Hòa", "thị xã", 4),
    ("van-ninh", "Huyện Vạn Ninh", "huyện", 4),
    ("dien-khanh", "Huyện Diên Khánh", "huyện", 4),
    ("cam-lam", "Huyện Cam Lâm", "huyện", 4),
    ("khanh-vinh", "Huyện Khánh Vĩnh", "huyện", 3),
    ("khanh-son", "Huyện Khánh Sơn", "huyện", 3),
    ("truong-sa", "Huyện Trường Sa", "huyện", 1),
]

COMMUNES = {
    "nha-trang": ["Vĩnh Lương", "Vĩnh Phương", "Phước Đồng", "Vĩnh Ngọc"],
    "cam-ranh": ["Cam Thịnh Đông", "Cam Lập", "Cam Phước Đông", "Cam Thành Nam"],
    "ninh-hoa": ["Ninh Xuân", "Ninh Tân", "Ninh Ích", "Ninh Phụng", "Ninh Sơn"],
    "van-ninh": ["Vạn Thắng", "Vạn Hưng", "Vạn Phước", "Đại Lãnh", "Vạn Lương"],
    "dien-khanh": ["Diên An", "Suối Hiệp", "Diên Lâm", "Diên Phú", "Diên Thọ"],
    "cam-lam": ["Cam Hải Tây", "Suối Tân", "Cam Tân", "Sơn Tân", "Cam An Bắc"],
    "khanh-vinh": ["Khánh Bình", "Sông Cầu", "Khánh Đông", "Liên Sang"],
    "khanh-son": ["Sơn Bình", "Thành Sơn", "Sơn Lâm", "Ba Cụm Bắc"],
    "truong-sa": ["Song Tử Tây"],
}

DEPARTMENTS = [
    "Sở Nông nghiệp và Môi trường", "Sở Tài chính", "Sở Công Thương", "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Sở Nội vụ",
    "Sở Dân tộc và Tôn giáo", "Sở Giáo dục và Đào tạo", "Văn phòng Điều phối nông thôn mới tỉnh",
    "Văn phòng UBND tỉnh",
]
MASS_ORGS = [
    "Ủy ban MTTQ Việt Nam tỉnh", "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh",
    "Tỉnh Đoàn Khánh Hòa", "Hội Cựu chiến binh tỉnh",
]
PRESS = [
    "Đài Phát thanh và Truyền hình Khánh Hòa", "Báo Khánh Hòa", "Thông tấn xã Việt Nam",
    "Báo Nông nghiệp và Môi trường", "Báo Nhân Dân", "Truyền hình Thông tấn",
]
SUPERMARKETS = ["Siêu thị Co.opmart Nha Trang", "Siêu thị GO! Nha Trang", "Siêu thị WinMart Nha Trang"]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Châu", "Mai", "Tô"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Ngọc", "Xuân", "Tấn", "Đình"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Thị Ánh", "Thị Thu", "Bích", "Hồng"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Đông", "Hải", "Hiếu", "Hùng", "Khải", "Khoa",
           "Lâm", "Long", "Lợi", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tài",
           "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Vinh", "Vũ", "Ẩn", "Ân"]
GIVEN_F = ["Anh", "Ánh", "Châu", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hồng",
           "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "Ngân", "Nhung", "Oanh", "Phượng",
           "Quyên", "Thảo", "Thủy", "Trang", "Tuyết", "Uyên", "Vân", "Xuân", "Yến", "Ý"]

# (district, kind, entity name, contact position, [(product, ocop group, stars or None)])
EXHIBITORS = [
    ("nha-trang", "enterprise", "Công ty TNHH Yến sào Hòn Nội Xanh", "Giám đốc",
     [("Nước yến sào cao cấp", "thuc_pham", 5), ("Yến sào tinh chế", "thuc_pham", 4)]),
    ("nha-trang", "enterprise", "Công ty CP Thủy sản Biển Nhũ Tiên", "Giám đốc",
     [("Chả cá Nha Trang", "thuc_pham", 4), ("Mực một nắng", "thuc_pham", 3)]),
    ("nha-trang", "household", "Hộ kinh doanh Nước mắm Cửa Bé Xưa", "Chủ hộ",
     [("Nước mắm cá cơm 40 độ đạm", "thuc_pham", 3)]),
    ("nha-trang", "cooperative", "HTX Dịch vụ Du lịch Làng chài Vĩnh Lương", "Chủ nhiệm HTX",
     [("Tour trải nghiệm làng chài", "du_lich", 3), ("Khô cá dứa", "thuc_pham", None)]),
    ("cam-ranh", "enterprise", "Công ty TNHH Hải sản Bãi Dài", "Giám đốc",
     [("Tôm khô Cam Ranh", "thuc_pham", 4), ("Mắm tôm chua", "thuc_pham", 3)]),
    ("cam-ranh", "cooperative", "HTX Nông nghiệp Cam Thịnh Đông", "Chủ nhiệm HTX",
     [("Xoài Úc sấy dẻo", "thuc_pham", 3)]),
    ("cam-ranh", "household", "Hộ kinh doanh Bánh tráng Cam Phước", "Chủ hộ",
     [("Bánh tráng mè đen", "thuc_pham", 3)]),
    ("ninh-hoa", "enterprise", "Công ty TNHH Nem Ninh Hòa Truyền Thống", "Giám đốc",
     [("Nem chua Ninh Hòa", "thuc_pham", 4), ("Nem nướng đóng gói", "thuc_pham", 3)]),
    ("ninh-hoa", "cooperative", "HTX Nông nghiệp Ninh Xuân", "Chủ nhiệm HTX",
     [("Gạo sạch Ninh Xuân", "thuc_pham", 3), ("Nếp than", "thuc_pham", None)]),
    ("ninh-hoa", "coop_group", "Tổ hợp tác Đan lát Ninh Tân", "Tổ trưởng",
     [("Giỏ mây tre đan", "thu_cong", 3)]),
    ("van-ninh", "enterprise", "Công ty TNHH Mật ong Vạn Giã", "Giám đốc",
     [("Mật ong hoa nhãn", "thuc_pham", 3), ("Mật ong hoa cà phê", "thuc_pham", 3)]),
    ("van-ninh", "cooperative", "HTX Nuôi trồng Thủy sản Vạn Hưng", "Chủ nhiệm HTX",
     [("Cá bớp một nắng", "thuc_pham", 3)]),
    ("van-ninh", "household", "Hộ kinh doanh Nước mắm Đầm Môn", "Chủ hộ",
     [("Nước mắm nhĩ truyền thống", "thuc_pham", 3)]),
    ("dien-khanh", "cooperative", "HTX Nông nghiệp Diên An", "Chủ nhiệm HTX",
     [("Bưởi da xanh Diên Khánh", "thuc_pham", 3), ("Mít sấy giòn", "thuc_pham", None)]),
    ("dien-khanh", "enterprise", "Công ty TNHH Trà thảo mộc Suối Hiệp", "Giám đốc",
     [("Trà lá sen túi lọc", "do_uong", 3), ("Trà atiso", "do_uong", 3)]),
    ("dien-khanh", "household", "Hộ kinh doanh Bánh tráng Diên Phú", "Chủ hộ",
     [("Bánh tráng nướng", "thuc_pham", 3)]),
    ("dien-khanh", "enterprise", "Công ty TNHH Dược liệu Hòn Bà", "Giám đốc",
     [("Cao sâm Bố Chính", "duoc_lieu", 4)]),
    ("cam-lam", "cooperative", "HTX Xoài Cam Lâm", "Chủ nhiệm HTX",
     [("Xoài Cam Lâm tươi", "thuc_pham", 4), ("Nước ép xoài", "do_uong", 3)]),
    ("cam-lam", "enterprise", "Công ty TNHH Thực phẩm Suối Tân", "Giám đốc",
     [("Hạt điều rang muối", "thuc_pham", 3)]),
    ("cam-lam", "household", "Hộ kinh doanh Mứt xoài Cam Hải", "Chủ hộ",
     [("Mứt xoài dẻo", "thuc_pham", 3)]),
    ("cam-lam", "coop_group", "Tổ hợp tác Hoa lan Sơn Tân", "Tổ trưởng",
     [("Lan rừng chậu", "sinh_vat_canh", None)]),
    ("khanh-vinh", "cooperative", "HTX Nông nghiệp Khánh Bình", "Chủ nhiệm HTX",
     [("Bưởi da xanh Khánh Bình", "thuc_pham", 3), ("Mật ong rừng", "thuc_pham", 3)]),
    ("khanh-vinh", "household", "Hộ kinh doanh Rượu cần Sông Cầu", "Chủ hộ",
     [("Rượu cần truyền thống", "do_uong", 3)]),
    ("khanh-vinh", "coop_group", "Tổ hợp tác Dệt thổ cẩm Khánh Đông", "Tổ trưởng",
     [("Khăn thổ cẩm", "thu_cong", None)]),
    ("khanh-son", "cooperative", "HTX Sầu riêng Khánh Sơn", "Chủ nhiệm HTX",
     [("Sầu riêng Khánh Sơn", "thuc_pham", 3), ("Kem sầu riêng", "thuc_pham", None)]),
    ("khanh-son", "enterprise", "Công ty TNHH Cà phê Tô Hạp", "Giám đốc",
     [("Cà phê rang xay Khánh Sơn", "do_uong", 3)]),
    ("khanh-son", "household", "Hộ kinh doanh Chuối sấy Sơn Lâm", "Chủ hộ",
     [("Chuối sấy dẻo", "thuc_pham", 3)]),
    ("nha-trang", "enterprise", "Công ty TNHH Tinh dầu Trầm Hương Phước Đồng", "Giám đốc",
     [("Nhang trầm hương", "thu_cong", 3)]),
    ("cam-ranh", "cooperative", "HTX Muối Cam Lập", "Chủ nhiệm HTX",
     [("Muối tôm Cam Ranh", "thuc_pham", 3)]),
    ("van-ninh", "enterprise", "Công ty TNHH Du lịch Sinh thái Đầm Môn", "Giám đốc",
     [("Điểm du lịch sinh thái Đầm Môn", "du_lich", 3)]),
]

# Section III.2 of the plan: (start, minutes, title, title_en, kind, speaker)
PROGRAMME = [
    ("07:30", 30, "Đón tiếp đại biểu; tham quan khu trưng bày sản phẩm OCOP",
     "Welcome of delegates; visit to the OCOP exhibition", "item", "Ban tổ chức"),
    ("08:00", 10, "Tuyên bố lý do, giới thiệu đại biểu", "Opening, introduction of delegates",
     "item", "Người dẫn chương trình"),
    ("08:10", 25, "Báo cáo tổng kết, đánh giá kết quả thực hiện Chương trình OCOP tỉnh Khánh Hòa năm 2024",
     "Report: results of the 2024 OCOP programme", "item", "Lãnh đạo Sở Nông nghiệp và Môi trường"),
    ("08:35", 15, "Trình chiếu phóng sự và hình ảnh triển khai Chương trình OCOP năm 2024",
     "Documentary on the 2024 OCOP programme", "item", "Đài Phát thanh và Truyền hình Khánh Hòa"),
    ("08:50", 20, "Triển khai Kế hoạch thực hiện Chương trình OCOP trên địa bàn tỉnh năm 2025",
     "The 2025 OCOP plan", "item", "Lãnh đạo Sở Nông nghiệp và Môi trường"),
    ("09:10", 35,
     "Trao giấy chứng nhận sản phẩm OCOP 5 sao, 4 sao và trao hoa chúc mừng chủ thể có sản phẩm OCOP 3 sao",
     "Award of OCOP 5-star and 4-star certificates; flowers for 3-star products", "awards",
     "Lãnh đạo UBND tỉnh, lãnh đạo các sở, ngành"),
    ("09:45", 30, "Phát biểu của các đại biểu tham dự Hội nghị", "Speeches of delegates", "item", ""),
    ("10:15", 15, "Phát biểu chỉ đạo của Lãnh đạo UBND tỉnh", "Address by the provincial leader",
     "item", "Lãnh đạo UBND tỉnh"),
    ("10:30", 10, "Bế mạc Hội nghị", "Closing", "item", "Người dẫn chương trình"),
]

# code, name, name_en, stars, kind, recognised_by
TIERS = [
    ("5-sao", "Giấy chứng nhận sản phẩm OCOP 5 sao", "5-star OCOP certificates", 5, "certificate",
     "Bộ Nông nghiệp và Môi trường"),
    ("4-sao", "Giấy chứng nhận sản phẩm OCOP 4 sao", "4-star OCOP certificates", 4, "certificate",
     "UBND tỉnh"),
    ("3-sao", "Hoa chúc mừng sản phẩm OCOP 3 sao", "Flowers for 3-star OCOP products", 3, "flowers",
     "UBND cấp huyện"),
]

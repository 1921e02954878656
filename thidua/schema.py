"""The district workbook ("Mẫu báo cáo thi đua khen thưởng"): its sheets and columns.

One description serves the template writer, the reader and the sample generator, so the three
cannot drift apart. Labels are the Vietnamese headers users see; fields are the names code uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The layout's own number, not a year: a 2026 template that said "2023.1" read as last campaign's form. It
# changes when the sheets or columns do (v3: the dossier columns required, "Cụm thi đua" read back).
TEMPLATE_VERSION = "v3"


@dataclass(frozen=True)
class Column:
    label: str
    field: str
    width: int = 14
    required: bool = False
    aliases: tuple[str, ...] = ()
    # "level", "award", "merit", "unit_type", "mark", "score", "int", "money", "gender" or "" (free text)
    kind: str = ""

    @property
    def labels(self) -> list[str]:
        return [self.label, *self.aliases]


@dataclass(frozen=True)
class Sheet:
    name: str
    key: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    province_only: bool = False
    district_only: bool = False
    note: str = ""

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(frozen=True)
class InfoField:
    label: str
    field: str
    aliases: tuple[str, ...] = ()
    hint: str = ""


INFO_SHEET = "Thông tin"
INFO_SHEET_ALIASES = ("Thong tin", "Thông tin chung", "Thông tin đơn vị")

INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("Đơn vị", "unit_name", ("Tên đơn vị",), "Tên Ủy ban MTTQ Việt Nam cấp huyện (hoặc tỉnh)"),
    InfoField("Mã đơn vị", "unit_code", ("Mã", "Mã số đơn vị"), "Mã số đơn vị hành chính (ví dụ 943); cấp tỉnh ghi mã tỉnh"),
    InfoField("Năm", "year", ("Năm thi đua",), "Năm thi đua, ví dụ 2023"),
    InfoField("Đợt", "round", ("Đợt báo cáo",), "Sơ kết hoặc Tổng kết"),
    InfoField("Số đơn vị cấp xã", "declared_communes", ("Số xã, phường, thị trấn",), "Tổng số xã, phường, thị trấn"),
    InfoField("Số Ban công tác Mặt trận", "declared_bctmt", ("Số BCTMT",), "Tổng số Ban công tác Mặt trận ở khu dân cư"),
    InfoField("Điểm tự chấm", "self_score", ("Điểm", "Tổng điểm tự chấm"), "Điểm tự chấm của đơn vị, thang 100"),
    InfoField("Người lập", "preparer", ("Người lập biểu",), "Họ và tên người lập"),
    InfoField("Điện thoại", "phone", ("Số điện thoại",), ""),
    InfoField("Email", "email", ("Thư điện tử", "E-mail"), ""),
    InfoField("Ngày lập", "date", ("Ngày báo cáo",), "Ngày/tháng/năm, ví dụ 25/11/2023"),
    InfoField("Phiên bản mẫu", "template_version", (), "Không sửa"),
)

# Only in a per-unit template, filled in by the Văn phòng: the registry, not this cell, decides the cluster.
CLUSTER_FIELD = InfoField("Cụm thi đua", "cluster", ("Cụm",), "Cụm thi đua của đơn vị theo danh sách đơn vị của tỉnh")

_STT = Column("STT", "stt", 6, kind="int", aliases=("Số TT", "TT"))
_NOTE = Column("Ghi chú", "note", 30)
_UNIT_SCORE = Column("Điểm", "score", 10, required=True, kind="score", aliases=("Điểm chấm", "Tổng điểm"))
_NOMINATION_SCORE = Column("Điểm", "score", 8, kind="score", aliases=("Điểm chấm",))

# Every nomination needs its dossier: a sheet without one of these columns cannot say any row has it.
_DOSSIER = (
    Column("Tờ trình", "has_proposal", 10, required=True, kind="mark"),
    Column("Biên bản", "has_minutes", 10, required=True, kind="mark", aliases=("Biên bản họp",)),
    Column("Báo cáo thành tích", "has_report", 12, required=True, kind="mark", aliases=("BC thành tích",)),
)

COMMUNE_SCORES = Sheet(
    "Chấm điểm cấp xã",
    "communes",
    (
        _STT,
        Column("Tên đơn vị", "name", 30, required=True, aliases=("Tên xã", "Đơn vị", "Tên đơn vị cấp xã")),
        Column("Loại đơn vị", "unit_type", 12, kind="unit_type", aliases=("Loại",)),
        _UNIT_SCORE,
        _NOTE,
    ),
    aliases=("Cham diem cap xa", "Chấm điểm xã"),
    district_only=True,
    note="Điểm chấm thi đua của Ủy ban MTTQ Việt Nam các xã, phường, thị trấn.",
)

BCTMT_SCORES = Sheet(
    "Chấm điểm BCTMT",
    "bctmt",
    (
        _STT,
        Column("Tên Ban công tác Mặt trận", "name", 34, required=True, aliases=("Tên BCTMT", "Ban công tác Mặt trận", "Tên ấp, khóm")),
        Column("Thuộc đơn vị cấp xã", "parent", 24, aliases=("Thuộc xã", "Xã, phường, thị trấn")),
        _UNIT_SCORE,
        _NOTE,
    ),
    aliases=("Chấm điểm Ban công tác Mặt trận", "Cham diem BCTMT"),
    district_only=True,
    note="Điểm chấm thi đua của các Ban công tác Mặt trận ở khu dân cư.",
)

COLLECTIVE = Sheet(
    "Đề nghị tập thể",
    "collective",
    (
        _STT,
        Column("Tên tập thể", "name", 34, required=True, aliases=("Tên đơn vị", "Tập thể")),
        Column("Cấp", "level", 20, required=True, kind="level"),
        Column("Hình thức khen thưởng", "award", 38, required=True, kind="award", aliases=("Hình thức khen", "Hình thức")),
        Column("Loại khen", "merit_type", 14, kind="merit"),
        _NOMINATION_SCORE,
        Column("Tóm tắt thành tích", "summary", 44, aliases=("Thành tích", "Thành tích tóm tắt")),
        *_DOSSIER,
        Column("Số năm HTXSNV liên tục", "years_excellent", 12, kind="int", aliases=("Số năm HTXSNV",)),
        Column("Giá trị đóng góp (đồng)", "contribution", 18, kind="money", aliases=("Giá trị đóng góp",)),
        Column("Ghi chú", "note", 24),
    ),
    aliases=("De nghi tap the", "Tập thể"),
    note="Tập thể được đề nghị khen thưởng.",
)

INDIVIDUAL = Sheet(
    "Đề nghị cá nhân",
    "individual",
    (
        _STT,
        Column("Họ và tên", "name", 26, required=True, aliases=("Họ tên", "Họ, tên")),
        Column("Giới tính", "gender", 9, kind="gender"),
        Column("Năm sinh", "birth_year", 9, kind="int"),
        Column("Dân tộc", "ethnicity", 10),
        Column("Chức vụ", "position", 24, aliases=("Chức danh",)),
        Column("Đơn vị công tác", "workplace", 30, aliases=("Nơi công tác",)),
        Column("Cấp", "level", 20, required=True, kind="level"),
        Column("Hình thức khen thưởng", "award", 38, required=True, kind="award", aliases=("Hình thức khen", "Hình thức")),
        Column("Loại khen", "merit_type", 14, kind="merit"),
        _NOMINATION_SCORE,
        Column("Tóm tắt thành tích", "summary", 44, aliases=("Thành tích", "Thành tích tóm tắt")),
        *_DOSSIER,
        Column("Số năm HTXSNV liên tục", "years_excellent", 12, kind="int", aliases=("Số năm HTXSNV",)),
        Column("Số sáng kiến", "initiatives", 10, kind="int"),
        Column("Giá trị đóng góp (đồng)", "contribution", 18, kind="money", aliases=("Giá trị đóng góp",)),
        Column("Ghi chú", "note", 24),
    ),
    aliases=("De nghi ca nhan", "Cá nhân"),
    note="Cá nhân được đề nghị khen thưởng.",
)

APPRAISAL = Sheet(
    "Thẩm định cấp huyện",
    "appraisal",
    (
        Column("Mã đơn vị", "unit_code", 12, required=True, aliases=("Mã",)),
        Column("Tên đơn vị", "name", 40, aliases=("Đơn vị",)),
        Column("Điểm thẩm định", "score", 14, required=True, kind="score", aliases=("Điểm",)),
    ),
    aliases=("Tham dinh cap huyen", "Thẩm định"),
    province_only=True,
    note="Chỉ trong tệp của cấp tỉnh: điểm thẩm định của Ủy ban MTTQ các huyện, thị xã, thành phố.",
)

# Since 2025 the province appraises communes, in a sheet named "Thẩm định" (the 2023 name is still read).
APPRAISAL_2025 = replace(APPRAISAL, name="Thẩm định", aliases=("Tham dinh", "Thẩm định cấp huyện", "Tham dinh cap huyen"),
                         note="Chỉ trong tệp của cấp tỉnh: điểm thẩm định của Ủy ban MTTQ các xã, phường, đặc khu.")

# With a criteria table (SPEC section 8): each ranked unit marks every criterion; the province may re-mark some.
CRITERIA_SCORES = Sheet(
    "Chấm điểm chi tiết",
    "criteria",
    (
        Column("Mã", "code", 9, required=True, aliases=("Mã tiêu chí",)),
        Column("Nội dung", "text", 60, aliases=("Tiêu chí", "Nội dung tiêu chí")),
        Column("Điểm chuẩn", "standard", 9, kind="score"),
        Column("Điểm thưởng tối đa", "bonus_max", 9, kind="score"),
        Column("Điểm trừ tối đa", "deduction_max", 9, kind="score"),
        Column("Tự chấm", "self_mark", 9, kind="score", aliases=("Điểm tự chấm",)),
        Column("Điểm thưởng", "bonus", 9, kind="score"),
        Column("Điểm trừ", "deduction", 9, kind="score"),
        Column("Giải trình, minh chứng", "note", 40, aliases=("Giải trình", "Minh chứng", "Ghi chú")),
    ),
    aliases=("Cham diem chi tiet",),
    note="Đơn vị ghi điểm tự chấm từng tiêu chí (không quá điểm chuẩn), điểm thưởng, điểm trừ và minh chứng.",
)
CRITERIA_APPRAISAL = Sheet(
    "Thẩm định chi tiết",
    "criteria_appraisal",
    (
        Column("Mã đơn vị", "unit_code", 12, required=True, aliases=("Mã",)),
        Column("Mã tiêu chí", "code", 10, required=True),
        Column("Điểm thẩm định", "self_mark", 12, kind="score"),
        Column("Điểm thưởng", "bonus", 10, kind="score"),
        Column("Điểm trừ", "deduction", 10, kind="score"),
        Column("Ghi chú", "note", 30),
    ),
    aliases=("Tham dinh chi tiet",),
    province_only=True,
    note="Chỉ trong tệp của cấp tỉnh: điểm thẩm định lại từng tiêu chí của đơn vị (thay điểm tự chấm tiêu chí đó).",
)

DATA_SHEETS: tuple[Sheet, ...] = (COMMUNE_SCORES, BCTMT_SCORES, COLLECTIVE, INDIVIDUAL, APPRAISAL, CRITERIA_SCORES,
                                  CRITERIA_APPRAISAL)
CRITERIA_SHEETS = (CRITERIA_SCORES, CRITERIA_APPRAISAL)
NOMINATION_SHEETS: tuple[Sheet, ...] = (COLLECTIVE, INDIVIDUAL)

HEADER_SEARCH_ROWS = 10
GENDERS = ("Nam", "Nữ")
DOSSIER_FIELDS = tuple(c.field for c in _DOSSIER)
DOSSIER_LABELS = {c.field: c.label for c in _DOSSIER}

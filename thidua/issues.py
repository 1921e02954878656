"""Problems in the input, as data. One table holds every code, its severity and its Vietnamese message.

Each message says what is wrong and how to fix it. Tests assert codes, never wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .terms import Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO  # for the record, nothing to fix: a superseded file's issues, an award held last year


@dataclass(frozen=True)
class Kind:
    severity: str
    title: str
    template: str


CATALOG: dict[str, Kind] = {
    # Files
    "empty-input": Kind(WARNING, "Thư mục đầu vào trống",
        "Thư mục {folder} chưa có tệp Excel nào. Đề nghị chép các tệp báo cáo của các đơn vị vào thư mục này rồi chạy lại."),
    "file-skipped": Kind(WARNING, "Bỏ qua tệp",
        "Tệp {file} không phải bảng tính Excel ({reason}) nên được bỏ qua. Nếu đây là báo cáo, đề nghị đơn vị lưu lại dưới dạng .xlsx rồi gửi lại."),
    "file-unreadable": Kind(ERROR, "Không đọc được tệp",
        "Không đọc được tệp {file}: {reason}. Đề nghị đơn vị mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi gửi lại."),
    "file-protected": Kind(ERROR, "Tệp có mật khẩu",
        "Tệp {file} được đặt mật khẩu nên không đọc được. Đề nghị đơn vị gỡ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại."),
    "file-unsafe": Kind(ERROR, "Tệp không an toàn",
        "Tệp {file} không được mở vì {reason}. Đề nghị đơn vị lưu lại bằng Excel dưới dạng .xlsx rồi gửi lại."),
    "file-too-large": Kind(ERROR, "Tệp quá lớn",
        "Tệp {file} không được mở vì {reason}. Đề nghị đơn vị kiểm tra lại tệp (có thể chứa ảnh hoặc trang thừa); Văn phòng có thể nâng giới hạn trong config.toml."),
    "macros-ignored": Kind(WARNING, "Tệp có macro",
        "Tệp {file} có macro; macro không được chạy, chỉ đọc số liệu. Lần sau đề nghị gửi tệp .xlsx."),
    "hidden-sheet": Kind(WARNING, "Trang ẩn",
        "Trang \"{sheet}\" đang bị ẩn và {what}. Đề nghị bỏ ẩn trang (chuột phải vào tên trang > Bỏ ẩn) để kiểm tra."),
    "legacy-encoding": Kind(WARNING, "Chữ theo bảng mã cũ",
        "{count} ô gõ bằng phông chữ cũ ({encoding}) đã được chuyển sang Unicode (các ô {cells}). Đề nghị kiểm tra lại các tên; lần sau đề nghị đơn vị gõ bằng Unicode."),
    "formula-without-value": Kind(WARNING, "Công thức chưa có giá trị",
        "Ô {cell} có công thức nhưng chưa có kết quả được lưu, nên được coi là để trống. Đề nghị đơn vị mở tệp bằng Excel, lưu lại rồi gửi lại."),
    "sheet-too-large": Kind(WARNING, "Trang có ô nằm quá xa",
        "Trang có ô nằm rất xa vùng số liệu (đến ô {cell}); chỉ đọc {rows} dòng và {columns} cột đầu, bỏ qua {ignored} ô ngoài vùng đó. Đề nghị đơn vị xóa các ô thừa."),
    "totals-row": Kind(WARNING, "Dòng tổng cộng",
        "Dòng {row} là dòng tổng cộng nên không được tính là một đề nghị."),
    "sheet-copy-read": Kind(WARNING, "Trang sao chép",
        "Trang \"{sheet}\" là bản sao của trang \"{original}\" (Excel đặt tên như vậy khi sao chép trang); {rows} dòng của trang này được đọc như các dòng của trang \"{original}\". Nếu đây chỉ là bản lưu dự phòng, đề nghị đơn vị xóa trang để không đề nghị trùng rồi gửi lại."),
    "sheet-not-read": Kind(ERROR, "Trang không được đọc",
        "Trang \"{sheet}\" có {rows} dòng số liệu theo mẫu trang \"{like}\" (từ ô {cell}) nhưng tên trang không theo mẫu nên các dòng này chưa được tổng hợp. Đề nghị đơn vị chép các dòng sang trang \"{like}\" (hoặc đổi tên trang) rồi gửi lại."),
    "missing-info-sheet": Kind(ERROR, "Thiếu trang Thông tin",
        "Tệp không có trang \"Thông tin\" (các trang tìm thấy: {found}). Đề nghị đơn vị dùng đúng mẫu báo cáo hoặc thêm trang \"Thông tin\"."),
    "missing-unit-code": Kind(ERROR, "Thiếu mã đơn vị",
        "Trang \"Thông tin\" chưa ghi \"Mã đơn vị\". Đề nghị đơn vị ghi mã đơn vị (ví dụ {example}) rồi gửi lại."),
    "unknown-unit": Kind(ERROR, "Mã đơn vị không có trong danh sách",
        "Mã đơn vị \"{code}\" không có trong danh sách đơn vị của tỉnh. {hint}"),
    "unit-mismatch": Kind(ERROR, "Tên đơn vị không khớp mã đơn vị",
        "Tệp ghi đơn vị \"{found}\" nhưng mã {code} là của {expected}, nên tệp không được tổng hợp cho đơn vị nào. {hint}"),
    "province-code-twice": Kind(ERROR, "Hai tệp cùng ghi mã của tỉnh",
        "Tệp này và tệp {others} cùng ghi mã đơn vị {code} của {province}. Chỉ tệp của Văn phòng được mang mã này: đề nghị Văn phòng kiểm tra, giữ lại đúng tệp của tỉnh trong thư mục đầu vào rồi chạy lại."),
    "wrong-year": Kind(ERROR, "Sai năm",
        "Tệp ghi năm {found}, nhưng đợt này tổng hợp năm {expected}. Đề nghị đơn vị gửi báo cáo của năm {expected}."),
    "wrong-round": Kind(WARNING, "Khác đợt",
        "Tệp ghi đợt \"{found}\", nhưng đợt này là \"{expected}\". Số liệu vẫn được tổng hợp; đề nghị kiểm tra lại."),
    "superseded": Kind(WARNING, "Tệp bị thay thế",
        "Tệp này không được tổng hợp: {basis}."),
    "older-file-used": Kind(WARNING, "Dùng tệp gửi trước",
        "Tệp {newer} của đơn vị là tệp mới hơn ({basis}) nhưng bị từ chối, nên tệp {file} được dùng để tổng hợp. Lý do từ chối: {reason} Đề nghị đơn vị sửa tệp mới rồi gửi lại."),
    "missing-submission": Kind(WARNING, "Chưa nhận báo cáo",
        "Chưa nhận được báo cáo của {unit}. Đề nghị đơn vị gửi báo cáo về Văn phòng."),
    "small-cluster": Kind(WARNING, "Cụm thi đua quá ít đơn vị",
        "Cụm thi đua \"{cluster}\" chỉ có {communes} đơn vị trong danh sách đơn vị (ít hơn {minimum}), nên chỉ tiêu tính chung cho cụm rất nhỏ. Đề nghị kiểm tra cột \"cum_thi_dua\" của danh sách đơn vị hoặc bỏ cụm này khỏi map.clusters trong {config}."),
    "not-registered": Kind(WARNING, "Chưa có văn bản đăng ký thi đua",
        "Danh sách đơn vị của tỉnh chưa ghi {unit} đã gửi văn bản đăng ký thi đua (cột \"da_dang_ky\"). Kế hoạch lấy văn bản đăng ký thi đua làm căn cứ xem xét, khen thưởng: đề nghị đơn vị gửi văn bản, Văn phòng đánh dấu vào danh sách đơn vị."),
    "row-not-used": Kind(WARNING, "Dòng không dùng đến",
        "Trang \"{sheet}\" không dùng ở tỉnh đã sắp xếp không còn cấp huyện: các xã, phường tự gửi báo cáo và điểm của mình, nên dòng {row} không được tính. Nếu đây là điểm của chính đơn vị, đề nghị ghi vào \"Điểm tự chấm\" ở trang \"Thông tin\"."),
    "invalid-email": Kind(WARNING, "Địa chỉ email không dùng được",
        "Danh sách đơn vị ghi email của {unit} là \"{address}\": {reason}. Đề nghị sửa cột email trong danh sách đơn vị; thư phản hồi gửi đơn vị (lệnh send) sẽ dùng địa chỉ đã sửa, không cần chạy lại."),
    "duplicate-unit-name": Kind(WARNING, "Hai đơn vị cùng tên",
        "Danh sách đơn vị ghi cùng một tên \"{name}\" cho các đơn vị mã {codes}. Kết quả, tệp phản hồi và thư được phân biệt theo mã đơn vị, nhưng người đọc Quyết định, Tờ trình và bảng xếp hạng không phân biệt được các đơn vị này; đề nghị sửa cột \"ten_don_vi\" trong danh sách đơn vị để mỗi đơn vị có tên riêng."),
    "unit-name-mismatch": Kind(WARNING, "Tên đơn vị khác danh sách",
        "Tệp ghi đơn vị \"{found}\" nhưng mã {code} là của \"{expected}\". Đề nghị đơn vị kiểm tra lại mã đơn vị."),
    "cluster-mismatch": Kind(WARNING, "Cụm thi đua khác danh sách",
        "Trang \"Thông tin\" ghi cụm thi đua \"{found}\", nhưng theo danh sách đơn vị của tỉnh, {unit} thuộc \"{expected}\". Chỉ tiêu và xếp hạng tính theo cụm \"{expected}\" của danh sách; nếu danh sách chưa đúng, đề nghị đơn vị báo Văn phòng."),
    "bad-date": Kind(WARNING, "Ngày không đọc được",
        "Không đọc được ngày \"{value}\". Đề nghị ghi theo dạng ngày/tháng/năm, ví dụ 25/11/{year}."),
    "missing-date": Kind(WARNING, "Chưa ghi ngày lập",
        "Trang \"Thông tin\" chưa ghi \"Ngày lập\" (ô {cell}). Khi đơn vị gửi nhiều tệp, ngày lập cho biết tệp nào mới nhất; đề nghị ghi theo dạng ngày/tháng/năm, ví dụ 25/11/{year}."),
    "implausible-date": Kind(WARNING, "Ngày lập không hợp lý",
        "\"Ngày lập\" ghi {value}, không thuộc năm {year} hay năm sau, nên không được dùng để chọn tệp mới nhất. Đề nghị kiểm tra lại ô {cell}."),
    # Sheets and columns
    "missing-sheet": Kind(WARNING, "Thiếu trang",
        "Tệp không có trang \"{sheet}\" (các trang tìm thấy: {found}). Nếu đơn vị có số liệu, đề nghị thêm trang theo mẫu."),
    "missing-column": Kind(ERROR, "Thiếu cột",
        "Trang \"{sheet}\" không có cột \"{column}\" (các cột tìm thấy: {found}). Đề nghị thêm cột theo mẫu; các dòng của trang chưa được xét."),
    # Values
    "missing-value": Kind(ERROR, "Thiếu thông tin",
        "Chưa ghi \"{column}\". Đề nghị điền vào ô {cell}."),
    "bad-number": Kind(ERROR, "Số không đọc được",
        "\"{column}\" ghi \"{value}\" không phải là số. Đề nghị ghi số, ví dụ {example}."),
    "score-out-of-range": Kind(ERROR, "Điểm ngoài thang điểm",
        "Điểm {value} nằm ngoài thang điểm {low}–{high}. Đề nghị kiểm tra lại ô {cell}."),
    "unknown-level": Kind(ERROR, "Cấp không hợp lệ",
        "\"Cấp\" ghi \"{value}\" không hợp lệ. Đề nghị chọn một trong: {allowed}."),
    "unknown-award": Kind(ERROR, "Hình thức khen thưởng không hợp lệ",
        "\"Hình thức khen thưởng\" ghi \"{value}\" không hợp lệ. Đề nghị chọn một trong: {allowed}."),
    "unknown-merit-type": Kind(ERROR, "Loại khen không hợp lệ",
        "\"Loại khen\" ghi \"{value}\" không hợp lệ. Đề nghị chọn một trong: {allowed}."),
    "award-not-allowed": Kind(ERROR, "Hình thức không áp dụng cho đối tượng này",
        "{award} không xét cho {kind} {level} theo Kế hoạch. Đề nghị sửa \"Cấp\" hoặc \"Hình thức khen thưởng\" ở dòng {row}."),
    "level-not-for-unit": Kind(ERROR, "Không thuộc thẩm quyền đề nghị",
        "{award} cho {kind} {level} do {submitter} xét đề nghị, không phải đơn vị này. Đề nghị bỏ dòng {row} hoặc sửa \"Cấp\"."),
    # Rules
    "not-eligible": Kind(WARNING, "Chưa đủ tiêu chuẩn",
        "{name}: {reason}. Đề nghị đơn vị bổ sung thông tin nếu có, hoặc chọn hình thức khen thưởng khác."),
    "incomplete-dossier": Kind(WARNING, "Thiếu hồ sơ",
        "{name}: hồ sơ còn thiếu {missing}. Đề nghị đơn vị gửi bổ sung đủ 03 bộ hồ sơ gốc bằng văn bản giấy về Văn phòng và đánh dấu vào tệp; trường hợp này chưa được tính vào chỉ tiêu."),
    "over-quota": Kind(WARNING, "Vượt chỉ tiêu",
        "{name}: đơn vị đề nghị {submitted} {what}, chỉ tiêu là {quota}. Trường hợp này xếp sau theo điểm nên chưa được đưa vào danh sách; đề nghị đơn vị rút bớt cho đúng chỉ tiêu."),
    "criterion-over-max": Kind(ERROR, "Điểm tiêu chí vượt mức tối đa",
        "Tiêu chí {code}: \"{column}\" ghi {value}, vượt mức tối đa {most}. Điểm được tính bằng {most}; đề nghị đơn vị kiểm tra lại ô {cell}."),
    "criterion-unknown": Kind(WARNING, "Mã tiêu chí không có trong bảng",
        "Mã \"{code}\" không có trong bảng tiêu chí chấm điểm nên không được tính. Đề nghị ghi đúng mã theo mẫu."),
    "criterion-missing": Kind(WARNING, "Tiêu chí chưa chấm",
        "Tiêu chí {code} ({text}) chưa ghi điểm tự chấm nên được tính 0 điểm. Nếu đơn vị có kết quả, đề nghị ghi điểm và minh chứng."),
    "total-mismatch": Kind(WARNING, "Tổng điểm tự chấm khác tổng các tiêu chí",
        "\"Điểm tự chấm\" ghi {typed}, nhưng cộng điểm các tiêu chí được {computed}. Điểm xếp hạng dùng tổng các tiêu chí ({computed}); đề nghị đơn vị kiểm tra lại."),
    "ordered-by-stt": Kind(WARNING, "Xét theo STT vì thiếu điểm",
        "{what} - {award}: đơn vị đề nghị {submitted} trường hợp cho {quota} suất nhưng {unscored} dòng chưa ghi điểm, nên các trường hợp được xét theo thứ tự cột STT của đơn vị. Nếu muốn xét theo điểm, đề nghị ghi điểm cho tất cả các dòng."),
    "pooled-over-quota": Kind(WARNING, "Vượt số lượng của cụm, của tỉnh",
        "{name}: {scope} có {submitted} {what} được đề nghị cho {quota} suất, xét chung theo điểm. Trường hợp này xếp sau nên chưa được đưa vào danh sách."),
    "provincial-cap-exceeded": Kind(WARNING, "Vượt tổng số của tỉnh",
        "{name}: toàn tỉnh có {proposed} {what} được đề nghị, vượt tổng số {cap} của Kế hoạch. Trường hợp này có điểm thấp nhất nên chờ Hội đồng Thi đua - Khen thưởng quyết định."),
    "tie-at-cutoff": Kind(WARNING, "Bằng điểm tại ngưỡng xét",
        "{award}: {names} cùng đạt {score} điểm, đồng xếp thứ {rank}, trong khi chỉ còn {places:02d} suất (từ thứ {first} đến thứ {last}). Đề nghị Hội đồng Thi đua - Khen thưởng xem xét, quyết định."),
    "duplicate-row": Kind(ERROR, "Hai dòng cùng ghi một nội dung",
        "Dòng {row} và dòng {others} cùng ghi {what} nên không dòng nào được dùng. Đề nghị giữ lại một dòng đúng, xóa dòng kia rồi gửi lại."),
    "name-case": Kind(WARNING, "Họ tên chưa viết hoa đúng quy tắc",
        "Họ và tên \"{found}\" chưa viết hoa đúng quy tắc; văn bản ghi là \"{written}\". Đề nghị đơn vị ghi họ tên theo cách viết thông thường (viết hoa chữ cái đầu mỗi tiếng, các chữ còn lại viết thường)."),
    "position-repeats-workplace": Kind(WARNING, "Chức vụ đã ghi đơn vị công tác",
        "Chức vụ \"{position}\" đã ghi tên đơn vị, nên đơn vị công tác \"{workplace}\" không ghi lặp lại; văn bản ghi là \"{written}\". Đề nghị đơn vị chỉ ghi chức vụ (ví dụ \"Chủ tịch\") ở cột \"Chức vụ\"."),
    "double-award": Kind(WARNING, "Hai Bằng khen cho một thành tích",
        "{name} ({unit}) được đề nghị {awards} trong cùng một đợt. Luật Thi đua, khen thưởng không tặng nhiều hình thức khen thưởng cho một thành tích; đề nghị Hội đồng Thi đua - Khen thưởng xem xét, chọn một hình thức."),
    "duplicate-person": Kind(WARNING, "Trùng người được đề nghị",
        "{name} (sinh năm {birth_year}) cũng được đề nghị ở {other}. Đề nghị kiểm tra để mỗi người chỉ được đề nghị một lần."),
    "declared-count-mismatch": Kind(WARNING, "Số đơn vị khác danh sách của tỉnh",
        "Tệp ghi {column} là {found}, danh sách của tỉnh là {expected}. Chỉ tiêu tính theo số của tỉnh ({expected}); nếu số của tỉnh chưa đúng, đề nghị báo Văn phòng."),
    "unknown-commune": Kind(WARNING, "Tên xã không có trong danh sách",
        "\"{value}\" không có trong danh sách đơn vị cấp xã của {unit}. Đề nghị ghi đúng tên (ví dụ: {examples})."),
    "appraisal-unknown-unit": Kind(WARNING, "Mã đơn vị thẩm định không hợp lệ",
        "Mã \"{code}\" ở trang thẩm định không phải đơn vị được chấm điểm trong danh sách. Đề nghị sửa lại mã."),
    "missing-score": Kind(ERROR, "Chưa có điểm",
        "{unit} chưa có điểm nên chưa được {what}. Đề nghị {fix}."),
    # The register (sổ theo dõi khen thưởng)
    "awarded-last-year": Kind(INFO, "Đã được khen năm trước",
        "{name} đã được tặng {award} năm {year} (Quyết định số {decision} ngày {date}, số vào sổ {entry}). Hội đồng Thi đua - Khen thưởng lưu ý khi xét."),
}

CODES = tuple(CATALOG)


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    unit_code: str = ""
    related: tuple[str, ...] = ()  # other units the issue concerns (a tie names several)
    # The values the message was filled with (what was found, what was expected, ...), for programs and tests:
    # the wording of `message` stays free to improve.
    params: dict[str, object] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict:
        data: dict[str, object] = {
            "code": self.code, "severity": self.severity, "file": self.file, "sheet": self.sheet,
            "cell": self.cell, "message": self.message, "unit_code": self.unit_code,
        }
        if self.row is not None:
            data["row"] = self.row
        if self.related:
            data["related"] = list(self.related)
        data["params"] = self.params
        return data


def issue(code: str, /, *, file: str = "", sheet: str = "", cell: str = "", row: int | None = None,
          unit_code: str = "", related: tuple[str, ...] = (), **params: object) -> Issue:
    """Build an Issue from the catalog; the message template is filled with `params` (and `cell`, `row`)."""
    kind = CATALOG[code]
    message = kind.template.format(file=file, sheet=sheet, cell=cell, row=row, **params)
    plain: dict[str, object] = {k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in params.items()}
    return Issue(code, kind.severity, message, file, sheet, cell, row, unit_code, related, plain)


def has_errors(issues: list[Issue] | tuple[Issue, ...]) -> bool:
    return any(i.severity == ERROR for i in issues)

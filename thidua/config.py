"""config.toml loaded once into frozen dataclasses, validated with a message that names the key."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from .criteria import CriteriaTable, load_criteria
from .errors import ConfigError
from .terms import AWARDS, KINDS, LEVELS, NOMINATED_AWARDS, RANKINGS, ROUNDS
from .text import clean

COUNT_SOURCES = ("communes", "bctmt")
SUBMITTERS = ("huyen", "xa", "tinh")
# Where a quota line or a ranked award is counted: per submitting unit, pooled over an emulation cluster
# (cụm thi đua), or pooled province-wide (SPEC section 7).
SCOPES = ("unit", "cluster", "province")
# The Word and mail templates shipped with the program: a config that does not name its own uses these, so a
# config copied into a province's folder works unchanged.
PRODUCT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Limits:
    """[limits]: how large an untrusted input file may be before it is refused unopened."""

    max_file_mb: int = 100
    max_inflated_mb: int = 1000
    max_ratio: int = 200
    max_cells: int = 20_000_000
    max_rows: int = 1_048_576
    max_columns: int = 200
    max_data_rows: int = 100_000  # rows a sheet really holds: past this a file is refused, not read for minutes


@dataclass(frozen=True)
class QuotaRule:
    kind: str
    level: str
    award: str
    submitter: str
    per_unit: int | None
    per_unit_divisor: int | None
    count: str | None
    cap: int | None  # the province-wide total; None: none
    scope: str = "unit"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.level, self.award)


@dataclass(frozen=True)
class RankedAward:
    ranking: str
    award: str
    positions: tuple[int, int] | None
    positions_divisor: int | None
    min_score: float | None
    dossier: bool = False  # winners still send tờ trình, biên bản, báo cáo thành tích (plan 5.2)
    scope: str = "province"  # "province" or "cluster": where positions are counted
    exclude: tuple[str, ...] = ()  # awards whose outright holders are taken out before positions are counted


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str
    smtp_port: int
    security: str
    username: str
    password_env: str
    from_address: str
    from_name: str
    leadership: tuple[str, ...]


# Who receives each document ("Nơi nhận"), after "Như trên" / "Như Điều ...", which the documents add.
# Defaults follow the plan's own list: the member organisations' committees, the Ban Thường trực, the archive.
# "{tinh}" becomes "tỉnh" or "thành phố", as the province is called.
DEFAULT_RECIPIENTS: dict[str, tuple[str, ...]] = {
    "to_trinh_ubnd": ("Ban Thi đua - Khen thưởng {tinh}", "Ban Thường trực Ủy ban MTTQ Việt Nam {tinh}", "Lưu VT"),
    "to_trinh_tw": ("Ban Thi đua - Khen thưởng Ủy ban Trung ương MTTQ Việt Nam",
                    "Ban Thường trực Ủy ban MTTQ Việt Nam {tinh}", "Lưu VT"),
    "quyet_dinh": ("Ban Thường trực Ủy ban MTTQ Việt Nam {tinh}", "Lưu VT"),
    "bao_cao_tong_ket": ("Hội đồng Thi đua - Khen thưởng (để xem xét)", "Ban Thường trực Ủy ban MTTQ Việt Nam {tinh}",
                         "Lưu VT"),
    "bao_cao_so_ket": ("Ban Thường trực Ủy ban MTTQ Việt Nam {tinh}", "Lưu VT"),
}


@dataclass(frozen=True)
class DocumentSettings:
    issuer_parent: str
    issuer: str
    issuer_body: str
    council: str
    on_behalf: str
    signer_title: str
    signer_name: str
    proposal_symbol: str
    decision_symbol: str
    report_symbol: str
    minutes_symbol: str
    date: dt.date | None
    plan_number: str
    plan_symbol: str
    plan_date: dt.date | None
    plan_subject: str
    ubnd_plan: str
    deadline: dt.date | None
    recipients: dict[str, tuple[str, ...]]


# What a Bằng khen blank (phôi) carries, in the order the calibration page lists them.
CERTIFICATE_FIELDS: dict[str, str] = {
    "recipient": "Tên tập thể, cá nhân",
    "unit": "Chức vụ, đơn vị",
    "achievement": "Thành tích",
    "decision": "Số quyết định, ngày",
    "register": "Số vào sổ",
    "place_date": "Địa danh, ngày tháng",
    "signer_title": "Chức vụ người ký",
    "signer_name": "Họ tên người ký",
}
ALIGNS = ("center", "left", "right")
# What a unit ranked into an award is praised for on its Bằng khen ({year}: the campaign's year).
DEFAULT_ACHIEVEMENT = "Đã có thành tích xuất sắc trong phong trào thi đua năm {year}"


@dataclass(frozen=True)
class CertificateField:
    """One box on the blank, in millimetres from the paper's top-left corner (before the offset)."""

    x: float
    y: float
    width: float
    height: float
    size: float  # font size in points; shrunk step by step when the text does not fit the box
    bold: bool = False
    align: str = "center"


@dataclass(frozen=True)
class Signer:
    title: str
    name: str
    place: str


# Who signs the Bằng khen of the other issuers, and where (when the office prints them too): "" for the place is
# the province's own. [certificates.signers.ubnd], [certificates.signers.tw] change them.
DEFAULT_SIGNERS: dict[str, Signer] = {
    "ubnd": Signer("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", "", ""),
    "tw": Signer("TM. BAN THƯỜNG TRỰC\nCHỦ TỊCH", "", "Hà Nội"),
}


@dataclass(frozen=True)
class CertificateSettings:
    paper: tuple[float, float]  # width, height (mm)
    offset: tuple[float, float]  # added to every box: the printer's own shift (mm)
    min_size: float
    signer_title: str
    signer_name: str
    place: str
    achievement: str  # for a unit ranked into an award, which states no achievement of its own
    fields: dict[str, CertificateField]
    signers: dict[str, Signer] = field(default_factory=dict)  # issuer -> its signer; the province's is above

    def signer(self, issuer: str) -> Signer:
        return self.signers.get(issuer) or Signer(self.signer_title, self.signer_name, self.place)


@dataclass(frozen=True)
class MapSettings:
    """[map]: the emulation clusters (cụm thi đua) the province declares, so that a typo is caught, not counted."""

    clusters: tuple[str, ...] = ()
    min_cluster_communes: int = 3  # a smaller declared cluster is a warning: its pooled quotas are near zero


@dataclass(frozen=True)
class Config:
    path: Path
    year: int
    round: str
    province_code: str
    province_name: str
    province_short_name: str
    place: str
    input_dir: Path
    output_dir: Path
    registry_path: Path
    communes_path: Path | None
    templates_dir: Path
    rounding_threshold: Fraction
    score_min: float
    score_max: float
    sudden_min_value: int
    merit_min_years: int
    merit_min_initiatives: int
    quotas: tuple[QuotaRule, ...]
    ranked_awards: tuple[RankedAward, ...]
    email: EmailSettings
    documents: DocumentSettings
    limits: Limits
    criteria: CriteriaTable | None = None  # the criteria table, when [paths] criteria names one
    certificates: CertificateSettings | None = None  # [certificates], when the province prints its Bằng khen
    ledger_path: Path | None = None  # [paths] ledger; None: thidua.sqlite in the output folder
    map: MapSettings = MapSettings()

    @property
    def uses_clusters(self) -> bool:
        """Some quota line or ranked award is counted per cluster: every submitting unit then needs one."""
        return any(q.scope == "cluster" for q in self.quotas) or any(a.scope == "cluster" for a in self.ranked_awards)

    def quota_rule(self, kind: str, level: str, award: str) -> QuotaRule | None:
        return next((q for q in self.quotas if q.key == (kind, level, award)), None)


# The tables read while one config is parsed. A key is known because the parsing code asks for it: a key added
# later (one `t.get(...)` line) is known at once, and a key nobody reads, such as a typo, is an error.
_READING: ContextVar[list[_Table] | None] = ContextVar("_READING", default=None)


class _Table:
    """Reads one TOML table, naming the full key in every error, and remembering which keys were asked for."""

    def __init__(self, data: object, prefix: str):
        if not isinstance(data, dict):
            raise ConfigError(f"Cấu hình: mục [{prefix}] phải là một bảng (table).")
        self.data, self.prefix = data, prefix
        self.asked: set[str] = set()
        reading = _READING.get()
        if reading is not None:
            reading.append(self)

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str, types: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of `key`, checked against `types` (TOML values are only known at run time)."""
        self.asked.add(key)
        if key not in self.data:
            if default is ...:
                raise ConfigError(f"Cấu hình thiếu khóa \"{self._name(key)}\".")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            raise ConfigError(f"Cấu hình: \"{self._name(key)}\" có giá trị không hợp lệ: {value!r}.")
        if not isinstance(value, types):
            raise ConfigError(f"Cấu hình: \"{self._name(key)}\" có giá trị không hợp lệ: {value!r}.")
        return value

    def text(self, key: str, default: object = ...) -> str:
        return str(self.get(key, str, default))

    def choice(self, key: str, choices, default: object = ...) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise ConfigError(
                f"Cấu hình: \"{self._name(key)}\" = \"{value}\" không hợp lệ; chọn một trong: {', '.join(choices)}.")
        return value

    def positive(self, key: str, default: Any = ...) -> Any:
        """A positive integer (or the default, which may be None)."""
        value = self.get(key, int, default)
        if value is not None and value <= 0:
            raise ConfigError(f"Cấu hình: \"{self._name(key)}\" phải là số nguyên dương.")
        return value

    def number(self, key: str, default: Any = ...) -> Any:
        value = self.get(key, (int, float), default)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"Cấu hình: \"{self._name(key)}\" = {value} không phải là một số hữu hạn.")
        return None if value is None else float(value)

    def section(self, key: str) -> _Table:
        """An optional table: empty when the file leaves it out."""
        self.asked.add(key)
        return _Table(self.data.get(key, {}), self._name(key))

    def table(self, key: str) -> _Table:
        self.asked.add(key)
        if key not in self.data:
            raise ConfigError(f"Cấu hình thiếu mục [{self._name(key)}].")
        return _Table(self.data[key], self._name(key))

    def tables(self, key: str) -> list[_Table]:
        self.asked.add(key)
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise ConfigError(f"Cấu hình thiếu danh sách [[{self._name(key)}]].")
        return [_Table(item, f"{self._name(key)}[{i + 1}]") for i, item in enumerate(items)]


def _quota(t: _Table) -> QuotaRule:
    rule = QuotaRule(
        kind=t.choice("kind", KINDS),
        level=t.choice("level", LEVELS),
        award=t.choice("award", NOMINATED_AWARDS),
        submitter=t.choice("submitter", SUBMITTERS),
        per_unit=t.get("per_unit", int, None),
        per_unit_divisor=t.positive("per_unit_divisor", None),
        count=t.get("count", str, None),
        cap=t.get("cap", int, None),
        scope=t.choice("scope", SCOPES, "unit"),
    )
    if (rule.per_unit is None) == (rule.per_unit_divisor is None):
        raise ConfigError(f"Cấu hình: {t.prefix} cần đúng một trong hai khóa \"per_unit\" hoặc \"per_unit_divisor\".")
    if rule.per_unit_divisor is not None and rule.count not in COUNT_SOURCES:
        raise ConfigError(f"Cấu hình: \"{t.prefix}.count\" phải là một trong: {', '.join(COUNT_SOURCES)}.")
    if rule.per_unit is not None and rule.per_unit < 0 or (rule.cap is not None and rule.cap < 0):
        raise ConfigError(f"Cấu hình: {t.prefix} có số âm.")
    if rule.scope != "unit" and rule.submitter == "tinh":
        raise ConfigError(f"Cấu hình: {t.prefix}: chỉ tiêu của cấp tỉnh tính theo đơn vị (scope = \"unit\").")
    return rule


def _ranked(t: _Table) -> RankedAward:
    positions = t.get("positions", list, None)
    if positions is not None:
        if len(positions) != 2 or not all(isinstance(p, int) and p > 0 for p in positions) or positions[0] > positions[1]:
            raise ConfigError(f"Cấu hình: \"{t.prefix}.positions\" phải có dạng [từ, đến], ví dụ [2, 3].")
        positions = (positions[0], positions[1])
    award = RankedAward(
        ranking=t.choice("ranking", RANKINGS),
        award=t.choice("award", AWARDS),
        positions=positions,
        positions_divisor=t.positive("positions_divisor", None),
        min_score=t.number("min_score", None),
        dossier=bool(t.get("dossier", bool, False)),
        scope=t.choice("scope", ("province", "cluster"), "province"),
        exclude=tuple(_awards(t, "exclude")),
    )
    if (award.positions is None) == (award.positions_divisor is None):
        raise ConfigError(f"Cấu hình: {t.prefix} cần đúng một trong hai khóa \"positions\" hoặc \"positions_divisor\".")
    return award


def _awards(t: _Table, key: str) -> list[str]:
    codes = t.get(key, list, [])
    if not all(isinstance(c, str) for c in codes):  # [["CO_XS"]]: a list inside the list
        raise ConfigError(f"Cấu hình: \"{t.prefix}.{key}\" phải là một danh sách mã hình thức, mỗi mã trong ngoặc "
                          f"kép, ví dụ {key} = [\"CO_XS\"]; chọn mã trong: {', '.join(AWARDS)}.")
    bad = [c for c in codes if c not in AWARDS]
    if bad:
        raise ConfigError(f"Cấu hình: \"{t.prefix}.{key}\" có mã hình thức không hợp lệ: {', '.join(map(str, bad))}; "
                          f"chọn trong: {', '.join(AWARDS)}.")
    return codes


# An address a mail server takes as it is: an ASCII local part (an address typed with Unikey on is not one).
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def _email(t: _Table) -> EmailSettings:
    leadership = t.get("leadership", list, [])
    if not all(isinstance(a, str) and _ADDRESS.match(a) for a in leadership):
        raise ConfigError("Cấu hình: \"email.leadership\" phải là danh sách địa chỉ email hợp lệ, ví dụ "
                          "[\"lanhdao@example.vn\"].")
    settings = EmailSettings(
        smtp_host=t.text("smtp_host", "").strip(),
        smtp_port=t.positive("smtp_port", 587),
        security=t.choice("security", ("starttls", "ssl", "none"), "starttls"),
        username=t.text("username", ""),
        password_env=t.text("password_env", "THIDUA_SMTP_PASSWORD"),
        from_address=t.text("from_address", "").strip(),
        from_name=t.text("from_name", ""),
        leadership=tuple(leadership),
    )
    if settings.smtp_port > 65535:
        raise ConfigError("Cấu hình: \"email.smtp_port\" phải từ 1 đến 65535 (thường là 587 hoặc 465).")
    if settings.from_address and not _ADDRESS.match(settings.from_address):
        raise ConfigError(f"Cấu hình: \"email.from_address\" = \"{settings.from_address}\" không phải địa chỉ email "
                          "hợp lệ (chỉ gồm chữ không dấu, số và dấu chấm trước @), ví dụ vanphong@example.vn.")
    if any(ord(c) < 32 or ord(c) == 127 for c in settings.from_name):
        raise ConfigError("Cấu hình: \"email.from_name\" chỉ ghi trên một dòng, không có ký tự điều khiển.")
    if settings.smtp_host:
        try:
            if any(c.isspace() for c in settings.smtp_host):
                raise UnicodeError
            settings.smtp_host.encode("idna")
        except UnicodeError as exc:
            raise ConfigError(f"Cấu hình: \"email.smtp_host\" = \"{settings.smtp_host}\" không phải tên máy chủ thư hợp "
                              "lệ, ví dụ smtp.example.vn.") from exc
    return settings


def _date(t: _Table, key: str) -> dt.date | None:
    text = t.text(key, "")
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as exc:
        raise ConfigError(f"Cấu hình: \"{t.prefix}.{key}\" = \"{text}\" phải có dạng ngày/tháng/năm, ví dụ 05/12/2023.") from exc


def _documents(t: _Table, province_name: str) -> DocumentSettings:
    listed = t.get("recipients", dict, {})
    recipients = dict(DEFAULT_RECIPIENTS)
    for key, names in listed.items():
        if key not in DEFAULT_RECIPIENTS or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"Cấu hình: \"documents.recipients.{key}\" phải là danh sách nơi nhận của một trong các "
                              f"văn bản: {', '.join(DEFAULT_RECIPIENTS)}.")
        recipients[key] = tuple(names)
    return DocumentSettings(
        issuer_parent=t.text("issuer_parent", "ỦY BAN MTTQ VIỆT NAM"),
        issuer=t.text("issuer", province_name.upper()),
        issuer_body=t.text("issuer_body", "BAN THƯỜNG TRỰC"),
        council=t.text("council", "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"),
        on_behalf=t.text("on_behalf", "TM. BAN THƯỜNG TRỰC"),
        signer_title=t.text("signer_title", "CHỦ TỊCH"),
        signer_name=t.text("signer_name", ""),
        proposal_symbol=t.text("proposal_symbol", "TTr-MTTQ-BTT"),
        decision_symbol=t.text("decision_symbol", "QĐ-MTTQ-BTT"),
        report_symbol=t.text("report_symbol", "BC-MTTQ-BTT"),
        minutes_symbol=t.text("minutes_symbol", "BB-HĐTĐKT"),
        date=_date(t, "date"),
        plan_number=t.text("plan_number", ""),
        plan_symbol=t.text("plan_symbol", "KH-MTTQ-BTT"),
        plan_date=_date(t, "plan_date"),
        plan_subject=t.text("plan_subject", "phát động phong trào thi đua"),
        ubnd_plan=t.text("ubnd_plan", ""),
        deadline=_date(t, "deadline"),
        recipients=recipients,
    )


def _pair(t: _Table, key: str, default: Any = ...) -> tuple[float, float]:
    value = t.get(key, list, default)
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"Cấu hình: \"{t._name(key)}\" phải có dạng [ngang, dọc] (mm), ví dụ [297, 210].")
    return float(value[0]), float(value[1])


def _certificate_field(t: _Table) -> CertificateField:
    box = CertificateField(x=t.number("x"), y=t.number("y"), width=t.number("width"), height=t.number("height"),
                           size=t.number("size"), bold=bool(t.get("bold", bool, False)),
                           align=t.choice("align", ALIGNS, "center"))
    if box.width <= 0 or box.height <= 0 or box.size <= 0:
        raise ConfigError(f"Cấu hình: {t.prefix}: \"width\", \"height\" và \"size\" phải lớn hơn 0.")
    return box


def _signer(signers: _Table, issuer: str, default: Signer, place: str) -> Signer:
    t = signers.section(issuer)
    return Signer(t.text("title", default.title), t.text("name", default.name), t.text("place", default.place) or place)


def _certificates(t: _Table, documents: DocumentSettings, place: str) -> CertificateSettings:
    signers = t.section("signers")
    fields = t.table("fields")
    missing = [k for k in CERTIFICATE_FIELDS if k not in fields.data]
    if missing:
        raise ConfigError(f"Cấu hình thiếu mục [certificates.fields.{missing[0]}] "
                          f"(vị trí ô \"{CERTIFICATE_FIELDS[missing[0]]}\").")
    settings = CertificateSettings(
        paper=_pair(t, "paper"),
        offset=_pair(t, "offset", [0, 0]),
        min_size=t.number("min_size", 9),
        signer_title=t.text("signer_title", f"{documents.on_behalf}\n{documents.signer_title}"),
        signer_name=t.text("signer_name", documents.signer_name),
        place=t.text("place", place),
        achievement=t.text("achievement", DEFAULT_ACHIEVEMENT),
        fields={k: _certificate_field(fields.table(k)) for k in CERTIFICATE_FIELDS},
        signers={issuer: _signer(signers, issuer, default, place) for issuer, default in DEFAULT_SIGNERS.items()},
    )
    if min(settings.paper) <= 0 or settings.min_size <= 0:
        raise ConfigError("Cấu hình: \"certificates.paper\" và \"certificates.min_size\" phải lớn hơn 0.")
    return settings


def _map(t: _Table) -> MapSettings:
    names = t.get("clusters", list, [])
    if not all(isinstance(n, str) and clean(n) for n in names):
        raise ConfigError("Cấu hình: \"map.clusters\" phải là danh sách tên cụm thi đua, ví dụ [\"Cụm 1\", \"Cụm 2\"].")
    clusters = tuple(clean(n) for n in names)
    twice = next((n for n in clusters if clusters.count(n) > 1), None)
    if twice:
        raise ConfigError(f"Cấu hình: \"map.clusters\" ghi cụm \"{twice}\" hai lần.")
    return MapSettings(clusters, t.positive("min_cluster_communes", MapSettings.min_cluster_communes))


def _limits(t: _Table) -> Limits:
    defaults = Limits()
    return Limits(**{name: t.positive(name, getattr(defaults, name)) for name in defaults.__dataclass_fields__})


@contextmanager
def _reading() -> Iterator[list[_Table]]:
    tables: list[_Table] = []
    token = _READING.set(tables)
    try:
        yield tables
    finally:
        _READING.reset(token)


def _check_known(tables: list[_Table]) -> None:
    """Every key of the file must have been read: an unknown one is refused, naming the closest known key."""
    asked: dict[str, set[str]] = {}
    data: dict[str, dict] = {}
    for t in tables:
        asked.setdefault(t.prefix, set()).update(t.asked)
        data.setdefault(t.prefix, t.data)
    for prefix in list(asked):  # a table that was read makes its own name known in the table above it
        if prefix:
            parent, _, name = prefix.rpartition(".")
            asked.setdefault(parent, set()).add(re.sub(r"\[\d+\]$", "", name))
    for prefix, table in data.items():
        for key in table:
            if key in asked[prefix]:
                continue
            name = f"{prefix}.{key}" if prefix else key
            what = "mục" if isinstance(table[key], (dict, list)) and not prefix else "khóa"
            close = difflib.get_close_matches(key, sorted(asked[prefix]), n=1, cutoff=0.6)
            hint = (f"có phải là \"{close[0]}\"?" if close else
                    f"các {what} được dùng ở đây: {', '.join(sorted(asked[prefix]))}.")
            raise ConfigError(f"Cấu hình: {what} \"{name}\" không được chương trình dùng (gõ nhầm tên?); {hint} "
                              "Đề nghị sửa tên hoặc xóa dòng đó, để không quy định nào bị bỏ qua.")


def parse_config(data: dict, path: Path) -> Config:
    """Validate parsed TOML into a Config; relative paths resolve against the file's folder. A key the parsing
    never reads is refused: read every key through _Table (`root.section("x")` for an optional table)."""
    with _reading() as tables:
        config = _parse(data, path)
    _check_known(tables)
    return config


def _parse(data: dict, path: Path) -> Config:
    root = _Table(data, "")
    base = path.parent
    campaign, province, paths = root.table("campaign"), root.table("province"), root.table("paths")
    rules, elig = root.table("rules"), root.table("eligibility")

    def resolve(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else (base / p)

    threshold_text = rules.text("rounding_threshold")
    try:
        threshold = Fraction(threshold_text)
    except (ValueError, ZeroDivisionError) as exc:
        raise ConfigError(f"Cấu hình: \"rules.rounding_threshold\" = \"{threshold_text}\" không phải là số.") from exc
    if not 0 <= threshold < 1:
        raise ConfigError("Cấu hình: \"rules.rounding_threshold\" phải từ 0 đến dưới 1.")
    communes = paths.text("communes", "")
    criteria = paths.text("criteria", "")
    documents = _documents(root.section("documents"), province.text("short_name"))
    ledger = paths.text("ledger", "")
    templates = paths.text("templates", "")
    config = Config(
        path=path,
        year=campaign.get("year", int),
        round=campaign.choice("round", ROUNDS),
        province_code=province.text("code"),
        province_name=province.text("name"),
        province_short_name=province.text("short_name"),
        place=province.text("place"),
        input_dir=resolve(paths.text("input")),
        output_dir=resolve(paths.text("output")),
        registry_path=resolve(paths.text("registry")),
        communes_path=resolve(communes) if communes else None,
        templates_dir=resolve(templates) if templates else PRODUCT_TEMPLATES,
        rounding_threshold=threshold,
        score_min=rules.number("score_min"),
        score_max=rules.number("score_max"),
        sudden_min_value=elig.get("sudden_min_value", int),
        merit_min_years=elig.get("merit_min_years", int),
        merit_min_initiatives=elig.get("merit_min_initiatives", int),
        quotas=tuple(_quota(t) for t in root.tables("quotas")),
        ranked_awards=tuple(_ranked(t) for t in root.tables("ranked_awards")),
        email=_email(root.section("email")),
        documents=documents,
        limits=_limits(root.section("limits")),
        criteria=load_criteria(resolve(criteria)) if criteria else None,
        certificates=_certificates(root.table("certificates"), documents, province.text("place"))
        if "certificates" in data else None,
        ledger_path=resolve(ledger) if ledger else None,
        map=_map(root.section("map")),
    )
    if config.uses_clusters and not config.map.clusters:
        raise ConfigError("Cấu hình: có chỉ tiêu hoặc hình thức xếp hạng tính theo cụm (scope = \"cluster\") nhưng "
                          "chưa khai báo các cụm thi đua trong \"map.clusters\", ví dụ: [map] clusters = [\"Cụm 1\", "
                          "\"Cụm 2\"].")
    keys = [q.key for q in config.quotas]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ConfigError(f"Cấu hình: chỉ tiêu {duplicate} được khai báo hai lần trong [[quotas]].")
    if config.score_min >= config.score_max:
        raise ConfigError("Cấu hình: \"rules.score_min\" phải nhỏ hơn \"rules.score_max\".")
    return config


def _too_long_number(text: str) -> str:
    """Where a number too long for Python to read sits ("dòng 12, khóa \"score_max\""): tomllib fails on it before
    any key is known, with an English message naming neither."""
    limit = sys.get_int_max_str_digits() or 4300
    for number, line in enumerate(text.splitlines(), 1):
        if re.search(rf"\d{{{limit + 1},}}", line.replace("_", "")):
            key = line.split("=", 1)[0].strip() if "=" in line else ""
            return f"dòng {number}" + (f", khóa \"{key}\"" if key and len(key) < 80 else "")
    return ""


def load_config(path: Path) -> Config:
    path = Path(path)
    text = ""
    try:
        # Notepad and other Windows tools may start the file with a byte-order mark: read it as UTF-8.
        text = path.read_bytes().decode("utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path}.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} phải được lưu dạng UTF-8 (trong Notepad: Lưu thành > Mã hóa "
                          "UTF-8); tệp đang được lưu theo bảng mã khác.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} sai cú pháp: {exc}.") from exc
    except ValueError as exc:
        if where := _too_long_number(text):
            raise ConfigError(f"Tệp cấu hình {path}, {where}: con số quá dài (hơn {sys.get_int_max_str_digits()} chữ "
                              "số), không phải một giá trị hợp lệ; đề nghị sửa lại con số này.") from exc
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {exc}.") from exc
    except OSError as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {getattr(exc, 'strerror', None) or exc}.") from exc
    return parse_config(data, path.resolve())


# The command-line option that overrides each path key, for messages that name where a path came from.
PATH_OPTIONS = {"paths.input": "--input", "paths.output": "--output", "paths.registry": "--registry"}


def require_path(path: Path, key: str, what: str, folder: bool = False, must_exist: bool = True) -> Path:
    """A path the config names, checked before anything is read or written; a missing one names its key."""
    option = f" (hoặc tùy chọn {PATH_OPTIONS[key]})" if key in PATH_OPTIONS else ""
    if "\0" in str(path):
        shown = str(path).replace("\0", "\\0")
        raise ConfigError(f"Đường dẫn {what} \"{shown}\" chứa ký tự NUL; đề nghị sửa khóa \"{key}\" trong tệp cấu "
                          f"hình{option}.")
    if must_exist and not (path.is_dir() if folder else path.is_file()):
        raise ConfigError(f"Không tìm thấy {what} {path}. Đề nghị kiểm tra khóa \"{key}\" trong tệp cấu hình{option}.")
    return path


def with_overrides(config: Config, **changes: Any) -> Config:
    """A copy of config with some fields replaced (command-line options)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})

"""config.toml loaded once into frozen dataclasses, validated with a message that names the key."""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from .criteria import CriteriaTable, load_criteria
from .errors import ConfigError
from .terms import AWARDS, KINDS, LEVELS, NOMINATED_AWARDS, RANKINGS, ROUNDS

COUNT_SOURCES = ("communes", "bctmt")
SUBMITTERS = ("huyen", "xa", "tinh")
# Where a quota line or a ranked award is counted: per submitting unit, pooled over an emulation cluster
# (cụm thi đua), or pooled province-wide (SPEC section 7).
SCOPES = ("unit", "cluster", "province")


@dataclass(frozen=True)
class Limits:
    """[limits]: how large an untrusted input file may be before it is refused unopened."""

    max_file_mb: int = 100
    max_inflated_mb: int = 1000
    max_ratio: int = 200
    max_cells: int = 20_000_000
    max_rows: int = 1_048_576
    max_columns: int = 200


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

    def quota_rule(self, kind: str, level: str, award: str) -> QuotaRule | None:
        return next((q for q in self.quotas if q.key == (kind, level, award)), None)


class _Table:
    """Reads one TOML table, naming the full key in every error."""

    def __init__(self, data: object, prefix: str):
        if not isinstance(data, dict):
            raise ConfigError(f"Cấu hình: mục [{prefix}] phải là một bảng (table).")
        self.data, self.prefix = data, prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str, types: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of `key`, checked against `types` (TOML values are only known at run time)."""
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
        return None if value is None else float(value)

    def table(self, key: str) -> _Table:
        if key not in self.data:
            raise ConfigError(f"Cấu hình thiếu mục [{self._name(key)}].")
        return _Table(self.data[key], self._name(key))

    def tables(self, key: str) -> list[_Table]:
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
    bad = [c for c in codes if c not in AWARDS]
    if bad:
        raise ConfigError(f"Cấu hình: \"{t.prefix}.{key}\" có mã hình thức không hợp lệ: {', '.join(map(str, bad))}; "
                          f"chọn trong: {', '.join(AWARDS)}.")
    return codes


def _email(t: _Table) -> EmailSettings:
    leadership = t.get("leadership", list, [])
    if not all(isinstance(a, str) for a in leadership):
        raise ConfigError("Cấu hình: \"email.leadership\" phải là danh sách địa chỉ email.")
    return EmailSettings(
        smtp_host=t.text("smtp_host", ""),
        smtp_port=t.get("smtp_port", int, 587),
        security=t.choice("security", ("starttls", "ssl", "none"), "starttls"),
        username=t.text("username", ""),
        password_env=t.text("password_env", "THIDUA_SMTP_PASSWORD"),
        from_address=t.text("from_address", ""),
        from_name=t.text("from_name", ""),
        leadership=tuple(leadership),
    )


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


def _known_keys(t: _Table, known) -> None:
    """A typo must not drop a setting silently: an unknown key is named with the closest known one."""
    for key in t.data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; có phải là \"{t._name(close[0])}\"?" if close else f"; các khóa dùng được: {', '.join(known)}"
            raise ConfigError(f"Cấu hình: khóa \"{t._name(key)}\" không có{hint}.")


def _certificate_field(t: _Table) -> CertificateField:
    _known_keys(t, CertificateField.__dataclass_fields__)
    box = CertificateField(x=t.number("x"), y=t.number("y"), width=t.number("width"), height=t.number("height"),
                           size=t.number("size"), bold=bool(t.get("bold", bool, False)),
                           align=t.choice("align", ALIGNS, "center"))
    if box.width <= 0 or box.height <= 0 or box.size <= 0:
        raise ConfigError(f"Cấu hình: {t.prefix}: \"width\", \"height\" và \"size\" phải lớn hơn 0.")
    return box


def _signer(signers: _Table, issuer: str, default: Signer, place: str) -> Signer:
    t = _Table(signers.data.get(issuer, {}), signers._name(issuer))
    _known_keys(t, Signer.__dataclass_fields__)
    return Signer(t.text("title", default.title), t.text("name", default.name), t.text("place", default.place) or place)


def _certificates(t: _Table, documents: DocumentSettings, place: str) -> CertificateSettings:
    known = ("paper", "offset", "min_size", "signer_title", "signer_name", "place", "achievement", "fields", "signers")
    _known_keys(t, known)
    signers = _Table(t.data.get("signers", {}), f"{t.prefix}.signers")
    _known_keys(signers, DEFAULT_SIGNERS)
    fields = t.table("fields")
    _known_keys(fields, CERTIFICATE_FIELDS)
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


def _limits(t: _Table) -> Limits:
    defaults = Limits()
    return Limits(**{name: t.positive(name, getattr(defaults, name)) for name in defaults.__dataclass_fields__})


def parse_config(data: dict, path: Path) -> Config:
    """Validate parsed TOML into a Config; relative paths resolve against the file's folder."""
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
    documents = _documents(_Table(data.get("documents", {}), "documents"), province.text("short_name"))
    ledger = paths.text("ledger", "")
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
        templates_dir=resolve(paths.text("templates", "templates")),
        rounding_threshold=threshold,
        score_min=rules.number("score_min"),
        score_max=rules.number("score_max"),
        sudden_min_value=elig.get("sudden_min_value", int),
        merit_min_years=elig.get("merit_min_years", int),
        merit_min_initiatives=elig.get("merit_min_initiatives", int),
        quotas=tuple(_quota(t) for t in root.tables("quotas")),
        ranked_awards=tuple(_ranked(t) for t in root.tables("ranked_awards")),
        email=_email(_Table(data.get("email", {}), "email")),
        documents=documents,
        limits=_limits(_Table(data.get("limits", {}), "limits")),
        criteria=load_criteria(resolve(criteria)) if criteria else None,
        certificates=_certificates(root.table("certificates"), documents, province.text("place"))
        if "certificates" in data else None,
        ledger_path=resolve(ledger) if ledger else None,
    )
    keys = [q.key for q in config.quotas]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ConfigError(f"Cấu hình: chỉ tiêu {duplicate} được khai báo hai lần trong [[quotas]].")
    if config.score_min >= config.score_max:
        raise ConfigError("Cấu hình: \"rules.score_min\" phải nhỏ hơn \"rules.score_max\".")
    return config


def load_config(path: Path) -> Config:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} sai cú pháp: {exc}.") from exc
    return parse_config(data, path.resolve())


def with_overrides(config: Config, **changes: Any) -> Config:
    """A copy of config with some fields replaced (command-line options)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})

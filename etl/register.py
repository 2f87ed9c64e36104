"""The plant register's columns and vocabularies, kept as data (domain.md §2, §3, §6).

Everything a prefecture may type differently from the canonical form lives here, so a new
header variant or a new spelling of a status is a one-line change that needs no code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from exitmap.vocabulary import (
    ALL_SUB_INDUSTRIES,
    CATEGORIES,
    CRS_NAMES,
    EXIT_METHODS,
    SECTORS,
    STATUSES,
)

KINDS = ("text", "code", "number", "integer", "date", "enum", "coordinate")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"
    required: bool = False
    # For enum columns: canonical value → its accepted variant spellings.
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for column {self.key}")


# ---------------------------------------------------------------- spellings
# The canonical values are exitmap.vocabulary's; here only how registers write them.

SECTOR_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "钢铁": ("钢铁行业", "钢铁业", "黑色金属", "黑色金属冶炼"),
    "建材": ("建材行业", "建筑材料"),
    "石化化工": ("石化", "化工", "石油化工", "石化行业", "化工行业", "石化化工行业"),
    "有色金属": ("有色", "有色行业", "有色金属行业", "有色金属冶炼"),
}

# "水泥" alone is left out on purpose: it may mean a clinker line or a grinding station.
SUB_INDUSTRY_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "炼钢": ("钢", "炼钢行业", "粗钢"),
    "炼铁": ("铁", "炼铁行业", "生铁"),
    "铁合金": ("铁合金冶炼", "硅铁", "锰铁", "硅锰", "工业硅"),
    "水泥熟料": ("熟料", "水泥熟料生产线", "熟料生产线"),
    "平板玻璃": ("玻璃", "浮法玻璃", "平板玻璃生产线"),
    "粉磨站": ("水泥粉磨站", "粉磨", "水泥粉磨"),
    "石灰窑": ("石灰", "石灰生产"),
    "焦炭": ("焦化", "炼焦", "焦炉"),
    "电石": ("碳化钙", "电石生产"),
    "黄磷": ("黄磷生产", "白磷"),
    "烧碱": ("氢氧化钠", "氯碱"),
    "电解铝": ("原铝", "铝冶炼", "电解铝生产"),
    "铜冶炼": ("铜", "炼铜"),
    "铅冶炼": ("铅", "炼铅"),
    "锌冶炼": ("锌", "炼锌"),
    "锡冶炼": ("锡", "炼锡"),
}

CATEGORY_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "淘汰类": ("淘汰", "淘汰类产能", "技术落后", "技术落后(淘汰类)", "落后产能", "淘汰落后"),
    "限制类": ("限制", "限制类产能"),
    "能耗不达标": ("能耗", "能耗不达标产能", "能效不达标", "能耗超标"),
    "环保不达标": ("环保", "环保不达标产能", "排放不达标", "环保超标"),
    "质量不达标": ("质量", "质量不达标产能", "产品质量不达标"),
    "安全不达标": ("安全", "安全不达标产能", "安全生产不达标"),
}

STATUS_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "在产": ("正常生产", "生产", "生产中", "在产中", "正常", "运行", "在运"),
    "整改中": ("整改", "正在整改", "限期整改"),
    "延期整改": ("延期", "延长整改", "整改延期"),
    "停产": ("停产中", "停产整顿", "停产整改", "暂停生产", "停运"),
    "已关停": ("关停", "已关闭", "关闭", "已停用"),
    "已拆除": ("拆除", "拆除完毕"),
    "已改造达标": ("改造达标", "已改造", "改造完成", "已改造提升"),
    "已转产": ("转产", "已转型"),
}

EXIT_METHOD_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "拆除": ("已拆除", "拆除设备", "拆除主体设备"),
    "关停": ("已关停", "关闭", "停产关闭"),
    "改造提升": ("改造", "升级改造", "技术改造", "提升改造", "改造升级"),
    "转产": ("已转产", "转型"),
    "产能置换": ("置换", "减量置换", "等量置换"),
}

CRS_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "WGS84": ("wgs-84", "wgs 84", "wgs1984", "gps", "epsg:4326", "4326"),
    "CGCS2000": (
        "cgcs 2000",
        "cgcs-2000",
        "2000国家大地坐标系",
        "国家2000",
        "2000坐标系",
        "天地图",
        "epsg:4490",
        "4490",
    ),
    "GCJ02": ("gcj-02", "gcj", "火星坐标", "火星坐标系", "高德", "高德地图", "腾讯", "腾讯地图"),
    "BD09": ("bd-09", "bd09ll", "百度", "百度地图", "百度坐标"),
}


# ---------------------------------------------------------------- columns


def _choices(
    values: tuple[str, ...], variants: Mapping[str, tuple[str, ...]]
) -> Mapping[str, tuple[str, ...]]:
    """Each canonical value (exitmap.vocabulary) with its accepted spellings, in order."""
    unknown = set(variants) - set(values)
    if unknown:
        raise ValueError(f"spellings given for values outside the vocabulary: {unknown}")
    return MappingProxyType({v: variants.get(v, ()) for v in values})


COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("no", "no.", "序列号", "index")),
    Column(
        "prefecture",
        "州（市）",
        ("州市", "州(市)", "市(州)", "市州", "州市名称", "所在州市", "prefecture", "city"),
    ),
    Column(
        "county",
        "县（市、区）",
        (
            "县(市、区)",
            "县(市,区)",
            "县市区",
            "县区",
            "区县",
            "县",
            "所在县区",
            "county",
            "district",
        ),
    ),
    Column(
        "enterprise_name",
        "企业名称",
        ("企业", "单位名称", "公司名称", "企业全称", "enterprise", "company", "enterprise_name"),
        required=True,
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "统一信用代码", "credit_code", "uscc", "credit code"),
        kind="code",
        required=True,
    ),
    Column(
        "sector",
        "行业",
        ("所属行业", "行业类别", "industry", "sector"),
        kind="enum",
        choices=_choices(SECTORS, SECTOR_VARIANTS),
    ),
    Column(
        "sub_industry",
        "细分行业",
        ("子行业", "行业细类", "细分领域", "sub_industry", "subindustry", "sub industry"),
        kind="enum",
        required=True,
        choices=_choices(ALL_SUB_INDUSTRIES, SUB_INDUSTRY_VARIANTS),
    ),
    Column(
        "equipment_name",
        "装备名称",
        ("设备名称", "生产线名称", "装置名称", "装备(生产线)名称", "equipment", "equipment_name"),
        required=True,
    ),
    Column(
        "equipment_no",
        "装备编号",
        ("设备编号", "装置编号", "生产线编号", "equipment_id", "equipment_no"),
        kind="code",
    ),
    Column(
        "spec",
        "规格型号",
        ("规格", "型号", "规格(型号)", "装备规格", "spec", "specification"),
    ),
    Column(
        "capacity_wt",
        "产能（万吨/年）",
        (
            "产能(万吨/年)",
            "产能(万吨)",
            "产能万吨",
            "年产能(万吨)",
            "产能",
            "capacity",
            "capacity_wt",
        ),
        kind="number",
    ),
    Column(
        "energy_tce",
        "年综合能耗（吨标准煤）",
        (
            "年综合能耗(吨标准煤)",
            "年综合能耗(tce)",
            "年综合能耗(吨标煤)",
            "综合能耗(吨标准煤)",
            "综合能耗(tce)",
            "年综合能耗",
            "综合能耗",
            "年能耗(吨标准煤)",
            "energy",
            "energy_tce",
        ),
        kind="number",
    ),
    Column(
        "electricity_10k_kwh",
        "年用电量（万千瓦时）",
        (
            "年用电量(万千瓦时)",
            "年用电量(万kwh)",
            "年用电量(万度)",
            "用电量(万千瓦时)",
            "年用电量",
            "用电量",
            "electricity",
            "electricity_10k_kwh",
        ),
        kind="number",
    ),
    Column(
        "category",
        "退出类别",
        ("退出类型", "类别", "产能类别", "退出分类", "category"),
        kind="enum",
        # Blank is meaningful: the unit is registered but not (yet) in the exit scope.
        required=False,
        choices=_choices(CATEGORIES, CATEGORY_VARIANTS),
    ),
    Column(
        "status",
        "当前状态",
        ("状态", "目前状态", "现状", "生产状态", "status"),
        kind="enum",
        required=True,
        choices=_choices(STATUSES, STATUS_VARIANTS),
    ),
    Column(
        "identified_date",
        "问题认定日期",
        ("认定日期", "问题认定时间", "认定时间", "identified_date"),
        kind="date",
    ),
    Column(
        "rectify_deadline",
        "整改期限",
        ("整改期限日期", "整改截止日期", "整改时限", "rectify_deadline", "deadline"),
        kind="date",
    ),
    Column(
        "planned_exit_date",
        "计划退出日期",
        ("计划退出时间", "计划退出时限", "planned_exit_date", "planned_exit"),
        kind="date",
    ),
    Column(
        "actual_exit_date",
        "实际退出日期",
        ("实际退出时间", "退出日期", "退出时间", "actual_exit_date", "actual_exit", "exit_date"),
        kind="date",
    ),
    Column(
        "exit_method",
        "退出方式",
        ("退出途径", "处置方式", "exit_method", "method"),
        kind="enum",
        choices=_choices(EXIT_METHODS, EXIT_METHOD_VARIANTS),
    ),
    Column(
        "workers",
        "职工人数",
        ("职工人数(人)", "职工数", "员工人数", "涉及职工人数", "从业人数", "workers", "employees"),
        kind="integer",
    ),
    Column(
        "address",
        "详细地址",
        ("地址", "企业地址", "所在地址", "厂址", "生产地址", "address"),
    ),
    Column(
        "lon",
        "经度",
        ("经度(°)", "东经", "longitude", "lon", "lng", "long", "x"),
        kind="coordinate",
    ),
    Column("lat", "纬度", ("纬度(°)", "北纬", "latitude", "lat", "y"), kind="coordinate"),
    Column(
        "crs",
        "坐标系",
        ("坐标系统", "坐标类型", "坐标系类型", "crs", "coordinate system", "srs"),
        kind="enum",
        choices=_choices(CRS_NAMES, CRS_VARIANTS),
    ),
    Column("remarks", "备注", ("说明", "备注说明", "remarks", "remark", "note", "notes")),
)

BY_KEY: Mapping[str, Column] = MappingProxyType({c.key: c for c in COLUMNS})
REQUIRED: tuple[Column, ...] = tuple(c for c in COLUMNS if c.required)


# ---------------------------------------------------------------- header matching

_BRACKETS = str.maketrans("", "", "()[]{}<>【】〔〕《》")
# A header like "经度（度）" or "职工人数(人)" carries a unit the canonical header omits.
_TRAILING_UNIT = re.compile(r"\([^()]*\)$")
_MARKERS = "*★☆※"


def header_key(text: str) -> str:
    """Normalise a header cell so variants written by hand compare equal."""
    t = unicodedata.normalize("NFKC", str(text)).lower()
    t = re.sub(r"\s+", "", t).strip(_MARKERS)
    return t


def _squash(key: str) -> str:
    return key.translate(_BRACKETS)


def _build_header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for col in COLUMNS:
        for name in (col.header, col.key, *col.aliases):
            for form in (header_key(name), _squash(header_key(name))):
                owner = index.setdefault(form, col.key)
                if owner != col.key:
                    raise ValueError(f"header alias {name!r} claimed by {owner} and {col.key}")
    return index


_HEADER_INDEX = _build_header_index()


def match_header(text: object) -> str | None:
    """Return the column key a header cell names, or None when it is not a register column."""
    if text is None:
        return None
    key = header_key(str(text))
    if not key:
        return None
    found = _HEADER_INDEX.get(key) or _HEADER_INDEX.get(_squash(key))
    if found:
        return found
    # Only a column whose canonical header has no unit may shed one; "产能(吨/年)" must not
    # silently pass as 万吨/年.
    stem = _TRAILING_UNIT.sub("", key)
    if stem != key:
        found = _HEADER_INDEX.get(stem)
        if found and BY_KEY[found].kind not in ("number", "integer"):
            return found
    return None


# ---------------------------------------------------------------- value matching


def value_key(text: str) -> str:
    """Normalise an enum cell: width, case and separators do not change its meaning."""
    t = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\-_·.,，、]+", "", t)


def enum_lookup(col: Column) -> dict[str, str]:
    """Normalised spelling → canonical value for an enum column."""
    lookup: dict[str, str] = {}
    for canonical, variants in col.choices.items():
        for spelling in (canonical, *variants):
            lookup[value_key(spelling)] = canonical
    return lookup


# ---------------------------------------------------------------- value rules

# Cells that mean "nothing here" in number and date columns.
NULL_TOKENS: tuple[str, ...] = ("", "-", "--", "—", "——", "/", "无", "n/a", "na", "null", "none")

# Unit written after a number → factor to the column's own unit (keys compared lower-case).
NUMBER_UNITS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "capacity_wt": {
            "": 1,
            "万": 1,
            "万吨/年": 1,
            "万吨": 1,
            "万t/a": 1,
            "万t/年": 1,
            "万t": 1,
            "吨/年": 1e-4,
            "吨": 1e-4,
            "t/a": 1e-4,
            "t/年": 1e-4,
            "t": 1e-4,
        },
        "energy_tce": {
            "": 1,
            "吨标准煤": 1,
            "吨标煤": 1,
            "tce": 1,
            "t标准煤": 1,
            "吨": 1,
            "t": 1,
            "万": 1e4,
            "万吨标准煤": 1e4,
            "万吨标煤": 1e4,
            "万tce": 1e4,
        },
        "electricity_10k_kwh": {
            "": 1,
            "万": 1,
            "万千瓦时": 1,
            "万kwh": 1,
            "万kw·h": 1,
            "万度": 1,
            "千瓦时": 1e-4,
            "kwh": 1e-4,
            "kw·h": 1e-4,
            "度": 1e-4,
            "亿千瓦时": 1e4,
            "亿kwh": 1e4,
            "亿度": 1e4,
        },
        "workers": {"": 1, "人": 1, "名": 1},
    }
)

# Largest plausible value per column, in the column's unit; above it the row is rejected.
NUMBER_MAX: Mapping[str, float] = MappingProxyType(
    {
        "capacity_wt": 5_000,
        "energy_tce": 5_000_000,
        "electricity_10k_kwh": 1_000_000,
        "workers": 100_000,
    }
)

# 规格型号 units as written (lower-case) → (canonical unit, factor). Order matters: the
# pattern tries them left to right, so longer spellings come before their prefixes.
SPEC_UNITS: tuple[tuple[str, str, float], ...] = (
    ("万吨/年", "万吨/年", 1),
    ("万t/a", "万吨/年", 1),
    ("万吨", "万吨/年", 1),
    ("万重量箱/年", "万重量箱/年", 1),
    ("万重量箱", "万重量箱/年", 1),
    ("万kva", "kVA", 1e4),
    ("万千伏安", "kVA", 1e4),
    ("mva", "kVA", 1e3),
    ("兆伏安", "kVA", 1e3),
    ("kva", "kVA", 1),
    ("千伏安", "kVA", 1),
    ("ka", "kA", 1),
    ("千安", "kA", 1),
    ("m3", "m3", 1),
    ("立方米", "m3", 1),
    ("立方", "m3", 1),
    ("吨/日", "t/d", 1),
    ("吨/天", "t/d", 1),
    ("吨/d", "t/d", 1),
    ("t/d", "t/d", 1),
    ("t/天", "t/d", 1),
    ("t/日", "t/d", 1),
    ("td", "t/d", 1),
    ("吨", "t", 1),
    ("t", "t", 1),
    ("米", "m", 1),
    ("m", "m", 1),
)

# Dates outside this window are typing mistakes for this policy (2021–2025 deadlines).
DATE_MIN = "2000-01-01"
DATE_MAX = "2040-12-31"
# Excel day numbers: 20000 is 1954-10-03 and 80000 is 2119-01-10; outside, a five-digit
# number is not taken for a date.
EXCEL_SERIAL_MIN = 20_000
EXCEL_SERIAL_MAX = 80_000
EXCEL_EPOCH = "1899-12-30"

# GB 32100-2015: the 31 characters a credit code may use, their values and the weights.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = 18


def credit_check_char(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are given."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w
        for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


# ---------------------------------------------------------------- cell text

# Longest text a cell may hold, in characters, per column; cells of other columns are bounded
# by the EXITMAP_MAX_CELL_CHARS setting. Firm names in the national credit system rarely pass
# 60 characters even with a branch (…分公司…车间); 200 leaves room without letting a pasted
# paragraph through. An address of province, prefecture, county, town, road and park fits in
# 100 with room to spare; 规格型号 may list several parameters; 备注 is about a page. Codes and
# place names are short by nature; their own checks say more when they are wrong.
TEXT_MAX_CHARS: Mapping[str, int] = MappingProxyType(
    {
        "seq": 20,
        "prefecture": 50,
        "county": 50,
        "enterprise_name": 200,
        "credit_code": 50,
        "equipment_name": 100,
        "equipment_no": 50,
        "spec": 200,
        "address": 300,
        "remarks": 1000,
    }
)

# Characters no register needs and that can hide or disguise text: C0 controls but tab and
# line breaks (PostgreSQL refuses NUL outright), DEL, and the bidirectional embeddings,
# overrides and isolates (U+202E can make "exe.txt" show as "txt.exe"). A regex class for
# polars (Rust syntax), and what each is called in messages.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{202A}-\x{202E}\x{2066}-\x{2069}]"
CONTROL_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "\x00": "U+0000 空字符",
        **{chr(c): f"U+{c:04X} 控制字符" for c in (*range(0x01, 0x09), 0x0B, 0x0C)},
        **{chr(c): f"U+{c:04X} 控制字符" for c in range(0x0E, 0x20)},
        "\x7f": "U+007F 删除符",
        **{chr(c): f"U+{c:04X} 文字方向控制符" for c in range(0x202A, 0x202F)},
        **{chr(c): f"U+{c:04X} 文字方向控制符" for c in range(0x2066, 0x206A)},
    }
)

# A text cell starting with one of these may run as a formula when a spreadsheet opens a file
# that carries it (CSV injection); the value is kept, with a warning naming the cell.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

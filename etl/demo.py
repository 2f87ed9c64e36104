"""A deterministic synthetic plant register (演示数据) written as dated snapshots.

`write_demo` makes about 600 units of equipment in about 250 made-up enterprises spread over
Yunnan's 16 prefectures and writes what the register would have said at the end of each year
2020–2025 and on `today`: one xlsx file per snapshot, one sheet per prefecture. A unit appears
from the day it entered the register (most in 2020; problems found later enter later) and its
status follows a timeline of events (在产 → 整改中 → 延期整改 → 已改造达标, 在产 → 已关停 →
已拆除, 停产 → 在产 …), so consecutive snapshots differ the way real submissions do.

Nothing here describes a real enterprise: names are composed from place names and stock words,
credit codes are random (with valid check characters), every 备注 says so. All randomness comes
from one `numpy.random.default_rng(seed)` drawn in a fixed order, and `today` only moves dates,
so the same seed and `today` give the same cell values.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from etl.register import COLUMNS, CREDIT_CODE_CHARSET, credit_check_char
from exitmap.boundaries import load_counties, load_prefectures, short_name
from exitmap.crs import wgs84_to_gcj02
from exitmap.vocabulary import NO_RESTRICTED_LIST, SECTOR_OF

# ---------------------------------------------------------------- register layout (domain §6)

HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
DATE_HEADERS = ("问题认定日期", "整改期限", "计划退出日期", "实际退出日期")
REMARK = "演示数据（合成，非真实企业）"
TITLE = "云南省淘汰落后和低端低效产能退出台账（演示数据）— 数据截至 {date}"
GUIDE_SHEET = "填表说明"
GUIDE_LINES = (
    "云南省淘汰落后和低端低效产能退出台账 — 填表说明（演示数据）",
    "1. 本文件为系统演示用的合成数据，企业、装备和数字均为虚构，不对应任何真实企业。",
    "2. 每个州（市）一个工作表，一行一台（套）装备或一条生产线；表头为标准列名，请勿修改。",
    "3. 「退出类别」可选：淘汰类、限制类、能耗不达标、环保不达标、质量不达标、安全不达标；"
    "不在退出范围内的装备留空。",
    "4. 「当前状态」可选：在产、整改中、延期整改、停产、已关停、已拆除、已改造达标、已转产。",
    "5. 「退出方式」可选：拆除、关停、改造提升、转产、产能置换；已退出或已改造的装备填写。",
    "6. 日期填写为 YYYY-MM-DD；能耗不达标装备的整改期限为问题认定日期后6个月，"
    "延期整改的不超过3个月。",
    "7. 「坐标系」可选：WGS84、CGCS2000、GCJ02、BD09，留空视为 WGS84；无坐标时须填写详细地址。",
    "8. 统一社会信用代码为18位（GB 32100-2015），请将该列设为文本格式。",
)


# ---------------------------------------------------------------- sizes and mixes

N_UNITS = 600
OUT_OF_SCOPE_SHARE = 0.15
# Shares of the in-scope units.
CATEGORY_WEIGHTS = {
    "淘汰类": 0.26,
    "限制类": 0.28,
    "能耗不达标": 0.24,
    "环保不达标": 0.10,
    "质量不达标": 0.05,
    "安全不达标": 0.07,
}
# Prefectures that must show an overdue 淘汰类 unit (so that 区域限批 arises).
MIN_OVERDUE_PREFECTURES = 4
ELIMINATION_DEADLINE = dt.date(2021, 12, 31)

# Enterprise weight per prefecture (industrial ones heavier).
PREFECTURE_WEIGHTS = {
    530100: 13,  # 昆明
    530300: 14,  # 曲靖
    530400: 10,  # 玉溪
    530500: 4,  # 保山
    530600: 9,  # 昭通
    530700: 3,  # 丽江
    530800: 3,  # 普洱
    530900: 3,  # 临沧
    532300: 8,  # 楚雄
    532500: 14,  # 红河
    532600: 8,  # 文山
    532800: 0.6,  # 西双版纳
    532900: 6,  # 大理
    533100: 3,  # 德宏
    533300: 0.8,  # 怒江
    533400: 0.6,  # 迪庆
}
# Industrial counties get more enterprises than the rest of their prefecture.
COUNTY_WEIGHTS = {
    530113: 3,  # 东川区
    530181: 5,  # 安宁市
    530115: 2,  # 晋宁区
    530302: 4,  # 麒麟区
    530325: 4,  # 富源县
    530326: 3,  # 会泽县
    530381: 4,  # 宣威市
    530303: 2,  # 沾益区
    530402: 3,  # 红塔区
    530427: 3,  # 新平
    530426: 3,  # 峨山
    530425: 2,  # 易门县
    530602: 3,  # 昭阳区
    530681: 2,  # 水富市
    532301: 3,  # 楚雄市
    532331: 4,  # 禄丰市
    532501: 5,  # 个旧市
    532502: 4,  # 开远市
    532503: 3,  # 蒙自市
    532504: 3,  # 弥勒市
    532601: 3,  # 文山市
    532622: 3,  # 砚山县
    532901: 3,  # 大理市
    532923: 3,  # 祥云县
    530502: 3,  # 隆阳区
    533325: 4,  # 兰坪
}
# (sub-industry, prefecture or county adcode) → extra weight, where an industry clusters.
AFFINITY = {
    ("锡冶炼", 532500): 8,
    ("锡冶炼", 532501): 6,
    ("锡冶炼", 532600): 2,
    ("锡冶炼", 530500): 2,
    ("电解铝", 532600): 4,
    ("电解铝", 530300): 3,
    ("电解铝", 530600): 3,
    ("电解铝", 532900): 3,
    ("电解铝", 532500): 2,
    ("铅冶炼", 533300): 6,
    ("锌冶炼", 533300): 6,
    ("铅冶炼", 530300): 2,
    ("锌冶炼", 530300): 2,
    ("铅冶炼", 530600): 2,
    ("锌冶炼", 530600): 2,
    ("锌冶炼", 532500): 2,
    ("铜冶炼", 530100): 3,
    ("铜冶炼", 532300): 3,
    ("铜冶炼", 530400): 2,
    ("铜冶炼", 533400): 4,
    ("黄磷", 530100): 3,
    ("黄磷", 532300): 2,
    ("黄磷", 532500): 2,
    ("黄磷", 530300): 2,
    ("焦炭", 530300): 4,
    ("焦炭", 530100): 2,
    ("焦炭", 532500): 2,
    ("炼铁", 530100): 3,
    ("炼铁", 530400): 3,
    ("炼钢", 530100): 3,
    ("炼钢", 530400): 3,
    ("炼铁", 530300): 2,
    ("炼钢", 530300): 2,
    ("炼钢", 532500): 2,
    ("铁合金", 530600): 2,
    ("铁合金", 532600): 2,
    ("电石", 530300): 3,
    ("电石", 530600): 2,
}

# Enterprise profiles: weight and the (sub-industry, min units, max units) they run.
PROFILES: tuple[tuple[str, float, tuple[tuple[str, int, int], ...]], ...] = (
    ("钢铁联合", 9, (("炼铁", 1, 3), ("炼钢", 1, 3))),
    ("电炉钢", 10, (("炼钢", 1, 3),)),
    ("炼铁", 5, (("炼铁", 1, 3),)),
    ("铁合金", 14, (("铁合金", 1, 5),)),
    ("水泥", 26, (("水泥熟料", 1, 3), ("粉磨站", 0, 2))),
    ("粉磨站", 16, (("粉磨站", 1, 3),)),
    ("平板玻璃", 4, (("平板玻璃", 1, 3),)),
    ("石灰", 12, (("石灰窑", 1, 4),)),
    ("焦化", 9, (("焦炭", 1, 4),)),
    ("电石", 8, (("电石", 1, 4),)),
    ("黄磷", 11, (("黄磷", 1, 4),)),
    ("烧碱", 4, (("烧碱", 1, 2),)),
    ("电解铝", 7, (("电解铝", 1, 3),)),
    ("铜冶炼", 6, (("铜冶炼", 1, 2),)),
    ("铅冶炼", 6, (("铅冶炼", 1, 3),)),
    ("锌冶炼", 7, (("锌冶炼", 1, 3),)),
    ("锡冶炼", 6, (("锡冶炼", 1, 3),)),
)

BRANDS = (
    "鑫源", "宏泰", "华鑫", "金鼎", "恒达", "隆盛", "昌盛", "瑞丰", "泰和", "永兴", "德胜",
    "天宏", "福源", "广达", "润泽", "宏远", "鼎盛", "振兴", "顺达", "聚源", "汇丰", "万通",
    "三联", "同创", "金马", "银河", "宏图", "嘉禾", "盛达", "新宇", "金源", "恒通", "泰丰",
    "兴隆", "宝丰", "锦程", "中联", "裕丰", "正达", "和盛", "旭日", "龙腾", "海鑫", "凯达",
)  # fmt: skip
NAME_WORDS = {
    "钢铁联合": ("钢铁", "钢铁集团", "钢业"),
    "电炉钢": ("特钢", "钢业", "钢铁"),
    "炼铁": ("钢铁", "冶金", "铁业"),
    "铁合金": ("铁合金", "硅业", "冶金", "锰业"),
    "水泥": ("水泥", "建材", "水泥建材"),
    "粉磨站": ("水泥", "建材"),
    "平板玻璃": ("玻璃", "浮法玻璃"),
    "石灰": ("石灰", "钙业", "建材"),
    "焦化": ("焦化", "煤化工", "煤焦化"),
    "电石": ("电石", "化工", "电化"),
    "黄磷": ("磷化", "磷业", "化工"),
    "烧碱": ("氯碱", "化工", "盐化"),
    "电解铝": ("铝业", "铝材"),
    "铜冶炼": ("铜业", "冶炼"),
    "铅冶炼": ("铅业", "冶炼", "有色金属"),
    "锌冶炼": ("锌业", "冶炼", "有色金属"),
    "锡冶炼": ("锡业", "冶炼", "有色金属"),
}
COMPANY_SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
PARK_WORDS = (
    "工业园区",
    "工业园区东片区",
    "工业园区西片区",
    "产业园区",
    "经济开发区",
    "工业集中区",
)

# Coordinates are sampled this far (degrees) inside the county border, so that rounding, the
# jitter between units of one plant and the GCJ-02 round trip never leave the county.
# The display counties deviate from the full-resolution ones by at most ~0.0022° (domain §1).
DISPLAY_DEVIATION = 0.0025
JITTER = 0.0015
INSET = DISPLAY_DEVIATION + 2 * JITTER + 0.0015

# The organisation-code weights (GB 11714) for characters 9–17 of a credit code; the credit
# code's own check character comes from the register's rules (GB 32100-2015).
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check_char(first8: str) -> str:
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    r = 11 - sum(value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


# ---------------------------------------------------------------- small helpers


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _day(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    """A uniformly drawn day in [lo, hi] (lo when hi < lo)."""
    span = max((hi - lo).days, 0)
    return lo + dt.timedelta(days=int(rng.integers(0, span + 1)))


def _pick(rng: np.random.Generator, options, weights=None):
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


# ---------------------------------------------------------------- equipment


@dataclass
class Equipment:
    name: str
    spec: str
    capacity: float  # 万吨/年
    energy: float  # tce/year
    electricity: float  # 万kWh/year
    workers: int


def _equipment(rng: np.random.Generator, sub: str, tier: str) -> Equipment:
    """One unit of `sub`; tier "old" (淘汰类 size), "mid" (限制类 size) or "any"."""
    noise = float(rng.uniform(0.88, 1.12))

    def tiered(old, mid, new):
        return _pick(rng, {"old": old, "mid": mid}.get(tier, mid + new))

    def make(name, spec, cap, tce_per_t, kwh_per_t, workers):
        cap = round(cap * noise, 2)
        energy = round(cap * 1e4 * tce_per_t * float(rng.uniform(0.92, 1.08)))
        power = round(cap * kwh_per_t * float(rng.uniform(0.92, 1.08)), 1)
        return Equipment(name, spec, cap, float(energy), power, int(workers))

    if sub == "炼铁":
        v = tiered((128, 180, 255, 300, 350, 380), (450, 530, 580, 650, 1080, 1200), (1250, 1350))
        cap = v * 3.0 * 350 / 1e4
        return make("高炉", f"{v}m³", cap, 0.40, 80, 120 + v * 0.35 * noise)
    if sub == "炼钢":
        if _chance(rng, 0.45):
            t = tiered((10, 15, 20, 30), (40, 50, 60), (70, 100))
            kva = {10: 6300, 15: 10000, 20: 12500, 30: 20000}.get(t, int(t * 700))
            return make("电弧炉", f"{t}t（{kva}kVA）", t * 0.7, 0.065, 420, 60 + t * 2.5)
        t = tiered((15, 20, 25, 30), (35, 40, 50, 60, 80, 100), (120,))
        return make("转炉", f"{t}t", t * 1.1, 0.022, 35, 80 + t * 3)
    if sub == "铁合金":
        kva = tiered((1800, 3200, 5000, 6000), (6300, 9000, 12500), (16500, 25500, 33000))
        product, tce, kwh = _pick(
            rng,
            (("硅锰合金", 0.86, 4200), ("硅铁", 1.9, 8500), ("工业硅", 3.1, 12500)),
            (0.5, 0.3, 0.2),
        )
        cap = kva / 3500 * 4200 / kwh
        return make("矿热炉", f"{kva}kVA（{product}）", cap, tce, kwh, 25 + kva / 250)
    if sub == "水泥熟料":
        if tier == "old" and _chance(rng, 0.35):
            td = _pick(rng, (300, 400, 600))
            cap = td * 300 / 1e4
            return make("水泥熟料生产线", f"{td}t/d（机立窑）", cap, 0.145, 75, 80 + td * 0.2)
        td = tiered((700, 1000, 1200, 1500, 2000), (2500,), (2500, 3200, 4000, 4500, 5000))
        cap = td * 310 / 1e4
        return make("水泥熟料生产线", f"{td}t/d", cap, 0.112, 58, 90 + td * 0.06)
    if sub == "粉磨站":
        wt = tiered((10, 15, 20), (30, 40, 60), (60, 100, 120))
        mill = "Φ2.6×13m" if tier == "old" else _pick(rng, ("Φ3.2×13m", "Φ3.8×13m", "Φ4.2×13m"))
        return make("水泥粉磨站", f"{wt}万吨/年（{mill} 球磨机）", wt, 0.0045, 36, 30 + wt * 0.8)
    if sub == "平板玻璃":
        if tier == "old":
            td = _pick(rng, (120, 150, 200))
            spec = f"{td}t/d（平拉工艺）"
        else:
            td = tiered((), (300, 400, 500, 600), (600, 700, 800, 900))
            spec = f"{td}t/d（浮法，约{round(td * 330 / 0.05 / 1e4)}万重量箱/年）"
        return make("平板玻璃生产线", spec, td * 330 / 1e4, 0.30, 100, 150 + td * 0.4)
    if sub == "石灰窑":
        kind, td = {
            "old": lambda: (_pick(rng, ("土窑", "普通立窑")), _pick(rng, (50, 80, 100))),
            "mid": lambda: ("机械化立窑", _pick(rng, (100, 150, 200))),
        }.get(
            tier, lambda: (_pick(rng, ("回转窑", "双膛竖窑", "套筒窑")), _pick(rng, (300, 500)))
        )()
        tce = 0.16 if tier == "old" else 0.13
        return make("石灰窑", f"{kind} {td}t/d", td * 330 / 1e4, tce, 30, 20 + td * 0.15)
    if sub == "焦炭":
        h = tiered((2.8, 3.2, 3.8), (4.3,), (5.5, 6.0))
        stamp = "捣固" if h in (5.5,) else "顶装"
        cap = {2.8: 10, 3.2: 15, 3.8: 20, 4.3: 40, 5.5: 60, 6.0: 70}[h]
        return make("焦炉", f"炭化室高度{h}m（{stamp}）", cap, 0.14 if h < 4.3 else 0.12, 35,
                    60 + cap * 3)  # fmt: skip
    if sub == "电石":
        if tier == "old":
            kva, kind = _pick(rng, (6300, 9000, 12500, 16500)), "开放式"
        else:
            kva, kind = tiered((), (16500, 25500), (33000, 40500)), "密闭式"
        tce = 1.2 if kind == "开放式" else 1.0
        return make("电石炉", f"{kva}kVA（{kind}）", kva / 3600, tce, 3300, 40 + kva / 400)
    if sub == "黄磷":
        kva = tiered((3000, 4500, 5000), (6300, 10000, 12500), (15000, 20000))
        return make("黄磷电炉", f"{kva}kVA", kva * 0.72 / 1e4, 3.0, 14000, 40 + kva / 200)
    if sub == "烧碱":
        if tier == "old":
            wt, process, tce, kwh = _pick(rng, (2, 3, 5)), "隔膜法", 0.55, 2600
        else:
            wt, process, tce, kwh = _pick(rng, (6, 10, 15, 20)), "离子膜法", 0.35, 2350
        return make("烧碱装置", f"{process} {wt}万吨/年", wt, tce, kwh, 60 + wt * 12)
    if sub == "电解铝":
        if tier == "old":
            ka, kind = _pick(rng, (60, 80, 100, 135)), "自焙槽" if _chance(rng, 0.5) else "预焙槽"
            kwh = 15000
        else:
            ka, kind = tiered((), (160, 200, 240), (300, 400, 500)), "预焙槽"
            kwh = 13500
        pots = int(rng.integers(100, 260))
        cap = min(ka * pots * 0.3356 * 0.93 * 24 * 365 / 1e10 * 1e3, 48)
        return make("电解槽系列", f"{ka}kA {kind}（{pots}台）", cap, kwh * 0.0001229, kwh,
                    100 + cap * 30)  # fmt: skip
    metal = {"铜冶炼": "铜", "铅冶炼": "铅", "锌冶炼": "锌", "锡冶炼": "锡"}[sub]
    options = {
        "铜": {
            "old": (("鼓风炉", "密闭鼓风炉熔炼", (1, 2, 3)), ("反射炉", "反射炉熔炼", (2, 3))),
            "mid": (("熔炼炉", "电炉熔炼", (5, 8)),),
            "any": (
                ("富氧底吹熔炼炉", "富氧底吹熔炼", (10, 20)),
                ("艾萨熔炼炉", "艾萨炉熔炼", (20, 40)),
            ),
        },
        "铅": {
            "old": (("烧结机-鼓风炉", "烧结-鼓风炉炼铅", (1, 2, 3)),),
            "mid": (("鼓风炉", "富氧底吹-鼓风炉还原", (3, 5)),),
            "any": (("富氧底吹熔炼炉", "富氧底吹-液态高铅渣直接还原", (8, 10)),),
        },
        "锌": {
            "old": (("竖罐", "竖罐炼锌", (0.5, 1)), ("平罐", "平罐炼锌", (0.3, 0.5))),
            "mid": (("电解系列", "湿法炼锌", (3, 5)),),
            "any": (("电解系列", "湿法炼锌", (10, 15, 20)),),
        },
        "锡": {
            "old": (("反射炉", "反射炉炼锡", (0.2, 0.3)),),
            "mid": (("电炉", "电炉炼锡", (0.5, 0.8)),),
            "any": (("澳斯麦特炉", "顶吹沉没熔炼", (2, 3)),),
        },
    }[metal]
    choices = (
        options["old"]
        if tier == "old"
        else options["mid"] + (options["any"] if tier == "any" else ())
    )
    name, process, sizes = _pick(rng, choices)
    wt = _pick(rng, sizes)
    tce, kwh = {"铜": (0.32, 1000), "铅": (0.36, 420), "锌": (0.9, 3300), "锡": (1.6, 2500)}[metal]
    if name in ("竖罐", "平罐"):
        tce, kwh = 2.0, 600
    if tier == "old":
        tce *= 1.3
    return make(name, f"{process} {wt:g}万吨/年", wt, tce, kwh, 40 + wt * 25)


# ---------------------------------------------------------------- places


@dataclass(frozen=True)
class County:
    adcode: int
    name: str
    short: str
    prefecture: int
    prefecture_name: str
    weight: float


@functools.cache
def _places() -> tuple[dict[int, tuple[str, str]], tuple[County, ...]]:
    prefs = load_prefectures(display=True)  # names only
    pref_names = {
        int(a): (str(n), short_name(str(n))) for a, n in zip(prefs.adcode, prefs.name, strict=True)
    }
    counties = load_counties(display=True)
    out = []
    for a, n, p in zip(counties.adcode, counties.name, counties.parent_adcode, strict=True):
        a, p = int(a), int(p)
        out.append(
            County(a, str(n), short_name(str(n)), p, pref_names[p][0], COUNTY_WEIGHTS.get(a, 1.0))
        )
    return pref_names, tuple(out)


@functools.cache
def _sampling_shapes() -> dict[int, object]:
    """County shapes shrunk by INSET, from the display counties (buffering the full
    resolution is slow). Their border lies within DISPLAY_DEVIATION of the true one, so the
    shrunk shapes stay well inside the true counties.
    """
    counties = load_counties(display=True)
    geoms = shapely.buffer(counties.geometry.values, -INSET, quad_segs=2)
    out = {}
    for adcode, inner, full in zip(counties.adcode, geoms, counties.geometry.values, strict=True):
        shape = inner if not inner.is_empty else full
        shapely.prepare(shape)
        out[int(adcode)] = shape
    return out


def _sample_point(rng: np.random.Generator, county: int) -> tuple[float, float]:
    shape = _sampling_shapes()[county]
    x0, y0, x1, y1 = shape.bounds
    while True:
        xs = rng.uniform(x0, x1, 64)
        ys = rng.uniform(y0, y1, 64)
        inside = np.flatnonzero(shapely.contains_xy(shape, xs, ys))
        if inside.size:
            i = int(inside[0])
            return float(xs[i]), float(ys[i])


# ---------------------------------------------------------------- enterprises and units


@dataclass
class Enterprise:
    name: str
    credit_code: str
    county: County
    site: tuple[float, float]  # WGS-84
    crs: str | None  # as written in the 坐标系 column
    address_only: bool
    address: str


@dataclass
class Unit:
    enterprise: Enterprise
    sub: str
    equipment: Equipment
    number: str | None
    category: str | None
    lon: float | None  # WGS-84
    lat: float | None
    # As written in the 经度/纬度 columns (GCJ-02 when the enterprise states GCJ02).
    x: float | None = None
    y: float | None = None
    registered: dt.date = dt.date(2020, 1, 1)
    # (date, field updates) in date order; fields: status, identified, deadline, planned,
    # exited, method.
    events: list[tuple[dt.date, dict]] = field(default_factory=list)
    overdue: bool = False
    recent: bool = False

    def state(self, when: dt.date) -> dict | None:
        if self.registered > when:
            return None
        state = {"identified": None, "deadline": None, "planned": None, "exited": None,
                 "method": None}  # fmt: skip
        for date, changes in self.events:
            if date > when:
                break
            state.update(changes)
        return state


def _credit_code(rng: np.random.Generator, county: int, used: set[str]) -> str:
    while True:
        if _chance(rng, 0.6):
            body = "MA" + "".join(_pick(rng, CREDIT_CODE_CHARSET) for _ in range(6))
        else:
            body = "".join(str(int(d)) for d in rng.integers(0, 10, 8))
        first17 = f"91{county}{body}{_org_check_char(body)}"
        code = first17 + credit_check_char(first17)
        if code not in used:
            used.add(code)
            return code


def _enterprise(
    rng: np.random.Generator,
    profile: str,
    county: County,
    names: set[str],
    codes: set[str],
) -> Enterprise:
    pref_full, pref_short = _places()[0][county.prefecture]
    while True:
        place = county.short if _chance(rng, 0.6) else pref_short
        prefix = "云南" if _chance(rng, 0.7) else ""
        name = (
            prefix
            + place
            + _pick(rng, BRANDS)
            + _pick(rng, NAME_WORDS[profile])
            + _pick(rng, COMPANY_SUFFIXES, (0.6, 0.25, 0.15))
        )
        if name not in names:
            names.add(name)
            break
    code = _credit_code(rng, county.adcode, codes)
    site = _sample_point(rng, county.adcode)
    r = rng.random()
    address_only = r < 0.05
    if address_only:
        crs = None
    elif r < 0.15:
        crs = "GCJ02"
    else:
        crs = _pick(rng, (None, "WGS84", "CGCS2000"), (0.5, 0.35, 0.15))
    park = _pick(rng, PARK_WORDS)
    address = f"云南省{pref_full}{county.name}{county.short}{park}"
    return Enterprise(name, code, county, site, crs, address_only, address)


def _tier(rng: np.random.Generator, category: str | None) -> str:
    if category == "淘汰类":
        return "old"
    if category == "限制类":
        return "mid"
    if category is None:
        return "any"
    return _pick(rng, ("mid", "any"))


def _category(rng: np.random.Generator, sub: str) -> str | None:
    if _chance(rng, OUT_OF_SCOPE_SHARE):
        return None
    cats = list(CATEGORY_WEIGHTS)
    weights = [0.0 if (c == "限制类" and sub in NO_RESTRICTED_LIST) else w
               for c, w in CATEGORY_WEIGHTS.items()]  # fmt: skip
    return _pick(rng, cats, weights)


def _choose_county(rng: np.random.Generator, profile_subs: tuple[str, ...], pref: int | None):
    _, counties = _places()
    weights = []
    for c in counties:
        if pref is not None and c.prefecture != pref:
            weights.append(0.0)
            continue
        w = c.weight * (1.0 if pref is not None else PREFECTURE_WEIGHTS[c.prefecture])
        for sub in profile_subs:
            w *= AFFINITY.get((sub, c.prefecture), 1.0) * AFFINITY.get((sub, c.adcode), 1.0)
        weights.append(w)
    # Prefecture weights are per prefecture, not per county: divide by its county weight sum.
    if pref is None:
        totals: dict[int, float] = {}
        for c in counties:
            totals[c.prefecture] = totals.get(c.prefecture, 0.0) + c.weight
        weights = [w / totals[c.prefecture] for w, c in zip(weights, counties, strict=True)]
    return _pick(rng, counties, weights)


def _build_units(rng: np.random.Generator) -> list[Unit]:
    pref_names, _ = _places()
    profile_names = [p[0] for p in PROFILES]
    profile_weights = [p[1] for p in PROFILES]
    profile_subs = {p[0]: p[2] for p in PROFILES}
    # The first enterprises cover every profile, then every prefecture; the rest are drawn.
    plan: list[tuple[str, int | None]] = [(p, None) for p in profile_names]
    plan += [(_pick(rng, profile_names, profile_weights), a) for a in sorted(pref_names)]
    names: set[str] = set()
    codes: set[str] = set()
    units: list[Unit] = []
    i = 0
    while len(units) < N_UNITS:
        if i < len(plan):
            profile, pref = plan[i]
        else:
            profile, pref = _pick(rng, profile_names, profile_weights), None
        i += 1
        subs = tuple(s for s, _, _ in profile_subs[profile])
        county = _choose_county(rng, subs, pref)
        ent = _enterprise(rng, profile, county, names, codes)
        numbers: dict[str, int] = {}
        for sub, lo, hi in profile_subs[profile]:
            for _ in range(int(rng.integers(lo, hi + 1))):
                if len(units) >= N_UNITS:
                    break
                category = _category(rng, sub)
                equip = _equipment(rng, sub, _tier(rng, category))
                numbers[equip.name] = numbers.get(equip.name, 0) + 1
                number = f"{numbers[equip.name]}#{equip.name}"
                if _chance(rng, 0.03):
                    number = None
                lon, lat = ent.site
                lon += float(rng.uniform(-JITTER, JITTER))
                lat += float(rng.uniform(-JITTER, JITTER))
                if ent.address_only:
                    lon = lat = None
                units.append(Unit(ent, sub, equip, number, category, lon, lat))
    return units


# ---------------------------------------------------------------- timelines

START = dt.date(2020, 1, 1)


def _exit_changes(method: str, when: dt.date) -> dict:
    status = {"拆除": "已拆除", "关停": "已关停", "转产": "已转产", "产能置换": "已拆除"}[method]
    return {"status": status, "exited": when, "method": method}


def _close(rng: np.random.Generator, u: Unit, when: dt.date, demolish_p: float = 0.4) -> None:
    """Closed on `when`; sometimes demolished 4–18 months later."""
    u.events.append((when, _exit_changes("关停", when)))
    if _chance(rng, demolish_p):
        later = _day(rng, _add_months(when, 4), _add_months(when, 18))
        u.events.append((later, {"status": "已拆除", "method": "拆除"}))


def _exit(rng: np.random.Generator, u: Unit, when: dt.date) -> None:
    method = _pick(rng, ("拆除", "关停", "产能置换", "转产"), (0.4, 0.35, 0.1, 0.15))
    if method == "关停":
        _close(rng, u, when, 0.5)
    else:
        u.events.append((when, _exit_changes(method, when)))


def _pause(rng: np.random.Generator, u: Unit, lo: dt.date, hi: dt.date) -> None:
    """停产 for 2–8 months somewhere in [lo, hi), then back to 在产."""
    if (hi - lo).days < 300:
        return
    start = _day(rng, lo, hi - dt.timedelta(days=250))
    end = min(_add_months(start, int(rng.integers(2, 9))), hi - dt.timedelta(days=10))
    u.events += [(start, {"status": "停产"}), (end, {"status": "在产"})]


def _idle(rng: np.random.Generator, u: Unit, lo: dt.date, hi: dt.date, p: float) -> None:
    """A unit that never exits: with probability p it stands idle (停产) from some day on,
    otherwise it may pause for a while and produce again."""
    if _chance(rng, p) and (hi - lo).days > 60:
        u.events.append((_day(rng, lo, hi - dt.timedelta(days=30)), {"status": "停产"}))
    else:
        _pause(rng, u, lo, hi)


def _timeline_eliminated(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    plan = _pick(rng, (dt.date(2020, 12, 31), dt.date(2021, 6, 30), ELIMINATION_DEADLINE),
                 (0.3, 0.3, 0.4))  # fmt: skip
    first = "停产" if _chance(rng, 0.2) else "在产"
    identified = (
        _day(rng, dt.date(2019, 3, 1), dt.date(2019, 12, 31)) if _chance(rng, 0.4) else None
    )
    u.events.append((START, {"status": first, "planned": plan, "identified": identified}))
    if u.overdue:  # missed the 2021 deadline: exits in 2023–2025, or not at all
        late = _day(rng, dt.date(2023, 3, 1), dt.date(2025, 6, 30))
        if _chance(rng, 0.6):
            _pause(rng, u, dt.date(2022, 1, 15), late)
            _exit(rng, u, late)
        else:
            _idle(rng, u, dt.date(2022, 1, 15), today, 0.35)
        return
    _exit(rng, u, _day(rng, max(plan - dt.timedelta(days=240), dt.date(2020, 3, 1)), plan))


def _timeline_restricted(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    year = int(rng.choice([2021, 2022, 2023, 2024, 2025], p=[0.12, 0.2, 0.22, 0.22, 0.24]))
    plan = dt.date(year, 12, 31) if _chance(rng, 0.7) else dt.date(year, 6, 30)
    u.events.append((START, {"status": "在产", "planned": plan}))
    r = rng.random()
    if r < 0.62:  # exits on time
        when = _day(rng, plan - dt.timedelta(days=300), plan)
        if _chance(rng, 0.25):
            _pause(rng, u, START + dt.timedelta(days=60), when)
        _exit(rng, u, when)
    elif r < 0.72:  # exits late
        when = _day(rng, plan + dt.timedelta(days=30), plan + dt.timedelta(days=420))
        _pause(rng, u, START + dt.timedelta(days=60), when)
        _exit(rng, u, when)
    elif r < 0.9:  # upgraded (改造提升); a few upgrades fail and the unit is closed
        start = _day(rng, max(plan - dt.timedelta(days=540), START), plan - dt.timedelta(days=180))
        u.events.append((start, {"status": "整改中", "deadline": plan}))
        if _chance(rng, 0.15):
            _close(rng, u, _day(rng, plan, plan + dt.timedelta(days=60)), 0.7)
        else:
            done = _day(rng, plan - dt.timedelta(days=150), plan)
            u.events.append((done, {"status": "已改造达标", "method": "改造提升"}))
    else:  # still there at the end (overdue once the plan date passes)
        _idle(rng, u, START + dt.timedelta(days=60), today, 0.35)


def _identified_date(rng: np.random.Generator, u: Unit, today: dt.date, years, weights):
    if u.recent:
        return today - dt.timedelta(days=int(rng.integers(20, 275)))
    year = int(rng.choice(years, p=np.asarray(weights) / sum(weights)))
    return _day(rng, dt.date(year, 1, 10), dt.date(year, 12, 20))


def _timeline_energy(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    found = _identified_date(rng, u, today, [2020, 2021, 2022, 2023, 2024, 2025],
                             [0.2, 0.12, 0.22, 0.22, 0.16, 0.08])  # fmt: skip
    six, nine = _add_months(found, 6), _add_months(found, 9)
    u.registered = found
    u.events.append((found, {"status": "整改中", "identified": found, "deadline": six}))
    if u.recent and (today - found).days < 170 and _chance(rng, 0.5):
        return  # still within the first six months at `today`
    r = rng.random()
    if r < 0.45:
        u.events.append((_day(rng, found + dt.timedelta(days=60), six),
                         {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
    elif r < 0.8:
        u.events.append((six, {"status": "延期整改", "deadline": nine, "planned": nine}))
        if _chance(rng, 0.65):
            u.events.append((_day(rng, six + dt.timedelta(days=10), nine),
                             {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
        else:
            _close(rng, u, _day(rng, nine, nine + dt.timedelta(days=45)))
    elif r < 0.93:
        _close(rng, u, _day(rng, six, six + dt.timedelta(days=60)))
    else:
        when = _day(rng, six, six + dt.timedelta(days=90))
        u.events.append((when, _exit_changes("转产", when)))


def _timeline_rectify(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    """环保 / 质量 / 安全不达标: rectify by a deadline, else closed (with approval)."""
    found = _identified_date(rng, u, today, [2020, 2021, 2022, 2023, 2024, 2025],
                             [0.3, 0.2, 0.15, 0.15, 0.1, 0.1])  # fmt: skip
    u.registered = found if found > START else START
    if u.category == "安全不达标":
        first, months, fixed_p = "停产", int(rng.integers(1, 4)), 0.6
    elif u.category == "环保不达标":
        first = "停产" if _chance(rng, 0.4) else "整改中"
        months, fixed_p = int(rng.integers(3, 7)), 0.65
    else:
        first, months, fixed_p = "整改中", int(rng.integers(3, 7)), 0.7
    deadline = _add_months(found, months)
    u.events.append((u.registered, {"status": first, "identified": found, "deadline": deadline}))
    if u.recent and (today - found).days < months * 30 and _chance(rng, 0.6):
        return
    earliest = found + dt.timedelta(days=20)
    if u.category == "环保不达标" and _chance(rng, 0.15):
        later = _add_months(deadline, 3)
        u.events.append((deadline, {"status": "延期整改", "deadline": later}))
        earliest, deadline = deadline + dt.timedelta(days=10), later
    if _chance(rng, fixed_p):
        u.events.append((_day(rng, earliest, deadline),
                         {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
    else:
        demolish = 0.4 if u.category == "安全不达标" else 0.25
        _close(rng, u, _day(rng, deadline, deadline + dt.timedelta(days=90)), demolish)


def _timeline_out_of_scope(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    u.events.append((START, {"status": "在产"}))
    if _chance(rng, 0.15):
        _pause(rng, u, START + dt.timedelta(days=30), today)


TIMELINES = {
    "淘汰类": _timeline_eliminated,
    "限制类": _timeline_restricted,
    "能耗不达标": _timeline_energy,
    "环保不达标": _timeline_rectify,
    "质量不达标": _timeline_rectify,
    "安全不达标": _timeline_rectify,
    None: _timeline_out_of_scope,
}


def _mark_special(rng: np.random.Generator, units: list[Unit]) -> None:
    """Choose the overdue 淘汰类 units (several prefectures) and the recently found problems."""
    eliminated: dict[int, list[Unit]] = {}
    for u in units:
        if u.category == "淘汰类":
            eliminated.setdefault(u.enterprise.county.prefecture, []).append(u)
    prefs = sorted(eliminated)
    for k in rng.permutation(len(prefs))[:MIN_OVERDUE_PREFECTURES]:
        group = eliminated[prefs[int(k)]]
        group[int(rng.integers(len(group)))].overdue = True
    for u in units:
        if u.category == "淘汰类":
            u.overdue = u.overdue or _chance(rng, 0.06)
        elif u.category == "能耗不达标":
            u.recent = _chance(rng, 0.15)
        elif u.category in ("环保不达标", "质量不达标", "安全不达标"):
            u.recent = _chance(rng, 0.12)


def build_units(today: dt.date, seed: int = 2022) -> list[Unit]:
    rng = np.random.default_rng(seed)
    units = _build_units(rng)
    gcj = [u for u in units if u.lon is not None and u.enterprise.crs == "GCJ02"]
    if gcj:
        xs, ys = wgs84_to_gcj02(np.array([u.lon for u in gcj]), np.array([u.lat for u in gcj]))
        for u, x, y in zip(gcj, xs.tolist(), ys.tolist(), strict=True):
            u.x, u.y = x, y
    for u in units:
        if u.lon is not None and u.x is None:
            u.x, u.y = u.lon, u.lat
    _mark_special(rng, units)
    for u in units:
        TIMELINES[u.category](rng, u, today)
        u.events.sort(key=lambda e: e[0])
    return units


# ---------------------------------------------------------------- writing


def snapshot_dates(today: dt.date) -> list[dt.date]:
    """Year ends 2020–2025 before `today`, then `today`."""
    ends = [dt.date(y, 12, 31) for y in range(2020, 2026)]
    return [d for d in ends if d < today] + [today]


def _row(u: Unit, state: dict) -> list:
    ent, eq = u.enterprise, u.equipment
    return [
        None,  # 序号, filled per sheet
        ent.county.prefecture_name,
        ent.county.name,
        ent.name,
        ent.credit_code,
        SECTOR_OF[u.sub],
        u.sub,
        eq.name,
        u.number,
        eq.spec,
        eq.capacity,
        eq.energy,
        eq.electricity,
        u.category,
        state["status"],
        state["identified"],
        state["deadline"],
        state["planned"],
        state["exited"],
        state["method"],
        eq.workers,
        ent.address,
        None if u.x is None else round(u.x, 6),
        None if u.y is None else round(u.y, 6),
        ent.crs,
        REMARK,
    ]


def snapshot_rows(units: list[Unit], when: dt.date) -> dict[int, list[list]]:
    """Rows per prefecture adcode (in adcode order) of the register as it stood on `when`."""
    pref_names, _ = _places()
    rows: dict[int, list[list]] = {a: [] for a in sorted(pref_names)}
    for u in units:
        state = u.state(when)
        if state is not None:
            rows[u.enterprise.county.prefecture].append(_row(u, state))
    for sheet in rows.values():
        for i, row in enumerate(sheet, start=1):
            row[0] = i
    return rows


# These prefectures type their dates as text ("2021-12-31") instead of date cells.
TEXT_DATE_PREFECTURES = (530500, 530700, 533100)  # 保山, 丽江, 德宏
_DATE_COLUMNS = tuple(HEADERS.index(h) for h in DATE_HEADERS)
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_CENTRE = Alignment(horizontal="center")
_DATE_FMT = "yyyy-mm-dd"
_WIDTHS = {"企业名称": 30, "统一社会信用代码": 21, "规格型号": 26, "详细地址": 44, "备注": 26}


def _styled(ws, value, font: Font | None = None, fmt: str | None = None, align=None):
    cell = WriteOnlyCell(ws, value)
    if font is not None:
        cell.font = font
    if fmt is not None:
        cell.number_format = fmt
    if align is not None:
        cell.alignment = align
    return cell


def _write_workbook(path: Path, rows: dict[int, list[list]], when: dt.date) -> None:
    """One xlsx: the guide sheet, then one sheet per prefecture (write-only: fast)."""
    pref_names, _ = _places()
    wb = Workbook(write_only=True)
    stamp = dt.datetime.combine(when, dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "exitmap demo"
    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 100
    for i, line in enumerate(GUIDE_LINES):
        guide.append([_styled(guide, line, _BOLD) if i == 0 else line])
    title = TITLE.format(date=when.isoformat())
    for adcode, sheet_rows in rows.items():
        ws = wb.create_sheet(pref_names[adcode][1])
        for i, h in enumerate(HEADERS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(
                h, max(8, len(h) * 2 + 2)
            )
        ws.freeze_panes = "A3"
        ws.merged_cells.add(f"A1:{get_column_letter(len(HEADERS))}1")
        ws.append([_styled(ws, title, _TITLE_FONT, align=_CENTRE)])
        ws.append([_styled(ws, h, _BOLD) for h in HEADERS])
        as_text = adcode in TEXT_DATE_PREFECTURES
        for row in sheet_rows:
            for c in _DATE_COLUMNS:
                if row[c] is not None:
                    row[c] = row[c].isoformat() if as_text else _styled(ws, row[c], fmt=_DATE_FMT)
            ws.append(row)
    wb.save(path)


def write_demo(out_dir: Path, today: dt.date, seed: int = 2022) -> list[tuple[Path, dt.date]]:
    """Write the synthetic register snapshots into `out_dir`; (path, as_of) in date order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units = build_units(today, seed)
    written = []
    for when in snapshot_dates(today):
        path = out_dir / f"demo-register-{when.isoformat()}.xlsx"
        _write_workbook(path, snapshot_rows(units, when), when)
        written.append((path, when))
    return written


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo")
    day = dt.date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else dt.date(2026, 6, 30)
    for p, d in write_demo(target, day):
        print(d, p)

"""One unit of equipment per draw: name, specification, capacity, energy, power, workers.

Sizes come in tiers: "old" (淘汰类 size), "mid" (限制类 size) or "any" (also modern sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.demo.draws import chance, pick


@dataclass
class Equipment:
    name: str
    spec: str
    capacity: float  # 万吨/年
    energy: float  # tce/year
    electricity: float  # 万kWh/year
    workers: int


def draw_equipment(rng: np.random.Generator, sub: str, tier: str) -> Equipment:
    """One unit of `sub`; tier "old" (淘汰类 size), "mid" (限制类 size) or "any"."""
    noise = float(rng.uniform(0.88, 1.12))

    def tiered(old, mid, new):
        return pick(rng, {"old": old, "mid": mid}.get(tier, mid + new))

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
        if chance(rng, 0.45):
            t = tiered((10, 15, 20, 30), (40, 50, 60), (70, 100))
            kva = {10: 6300, 15: 10000, 20: 12500, 30: 20000}.get(t, int(t * 700))
            return make("电弧炉", f"{t}t（{kva}kVA）", t * 0.7, 0.065, 420, 60 + t * 2.5)
        t = tiered((15, 20, 25, 30), (35, 40, 50, 60, 80, 100), (120,))
        return make("转炉", f"{t}t", t * 1.1, 0.022, 35, 80 + t * 3)
    if sub == "铁合金":
        kva = tiered((1800, 3200, 5000, 6000), (6300, 9000, 12500), (16500, 25500, 33000))
        product, tce, kwh = pick(
            rng,
            (("硅锰合金", 0.86, 4200), ("硅铁", 1.9, 8500), ("工业硅", 3.1, 12500)),
            (0.5, 0.3, 0.2),
        )
        cap = kva / 3500 * 4200 / kwh
        return make("矿热炉", f"{kva}kVA（{product}）", cap, tce, kwh, 25 + kva / 250)
    if sub == "水泥熟料":
        if tier == "old" and chance(rng, 0.35):
            td = pick(rng, (300, 400, 600))
            cap = td * 300 / 1e4
            return make("水泥熟料生产线", f"{td}t/d（机立窑）", cap, 0.145, 75, 80 + td * 0.2)
        td = tiered((700, 1000, 1200, 1500, 2000), (2500,), (2500, 3200, 4000, 4500, 5000))
        cap = td * 310 / 1e4
        return make("水泥熟料生产线", f"{td}t/d", cap, 0.112, 58, 90 + td * 0.06)
    if sub == "粉磨站":
        wt = tiered((10, 15, 20), (30, 40, 60), (60, 100, 120))
        mill = "Φ2.6×13m" if tier == "old" else pick(rng, ("Φ3.2×13m", "Φ3.8×13m", "Φ4.2×13m"))
        return make("水泥粉磨站", f"{wt}万吨/年（{mill} 球磨机）", wt, 0.0045, 36, 30 + wt * 0.8)
    if sub == "平板玻璃":
        if tier == "old":
            td = pick(rng, (120, 150, 200))
            spec = f"{td}t/d（平拉工艺）"
        else:
            td = tiered((), (300, 400, 500, 600), (600, 700, 800, 900))
            spec = f"{td}t/d（浮法，约{round(td * 330 / 0.05 / 1e4)}万重量箱/年）"
        return make("平板玻璃生产线", spec, td * 330 / 1e4, 0.30, 100, 150 + td * 0.4)
    if sub == "石灰窑":
        kind, td = {
            "old": lambda: (pick(rng, ("土窑", "普通立窑")), pick(rng, (50, 80, 100))),
            "mid": lambda: ("机械化立窑", pick(rng, (100, 150, 200))),
        }.get(tier, lambda: (pick(rng, ("回转窑", "双膛竖窑", "套筒窑")), pick(rng, (300, 500))))()
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
            kva, kind = pick(rng, (6300, 9000, 12500, 16500)), "开放式"
        else:
            kva, kind = tiered((), (16500, 25500), (33000, 40500)), "密闭式"
        tce = 1.2 if kind == "开放式" else 1.0
        return make("电石炉", f"{kva}kVA（{kind}）", kva / 3600, tce, 3300, 40 + kva / 400)
    if sub == "黄磷":
        kva = tiered((3000, 4500, 5000), (6300, 10000, 12500), (15000, 20000))
        return make("黄磷电炉", f"{kva}kVA", kva * 0.72 / 1e4, 3.0, 14000, 40 + kva / 200)
    if sub == "烧碱":
        if tier == "old":
            wt, process, tce, kwh = pick(rng, (2, 3, 5)), "隔膜法", 0.55, 2600
        else:
            wt, process, tce, kwh = pick(rng, (6, 10, 15, 20)), "离子膜法", 0.35, 2350
        return make("烧碱装置", f"{process} {wt}万吨/年", wt, tce, kwh, 60 + wt * 12)
    if sub == "电解铝":
        if tier == "old":
            ka, kind = pick(rng, (60, 80, 100, 135)), "自焙槽" if chance(rng, 0.5) else "预焙槽"
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
    name, process, sizes = pick(rng, choices)
    wt = pick(rng, sizes)
    tce, kwh = {"铜": (0.32, 1000), "铅": (0.36, 420), "锌": (0.9, 3300), "锡": (1.6, 2500)}[metal]
    if name in ("竖罐", "平罐"):
        tce, kwh = 2.0, 600
    if tier == "old":
        tce *= 1.3
    return make(name, f"{process} {wt:g}万吨/年", wt, tce, kwh, 40 + wt * 25)

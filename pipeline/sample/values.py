"""示例城市每家机构每月的数值：按类别的规模画像（_profile）、季节与趋势（_simulate），以及逐行逻辑自检。"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from pipeline.sample.constants import ALL_MONTHS
from pipeline.sample.registry import _Inst

# --------------------------------------------------------------------------------------
# 月度数据
# --------------------------------------------------------------------------------------
# 日均季节系数（诊疗、出院、占用）；春节因素按春节日期调整（2024-02-10，2025-01-29）
_SEASON_VISITS = {1: 1.06, 2: 0.92, 3: 1.00, 4: 0.98, 5: 0.97, 6: 0.97, 7: 1.01, 8: 1.01,
                  9: 0.98, 10: 0.95, 11: 1.00, 12: 1.08}
_SEASON_INPAT = {1: 1.02, 2: 0.86, 3: 1.00, 4: 0.99, 5: 0.99, 6: 0.98, 7: 1.01, 8: 1.01,
                 9: 0.99, 10: 0.96, 11: 1.00, 12: 1.04}
_SPRING_FESTIVAL = {2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29)}
_HC_SEASON = {1: 0.6, 2: 0.4, 3: 0.9, 4: 1.4, 5: 1.6, 6: 1.5, 7: 1.3, 8: 1.1, 9: 1.0, 10: 0.8, 11: 0.8, 12: 0.6}


def _season(table: dict[int, float], year: int, month: int) -> float:
    f = table[month]
    if _SPRING_FESTIVAL.get(year, dt.date(year, 2, 10)).month == 1:
        if month == 1:
            f -= 0.02 if table is _SEASON_VISITS else 0.05
        elif month == 2:
            f += 0.01 if table is _SEASON_VISITS else 0.05
    return f


@dataclass
class _Profile:
    beds: int
    techs: int
    sd: float  # 医师占卫技
    sn: float  # 护士占卫技
    gps: int
    gp_rate: float  # 全科医生每年增加人数（期望）
    staff_growth: float
    occ: float
    occ_cap: float
    alos: float
    visits_day: float
    oe_share: float
    appt_share: float
    appt_growth: float
    hc_share: float
    hc_seasonal: bool
    c_op: float  # 次均门诊费用（元）
    c_ip: float  # 人均住院费用（元）
    s_opd: float
    s_ipd: float
    s_ess: float
    other_share: float
    exp_ratio: float
    drug_exp_ratio: float
    death_rate: float
    growth: float  # 流量年增长
    fixed_rev_day: float = 0.0  # 千元/日（无门诊住院的机构，如血站、检验中心）
    full_open: float = 1.0
    bed_step_month: int = -1
    bed_step: int = 0
    visit_noise: float = 0.025
    alos_trend: float = 0.0  # 平均住院日年降幅
    occ_trend: float = 0.0  # 使用率年增幅（相对）


_SPECIALTY = {  # type_code: (visits per bed per month, ALOS, occupancy, op cost factor, ip cost factor)
    "A511": (130, 6.0, 0.60, 1.6, 0.8), "A512": (60, 4.0, 0.70, 1.2, 0.9), "A513": (50, 5.0, 0.65, 1.0, 0.9),
    "A514": (15, 11.0, 0.90, 1.8, 1.5), "A518": (40, 5.0, 0.75, 1.0, 0.8), "A520": (5, 35.0, 0.95, 1.2, 1.6),
    "A522": (80, 8.0, 0.55, 0.9, 0.7), "A526": (25, 12.0, 0.80, 1.0, 1.3), "A527": (10, 20.0, 0.85, 1.0, 1.2),
    "A529": (50, 4.0, 0.40, 2.5, 1.2), "A710": (2, 45.0, 0.85, 1.0, 1.5), "A221": (25, 8.0, 0.70, 0.9, 0.8),
    "A222": (25, 12.0, 0.75, 0.9, 1.1),
}


def _profile_hospital(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """医院：按等级的规模、效率与费用，专科医院按 _SPECIALTY 调整。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    t = inst.type_code
    lv = inst.hospital_level
    u = r.uniform
    if lv.startswith("三级"):
        tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
            u(0.95, 1.05), u(0.31, 0.35), u(0.52, 0.56), 29, u(0.90, 0.95), u(10.5, 11.6), u(330, 380),
            u(11500, 13500), u(0.007, 0.010), u(0.50, 0.65), r.gauss(0.055, 0.01))
        p["occ_cap"] = 1.05
    elif lv.startswith("二级"):
        tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
            u(0.65, 0.78), u(0.33, 0.37), u(0.49, 0.53), 25, u(0.73, 0.83), u(9.6, 11.0), u(230, 270),
            u(6800, 8200), u(0.004, 0.007), u(0.30, 0.45), r.gauss(0.045, 0.012))
    elif lv.startswith("一级"):
        tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
            u(0.52, 0.66), u(0.34, 0.40), u(0.45, 0.50), 20, u(0.55, 0.70), u(8.0, 9.5), u(150, 190),
            u(4200, 5200), u(0.002, 0.004), u(0.08, 0.18), r.gauss(0.03, 0.015))
    else:
        tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
            u(0.48, 0.62), u(0.34, 0.40), u(0.45, 0.50), 17, u(0.52, 0.70), u(8.5, 10.5), u(160, 200),
            u(5000, 6200), u(0.002, 0.004), u(0.05, 0.12), r.gauss(0.035, 0.015))
    if t.startswith(("A2", "A3")):
        vpb *= 1.3
        p["s_opd"] = u(0.40, 0.48)  # 中药饮片
    if t in _SPECIALTY:
        vpb, alos, occ_s, fop, fip = _SPECIALTY[t]
        occ = min(occ, occ_s) if not lv.startswith("三级") else occ_s
        cop *= fop
        cip *= fip
    if t == "A710":
        dr = 0.02
    p.update(occ=occ, alos=alos * u(0.95, 1.05), visits_day=beds * vpb * u(0.8, 1.2) / 30.4, c_op=cop,
             c_ip=cip, death_rate=dr, appt_share=appt, appt_growth=u(0.01, 0.03), growth=growth,
             hc_share=u(0.03, 0.08))
    techs = max(12, round(beds * tpb))
    p["gps"] = round(techs * sd * u(0.0, 0.03))
    p["gp_rate"] = 0.3
    return beds, techs, sd, sn


def _profile_township_hospital(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """乡镇卫生院（中心卫生院床位较多）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    t = inst.type_code
    u = r.uniform
    central = t == "C210" or inst.central
    beds = r.randint(80, 150) if central else r.randint(30, 90)
    if t == "C100":
        beds = r.randint(30, 70)
    techs = round(beds * u(0.55, 0.75))
    sd, sn = u(0.40, 0.45), u(0.32, 0.37)
    p.update(occ=u(0.50, 0.70), alos=u(5.5, 7.5), visits_day=(beds * u(27, 36)) / 30.4, c_op=u(80, 115),
             c_ip=u(2400, 3300), s_opd=u(0.38, 0.45), s_ipd=u(0.28, 0.35), s_ess=u(0.75, 0.90),
             other_share=u(0.05, 0.12), exp_ratio=u(0.95, 1.08), death_rate=u(0.001, 0.003),
             oe_share=u(0.86, 0.94), appt_share=u(0.05, 0.15), hc_share=u(0.10, 0.20), hc_seasonal=True,
             growth=r.gauss(0.03, 0.015))
    p["gps"] = round(techs * sd * u(0.35, 0.45))
    p["gp_rate"] = 0.9
    return beds, techs, sd, sn


def _profile_chc_centre(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """社区卫生服务中心。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0 if r.random() < 0.3 else r.randint(20, 60)
    techs = r.randint(28, 60)
    sd, sn = u(0.40, 0.45), u(0.33, 0.38)
    p.update(occ=u(0.30, 0.60), alos=u(6.0, 8.0), visits_day=techs * u(80, 110) / 30.4, c_op=u(105, 140),
             c_ip=u(2600, 3400), s_opd=u(0.38, 0.45), s_ipd=u(0.28, 0.35), s_ess=u(0.75, 0.90),
             other_share=u(0.05, 0.12), exp_ratio=u(0.95, 1.08), death_rate=0.001,
             oe_share=u(0.86, 0.94), appt_share=u(0.15, 0.30), hc_share=u(0.08, 0.15), hc_seasonal=True,
             growth=r.gauss(0.06, 0.015))
    p["gps"] = round(techs * sd * u(0.45, 0.55))
    p["gp_rate"] = 0.7
    return beds, techs, sd, sn


def _profile_chc_station(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """社区卫生服务站。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds, techs = 0, r.randint(3, 8)
    sd, sn = u(0.40, 0.50), u(0.30, 0.40)
    p.update(visits_day=techs * u(120, 180) / 30.4, c_op=u(70, 95), s_opd=u(0.38, 0.45), s_ess=u(0.75, 0.90),
             other_share=u(0.03, 0.08), oe_share=u(0.88, 0.95), appt_share=u(0.10, 0.25),
             hc_share=u(0.05, 0.10), growth=r.gauss(0.06, 0.015), visit_noise=0.04)
    p["gps"] = 1
    return beds, techs, sd, sn


def _profile_clinic(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """门诊部、诊所等（D1）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    t = inst.type_code
    u = r.uniform
    beds, techs = 0, r.randint(6, 25)
    sd, sn = u(0.42, 0.50), u(0.30, 0.38)
    cop = {"D152": u(420, 520), "D153": u(280, 340), "D154": u(1200, 1600), "D121": u(190, 230)}.get(
        t, u(160, 210))
    p.update(visits_day=techs * u(90, 130) / 30.4 * (0.25 if t == "D154" else 1.0), c_op=cop,
             s_opd=u(0.05, 0.12) if t in ("D152", "D154") else u(0.30, 0.42),
             other_share=u(0.03, 0.08), appt_share=u(0.30, 0.55) if t == "D152" else u(0.08, 0.20),
             hc_share=u(0.0, 0.10), growth=r.gauss(0.05, 0.02), visit_noise=0.04)
    return beds, techs, sd, sn


def _profile_maternal_child(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """妇幼保健机构（G）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    techs = 820 if inst.city_level else round(max(beds, 40) * u(1.0, 1.3))
    sd, sn = u(0.34, 0.38), u(0.44, 0.48)
    p.update(occ=u(0.65, 0.85), alos=u(4.5, 5.5), visits_day=(45000 if inst.city_level else techs * 45) / 30.4,
             c_op=u(190, 240), c_ip=u(4800, 6000), death_rate=0.0005, appt_share=u(0.35, 0.50),
             hc_share=u(0.05, 0.10), growth=r.gauss(0.02, 0.01))
    return beds, techs, sd, sn


def _profile_cdc(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """疾病预防控制中心（J）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 160 if inst.city_level else r.randint(40, 90)
    sd, sn = u(0.42, 0.48), u(0.04, 0.08)
    p.update(visits_day=techs * u(10, 20) / 30.4, c_op=u(50, 90), s_opd=u(0.0, 0.05), s_ess=0.0,
             oe_share=1.0 - u(0.0, 0.02), appt_share=u(0.3, 0.6), hc_share=u(0.8, 1.5),
             exp_ratio=u(1.0, 1.2), growth=r.gauss(0.03, 0.01))
    return beds, techs, sd, sn


def _profile_supervision(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """卫生监督机构（K）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 45 if inst.city_level else r.randint(10, 30)
    sd, sn = u(0.15, 0.25), 0.0
    return beds, techs, sd, sn


def _profile_disease_control(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """专科疾病防治机构（H）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    techs = round(max(beds, 15) * u(0.9, 1.3))
    sd, sn = u(0.38, 0.45), u(0.30, 0.40)
    p.update(occ=u(0.45, 0.65), alos=u(9.0, 12.0), visits_day=techs * u(40, 60) / 30.4, c_op=u(120, 170),
             c_ip=u(3500, 4500), death_rate=0.002, appt_share=u(0.05, 0.15), hc_share=u(0.1, 0.3),
             growth=r.gauss(0.02, 0.01))
    return beds, techs, sd, sn


def _profile_emergency(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """急救中心（E）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 90 if inst.city_level else 24
    sd, sn = u(0.40, 0.45), u(0.40, 0.45)
    p.update(visits_day=techs * u(20, 30) / 30.4, c_op=u(280, 340), oe_share=1.0, appt_share=0.0,
             growth=r.gauss(0.03, 0.01))
    return beds, techs, sd, sn


def _profile_blood(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """采供血机构（F）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 110 if inst.city_level else 14
    sd, sn = u(0.15, 0.20), u(0.40, 0.50)
    p.update(fixed_rev_day=(150.0 if inst.city_level else 12.0) * u(0.9, 1.1), growth=r.gauss(0.03, 0.01))
    return beds, techs, sd, sn


def _profile_sanatorium(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """疗养院（A600）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    techs = round(beds * u(0.35, 0.45))
    sd, sn = u(0.35, 0.40), u(0.45, 0.50)
    p.update(occ=u(0.45, 0.55), alos=u(11.0, 13.0), visits_day=u(8, 14), c_op=u(180, 220), c_ip=u(2800, 3400),
             death_rate=0.0, growth=r.gauss(0.02, 0.01))
    return beds, techs, sd, sn


def _profile_laboratory(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """临床检验中心、卫生消毒站等（P）。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 24
    sd, sn = u(0.10, 0.15), u(0.05, 0.10)
    p.update(fixed_rev_day=u(35, 45), growth=r.gauss(0.04, 0.01))
    return beds, techs, sd, sn


def _profile_other(inst: _Inst, r: random.Random, p: dict[str, Any], beds: int) -> tuple[int, int, float, float]:
    """健康教育所等其他机构。返回 (床位, 卫技人员, 医生占比, 护士占比)，其余画像参数写入 p。"""
    u = r.uniform
    beds = 0
    techs = 12
    sd, sn = u(0.25, 0.35), u(0.0, 0.1)
    return beds, techs, sd, sn


# 按机构类别选画像：依次判断，第一个条件成立者生效（顺序即原来的判断顺序）
_Build = Callable[[_Inst, random.Random, dict[str, Any], int], tuple[int, int, float, float]]
_PROFILE_BY_TYPE: tuple[tuple[Callable[[_Inst], bool], _Build], ...] = (
    (lambda inst: inst.group == "医院", _profile_hospital),
    (lambda inst: inst.type_code.startswith("C"), _profile_township_hospital),
    (lambda inst: inst.type_code == "B100", _profile_chc_centre),
    (lambda inst: inst.type_code == "B200", _profile_chc_station),
    (lambda inst: inst.type_code.startswith("D1"), _profile_clinic),
    (lambda inst: inst.type_code.startswith("G"), _profile_maternal_child),
    (lambda inst: inst.type_code.startswith("J"), _profile_cdc),
    (lambda inst: inst.type_code.startswith("K"), _profile_supervision),
    (lambda inst: inst.type_code.startswith("H"), _profile_disease_control),
    (lambda inst: inst.type_code.startswith("E"), _profile_emergency),
    (lambda inst: inst.type_code.startswith("F"), _profile_blood),
    (lambda inst: inst.type_code == "A600", _profile_sanatorium),
    (lambda inst: inst.type_code.startswith("P"), _profile_laboratory),
    (lambda inst: True, _profile_other),  # 健康教育所等
)


def _profile(inst: _Inst, r: random.Random) -> _Profile:
    u = r.uniform
    beds = max(0, round(inst.beds_hint * u(0.95, 1.05))) if inst.beds_hint else 0
    p = dict(gps=0, gp_rate=0.0, staff_growth=u(0.01, 0.04), occ=0.0, occ_cap=1.0, alos=8.0, visits_day=0.0,
             oe_share=u(0.90, 0.97), appt_share=0.05, appt_growth=0.01, hc_share=0.0, hc_seasonal=False,
             c_op=200.0, c_ip=5000.0, s_opd=u(0.28, 0.40), s_ipd=u(0.20, 0.30), s_ess=u(0.30, 0.45),
             other_share=u(0.03, 0.08), exp_ratio=u(0.92, 1.02), drug_exp_ratio=u(0.93, 0.99),
             death_rate=0.005, growth=0.04)
    build = next(b for matches, b in _PROFILE_BY_TYPE if matches(inst))
    beds, techs, sd, sn = build(inst, r, p, beds)
    if techs < 20:
        p["staff_growth"] = 0.0
    prof = _Profile(beds=beds, techs=techs, sd=sd, sn=sn, **p)
    if beds > 0:
        prof.alos_trend = u(0.02, 0.04)
        prof.occ_trend = u(0.005, 0.02)
    # 床位：约 85% 机构全部开放；部分机构少量床位未开放
    prof.full_open = 1.0 if r.random() < 0.85 else u(0.95, 0.995)
    if beds >= 100 and r.random() < 0.15:
        prof.bed_step_month = r.randint(6, 23)
        prof.bed_step = max(5, round(beds * u(0.04, 0.08)))
    return prof


def _month_bounds(period: str) -> tuple[dt.date, dt.date, int]:
    y, m = int(period[:4]), int(period[5:])
    days = calendar.monthrange(y, m)[1]
    return dt.date(y, m, 1), dt.date(y, m, days), days


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _inpatients(prof: _Profile, beds: int, open_days: int, y: int, m: int, t: float, e_inp: float, ramp: float,
                noise: list[float]) -> tuple[int, int, int, int, int]:
    """One month's bed days and inpatients: 实际开放、实际占用、出院者占用总床日数, 出院人数, 死亡人数."""
    if beds <= 0:
        return 0, 0, 0, 0, 0
    open_bd = math.floor(beds * open_days * prof.full_open)
    occ = prof.occ * (1 + prof.occ_trend * t) * (1 + (_season(_SEASON_INPAT, y, m) - 1) * 0.6)
    occ *= (1 + e_inp) * ramp
    occ = min(occ, prof.occ_cap)
    occupied = min(round(open_bd * occ), math.floor(open_bd * prof.occ_cap))
    dis_bd = round(occupied * _clip(0.985 + 0.02 * noise[0], 0.94, 1.03))
    alos = prof.alos * (1 - prof.alos_trend * t) * (1 + 0.03 * noise[1])
    discharges = min(dis_bd, round(dis_bd / alos))
    deaths = min(discharges, max(0, round(discharges * prof.death_rate * (1 + 0.25 * noise[2]))))
    return open_bd, occupied, dis_bd, discharges, deaths


def _outpatients(prof: _Profile, open_days: int, y: int, m: int, t: float, level: tuple[float, float, float],
                 noise: list[float]) -> tuple[int, int, int, int]:
    """One month's 诊疗人次, 门急诊, 预约诊疗 and 健康检查人次; `level` = (trend, AR noise, ramp), multiplied in
    that order (the same floating-point operations as always, so the sample city's values do not move)."""
    trend, e_vis, ramp = level
    visits = 0
    if prof.visits_day > 0:
        visits = round(prof.visits_day * open_days * _season(_SEASON_VISITS, y, m) * trend * (1 + e_vis) * ramp)
        visits = max(visits, 0)
    oe = min(visits, round(visits * _clip(prof.oe_share + 0.005 * noise[3], 0.5, 1.0)))
    appt_share = _clip(prof.appt_share + prof.appt_growth * t + 0.01 * noise[4], 0.0, 0.95)
    appt = min(oe, round(oe * appt_share))
    hc = prof.hc_share * (_HC_SEASON[m] if prof.hc_seasonal else 1.0)
    health_checks = max(0, round(visits * hc * (1 + 0.05 * noise[5])))
    return visits, oe, appt, health_checks


def _money(prof: _Profile, visits: int, discharges: int, open_days: int, t: float, level: tuple[float, float],
           noise: list[float]) -> tuple[int, int, int, int, int, int, int, int]:
    """One month's revenue and expense in tenths of 千元: 医疗收入, 门诊收入, 门诊药品, 住院收入, 住院药品,
    基本药物, 医疗业务成本, 药品费 (`level` = (trend, AR noise), for institutions paid by the day)."""
    trend, e_vis = level
    price = 1 + 0.02 * t
    op_rev = round(visits * prof.c_op * price * (1 + 0.02 * noise[6]) / 100)
    ip_rev = round(discharges * prof.c_ip * price * (1 + 0.03 * noise[7]) / 100)
    op_drug = min(op_rev, round(op_rev * _clip(prof.s_opd * (1 + 0.03 * noise[8]), 0.0, 0.6)))
    ip_drug = min(ip_rev, round(ip_rev * _clip(prof.s_ipd * (1 + 0.03 * noise[9]), 0.0, 0.5)))
    if op_rev + ip_rev > 0:
        med_rev = op_rev + ip_rev + max(1, round((op_rev + ip_rev) * prof.other_share))
    elif prof.fixed_rev_day > 0:
        med_rev = round(prof.fixed_rev_day * open_days * trend * (1 + e_vis) * 10)
    else:
        med_rev = 0
    ess = round((op_drug + ip_drug) * prof.s_ess)
    med_exp = round(med_rev * prof.exp_ratio * (1 + 0.02 * noise[0])) if med_rev else 0
    drug_exp = round((op_drug + ip_drug) * prof.drug_exp_ratio)
    return med_rev, op_rev, op_drug, ip_rev, ip_drug, ess, med_exp, drug_exp


def _simulate(inst: _Inst, seed: int) -> dict[str, dict[str, int]]:
    """One institution's monthly series. Money values are in 0.1 千元 (integers)."""
    r = random.Random(f"{seed}:{inst.org_code}")
    prof = _profile(inst, r)
    out: dict[str, dict[str, int]] = {}
    e_vis = e_inp = 0.0
    walk = 0
    gp_extra = 0
    opened_idx = None
    for idx, period in enumerate(ALL_MONTHS):
        first, last, days = _month_bounds(period)
        # AR(1) noises are drawn every month so the series does not depend on the months written
        e_vis = 0.6 * e_vis + r.gauss(0, prof.visit_noise)
        e_inp = 0.6 * e_inp + r.gauss(0, 0.03)
        step = r.random()
        gp_draw = r.random()
        noise = [r.gauss(0, 1) for _ in range(10)]
        if prof.techs >= 40:
            walk += (1 if step > 0.85 else -1 if step < 0.10 else 0) * max(1, prof.techs // 400)
        if gp_draw < prof.gp_rate / 12:
            gp_extra += 1
        if not inst.open_in(first, last):
            continue
        if opened_idx is None:
            opened_idx = idx
        d0 = max(first, inst.opened)
        d1 = min(last, inst.closed) if inst.closed else last
        open_days = (d1 - d0).days + 1
        y, m = first.year, first.month
        t = idx / 12.0
        ramp = 1.0
        if inst.opened.year >= 2024:
            ramp = min(1.0, 0.75 + 0.05 * (idx - opened_idx))
        trend = (1 + prof.growth) ** t

        # staff (stock)
        techs = round(prof.techs * (1 + prof.staff_growth * t)) + walk
        techs = max(1, techs)
        doctors = min(techs, round(techs * prof.sd))
        nurses = min(techs - doctors, round(techs * prof.sn))
        gps = min(doctors, prof.gps + (gp_extra if prof.gps or prof.gp_rate >= 0.7 else 0))
        beds = prof.beds + (prof.bed_step if 0 <= prof.bed_step_month <= idx else 0)

        open_bd, occupied, dis_bd, discharges, deaths = _inpatients(prof, beds, open_days, y, m, t, e_inp, ramp,
                                                                     noise)

        visits, oe, appt, health_checks = _outpatients(prof, open_days, y, m, t, (trend, e_vis, ramp), noise)

        money = _money(prof, visits, discharges, open_days, t, (trend, e_vis), noise)
        med_rev, op_rev, op_drug, ip_rev, ip_drug, ess, med_exp, drug_exp = money

        out[period] = {
            "health_techs": techs, "doctors": doctors, "gps": gps, "nurses": nurses, "beds": beds,
            "open_bed_days": open_bd, "occupied_bed_days": occupied, "discharged_bed_days": dis_bd,
            "medical_revenue": med_rev, "outpatient_revenue": op_rev, "outpatient_drug_revenue": op_drug,
            "inpatient_revenue": ip_rev, "inpatient_drug_revenue": ip_drug, "essential_drug_revenue": ess,
            "medical_expense": med_exp, "drug_expense": drug_exp, "visits": visits, "oe_visits": oe,
            "appointment_visits": appt, "discharges": discharges, "deaths": deaths, "health_checks": health_checks,
        }
    return out


MONEY_ITEMS = ("medical_revenue", "outpatient_revenue", "outpatient_drug_revenue", "inpatient_revenue",
               "inpatient_drug_revenue", "essential_drug_revenue", "medical_expense", "drug_expense")


def _check_row(v: dict[str, int], days: int) -> list[str]:
    """Hard consistency rules on one generated row (money in tenths). Used as an internal assertion."""
    errs = []
    if any(x < 0 for x in v.values()):
        errs.append("negative")
    if v["oe_visits"] > v["visits"]:
        errs.append("oe>visits")
    if v["appointment_visits"] > v["oe_visits"]:
        errs.append("appt>oe")
    if v["doctors"] > v["health_techs"] or v["nurses"] > v["health_techs"]:
        errs.append("staff")
    if v["gps"] > v["doctors"]:
        errs.append("gps>doctors")
    if v["deaths"] > v["discharges"]:
        errs.append("deaths>discharges")
    if v["discharged_bed_days"] < v["discharges"]:
        errs.append("dis_bd<discharges")
    if v["open_bed_days"] > v["beds"] * days:
        errs.append("open_bd>beds*days")
    if v["occupied_bed_days"] > v["open_bed_days"] * 1.05:
        errs.append("occupied>open*1.05")
    if v["outpatient_drug_revenue"] > v["outpatient_revenue"] or v["inpatient_drug_revenue"] > v["inpatient_revenue"]:
        errs.append("drug>revenue")
    if v["outpatient_revenue"] + v["inpatient_revenue"] > v["medical_revenue"]:
        errs.append("op+ip>medical")
    if v["beds"] == 0 and (v["open_bed_days"] or v["occupied_bed_days"] or v["discharges"]):
        errs.append("no beds but bed-days")
    return errs



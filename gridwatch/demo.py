"""Deterministic demo county for gridwatch.

`generate()` builds a fictional county (towns, village grids with polygons,
enterprises, staff) and two years of supervision activity (inspections,
hazards, cases, tip-offs, work logs) as the eight canonical tables of
`schema.sql`. The same seed always gives the same frames. Nothing is written to
a database here; the loader inserts the frames.

The data carries stories a user can find in the dashboard (the STORY_*
constants name them): a town whose newest enterprises were never put into a
village grid, a squadron that lags on re-checks, a dust-explosion campaign,
a town where overdue major hazards pile up, suspended and closed enterprises,
and the 34 metallurgy enterprises of the seed bulletin (6 suspended). Five more
test the supervision-quality signals: a squadron that verifies on the day of
finding, a section whose rectifications bunch on their deadlines, a town where
closures do not hold, an inspector with impossible days, and the overdue town
where orders are not issued.

Everything is vectorised with numpy so that scale=60 (about 180,000
enterprises) stays practical. Dates are carried internally as int64 days since
1970-01-01 and converted to datetime64 only when the frames are built.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

DEMO_END = datetime.date(2026, 11, 27)

STORY_UNGRIDDED_TOWN = "金沙镇"
STORY_UNGRIDDED_COUNT = 40
STORY_LAGGING_SQUADRON = "第四中队"
STORY_CAMPAIGN = "粉尘防爆专项整治"
STORY_CAMPAIGN_START_DAYS_BEFORE_END = 245
STORY_CAMPAIGN_DAYS = 42
STORY_OVERDUE_TOWN = "石门镇"
STORY_METALLURGY = "冶金"
STORY_METALLURGY_COUNT = 34
STORY_METALLURGY_SUSPENDED = 6
# Supervision-quality stories (监管质量, docs/signals.md), planted by _plant_signal_stories.
STORY_SAME_DAY_SQUADRON = "第二中队"
STORY_DEADLINE_SECTION = "监管二科"
STORY_CLOSURES_TOWN = "临溪镇"
STORY_CLOSURES_DAYS = 170
STORY_PAPER_SQUADRON = "第五中队"
STORY_PAPER_DAYS = 60
STORY_PAPER_PER_DAY = 14
STORY_PAPER_DESCRIPTION = "安全生产责任制未落实到岗位"
STORY_STALLED_TOWN = STORY_OVERDUE_TOWN

_TOWNS = (
    "青石镇", "柳河街道", "龙泉街道", "白马镇", "石门镇", "桃源镇",
    "凤凰街道", "东河镇", "松林镇", "金沙镇", "云山镇", "临溪镇",
)
_TOWNS_PER_SQUADRON = 2
_SECTIONS_PER_COPY = 3
_ENTERPRISES_PER_COPY = 3000
_TIPOFFS_PER_COPY = 300
_LISTED_PER_COPY = 20
_BAD_GRID_PER_COPY = 5
_NO_DEPARTMENT_PER_COPY = 4
_NO_SQUADRON_PER_COPY = 3

_LON = (119.3, 119.8)
_LAT = (35.8, 36.2)

_RISKS = ("red", "orange", "yellow", "blue")
_RISK_SHARES = (0.05, 0.15, 0.40, 0.40)
# Days between routine inspections by risk colour, as in config/rules.toml.
_RISK_INTERVAL = np.array([30, 90, 180, 365])

_INSPECTION_TYPES = ("routine", "special", "tipoff", "listed", "recheck", "pre_recheck")
_ROUTINE, _SPECIAL, _TIPOFF, _LISTED, _RECHECK, _PRE_RECHECK = range(6)

# name, share, department, checklist, risk bias, median employees, name endings
_INDUSTRIES = (
    ("机械制造", 0.19, "经信局", "机械企业安全生产执法检查表", 0.2, 40,
     ("机械有限公司", "机械制造有限公司", "精密机械有限公司", "重工有限公司",
      "机电设备有限公司", "汽车配件有限公司", "机械厂")),
    ("冶金", 0.0, "经信局", "冶金企业安全生产执法检查表", 1.2, 120,
     ("铸造有限公司", "钢铁有限公司", "冶炼有限公司", "铸业有限公司", "特钢有限公司",
      "金属材料有限公司")),
    ("危险化学品", 0.06, "应急局", "危险化学品企业安全生产执法检查表", 1.6, 60,
     ("化工有限公司", "化学有限公司", "精细化工有限公司", "新材料科技有限公司",
      "化工贸易有限公司")),
    ("粉尘涉爆(金属制品)", 0.09, "经信局", "粉尘爆炸危险场所安全检查表", 0.9, 35,
     ("金属制品有限公司", "五金制品有限公司", "铝制品有限公司", "抛光厂",
      "金属表面处理有限公司")),
    ("建材", 0.10, "经信局", "建材企业安全生产执法检查表", 0.3, 50,
     ("建材有限公司", "水泥制品有限公司", "新型建材有限公司", "石材有限公司",
      "混凝土有限公司", "陶瓷有限公司")),
    ("食品加工", 0.12, "市场监管局", "食品加工企业安全生产执法检查表", -0.3, 45,
     ("食品有限公司", "面粉有限公司", "粮油有限公司", "肉制品有限公司", "果蔬加工厂",
      "饮品有限公司")),
    ("纺织", 0.08, "经信局", "纺织企业安全生产执法检查表", 0.0, 80,
     ("纺织有限公司", "棉业有限公司", "织造有限公司", "服饰有限公司", "家纺有限公司")),
    ("木材加工", 0.07, "经信局", "木材加工企业安全检查表", 0.4, 25,
     ("木业有限公司", "家具有限公司", "板材厂", "木制品有限公司")),
    ("仓储物流", 0.08, "交通局", "仓储物流企业安全检查表", 0.0, 30,
     ("物流有限公司", "仓储有限公司", "运输有限公司", "供应链管理有限公司")),
    ("加油站", 0.04, "商务局", "加油站安全检查表", 0.8, 8, ("加油站",)),
    ("烟花爆竹经营", 0.03, "应急局", "烟花爆竹经营单位安全检查表", 1.1, 4,
     ("烟花爆竹经营部", "烟花爆竹零售点")),
    ("非煤矿山", 0.02, "应急局", "非煤矿山安全检查表", 1.3, 40,
     ("矿业有限公司", "石料厂", "采石场")),
    ("建筑施工", 0.12, "住建局", "建筑施工安全检查表", 0.5, 60,
     ("建筑工程有限公司", "建设工程有限公司", "建筑安装有限公司", "市政工程有限公司")),
)
_IND_NAMES = tuple(i[0] for i in _INDUSTRIES)
_IND = {name: k for k, name in enumerate(_IND_NAMES)}
# Which section (by position within a copy: 0 = 监管一科, 1 = 监管二科) supervises
# an industry vertically, and how often a section rather than the area
# squadron leads an inspection there.
_SECTION_OF_INDUSTRY = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0])
_SECTION_SHARE = np.array([0.06, 0.3, 0.35, 0.1, 0.06, 0.05, 0.05, 0.06, 0.05, 0.25, 0.3, 0.35, 0.08])

_CATEGORIES = ("电气安全", "消防安全", "粉尘防爆", "危化品储存", "特种设备",
               "有限空间", "安全管理", "职业健康", "机械防护")
_CAT = {name: k for k, name in enumerate(_CATEGORIES)}
# Category weights per industry, in _CATEGORIES order.
_CATEGORY_WEIGHTS = np.array([
    [16, 15, 6, 0, 10, 3, 22, 8, 20],    # 机械制造
    [14, 12, 4, 2, 20, 6, 18, 12, 12],   # 冶金
    [12, 14, 0, 35, 8, 6, 17, 6, 2],     # 危险化学品
    [12, 12, 35, 0, 6, 2, 15, 8, 10],    # 粉尘涉爆(金属制品)
    [16, 14, 6, 0, 14, 4, 22, 12, 12],   # 建材
    [16, 18, 4, 2, 10, 12, 24, 6, 8],    # 食品加工
    [18, 25, 8, 0, 6, 2, 22, 8, 11],     # 纺织
    [16, 20, 25, 0, 4, 0, 17, 6, 12],    # 木材加工
    [16, 30, 0, 4, 15, 2, 25, 3, 5],     # 仓储物流
    [18, 30, 0, 30, 6, 4, 12, 0, 0],     # 加油站
    [10, 35, 0, 25, 0, 0, 30, 0, 0],     # 烟花爆竹经营
    [16, 8, 4, 4, 16, 4, 22, 6, 20],     # 非煤矿山
    [22, 14, 0, 0, 20, 6, 24, 4, 10],    # 建筑施工
], dtype=float)

_DESCRIPTIONS = {
    "电气安全": (
        ("配电箱未设置漏电保护装置", "电气线路私拉乱接", "配电柜前未铺设绝缘胶垫",
         "电气设备金属外壳未接地", "临时用电线路未穿管保护", "配电室未设置挡鼠板"),
        ("爆炸危险区域内电气设备未采用防爆型", "高压配电室无人值守且未设置防护措施"),
    ),
    "消防安全": (
        ("灭火器过期未检验", "安全出口被堵塞", "消防通道堆放杂物", "应急照明灯不能正常使用",
         "疏散指示标志缺失", "室内消火栓被遮挡"),
        ("生产车间与员工宿舍设置在同一建筑内", "仓库内违规住人", "自动喷水灭火系统停用"),
    ),
    "粉尘防爆": (
        ("除尘器未定期清灰", "作业场所积尘未及时清理", "除尘系统未设置锁气卸灰装置",
         "未制定粉尘清扫制度", "除尘风管未采用金属材料"),
        ("除尘系统未按规定设置泄爆装置", "粉尘爆炸危险场所设置在非框架结构的多层建筑内",
         "铝镁粉尘湿式除尘未采取防氢气积聚措施", "干式除尘器未设置防火防爆措施"),
    ),
    "危化品储存": (
        ("危险化学品未分类分库存放", "储存场所未设置安全警示标志", "化学品安全技术说明书不全",
         "危险化学品出入库台账不完善", "储罐区防火堤有破损"),
        ("重大危险源未设置可燃有毒气体泄漏报警装置", "危险化学品超量储存",
         "涉及重点监管危险化工工艺未实现自动化控制"),
    ),
    "特种设备": (
        ("叉车未定期检验", "起重机械限位器失效", "压力表未定期校验", "特种作业人员未持证上岗",
         "行车吊钩防脱装置损坏"),
        ("压力容器超期未检仍在使用", "起重机械主要受力构件严重变形"),
    ),
    "有限空间": (
        ("有限空间未设置安全警示标识", "有限空间作业未配备气体检测仪", "未建立有限空间管理台账",
         "有限空间作业审批手续不全"),
        ("有限空间作业未执行先通风、再检测、后作业", "污水池清淤作业无监护人员"),
    ),
    "安全管理": (
        ("安全生产责任制未落实到岗位", "未按规定开展安全培训", "应急预案未演练",
         "隐患排查治理台账不完善", "未按规定配备安全管理人员", "未如实记录安全生产教育和培训情况"),
        ("未按规定设置安全生产管理机构", "停产整顿期间擅自恢复生产"),
    ),
    "职业健康": (
        ("未按规定配备劳动防护用品", "职业病危害因素未定期检测", "职业病危害岗位未设置警示告知卡",
         "接害员工未进行职业健康体检"),
        ("高毒物品作业场所未设置应急撤离通道",),
    ),
    "机械防护": (
        ("皮带传动部位缺少防护罩", "冲床未安装双手启动装置", "砂轮机防护罩缺失",
         "设备旋转部位无防护", "机械设备急停按钮失效"),
        ("冲压设备安全联锁装置被拆除", "大型机械设备防护装置整体缺失"),
    ),
}

# name, {industry: share of its enterprises inspected}, [(days before end the
# window starts, window length)], checklist (None: the industry's), category
# forced on a share of the hazards found, that share, major probability of
# those hazards.
_CAMPAIGNS = (
    (STORY_CAMPAIGN,
     {"粉尘涉爆(金属制品)": 0.95, "木材加工": 0.9, "机械制造": 0.45, "纺织": 0.4, "食品加工": 0.2},
     [(STORY_CAMPAIGN_START_DAYS_BEFORE_END, STORY_CAMPAIGN_DAYS)],
     "粉尘爆炸危险场所安全检查表", "粉尘防爆", 0.7, 0.22),
    ("危化品专项检查", {"危险化学品": 0.9, "加油站": 0.8},
     [(620, 35), (130, 28)], None, "危化品储存", 0.5, 0.06),
    ("有限空间专项", {"食品加工": 0.5, "纺织": 0.25, "建材": 0.25, "仓储物流": 0.2, "危险化学品": 0.3},
     [(470, 28)], "有限空间作业安全检查表", "有限空间", 0.6, 0.05),
    ("烟花爆竹专项检查", {"烟花爆竹经营": 0.95},
     [(685, 30), (320, 30)], None, "消防安全", 0.5, 0.04),
    ("冶金企业安全大检查", {"冶金": 1.0},
     [(560, 21)], None, "特种设备", 0.3, 0.08),
    ("建筑施工安全专项", {"建筑施工": 0.5},
     [(410, 28)], None, "特种设备", 0.4, 0.05),
)
_CAMPAIGN_NAMES = tuple(c[0] for c in _CAMPAIGNS)
_CHECKLISTS = tuple(dict.fromkeys(
    [i[3] for i in _INDUSTRIES] + [c[3] for c in _CAMPAIGNS if c[3]]))
_CHECKLIST = {name: k for k, name in enumerate(_CHECKLISTS)}

_TOWN_FIRST = "青柳龙白石桃凤东松金云临黄杨马双安永兴太平长宝瑞鹤泰华丰新古"
_TOWN_SECOND = "石河泉马门源凰林沙山溪庄店埠集岭湖桥城水阳口营台坡峪关寨田洼丘"
_SURNAME_VILLAGE = "王李张刘陈杨赵孙周吴徐朱高林郭马宋韩冯曹"
_VILLAGE_SUFFIX = ("庄", "疃", "洼", "沟", "岭", "埠", "屯", "河", "集", "官庄")
_DIRECTIONS = "东西南北前后大小上下"
_FEATURES = ("河", "岭", "关", "坡", "庄", "店", "泉", "台", "沟", "营", "寨", "湖", "桥", "岗")
_VILLAGE_WORDS = (
    "杏花", "柳树", "石桥", "双泉", "金岭", "枣园", "桃园", "梨园", "古城", "新安",
    "永安", "太平", "和平", "兴隆", "丰收", "望海", "青龙", "白云", "凤山", "马山",
    "卧龙", "荷花", "槐树", "松树", "榆林", "黄山", "红旗", "胜利", "团结", "光明",
)
_COMMUNITIES = (
    "东关", "西关", "南关", "北关", "建设路", "文化路", "人民路", "振华", "育才", "新华",
    "幸福", "和谐", "锦绣", "阳光", "滨河", "府前", "中心", "花园", "朝阳", "长青",
    "青年路", "文昌", "龙山", "明珠", "书院",
)
_BRANDS = (
    "宏达", "鑫源", "华盛", "恒泰", "金鼎", "永盛", "瑞丰", "兴旺", "东方", "联合",
    "正大", "天成", "泰和", "顺发", "昌盛", "鸿运", "盛世", "新华", "远航", "金诺",
    "德润", "中诚", "汇通", "佳禾", "宏远", "博远", "恒通", "万通", "利民", "富源",
    "嘉信", "华美", "同力", "信达", "鼎盛", "广源", "安泰", "润泽", "众诚", "合力",
    "金海", "银河", "星辰", "天宇", "宇航", "海川", "泰山", "鲁兴", "齐鲁", "明远",
    "志诚", "振兴", "开元", "长城", "华宇", "金石", "鑫磊", "荣达", "瑞祥", "福源",
    "聚丰", "永安", "祥瑞", "凯达", "锦华", "旭日", "鸿基", "晨光", "新纪元", "蓝天",
    "恒信", "永丰", "金桥", "宝丰", "隆昌", "和顺", "春晖", "亿丰", "天润", "嘉禾",
    "华通", "宏昌", "大地", "顺达", "瑞达", "昊天", "金阳", "盛达", "龙腾", "百川",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志宏文斌浩宇晨欣怡佳俊峰雪梅海波亮林凯鑫慧琳晓"

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_REGION_CODE = "379901"
_EPOCH = datetime.date(1970, 1, 1)


def generate(scale: int = 1, seed: int = 20160607, end: datetime.date = DEMO_END) -> dict[str, pd.DataFrame]:
    """Return the eight tables keyed 'grids','enterprises','staff','inspections','hazards','cases','tipoffs','worklogs'.

    scale multiplies towns, villages, enterprises, staff and all activity; the
    county is made of `scale` copies of the 12-town base layout (each copy
    with its own names) packed into one lattice, so every story repeats in
    every copy. seed drives one numpy Generator; end is the last day of
    activity and the period is the two years ending there.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    rng = np.random.default_rng(seed)
    end_d = _day(end)
    start_d = _day(_two_years_before(end))
    geo = _geography(rng, scale)
    staff = _staff(rng, scale, end_d)
    ent = _enterprises(rng, scale, geo, start_d, end_d)
    tip = _tipoffs(rng, scale, ent, start_d, end_d)
    insp = _base_inspections(rng, ent, tip, start_d, end_d)
    haz = _hazards(rng, ent, insp, end_d)
    insp = _follow_up_inspections(insp, haz)
    _assign_staff(rng, insp, ent, staff)
    cases = _cases(rng, ent, haz, start_d, end_d)
    paper_days = _plant_signal_stories(seed, ent, insp, haz, cases, staff, end_d)
    insp["ids"] = _ids("I", len(insp["ent"]), 7)
    haz["ids"] = _ids("H", len(haz["ent"]), 7)
    inspections = _inspection_frame(rng, insp, ent)
    tables = {
        "grids": geo["frame"],
        "enterprises": _enterprise_frame(ent),
        "staff": staff["frame"],
        "inspections": inspections,
        "hazards": _checklist_items(_hazard_frame(haz, insp, ent), inspections, seed, haz["written_as"]),
        "cases": _case_frame(cases, ent, haz),
        "tipoffs": _tipoff_frame(tip, ent),
        "worklogs": _worklogs(rng, staff, start_d, end_d),
    }
    _story_worklog_gaps(tables["worklogs"], paper_days)
    return tables


# --- dates and small helpers -------------------------------------------------

def _day(d: datetime.date) -> int:
    return (d - _EPOCH).days


def _two_years_before(end: datetime.date) -> datetime.date:
    try:
        back = end.replace(year=end.year - 2)
    except ValueError:
        back = datetime.date(end.year - 2, 2, 28)
    return back + datetime.timedelta(days=1)


def _weekday(d):
    return (d + 3) % 7


def _next_workday(d):
    w = _weekday(d)
    return d + np.where(w == 5, 2, np.where(w == 6, 1, 0))


def _prev_workday(d):
    w = _weekday(d)
    return d - np.where(w == 5, 1, np.where(w == 6, 2, 0))


def _dates(days, missing=None):
    out = np.asarray(days, dtype="int64").astype("datetime64[D]")
    if missing is not None:
        out = out.copy()
        out[missing] = np.datetime64("NaT")
    return out


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    units = ((1000, "千"), (100, "百"), (10, "十"))
    out, zero_pending, started = "", False, False
    for value, name in units:
        q = (n // value) % 10
        if q:
            if zero_pending:
                out += "零"
            out += digits[q] + name
            zero_pending, started = False, True
        elif started:
            zero_pending = True
    if n % 10:
        out += ("零" if zero_pending else "") + digits[n % 10]
    return out


def _pick(rng, options, n):
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


# --- geography -----------------------------------------------------------------

def _town_names(rng, n_towns: int) -> list[str]:
    names = list(_TOWNS)
    if n_towns <= len(names):
        return names[:n_towns]
    used = {t.replace("街道", "").replace("镇", "") for t in names}
    stems = [a + b for a in _TOWN_FIRST for b in _TOWN_SECOND if a + b not in used and a != b]
    stems = [stems[i] for i in rng.permutation(len(stems))]
    suffix = np.where(rng.random(len(stems)) < 0.75, "镇", "街道")
    extra = [s + x for s, x in zip(stems, suffix, strict=True)]
    rounds = 1
    while len(names) + len(extra) < n_towns:
        rounds += 1
        extra += [s + str(rounds) + x for s, x in zip(stems, suffix, strict=True)]
    return names + extra[: n_towns - len(names)]


def _village_pool() -> tuple[list[str], list[str]]:
    rural = [s + "家" + x for s in _SURNAME_VILLAGE for x in _VILLAGE_SUFFIX]
    rural += [d + f for d in _DIRECTIONS for f in _FEATURES]
    rural += list(_VILLAGE_WORDS)
    return rural, list(_COMMUNITIES)


def _bilinear(q, u, v):
    """Map parameters (u, v) in [0, 1]^2 into the quad q = (p00, p10, p11, p01) of shape (..., 4, 2)."""
    p00, p10, p11, p01 = q[..., 0, :], q[..., 1, :], q[..., 2, :], q[..., 3, :]
    u = u[..., None]
    v = v[..., None]
    return (1 - u) * (1 - v) * p00 + u * (1 - v) * p10 + u * v * p11 + (1 - u) * v * p01


def _wkt(quads: np.ndarray) -> list[str]:
    out = []
    for q in np.round(quads, 6):
        pts = [f"{x:.6f} {y:.6f}" for x, y in q]
        out.append("POLYGON((" + ", ".join(pts + pts[:1]) + "))")
    return out


def _geography(rng, scale: int) -> dict:
    n_towns = 12 * scale
    cols = int(np.ceil(np.sqrt(n_towns * 4 / 3)))
    # An even number of columns keeps the two towns of a squadron side by side.
    cols += cols % 2
    rows = int(np.ceil(n_towns / cols))
    gx, gy = np.meshgrid(np.linspace(*_LON, cols + 1), np.linspace(*_LAT, rows + 1))
    dx = (_LON[1] - _LON[0]) / cols
    dy = (_LAT[1] - _LAT[0]) / rows
    gx = gx + rng.uniform(-0.22, 0.22, gx.shape) * dx
    gy = gy + rng.uniform(-0.22, 0.22, gy.shape) * dy
    r, c = np.divmod(np.arange(n_towns), cols)
    town_quads = np.stack([
        np.stack([gx[r, c], gy[r, c]], -1),
        np.stack([gx[r, c + 1], gy[r, c + 1]], -1),
        np.stack([gx[r + 1, c + 1], gy[r + 1, c + 1]], -1),
        np.stack([gx[r + 1, c], gy[r + 1, c]], -1),
    ], axis=1)

    names = _town_names(rng, n_towns)
    rural, community = _village_pool()
    # Every copy of the base layout gets the same mix of subdivisions (252
    # villages), shuffled over its towns.
    shapes = ((4, 4), (4, 4), (3, 6), (4, 5), (5, 4), (4, 5), (5, 4), (4, 6), (6, 4), (4, 6), (5, 5), (5, 5))
    town_shape = np.concatenate([rng.permutation(len(shapes)) for _ in range(scale)])
    town_pop = rng.integers(20_000, 80_001, n_towns)

    v_quads, v_town, v_name, v_pop, v_local = [], [], [], [], []
    for t in range(n_towns):
        a, b = shapes[town_shape[t]]
        u = np.tile(np.linspace(0, 1, a + 1), (b + 1, 1))
        v = np.tile(np.linspace(0, 1, b + 1)[:, None], (1, a + 1))
        # Interior lines are jittered; points on the town boundary only slide
        # along it, so neighbouring towns still meet edge to edge.
        u[:, 1:-1] += rng.uniform(-0.18, 0.18, (b + 1, a - 1)) / a
        v[1:-1, :] += rng.uniform(-0.18, 0.18, (b - 1, a + 1)) / b
        pts = _bilinear(np.broadcast_to(town_quads[t], (b + 1, a + 1, 4, 2)), u, v)
        quads = np.stack([pts[:-1, :-1], pts[:-1, 1:], pts[1:, 1:], pts[1:, :-1]], axis=2)
        quads = quads.reshape(-1, 4, 2)
        k = len(quads)
        is_street = names[t].endswith("街道")
        n_comm = min(len(community), int(round(k * 0.6))) if is_street else int(rng.integers(0, 2))
        vn = [community[i] + "社区" for i in rng.choice(len(community), n_comm, replace=False)]
        vn += [rural[i] + "村" for i in rng.choice(len(rural), k - n_comm, replace=False)]
        vn = [vn[i] for i in rng.permutation(k)]
        share = rng.dirichlet(np.full(k, 4.0))
        pop = np.floor(share * town_pop[t]).astype(int)
        pop[rng.permutation(k)[: town_pop[t] - pop.sum()]] += 1
        v_quads.append(quads)
        v_town.append(np.full(k, t))
        v_name += vn
        v_pop.append(pop)
        v_local.append(np.arange(k))

    v_quads = np.concatenate(v_quads)
    v_town = np.concatenate(v_town)
    v_pop = np.concatenate(v_pop)
    v_local = np.concatenate(v_local)
    n_v = len(v_town)
    v_staff = rng.choice(4, n_v, p=[0.03, 0.09, 0.48, 0.40])
    town_ids = np.array([f"G-T{t + 1:02d}" for t in range(n_towns)], dtype=object)
    v_ids = np.array([f"{town_ids[t]}-V{k + 1:02d}" for t, k in zip(v_town, v_local, strict=True)], dtype=object)
    town_staff = np.bincount(v_town, weights=v_staff, minlength=n_towns).astype(int)
    v_per_town = np.bincount(v_town, minlength=n_towns)
    town_names = np.array(names, dtype=object)

    # Each town row is followed by its villages.
    order = np.argsort(np.concatenate([np.arange(n_towns) * 2.0, v_town * 2.0 + 1]), kind="stable")
    frame = pd.DataFrame({
        "grid_id": np.concatenate([town_ids, v_ids])[order],
        "level": np.array(["town"] * n_towns + ["village"] * n_v, dtype=object)[order],
        "town": np.concatenate([town_names, town_names[v_town]])[order],
        "village": np.concatenate([np.full(n_towns, None, dtype=object),
                                   np.array(v_name, dtype=object)])[order],
        "name": np.concatenate([town_names + "网格",
                                town_names[v_town] + np.array(v_name, dtype=object)])[order],
        "population": np.concatenate([town_pop, v_pop])[order].astype("int32"),
        "geometry": np.array(_wkt(town_quads) + _wkt(v_quads), dtype=object)[order],
        "grid_staff": np.concatenate([town_staff, v_staff])[order].astype("int32"),
    })
    return {
        "frame": frame, "n_towns": n_towns, "town_names": town_names, "town_ids": town_ids,
        "town_quads": town_quads, "v_quads": v_quads, "v_town": v_town, "v_ids": v_ids,
        "v_names": np.array(v_name, dtype=object), "v_per_town": v_per_town,
    }


# --- staff -----------------------------------------------------------------------

def _staff(rng, scale: int, end_d: int) -> dict:
    n_sq = 6 * scale
    n_sec = _SECTIONS_PER_COPY * scale
    unit_names = [_squadron_name(k) for k in range(n_sq)]
    unit_names += [f"监管{_cn_number(k + 1)}科" for k in range(n_sec)]
    sizes = np.concatenate([1 + rng.integers(6, 9, n_sq), 1 + rng.integers(2, 5, n_sec)])
    unit = np.repeat(np.arange(n_sq + n_sec), sizes)
    unit_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n = len(unit)
    is_head = np.zeros(n, bool)
    is_head[unit_start] = True
    is_squadron = unit < n_sq
    role = np.where(is_squadron, np.where(is_head, "中队长", "执法人员"), np.where(is_head, "科长", "科员"))

    names = _person_names(rng, n)
    certified = is_head | (rng.random(n) < 0.82)
    inactive_since = np.full(n, np.iinfo(np.int64).max // 4)
    n_inactive = 4 * scale
    for u in rng.choice(n_sq + n_sec, n_inactive, replace=False):
        pos = unit_start[u] + rng.integers(1, sizes[u])
        inactive_since[pos] = end_d - rng.integers(200, 541)
    active = inactive_since > end_d

    weight = np.where(is_head, 0.5, rng.lognormal(0, 0.35, n))
    within = np.cumsum(weight) - np.repeat(np.cumsum(weight)[unit_start] - weight[unit_start], sizes)
    unit_total = np.repeat(np.add.reduceat(weight, unit_start), sizes)
    cum = unit + within / unit_total
    lagging = np.array([u < n_sq and u % 6 == _squadron_index(STORY_LAGGING_SQUADRON) for u in unit])
    completeness = np.where(lagging, rng.uniform(0.6, 0.85, n), rng.uniform(0.72, 0.99, n))

    ids = _ids("S", n, max(3, len(str(n))))
    frame = pd.DataFrame({
        "staff_id": ids,
        "name": names,
        "unit": np.array(unit_names, dtype=object)[unit],
        "role": role.astype(object),
        "certified": certified,
        "active": active,
    })
    return {
        "frame": frame, "ids": ids, "unit": unit, "unit_start": unit_start, "unit_size": sizes,
        "cum": cum, "inactive_since": inactive_since, "completeness": completeness,
        "n_squadrons": n_sq,
    }


def _squadron_name(k: int) -> str:
    return f"第{_cn_number(k + 1)}中队"


def _squadron_index(name: str) -> int:
    """Position of a squadron within one copy of the base layout."""
    return [_squadron_name(k) for k in range(6)].index(name)


def _person_names(rng, n: int) -> np.ndarray:
    names = np.empty(n, dtype=object)
    todo = np.arange(n)
    while len(todo):
        sur = _pick(rng, list(_SURNAMES), len(todo))
        g1 = _pick(rng, list(_GIVEN), len(todo))
        g2 = np.where(rng.random(len(todo)) < 0.7, _pick(rng, list(_GIVEN), len(todo)), "")
        names[todo] = sur + g1 + g2
        todo = np.flatnonzero(pd.Series(names).duplicated().to_numpy())
    return names


# --- enterprises -------------------------------------------------------------

def _enterprises(rng, scale: int, geo: dict, start_d: int, end_d: int) -> dict:
    n = _ENTERPRISES_PER_COPY * scale
    n_towns = geo["n_towns"]
    v_town = geo["v_town"]
    v_weight = rng.lognormal(0, 0.6, len(v_town))
    village = rng.choice(len(v_town), n, p=v_weight / v_weight.sum())
    town = v_town[village]
    base_town = town % 12
    copy = town // 12

    shares = np.array([i[1] for i in _INDUSTRIES])
    industry = rng.choice(len(_INDUSTRIES), n, p=shares / shares.sum())

    old = rng.random(n) < 0.78
    est = np.where(old, start_d - rng.integers(30, 7300, n), start_d + rng.integers(0, 700, n))
    last_year = end_d - 364

    ungridded = np.zeros(n, bool)
    story_town = _TOWNS.index(STORY_UNGRIDDED_TOWN)
    for t in np.flatnonzero(np.arange(n_towns) % 12 == story_town):
        members = np.flatnonzero(town == t)
        chosen = rng.choice(members, min(STORY_UNGRIDDED_COUNT, len(members)), replace=False)
        ungridded[chosen] = True
    in_story_town = base_town == story_town
    # Nothing else in the story town is that new, so the ungridded ones are
    # exactly its newest enterprises.
    late = in_story_town & ~ungridded & (est >= last_year)
    est[late] = start_d + rng.integers(0, 300, late.sum())
    est[ungridded] = last_year + rng.integers(0, 330, ungridded.sum())
    industry[ungridded & (industry == _IND["非煤矿山"])] = _IND["机械制造"]

    status = np.zeros(n, dtype=int)
    status_date = np.full(n, end_d + 1)
    n_met = STORY_METALLURGY_COUNT * scale
    pool = np.flatnonzero(~ungridded & (est < start_d - 365))
    met = rng.choice(pool, n_met, replace=False)
    industry[met] = _IND[STORY_METALLURGY]
    met_susp = rng.choice(met, STORY_METALLURGY_SUSPENDED * scale, replace=False)
    status[met_susp] = 1
    status_date[met_susp] = rng.integers(start_d + 60, end_d - 30, len(met_susp))

    pool = np.flatnonzero(~ungridded & (industry != _IND[STORY_METALLURGY]) & (est < end_d - 240))
    n_susp = int(round(0.05 * n)) - len(met_susp)
    n_closed = int(round(0.02 * n))
    picked = rng.choice(pool, n_susp + n_closed, replace=False)
    susp, closed = picked[:n_susp], picked[n_susp:]
    status[susp] = 1
    status_date[susp] = np.maximum(est[susp] + 60, start_d - 120) + rng.integers(0, 700, n_susp)
    status_date[susp] = np.minimum(status_date[susp], end_d - 14)
    status[closed] = 2
    status_date[closed] = np.maximum(est[closed] + 90, start_d + 14) + rng.integers(0, 700, n_closed)
    status_date[closed] = np.minimum(status_date[closed], end_d - 7)

    # Most suspensions (停产停业整顿) and closures of the period were decided
    # in a case, on or just before the day the status changed; the case grew
    # from a hazard found weeks earlier and still not rectified when filed.
    status_case = ((status > 0) & (status_date > np.maximum(start_d, est) + 120) & (status_date <= end_d)
                   & (rng.random(n) < np.where(status == 2, 0.75, 0.6)))
    case_decided = _prev_workday(status_date - rng.integers(0, 6, n))
    case_interview = _prev_workday(case_decided - rng.integers(5, 16, n))
    case_filed = _prev_workday(case_interview - rng.integers(5, 21, n))
    case_hazard_found = _next_workday(case_filed - rng.integers(40, 71, n))

    median_emp = np.array([i[5] for i in _INDUSTRIES])
    employees = np.maximum(2, np.round(median_emp[industry] * rng.lognormal(0, 0.7, n))).astype(int)
    bias = np.array([i[4] for i in _INDUSTRIES])
    latent = bias[industry] + 0.3 * np.log(employees) + rng.normal(0, 0.9, n)
    risk = np.empty(n, dtype=int)
    bounds = np.round(np.cumsum(_RISK_SHARES) * n).astype(int)
    for level, idx in enumerate(np.split(np.argsort(-latent, kind="stable"), bounds[:-1])):
        risk[idx] = level
    major_source = (((industry == _IND["危险化学品"]) & (rng.random(n) < np.where(risk <= 1, 0.5, 0.15)))
                    | ((risk == 0) & (industry == _IND["冶金"]) & (rng.random(n) < 0.3)))

    operating = status == 0
    pool = np.flatnonzero(operating & ~ungridded & (risk <= 1) & (est < start_d))
    listed = rng.choice(pool, _LISTED_PER_COPY * scale, replace=False)
    listed_since = np.full(n, -1)
    listed_since[listed] = _next_workday(rng.integers(start_d + 20, end_d - 20, len(listed)))

    village_out = village.copy()
    village_out[ungridded] = -1
    bad_grid = np.full(n, None, dtype=object)
    no_department = np.zeros(n, bool)
    no_squadron = np.zeros(n, bool)
    pool = np.flatnonzero(operating & ~ungridded & (industry != _IND[STORY_METALLURGY]) & (listed_since < 0))
    k1, k2, k3 = (_BAD_GRID_PER_COPY * scale, _NO_DEPARTMENT_PER_COPY * scale, _NO_SQUADRON_PER_COPY * scale)
    picked = rng.choice(pool, k1 + k2 + k3, replace=False)
    for e in picked[:k1]:
        # A village grid that was merged away: one number past the town's last.
        bad_grid[e] = f"{geo['town_ids'][town[e]]}-V{geo['v_per_town'][town[e]] + 1:02d}"
    no_department[picked[k1:k1 + k2]] = True
    no_squadron[picked[k1 + k2:]] = True

    s, t = rng.uniform(0.1, 0.9, n), rng.uniform(0.1, 0.9, n)
    pts = _bilinear(geo["v_quads"][village], s, t)
    town_pts = _bilinear(geo["town_quads"][town], rng.uniform(0.05, 0.95, n), rng.uniform(0.05, 0.95, n))
    pts[ungridded] = town_pts[ungridded]

    names = _enterprise_names(rng, geo["town_names"][town], industry)
    credit = _credit_codes(rng, est)

    order = np.lexsort((rng.random(n), est))
    data = {
        "village": village_out, "town": town, "base_town": base_town, "copy": copy,
        "industry": industry, "est": est, "ungridded": ungridded, "status": status,
        "status_date": status_date, "employees": employees, "risk": risk,
        "major_source": major_source, "listed_since": listed_since, "bad_grid": bad_grid,
        "no_department": no_department, "no_squadron": no_squadron, "lon": pts[:, 0],
        "lat": pts[:, 1], "name": names, "credit": credit, "status_case": status_case,
        "case_decided": case_decided, "case_interview": case_interview, "case_filed": case_filed,
        "case_hazard_found": case_hazard_found,
    }
    data = {k: v[order] for k, v in data.items()}
    data["squadron"] = data["town"] // _TOWNS_PER_SQUADRON
    data["ids"] = _ids("E", n, max(6, len(str(n))))
    data["geo"] = geo
    data["n"] = n
    return data


def _enterprise_names(rng, town_names: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(industry)
    endings = [np.array(i[6], dtype=object) for i in _INDUSTRIES]
    ending = np.empty(n, dtype=object)
    for k, options in enumerate(endings):
        idx = np.flatnonzero(industry == k)
        ending[idx] = options[rng.integers(0, len(options), len(idx))]
    names = np.empty(n, dtype=object)
    todo = np.arange(n)
    brands = list(_BRANDS)
    while len(todo):
        names[todo] = town_names[todo] + _pick(rng, brands, len(todo)) + ending[todo]
        dup = pd.Series(names).duplicated().to_numpy()
        todo = np.flatnonzero(dup)
        if len(todo):
            # Two brand words make the rare clashes unique quickly.
            names[todo] = None
            brands = [a + b for a in _BRANDS[:30] for b in _BRANDS[30:60]]
    return names


def _credit_codes(rng, est: np.ndarray) -> np.ndarray:
    """Fictional but well-formed 18-character unified social credit codes (GB 32100 check digits)."""
    n = len(est)
    chars = np.frombuffer(_USCC_CHARS.encode(), dtype=np.uint8)
    org_value = np.array([c - 48 if c < 65 else c - 55 for c in chars])
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    while len(todo):
        m = len(todo)
        idx = np.zeros((m, 18), dtype=int)
        idx[:, 0], idx[:, 1] = 9, 1
        idx[:, 2:8] = [_USCC_CHARS.index(c) for c in _REGION_CODE]
        new_style = est[todo] > _day(datetime.date(2015, 10, 1))
        org = np.where(new_style[:, None], rng.integers(0, 31, (m, 8)), rng.integers(0, 10, (m, 8)))
        org[new_style, 0] = _USCC_CHARS.index("M")
        org[new_style, 1] = _USCC_CHARS.index("A")
        idx[:, 8:16] = org
        c9 = 11 - (org_value[org] * _ORG_WEIGHTS).sum(1) % 11
        idx[:, 16] = np.where(c9 == 10, _USCC_CHARS.index("X"), np.where(c9 == 11, 0, c9))
        c18 = 31 - (idx[:, :17] * _USCC_WEIGHTS).sum(1) % 31
        idx[:, 17] = np.where(c18 == 31, 0, c18)
        codes = np.ascontiguousarray(chars[idx].astype(np.uint32)).view("<U18").ravel()
        out[todo] = codes.astype(object)
        todo = np.flatnonzero(pd.Series(out).duplicated().to_numpy())
    return out


# --- tip-offs ------------------------------------------------------------------

def _tipoffs(rng, scale: int, ent: dict, start_d: int, end_d: int) -> dict:
    n = _TIPOFFS_PER_COPY * scale + int(rng.integers(-15 * scale, 15 * scale + 1))
    received = np.sort(start_d + rng.integers(0, end_d - start_d + 1, n))
    pool = np.flatnonzero((ent["est"] < start_d) & (ent["status"] != 2) & ~ent["ungridded"])
    target = rng.choice(pool, n)
    named = rng.random(n) < 0.82
    verified = rng.random(n) < np.where(named, 0.63, 0.45)
    closed = received + rng.integers(3, 31, n)
    closed_missing = (rng.random(n) < 0.06) | (closed > end_d)
    reward = np.where(verified & (rng.random(n) < 0.45),
                      rng.choice([300.0, 500.0, 1000.0, 2000.0, 3000.0, 5000.0], n), np.nan)
    inspected = verified & named & (rng.random(n) < 0.88)
    visit = _next_workday(received + rng.integers(1, 7, n))
    inspected &= (visit <= end_d) & (visit < ent["status_date"][target])
    return {
        "n": n, "received": received, "target": target, "named": named, "verified": verified,
        "closed": closed, "closed_missing": closed_missing, "reward": reward,
        "inspected": inspected, "visit": visit,
    }


# --- inspections -------------------------------------------------------------

def _base_inspections(rng, ent: dict, tip: dict, start_d: int, end_d: int) -> dict:
    """Routine, campaign, listed and tip-off inspections: the ones that find hazards."""
    n = ent["n"]
    lo = np.maximum(start_d, ent["est"])
    hi = np.minimum(end_d, ent["status_date"] - 1)
    parts = []

    # Real-world slack: most enterprises are visited a bit more often than
    # their interval asks, some much less (neglected ones), which leaves a
    # share overdue at any date.
    slack = np.exp(rng.normal(-0.02, 0.16, n))
    slack *= np.where(rng.random(n) < 0.3, rng.uniform(1.5, 2.6, n), 1.0)
    for level, interval in enumerate(_RISK_INTERVAL):
        members = np.flatnonzero((ent["risk"] == level) & ~ent["ungridded"] & (lo <= hi))
        m = len(members)
        if not m:
            continue
        step = interval * slack[members]
        k = int(np.ceil((end_d - start_d) / (interval * 0.45))) + 2
        gaps = step[:, None] * rng.uniform(0.75, 1.2, (m, k))
        old = ent["est"][members] < start_d
        first = np.where(old, start_d + rng.random(m) * step,
                         ent["est"][members] + rng.integers(7, 61, m))
        days = first[:, None] + np.concatenate([np.zeros((m, 1)), np.cumsum(gaps[:, :-1], 1)], 1)
        days = _next_workday(np.round(days).astype(np.int64))
        e = np.broadcast_to(members[:, None], days.shape)
        keep = (days >= lo[e]) & (days <= hi[e])
        parts.append((e[keep], days[keep], _ROUTINE, -1))

    for c, (_, targets, windows, *_rest) in enumerate(_CAMPAIGNS):
        share = np.zeros(len(_INDUSTRIES))
        for name, p in targets.items():
            share[_IND[name]] = p
        for before, length in windows:
            w0 = end_d - before
            chosen = np.flatnonzero((rng.random(n) < share[ent["industry"]]) & ~ent["ungridded"])
            days = _next_workday(w0 + rng.integers(0, length, len(chosen)))
            keep = (days >= lo[chosen]) & (days <= hi[chosen]) & (days < w0 + length)
            parts.append((chosen[keep], days[keep], _SPECIAL, c))

    listed = np.flatnonzero(ent["listed_since"] >= 0)
    if len(listed):
        k = int(np.ceil((end_d - start_d) / 14)) + 1
        gaps = rng.integers(14, 36, (len(listed), k))
        gaps[:, 0] = 0
        days = _next_workday(ent["listed_since"][listed][:, None] + np.cumsum(gaps, 1))
        e = np.broadcast_to(listed[:, None], days.shape)
        keep = (days <= hi[e])
        parts.append((e[keep], days[keep], _LISTED, -1))

    t = np.flatnonzero(tip["inspected"])
    parts.append((tip["target"][t], tip["visit"][t], _TIPOFF, -1))
    cased = np.flatnonzero(ent["status_case"])
    parts.append((cased, ent["case_hazard_found"][cased], _ROUTINE, -2))

    e = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts]).astype(np.int64)
    typ = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    camp = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    order = np.lexsort((camp, typ, e, d))
    e, d, typ, camp = e[order], d[order], typ[order], camp[order]
    force_major = np.zeros(len(e), bool)
    is_listed = typ == _LISTED
    force_major[is_listed] = d[is_listed] == ent["listed_since"][e[is_listed]]
    # -2 marks the visit behind a suspension or closure case; it is a plain
    # routine inspection in the output.
    force_stuck = camp == -2
    force_major |= force_stuck
    camp[force_stuck] = -1
    return {"ent": e, "date": d, "type": typ, "campaign": camp, "force_major": force_major,
            "force_stuck": force_stuck}


def _follow_up_inspections(insp: dict, haz: dict) -> dict:
    """Add recheck (复查) and pre-recheck (预复查) visits implied by the hazards' dates."""
    parts = [(insp["ent"], insp["date"], insp["type"], insp["campaign"])]
    for typ, dates in ((_RECHECK, haz["verified"]), (_PRE_RECHECK, haz["pre_recheck"])):
        has = dates >= 0
        # One visit checks everything due at that enterprise that day.
        key = pd.DataFrame({"e": haz["ent"][has], "d": dates[has]}).drop_duplicates()
        k = len(key)
        parts.append((key["e"].to_numpy(), key["d"].to_numpy(), np.full(k, typ), np.full(k, -1)))
    e = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts]).astype(np.int64)
    typ = np.concatenate([p[2] for p in parts])
    camp = np.concatenate([p[3] for p in parts])
    order = np.lexsort((typ, e, d))
    n_base = len(insp["ent"])
    new_pos = np.empty(len(order), dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    return {
        "ent": e[order], "date": d[order], "type": typ[order], "campaign": camp[order],
        "base_pos": new_pos[:n_base],
    }


def _assign_staff(rng, insp: dict, ent: dict, staff: dict) -> None:
    """Pick a lead and up to two companions per inspection from the unit in charge."""
    m = len(insp["ent"])
    e = insp["ent"]
    ind = ent["industry"][e]
    squadron = ent["squadron"][e]
    copy = ent["copy"][e]
    n_sq = staff["n_squadrons"]
    section = n_sq + _SECTIONS_PER_COPY * copy + _SECTION_OF_INDUSTRY[ind]
    section = np.where(rng.random(m) < 0.05, n_sq + _SECTIONS_PER_COPY * copy + 2, section)
    follow_up = (insp["type"] == _RECHECK) | (insp["type"] == _PRE_RECHECK)
    by_section = (rng.random(m) < _SECTION_SHARE[ind] * np.where(follow_up, 0.5, 1.0))
    unit = np.where(by_section, section, squadron)

    start = staff["unit_start"][unit]
    size = staff["unit_size"][unit]
    pos = np.searchsorted(staff["cum"], unit + rng.random(m), side="right")
    pos = np.clip(pos, start, start + size - 1)
    date = insp["date"]
    inactive = staff["inactive_since"]
    # The unit head stands in for a member who has left by then.
    pos = np.where(date >= inactive[pos], start, pos)
    shift = rng.integers(1, size - 1)
    comp1 = start + (pos - start + shift) % size
    comp2 = start + (pos - start + shift + 1) % size
    n_extra = rng.choice(3, m, p=[0.2, 0.55, 0.25])
    has1 = (n_extra >= 1) & (date < inactive[comp1])
    has2 = (n_extra >= 2) & (date < inactive[comp2])
    ids = staff["ids"]
    lead = ids[pos]
    extra1 = np.where(has1, ";" + ids[comp1].astype(object), "")
    extra2 = np.where(has2, ";" + ids[comp2].astype(object), "")
    insp["lead"] = lead
    insp["staff_ids"] = lead + extra1 + extra2


# --- hazards -----------------------------------------------------------------

def _hazards(rng, ent: dict, insp: dict, end_d: int) -> dict:
    m = len(insp["ent"])
    e = insp["ent"]
    typ = insp["type"]
    camp = insp["campaign"]
    risk = ent["risk"][e]
    overdue_town = ent["base_town"][e] == _TOWNS.index(STORY_OVERDUE_TOWN)
    lagging = ent["squadron"][e] % 6 == _squadron_index(STORY_LAGGING_SQUADRON)

    p_any = np.array([0.65, 0.55, 0.45, 0.35])[risk]
    p_any = np.where(typ == _SPECIAL, 0.75, p_any)
    p_any = np.where(typ == _TIPOFF, 0.8, p_any)
    p_any = np.where(typ == _LISTED, 0.55, p_any)
    history = _history_effects(rng.spawn(1)[0], ent, insp)
    p_any = _shift_odds(p_any, history["any"])
    extra = rng.poisson(np.array([1.7, 1.4, 1.1, 0.9])[risk])
    count = np.where((rng.random(m) < p_any) | insp["force_major"], 1 + extra, 0)
    h_insp = np.repeat(np.arange(m), count)
    n = len(h_insp)
    first_in_insp = np.zeros(n, bool)
    first_in_insp[np.cumsum(count)[count > 0] - count[count > 0]] = True
    he = e[h_insp]
    found = insp["date"][h_insp]
    ind = ent["industry"][he]
    h_risk = risk[h_insp]
    h_overdue_town = overdue_town[h_insp]

    cum = np.cumsum(_CATEGORY_WEIGHTS / _CATEGORY_WEIGHTS.sum(1, keepdims=True), 1)
    category = (rng.random(n)[:, None] > cum[ind]).sum(1)
    category = np.minimum(category, len(_CATEGORIES) - 1)
    p_major = np.array([0.06, 0.04, 0.025, 0.015])[h_risk] * np.where(h_overdue_town, 2.2, 1.0)
    h_camp = camp[h_insp]
    for c, spec in enumerate(_CAMPAIGNS):
        hit = (h_camp == c) & (rng.random(n) < spec[5])
        category[hit] = _CAT[spec[4]]
        p_major = np.where(hit, spec[6], p_major)
    p_major = _shift_odds(p_major, history["major"][h_insp])
    major = (rng.random(n) < p_major) | (first_in_insp & insp["force_major"][h_insp])
    # The hazard behind a status case: a major one for a suspension (it is
    # rectified during the suspension), an ordinary one that was never fixed
    # for a closure.
    forced_stuck = first_in_insp & insp["force_stuck"][h_insp]
    closing = forced_stuck & (ent["status"][he] == 2)
    major &= ~closing

    description = np.empty(n, dtype=object)
    for k, cat in enumerate(_CATEGORIES):
        for lv, options in enumerate(_DESCRIPTIONS[cat]):
            idx = np.flatnonzero((category == k) & (major == bool(lv)))
            description[idx] = _pick(rng, options, len(idx))

    deadline_days = np.where(major, rng.integers(30, 61, n),
                             rng.choice([7, 10, 15, 20, 30], n, p=[0.2, 0.2, 0.3, 0.15, 0.15]))
    deadline_days = np.where(forced_stuck, 15, deadline_days)
    deadline = found + deadline_days

    # On-time rectifications of one inspection are mostly reported together.
    report = rng.integers(3, 26, m)[h_insp]
    p_stuck = np.where(major, np.where(h_overdue_town, 0.6, 0.015), np.where(h_overdue_town, 0.05, 0.015))
    p_stuck = _shift_odds(p_stuck, history["stuck"][h_insp])
    p_late = np.where(major, 0.25, 0.14)
    roll = rng.random(n)
    stuck = ((roll < p_stuck) & ~forced_stuck) | closing
    late = ~stuck & ((roll < p_stuck + p_late) | forced_stuck)
    late_mean = np.where(major, np.where(h_overdue_town, 90, 30), 18)
    rect = np.where(late, deadline + 1 + np.round(rng.exponential(1.0, n) * late_mean).astype(np.int64),
                    found + np.minimum(report, deadline_days))
    status_date = ent["status_date"][he]
    rect = np.where(forced_stuck & ~closing, status_date + rng.integers(10, 61, n), rect)
    rect_missing = stuck | (rect > end_d) | ((ent["status"][he] == 2) & (rect >= status_date))
    rect = np.where(rect_missing, -1, rect)

    # One recheck (复查) per inspection, once everything that gets rectified
    # has been; the lagging squadron skips many and comes late to the rest.
    rechecked = rng.random(m) < np.where(lagging, 0.5, 0.94)
    will_verify = ~rect_missing & rechecked[h_insp]
    delay = np.where(lagging, 5 + rng.geometric(0.05, m), rng.geometric(0.3, m))
    last_rect = np.full(m, -1, dtype=np.int64)
    np.maximum.at(last_rect, h_insp[will_verify], rect[will_verify])
    verified = _next_workday(last_rect + delay)[h_insp]
    ver_missing = ~will_verify | (verified > end_d) | ((ent["status"][he] == 2) & (verified >= status_date))
    verified = np.where(ver_missing, -1, verified)

    # A pre-recheck (预复查) visit shortly before the first deadline of an
    # inspection; hazards still not rectified then get a reminder (温馨提示书).
    first_deadline = np.full(m, np.iinfo(np.int64).max)
    np.minimum.at(first_deadline, h_insp, deadline)
    behind = np.bincount(h_insp, weights=late | stuck, minlength=m) > 0
    visit = _prev_workday(np.minimum(first_deadline, end_d + 10) - rng.integers(1, 6, m))
    visited = ((count > 0) & (rng.random(m) < np.where(behind, 0.5, 0.05))
               & (visit > insp["date"]) & (visit <= end_d)
               & ~((ent["status"][e] == 2) & (visit >= ent["status_date"][e])))
    pre_recheck = np.where(visited, visit, -1)[h_insp]
    reminder = np.where((pre_recheck >= 0) & (late | stuck) & ((rect < 0) | (rect > pre_recheck)),
                        pre_recheck, -1)

    order_d = _next_workday(deadline + rng.integers(7, 16, n))
    has_order = ((late | stuck) & ((rng.random(n) < np.where(major | h_overdue_town, 0.9, 0.7)) | forced_stuck)
                 & (order_d <= end_d) & ((rect < 0) | (rect > order_d)))
    order_d = np.where(has_order, order_d, -1)

    five_p = np.where(major[:, None], 0.96, np.array([0.75, 0.75, 0.35, 0.8, 0.25])[None, :])
    five = rng.random((n, 5)) < five_p
    funds = np.where(major & five[:, 2],
                     np.clip(np.round(rng.lognormal(np.log(60_000), 0.9, n), -2), 2_000, 2_000_000), np.nan)

    order = np.lexsort((h_insp, found))
    data = {
        "insp": h_insp, "ent": he, "found": found, "major": major, "category": category,
        "description": description, "deadline": deadline, "rect": rect, "verified": verified,
        "reminder": reminder, "order": order_d, "pre_recheck": pre_recheck, "five": five,
        "funds": funds, "forced_stuck": forced_stuck,
    }
    return {k: v[order] for k, v in data.items()}


# Log-odds effects of an enterprise's own history on what an inspection finds (issue 19).
# A hidden trait per enterprise (carelessness, standard normal) raises its chance of
# major and of any hazards and of leaving hazards unrectified past their deadline, so past
# majors and open overdue hazards foretell findings; a long gap since the last visit
# (beyond the colour's interval) adds to both. Each effect is centred, so the county's
# overall rates stay about what they were; the rest is chance.
_HISTORY_TRAIT_MAJOR = 0.8
_HISTORY_TRAIT_ANY = 0.45
_HISTORY_TRAIT_STUCK = 0.7
_HISTORY_GAP_MAJOR = 0.5
_HISTORY_GAP_ANY = 0.3
_HISTORY_GAP_CAP = 3.0


def _history_effects(rng, ent: dict, insp: dict) -> dict[str, np.ndarray]:
    """Per base inspection, log-odds shifts of finding any and a major hazard and of a hazard sticking.

    The demo's truth about history, written here so that the inspection plan (and its
    hindsight test) has something real to find; its own hindsight figure on the demo
    only proves the mechanics.
    """
    trait = rng.normal(0.0, 1.0, ent["n"])
    e = insp["ent"]
    date = insp["date"]
    order = np.lexsort((date, e))
    same = np.r_[False, e[order][1:] == e[order][:-1]]
    previous = np.full(len(e), -1, dtype=np.int64)
    previous[order] = np.where(same, np.r_[0, date[order][:-1]], -1)
    interval = _RISK_INTERVAL[ent["risk"][e]]
    # The first visit in the data has no known gap: count it as on time.
    overdue = np.where(previous >= 0, (date - previous) / interval - 1.0, 0.0)
    late = np.clip(overdue, 0.0, _HISTORY_GAP_CAP)
    t = trait[e]
    effects = {
        "major": _HISTORY_TRAIT_MAJOR * t + _HISTORY_GAP_MAJOR * late,
        "any": _HISTORY_TRAIT_ANY * t + _HISTORY_GAP_ANY * late,
        "stuck": _HISTORY_TRAIT_STUCK * t,
    }
    # Rare events (a major hazard, a stuck one) move by the odds: centring on the log of the
    # mean odds factor keeps their overall rate; the common "any hazard" centres on the mean.
    return {k: v - (v.mean() if k == "any" else np.log(np.exp(v).mean())) for k, v in effects.items()}


def _shift_odds(p: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``p`` moved by ``shift`` on the log-odds scale (0 and 1 stay put)."""
    p = np.asarray(p, dtype=float)
    inner = (p > 0) & (p < 1)
    safe = np.clip(p, 1e-9, 1 - 1e-9)
    moved = 1.0 / (1.0 + np.exp(-(np.log(safe / (1 - safe)) + shift)))
    return np.where(inner, moved, p)


# --- cases -------------------------------------------------------------------

def _cases(rng, ent: dict, haz: dict, start_d: int, end_d: int) -> dict:
    """Cases from hazards that resisted an order, from major hazards, from the
    suspensions and closures of the period, and a few with no hazard at all."""
    n = len(haz["ent"])
    resisting = (haz["order"] >= 0) & ((haz["rect"] < 0) | (haz["rect"] > haz["order"] + 10))
    from_order = resisting & ~haz["forced_stuck"] & (rng.random(n) < 0.4)
    direct = ~from_order & ~haz["forced_stuck"] & haz["major"] & (haz["order"] < 0) & (rng.random(n) < 0.1)
    filed = np.where(from_order, haz["order"] + rng.integers(14, 31, n), haz["found"] + rng.integers(3, 21, n))
    filed = _next_workday(filed)
    chosen = np.flatnonzero((from_order | direct) & (filed <= end_d))
    k = max(1, int(round(len(chosen) * 0.05)))
    pool = np.flatnonzero((ent["est"] < start_d) & (ent["status"] != 2))
    h_idx = np.concatenate([chosen, np.full(k, -1)])
    e = np.concatenate([haz["ent"][chosen], rng.choice(pool, k)])
    filed = np.concatenate([filed[chosen], _next_workday(start_d + rng.integers(0, end_d - start_d - 3, k))])
    filed = np.minimum(filed, end_d)

    m = len(e)
    interview = _next_workday(filed + rng.integers(3, 16, m))
    with_interview = rng.random(m) < 0.85
    decided = _next_workday(np.where(with_interview, interview, filed) + rng.integers(5, 31, m))
    pending = decided > end_d
    interview = np.where(with_interview & (interview <= end_d), interview, -1)
    decided = np.where(pending, -1, decided)
    # Suspension and closure come from the status cases below; an ordinary
    # case rarely suspends an enterprise that is operating today.
    p = np.array([
        [0.36, 0.57, 0.05, 0.02, 0.0, 0.0],    # operating
        [0.35, 0.55, 0.10, 0.0, 0.0, 0.0],     # suspended
        [0.35, 0.55, 0.10, 0.0, 0.0, 0.0],     # closed
    ])[ent["status"][e]]
    measure = np.minimum((rng.random(m)[:, None] > np.cumsum(p, 1)).sum(1), 5)

    s_e = np.flatnonzero(ent["status_case"])
    s_n = len(s_e)
    s_decided = ent["case_decided"][s_e]
    s_interview = ent["case_interview"][s_e]
    s_filed = ent["case_filed"][s_e]
    s_measure = np.where(ent["status"][s_e] == 1, 3, np.where(rng.random(s_n) < 0.8, 5, 4))
    s_hazard = _open_hazard_before(haz, h_idx, s_e, s_filed)

    h_idx = np.concatenate([h_idx, s_hazard])
    e = np.concatenate([e, s_e])
    filed = np.concatenate([filed, s_filed])
    interview = np.concatenate([interview, s_interview])
    decided = np.concatenate([decided, s_decided])
    pending = np.concatenate([pending, np.zeros(s_n, bool)])
    measure = np.concatenate([measure, s_measure])
    m = len(e)

    measures = np.array(["warning", "fine", "confiscation", "suspension", "revocation", "closure"], dtype=object)
    penalty = np.where(measure == 1, np.clip(np.round(rng.lognormal(np.log(30_000), 0.8, m), -3),
                                             10_000, 300_000), np.nan)
    penalty = np.where(pending, np.nan, penalty)
    collective = ~pending & ((penalty >= 50_000) | (measure >= 2))
    measure_out = np.where(pending, None, measures[measure])
    order = np.lexsort((e, filed))
    data = {
        "hazard": h_idx, "ent": e, "filed": filed, "interview": interview, "collective": collective,
        "decided": decided, "penalty": penalty, "measure": measure_out,
    }
    return {k: v[order] for k, v in data.items()}


def _open_hazard_before(haz: dict, taken: np.ndarray, ents: np.ndarray, filed: np.ndarray) -> np.ndarray:
    """Per enterprise, the latest hazard found well before `filed` and still open then (-1 if none)."""
    filed_of = pd.Series(filed, index=ents)
    h = pd.DataFrame({"h": np.arange(len(haz["ent"])), "e": haz["ent"], "found": haz["found"], "rect": haz["rect"]})
    h = h[h.e.isin(ents) & ~h.h.isin(taken)]
    cut = filed_of.reindex(h.e).to_numpy()
    h = h[(h.found <= cut - 14) & ((h.rect < 0) | (h.rect > cut))]
    latest = h.sort_values(["found", "h"]).groupby("e").h.last()
    return latest.reindex(ents).fillna(-1).astype(np.int64).to_numpy()


# --- frames ------------------------------------------------------------------

def _optional_dates(days):
    return _dates(np.where(days < 0, 0, days), days < 0)


def _enterprise_frame(ent: dict) -> pd.DataFrame:
    geo = ent["geo"]
    n = ent["n"]
    village = ent["village"]
    gridded = village >= 0
    grid_id = np.full(n, None, dtype=object)
    grid_id[gridded] = geo["v_ids"][village[gridded]]
    bad = pd.notna(ent["bad_grid"])
    grid_id[bad] = ent["bad_grid"][bad]
    village_name = np.full(n, None, dtype=object)
    village_name[gridded] = geo["v_names"][village[gridded]]
    department = np.array([i[2] for i in _INDUSTRIES], dtype=object)[ent["industry"]]
    department[ent["no_department"]] = None
    squadron = np.array([_squadron_name(k) for k in range(ent["squadron"].max() + 1)],
                        dtype=object)[ent["squadron"]]
    squadron[ent["no_squadron"]] = None
    return pd.DataFrame({
        "enterprise_id": ent["ids"],
        "name": ent["name"],
        "credit_code": ent["credit"],
        "industry": np.array(_IND_NAMES, dtype=object)[ent["industry"]],
        "town": geo["town_names"][ent["town"]],
        "village": village_name,
        "department": department,
        "squadron": squadron,
        "grid_id": grid_id,
        "risk_level": np.array(_RISKS, dtype=object)[ent["risk"]],
        "status": np.array(["operating", "suspended", "closed"], dtype=object)[ent["status"]],
        "lat": np.round(ent["lat"], 6),
        "lon": np.round(ent["lon"], 6),
        "employees": ent["employees"].astype("int32"),
        "major_hazard_source": ent["major_source"],
        "listed_since": _optional_dates(ent["listed_since"]),
    })


def _inspection_frame(rng, insp: dict, ent: dict) -> pd.DataFrame:
    m = len(insp["ent"])
    typ = insp["type"]
    camp = insp["campaign"]
    ind = ent["industry"][insp["ent"]]
    industry_list = np.array([_CHECKLIST[i[3]] for i in _INDUSTRIES])[ind]
    campaign_list = np.array([_CHECKLIST[c[3]] if c[3] else -1 for c in _CAMPAIGNS] + [-1])[camp]
    roll = rng.random(m)
    checklist = np.full(m, -1)
    checklist = np.where((typ == _ROUTINE) & (roll < 0.7), industry_list, checklist)
    checklist = np.where((typ == _LISTED) & (roll < 0.5), industry_list, checklist)
    checklist = np.where((typ == _TIPOFF) & (roll < 0.3), industry_list, checklist)
    checklist = np.where(typ == _SPECIAL, np.where(campaign_list >= 0, campaign_list, industry_list), checklist)
    names = np.array(list(_CHECKLISTS) + [None], dtype=object)
    campaigns = np.array(list(_CAMPAIGN_NAMES) + [None], dtype=object)
    return pd.DataFrame({
        "inspection_id": insp["ids"],
        "enterprise_id": ent["ids"][insp["ent"]],
        "date": _dates(insp["date"]),
        "type": np.array(_INSPECTION_TYPES, dtype=object)[typ],
        "lead_staff_id": insp["lead"],
        "staff_ids": insp["staff_ids"],
        "campaign": campaigns[camp],
        "checklist": names[checklist],
        "outcome": None,
        "score": np.nan,
    })


def _hazard_frame(haz: dict, insp: dict, ent: dict) -> pd.DataFrame:
    five = haz["five"]
    return pd.DataFrame({
        "hazard_id": haz["ids"],
        "inspection_id": insp["ids"][insp["base_pos"][haz["insp"]]],
        "enterprise_id": ent["ids"][haz["ent"]],
        "found_date": _dates(haz["found"]),
        "level": np.where(haz["major"], "major", "general").astype(object),
        "category": np.array(_CATEGORIES, dtype=object)[haz["category"]],
        "description": haz["description"],
        "deadline": _dates(haz["deadline"]),
        "rectified_date": _optional_dates(haz["rect"]),
        "verified_date": _optional_dates(haz["verified"]),
        "reminder_date": _optional_dates(haz["reminder"]),
        "order_date": _optional_dates(haz["order"]),
        "responsibility": five[:, 0],
        "measures": five[:, 1],
        "funds": five[:, 2],
        "time_limit": five[:, 3],
        "plan": five[:, 4],
        "funds_amount": haz["funds"],
        "item": None,
        "rectified": None,
    })


# --- checklist items and how people write the same finding --------------------

# Item codes per category (检查项 of the checklists): a finding's item is its category's code
# and the number of its description in _DESCRIPTIONS (general ones first, then major ones).
_ITEM_PREFIX = {"电气安全": "DQ", "消防安全": "XF", "粉尘防爆": "FC", "危化品储存": "WH", "特种设备": "TZ",
                "有限空间": "YX", "安全管理": "GL", "职业健康": "ZY", "机械防护": "JX"}
_ITEM_OF = {f"{category}|{text}": f"{_ITEM_PREFIX[category]}-{k:02d}"
            for category, levels in _DESCRIPTIONS.items()
            for k, text in enumerate((*levels[0], *levels[1]), start=1)}
# Where in the plant an inspector says a finding was, and how many: the same item is written
# differently from one visit to the next.
_PLACES = ("一车间", "二车间", "仓库", "配电室", "办公楼", "厂区", "原料库", "成品库")
_VARIANT_SHARES = (0.25, 0.15, 0.1)  # a place before it, a count after it, a full stop


def _checklist_items(hazards: pd.DataFrame, inspections: pd.DataFrame, seed: int,
                     written_as: np.ndarray) -> pd.DataFrame:
    """Hazards with their checklist item and descriptions written as people write them.

    A finding made with a checklist (the inspection names one) records the item it failed; one
    made without a checklist records none, so the repeat rule falls back to its description.
    Descriptions vary from visit to visit: a place before them, a count or a full stop after
    them. Drawn from a generator of their own, so every other table is the same as without
    items. A finding a story copied from another (``written_as``: that record's position, -1
    for none) is written word for word as that record, variations included: the copied text
    of the paper inspector, the closure that comes back as it was written the first time.
    """
    rng = np.random.default_rng([seed, 17])
    out = hazards.copy()
    checklist = out["inspection_id"].map(inspections.set_index("inspection_id")["checklist"])
    items = (out["category"] + "|" + out["description"]).map(_ITEM_OF).astype(object)
    out["item"] = items.where(checklist.notna(), None)
    n = len(out)
    text = out["description"].astype(object).to_numpy()
    place, count, stop = (rng.random(n) < share for share in _VARIANT_SHARES)
    places = np.array(_PLACES, dtype=object)[rng.integers(0, len(_PLACES), n)]
    counts = np.array([f"（{c}处）" for c in range(2, 6)], dtype=object)[rng.integers(0, 4, n)]
    text = np.where(place, places + text, text)
    text = np.where(count, text + counts, text)
    text = np.where(stop, text + "。", text)
    copied = np.flatnonzero(written_as >= 0)
    source = written_as[copied]
    # Only while the copy still says what its source says (a later story may have rewritten either).
    same = ((out["description"].to_numpy()[copied] == out["description"].to_numpy()[source])
            & (out["category"].to_numpy()[copied] == out["category"].to_numpy()[source]))
    text[copied[same]] = text[source[same]]
    out["description"] = text
    return out


def _case_frame(cases: dict, ent: dict, haz: dict) -> pd.DataFrame:
    m = len(cases["ent"])
    h = cases["hazard"]
    hazard_id = np.where(h >= 0, haz["ids"][np.maximum(h, 0)], None)
    return pd.DataFrame({
        "case_id": _ids("C", m, 6),
        "enterprise_id": ent["ids"][cases["ent"]],
        "hazard_id": hazard_id,
        "filed_date": _dates(cases["filed"]),
        "interview_date": _optional_dates(cases["interview"]),
        "collective_review": cases["collective"],
        "decided_date": _optional_dates(cases["decided"]),
        "penalty_amount": cases["penalty"],
        "measure": cases["measure"],
    })


def _tipoff_frame(tip: dict, ent: dict) -> pd.DataFrame:
    n = tip["n"]
    enterprise_id = np.where(tip["named"], ent["ids"][tip["target"]], None)
    return pd.DataFrame({
        "tipoff_id": _ids("T", n, 6),
        "received_date": _dates(tip["received"]),
        "enterprise_id": enterprise_id,
        "town": ent["geo"]["town_names"][ent["town"][tip["target"]]],
        "verified": tip["verified"],
        "closed_date": _dates(tip["closed"], tip["closed_missing"]),
        "reward_amount": tip["reward"],
    })


def _worklogs(rng, staff: dict, start_d: int, end_d: int) -> pd.DataFrame:
    days = np.arange(start_d, end_d + 1)
    days = days[_weekday(days) < 5]
    present = days[None, :] < staff["inactive_since"][:, None]
    who, when = np.nonzero(present)
    c = staff["completeness"][who]
    morning = rng.random(len(who)) < c
    evening = rng.random(len(who)) < c - 0.03
    return pd.DataFrame({
        "staff_id": staff["ids"][who],
        "date": _dates(days[when]),
        "morning_plan": morning,
        "evening_review": evening,
    })


# --- supervision-quality stories -----------------------------------------------

def _plant_signal_stories(seed, ent: dict, insp: dict, haz: dict, cases: dict, staff: dict,
                          end_d: int) -> pd.DataFrame:
    """Plant the supervision-quality stories into the finished county; return the paper inspector's days.

    Each story edits records in place (dates, leads, descriptions) and draws from its own
    generator, so every other story and every record it does not touch stay as they were.
    Recheck visits are moved, never added or removed: the inspection count stays the same.
    """
    def story_rng(k):
        return np.random.default_rng([seed, 2026, k])

    haz["written_as"] = np.full(len(haz["ent"]), -1)
    lead_unit = staff["unit"][pd.Index(staff["ids"]).get_indexer(insp["lead"])]
    _story_same_day_verification(story_rng(1), insp, haz, cases, staff, lead_unit)
    _story_deadline_bunching(story_rng(2), insp, haz, cases, staff, lead_unit, end_d)
    _story_closures_not_holding(story_rng(3), ent, haz)
    days = _story_paper_inspector(story_rng(4), ent, insp, haz, staff, end_d)
    _story_stalled_orders(ent, haz, cases)
    return days


def _closable_inspections(insp: dict, haz: dict, cases: dict, on_time: bool) -> pd.DataFrame:
    """Finding inspections whose every hazard was rectified and verified with no case, and
    whose recheck visit checked nothing else: such an inspection's closure can be re-dated
    by moving its own recheck visit. ``on_time`` also asks that every hazard was rectified by
    its deadline with no pre-recheck visit, reminder or order.

    One row per inspection: base (index in the base inspections), pos (its position in
    ``insp``), ent, found, verified, last_rect and recheck (the position of its recheck visit).
    """
    n = len(haz["ent"])
    in_case = np.zeros(n, bool)
    linked = cases["hazard"][cases["hazard"] >= 0]
    in_case[linked] = True
    ok = (haz["rect"] >= 0) & (haz["verified"] >= 0) & ~in_case
    if on_time:
        ok &= ((haz["rect"] <= haz["deadline"]) & (haz["order"] < 0) & (haz["reminder"] < 0)
               & (haz["pre_recheck"] < 0))
    h = pd.DataFrame({"base": haz["insp"], "ent": haz["ent"], "found": haz["found"],
                      "verified": haz["verified"], "rect": haz["rect"], "ok": ok})
    per = h.groupby("base").agg(ent=("ent", "first"), found=("found", "first"), verified=("verified", "max"),
                                last_rect=("rect", "max"), ok=("ok", "all"), hazards=("ok", "size"))
    per = per[per["ok"]].drop(columns="ok")
    # The recheck visit must serve this inspection's hazards alone.
    served = h.groupby(["ent", "verified"]).size().rename("served")
    per = per.join(served, on=["ent", "verified"])
    per = per[per["served"] == per["hazards"]]
    visits = pd.DataFrame({"recheck": np.flatnonzero(insp["type"] == _RECHECK)})
    visits["ent"] = insp["ent"][visits["recheck"]]
    visits["verified"] = insp["date"][visits["recheck"]]
    per = per.reset_index().merge(visits, on=["ent", "verified"], how="inner")
    per["pos"] = insp["base_pos"][per["base"].to_numpy()]
    return per


def _move_recheck(insp: dict, visits: pd.DataFrame, new_dates: np.ndarray) -> np.ndarray:
    """Move recheck visits to new dates unless another recheck of the enterprise is already
    there; return which moved."""
    is_recheck = insp["type"] == _RECHECK
    taken = set(zip(insp["ent"][is_recheck].tolist(), insp["date"][is_recheck].tolist(), strict=True))
    moved = np.zeros(len(visits), bool)
    for k, (pos, e, d) in enumerate(zip(visits["recheck"], visits["ent"], new_dates, strict=True)):
        if (e, d) in taken:
            continue
        taken.discard((e, insp["date"][pos]))
        taken.add((e, d))
        insp["date"][pos] = d
        moved[k] = True
    return moved


def _story_same_day_verification(rng, insp: dict, haz: dict, cases: dict, staff: dict,
                                 lead_unit: np.ndarray) -> None:
    """STORY_SAME_DAY_SQUADRON closes most of its findings on the spot: rectified and verified
    (复查销号) the day they were found, by the people who found them."""
    k = _squadron_index(STORY_SAME_DAY_SQUADRON)
    n_sq = staff["n_squadrons"]
    per = _closable_inspections(insp, haz, cases, on_time=True)
    unit = lead_unit[per["pos"].to_numpy()]
    per = per[(unit < n_sq) & (unit % 6 == k) & (rng.random(len(per)) < 0.7)]
    moved = _move_recheck(insp, per, per["found"].to_numpy())
    per = per[moved]
    insp["lead"][per["recheck"]] = insp["lead"][per["pos"]]
    insp["staff_ids"][per["recheck"]] = insp["staff_ids"][per["pos"]]
    chosen = np.isin(haz["insp"], per["base"].to_numpy())
    haz["rect"][chosen] = haz["found"][chosen]
    haz["verified"][chosen] = haz["found"][chosen]


def _story_deadline_bunching(rng, insp: dict, haz: dict, cases: dict, staff: dict, lead_unit: np.ndarray,
                             end_d: int) -> None:
    """STORY_DEADLINE_SECTION reports most of its findings rectified on the deadline day itself,
    whenever the work was done; the recheck follows as late as it did before."""
    n_sq = staff["n_squadrons"]
    k = [f"监管{_cn_number(j + 1)}科" for j in range(_SECTIONS_PER_COPY)].index(STORY_DEADLINE_SECTION)
    per = _closable_inspections(insp, haz, cases, on_time=False)
    unit = lead_unit[per["pos"].to_numpy()]
    per = per[(unit >= n_sq) & ((unit - n_sq) % _SECTIONS_PER_COPY == k) & (rng.random(len(per)) < 0.9)]
    # Hazards rectified early are reported on their deadline; late ones keep their date.
    early = haz["rect"] < haz["deadline"]
    reported = np.where(early, haz["deadline"], haz["rect"])
    h = pd.DataFrame({"base": haz["insp"], "reported": reported})
    last = h[h["base"].isin(per["base"])].groupby("base")["reported"].max()
    delay = np.maximum(per["verified"] - per["last_rect"], 1)
    new_verified = _next_workday((per["base"].map(last) + delay).to_numpy())
    fits = new_verified <= end_d
    per, new_verified = per[fits], new_verified[fits]
    moved = _move_recheck(insp, per, new_verified)
    per, new_verified = per[moved], new_verified[moved]
    verified_on = pd.Series(new_verified, index=per["base"].to_numpy())
    chosen = np.flatnonzero(np.isin(haz["insp"], per["base"].to_numpy()))
    haz["rect"][chosen] = reported[chosen]
    haz["verified"][chosen] = verified_on.reindex(haz["insp"][chosen]).to_numpy()
    # Findings never re-checked have no visit to move: only the reported date changes.
    in_case = np.isin(np.arange(len(haz["ent"])), cases["hazard"][cases["hazard"] >= 0])
    h = pd.DataFrame({"base": haz["insp"], "unverified": (haz["verified"] < 0) & ~in_case})
    unverified = h.groupby("base")["unverified"].all()
    base = unverified.index[unverified.to_numpy()].to_numpy()
    unit = lead_unit[insp["base_pos"][base]]
    base = base[(unit >= n_sq) & ((unit - n_sq) % _SECTIONS_PER_COPY == k) & (rng.random(len(base)) < 0.9)]
    chosen = np.isin(haz["insp"], base) & early & (haz["rect"] >= 0) & (haz["deadline"] <= end_d)
    haz["rect"][chosen] = haz["deadline"][chosen]


def _copy_record(haz: dict, source: np.ndarray, target: np.ndarray) -> None:
    """Give the target hazards the category, description and item (when generated) of the
    sources, and note whose wording each target repeats (``written_as``: the first record of
    a chain of copies, whose text the others take once _checklist_items has varied it)."""
    for key in ("category", "description", "item"):
        if key in haz:
            haz[key][target] = haz[key][source]
    first = np.where(haz["written_as"][source] >= 0, haz["written_as"][source], source)
    haz["written_as"][target] = np.where(first == target, -1, first)


def _story_closures_not_holding(rng, ent: dict, haz: dict) -> None:
    """In STORY_CLOSURES_TOWN, verified general hazards often come back: a general finding
    at the enterprise within STORY_CLOSURES_DAYS of the verification is the same item found
    again."""
    candidates = (ent["base_town"][haz["ent"]] == _TOWNS.index(STORY_CLOSURES_TOWN)) & ~haz["major"]
    sources = pd.DataFrame({"source": np.flatnonzero(candidates & (haz["verified"] >= 0))})
    sources["ent"] = haz["ent"][sources["source"]]
    sources["at"] = haz["verified"][sources["source"]]
    targets = pd.DataFrame({"target": np.flatnonzero(candidates)})
    targets["ent"] = haz["ent"][targets["target"]]
    targets["at"] = haz["found"][targets["target"]]
    # The k-th hazard closed at an enterprise on a day comes back as the k-th of a later finding.
    sources["k"] = sources.groupby(["ent", "at"]).cumcount()
    targets["k"] = targets.groupby(["ent", "at"]).cumcount()
    pairs = pd.merge_asof(sources.sort_values("at"), targets.sort_values("at"), on="at", by=["ent", "k"],
                          direction="forward", allow_exact_matches=False, tolerance=STORY_CLOSURES_DAYS)
    pairs = pairs.dropna(subset=["target"]).drop_duplicates("target")
    pairs = pairs[rng.random(len(pairs)) < 0.9]
    # In time order, so a finding that comes back again comes back as what it had become.
    for source, target in zip(pairs["source"], pairs["target"].astype(np.int64), strict=True):
        _copy_record(haz, np.array([source]), np.array([target]))


def _story_paper_inspector(rng, ent: dict, insp: dict, haz: dict, staff: dict, end_d: int) -> pd.DataFrame:
    """In each copy, one inspector of STORY_PAPER_SQUADRON has impossible days: on
    STORY_PAPER_DAYS days of the last year STORY_PAPER_PER_DAY routine inspections across the
    county are in their name alone, with one copied hazard description, and the day has
    no work log. Returns the (staff_id, day) pairs whose work log goes blank."""
    k = _squadron_index(STORY_PAPER_SQUADRON)
    reference = np.flatnonzero((haz["description"] == STORY_PAPER_DESCRIPTION) & ~haz["major"])
    base = np.flatnonzero(insp["type"] == _ROUTINE)
    haz_pos = insp["base_pos"][haz["insp"]]
    # Paper inspections find only general hazards.
    with_major = np.zeros(len(insp["ent"]), bool)
    with_major[haz_pos[haz["major"]]] = True
    base = base[(insp["campaign"][base] < 0) & ~with_major[base]
                & (insp["date"][base] >= end_d - 330) & (insp["date"][base] <= end_d - 7)]
    blank = []
    for copy in range(staff["n_squadrons"] // 6):
        unit = 6 * copy + k
        start, size = staff["unit_start"][unit], staff["unit_size"][unit]
        members = [m for m in range(start + 1, start + size) if staff["inactive_since"][m] > end_d]
        if not members or not len(reference):
            continue
        person = staff["ids"][members[0]]
        mine = base[ent["copy"][insp["ent"][base]] == copy]
        by_day = pd.Series(mine).groupby(insp["date"][mine])
        days = [d for d, group in by_day if len(group) >= STORY_PAPER_PER_DAY + 4]
        for d in rng.permutation(days)[:STORY_PAPER_DAYS]:
            group = by_day.get_group(d).to_numpy()
            group = group[np.argsort(ent["lon"][insp["ent"][group]], kind="stable")]
            middle = rng.choice(group[1:-1], STORY_PAPER_PER_DAY - 2, replace=False)
            picked = np.concatenate([group[:1], group[-1:], middle])
            insp["lead"][picked] = person
            insp["staff_ids"][picked] = person
            found = np.flatnonzero(np.isin(haz_pos, picked) & ~haz["major"])
            _copy_record(haz, np.full(len(found), reference[0]), found)
            blank.append((person, int(d)))
    return pd.DataFrame(blank, columns=["staff_id", "day"])


def _story_stalled_orders(ent: dict, haz: dict, cases: dict) -> None:
    """In STORY_STALLED_TOWN, the major hazards still open at the end never got their order
    (责令限期整改指令书): the ladder stalls where overdue majors pile up."""
    in_case = np.isin(np.arange(len(haz["ent"])), cases["hazard"][cases["hazard"] >= 0])
    stalled = ((ent["base_town"][haz["ent"]] == _TOWNS.index(STORY_STALLED_TOWN)) & haz["major"]
               & (haz["rect"] < 0) & (haz["order"] >= 0) & ~in_case)
    haz["order"][stalled] = -1


def _story_worklog_gaps(worklogs: pd.DataFrame, days: pd.DataFrame) -> None:
    """The paper inspector's planted days have neither morning plan nor evening review."""
    if days.empty:
        return
    blank = pd.MultiIndex.from_arrays([days["staff_id"], _dates(days["day"].to_numpy())])
    hit = pd.MultiIndex.from_arrays([worklogs["staff_id"], worklogs["date"]]).isin(blank)
    worklogs.loc[hit, ["morning_plan", "evening_review"]] = False

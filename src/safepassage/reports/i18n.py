"""English and Arabic wording of the map, the leaflets and the situation report.

Arabic is simple Modern Standard Arabic, in short sentences, with Western digits for times and
distances (they read the same in both languages and survive copying between systems). Corridor,
district and service names come from the scenario and are shown as written there.
"""

from __future__ import annotations

from typing import Literal, get_args

from safepassage.errors import SafepassageError
from safepassage.model.scenario import Corridor, CorridorStatus

__all__ = [
    "LANGS",
    "Lang",
    "direction",
    "group_label",
    "incident_label",
    "item_label",
    "parse_langs",
    "severity_label",
    "status_label",
    "text",
    "windows_text",
]

Lang = Literal["en", "ar"]
LANGS: tuple[Lang, ...] = get_args(Lang)

_TEXT: dict[str, dict[Lang, str]] = {
    # map
    "map_title": {"en": "Evacuation and relief map", "ar": "خريطة الإجلاء والإغاثة"},
    "map_note": {
        "en": "Planned routes are options with their capacity, not orders: leaving is voluntary.",
        "ar": "المسارات المخطط لها خيارات بحسب قدرتها الاستيعابية، وليست أوامر: المغادرة طوعية.",
    },
    "restricted": {
        "en": "Restricted: for operational staff. Do not publish: it shows planned flows and "
        "service locations.",
        "ar": "مقيّد: للعاملين في العملية فقط. لا تنشر هذه الخريطة: فهي تبيّن التدفقات المخطط لها "
        "ومواقع الخدمات.",
    },
    "streets": {"en": "Streets", "ar": "الشوارع"},
    "closed_streets": {"en": "Closed streets", "ar": "شوارع مغلقة"},
    "districts": {"en": "Districts (people)", "ar": "الأحياء (عدد السكان)"},
    "people": {"en": "people", "ar": "شخص"},
    "corridors": {"en": "Corridors", "ar": "الممرات"},
    "routes_to": {"en": "Routes to {name}", "ar": "المسارات إلى {name}"},
    "hazards": {"en": "Hazards", "ar": "المخاطر"},
    "services": {"en": "Service points", "ar": "نقاط الخدمة"},
    "throughput": {"en": "throughput {value} people/hour", "ar": "الاستيعاب {value} شخص/ساعة"},
    "hours": {"en": "open {value}", "ar": "مفتوح {value}"},
    "planned": {"en": "planned {value} people", "ar": "مخطط لعبور {value} شخص"},
    "route_hover": {
        "en": "{area} → {corridor}: {people} people, {km} km",
        "ar": "{area} ← {corridor}: {people} شخص، {km} كم",
    },
    "no_plan": {
        "en": "No plan given: corridors and districts only.",
        "ar": "لم تُعطَ خطة: الممرات والأحياء فقط.",
    },
    "scenario": {"en": "Scenario", "ar": "السيناريو"},
    "plan_clearance": {"en": "Plan: last crossing by {value}", "ar": "الخطة: آخر عبور حتى {value}"},
    # windows
    "daily": {"en": "every day {value}", "ar": "كل يوم {value}"},
    "and": {"en": " and ", "ar": " و"},
    "span": {"en": "{a}–{b}", "ar": "من {a} إلى {b}"},
    # leaflet
    "leaflet_title": {
        "en": "Safe passage: information for residents of {area}",
        "ar": "ممر آمن: معلومات لسكان {area}",
    },
    "voluntary": {
        "en": "Leaving is your choice. This leaflet gives options, not orders. Decide what is "
        "safest for you and your family.",
        "ar": "المغادرة قرارك أنت. هذه النشرة تعرض خيارات وليست أوامر. قرّر ما هو أكثر أماناً "
        "لك ولعائلتك.",
    },
    "use_corridor": {"en": "Corridor for your area", "ar": "الممر المخصص لمنطقتك"},
    "opening_hours": {"en": "Opening hours", "ar": "ساعات العمل"},
    "hours_note": {
        "en": "Arrive during opening hours. Outside these hours the corridor is closed.",
        "ar": "احضر خلال ساعات العمل. خارج هذه الساعات يكون الممر مغلقاً.",
    },
    "walk": {
        "en": "On foot: about {km} km, about {minutes} minutes.",
        "ar": "سيراً على الأقدام: نحو {km} كم، نحو {minutes} دقيقة.",
    },
    "route_map": {"en": "Walking route", "ar": "طريق المشي"},
    "legend_route": {"en": "route", "ar": "الطريق"},
    "legend_start": {"en": "your area", "ar": "منطقتك"},
    "legend_corridor": {"en": "corridor", "ar": "الممر"},
    "legend_medical": {"en": "medical post", "ar": "نقطة طبية"},
    "legend_food": {"en": "food point", "ar": "نقطة غذاء"},
    "services_title": {"en": "Help at the corridor", "ar": "المساعدة عند الممر"},
    "medical_post": {"en": "Medical post", "ar": "النقطة الطبية"},
    "food_point": {"en": "Food point", "ar": "نقطة توزيع الغذاء"},
    "water_point": {"en": "Water point", "ar": "نقطة المياه"},
    "shelter": {"en": "Shelter", "ar": "المأوى"},
    "at_checkpoint": {"en": "at the corridor", "ar": "عند الممر"},
    "near_checkpoint": {
        "en": "about {m} m {dir} of the corridor",
        "ar": "على بعد نحو {m} م {dir} الممر",
    },
    "none_here": {"en": "none at this corridor", "ar": "لا توجد عند هذا الممر"},
    "bring_title": {"en": "What to bring", "ar": "ماذا تحمل معك"},
    "bring": {
        "en": "Identity papers and important documents|Medicines you need, and prescriptions|"
        "Water and food for one day|Warm clothes and a blanket|Phone and charger|"
        "Only what you can carry while walking",
        "ar": "بطاقة الهوية والوثائق المهمة|الأدوية التي تحتاجها والوصفات الطبية|"
        "ماء وطعام ليوم واحد|ملابس دافئة وبطانية|الهاتف والشاحن|"
        "ما تستطيع حمله أثناء المشي فقط",
    },
    "closed_title": {"en": "If the corridor is closed", "ar": "إذا كان الممر مغلقاً"},
    "closed_alt": {
        "en": "Do not wait at the closed corridor. The other option is {name}, open {hours}.",
        "ar": "لا تنتظر عند الممر المغلق. الخيار الآخر هو {name}، ويفتح {hours}.",
    },
    "closed_none": {
        "en": "Do not wait at the closed corridor. Stay where you are safest and follow "
        "announcements from trusted humanitarian organisations.",
        "ar": "لا تنتظر عند الممر المغلق. ابقَ حيث تكون أكثر أماناً، وتابع إعلانات المنظمات "
        "الإنسانية الموثوقة.",
    },
    "assisted": {
        "en": "Assisted corridor for {groups}: {name}, open {hours}.",
        "ar": "ممر خاص ب{groups}، مع المساعدة: {name}، ويفتح {hours}.",
    },
    "safety": {
        "en": "Stay together with your family. Keep children close. Follow the instructions of "
        "staff at the corridor.",
        "ar": "ابقَ مع عائلتك. أبقِ الأطفال قريبين منك. اتبع تعليمات العاملين عند الممر.",
    },
    "north": {"en": "north", "ar": "شمال"},
    "scale": {"en": "{m} m", "ar": "{m} م"},
    "no_route": {"en": "No route drawn.", "ar": "لا يوجد طريق مرسوم."},
    # situation report
    "sitrep_title": {
        "en": "{name}: Situation Report No. {number}",
        "ar": "{name}: تقرير الوضع رقم {number}",
    },
    "sitrep_as_of": {"en": "as of {value}", "ar": "حتى {value}"},
    "sitrep_covers": {
        "en": "This report covers the period {a} to {b}. The next report will be issued on or "
        "around {next}.",
        "ar": "يغطي هذا التقرير الفترة من {a} إلى {b}. سيصدر التقرير التالي في {next} أو نحو ذلك.",
    },
    "class_public": {
        "en": "PUBLIC: counts of people are aggregated and small counts suppressed.",
        "ar": "عام: أعداد الأشخاص مجمّعة والأعداد الصغيرة محجوبة.",
    },
    "class_restricted": {
        "en": "RESTRICTED: for the organisations of operation {code} only. Do not publish.",
        "ar": "مقيّد: لمنظمات العملية {code} فقط. لا تنشر هذا التقرير.",
    },
    "class_sensitive": {
        "en": "SENSITIVE: for the organisation leading operation {code} only. Do not share.",
        "ar": "حساس: للمنظمة التي تقود العملية {code} فقط. لا تشارك هذا التقرير.",
    },
    "highlights": {"en": "Highlights", "ar": "أبرز النقاط"},
    "key_figures": {"en": "Key figures", "ar": "أرقام رئيسية"},
    "kf_crossed": {"en": "people crossed in the period", "ar": "شخص عبروا خلال الفترة"},
    "kf_planned": {"en": "{share} of the {planned} planned", "ar": "{share} من {planned} في الخطة"},
    "kf_to_date": {"en": "people crossed since the start", "ar": "شخص عبروا منذ البداية"},
    "kf_inside": {
        "en": "people still in the city (estimate)",
        "ar": "شخص ما زالوا في المدينة (تقدير)",
    },
    "kf_corridors": {"en": "corridors open of {total}", "ar": "ممرات مفتوحة من أصل {total}"},
    "kf_incidents": {"en": "incidents in the period", "ar": "حوادث خلال الفترة"},
    "kf_trucks": {"en": "trucks of relief received", "ar": "شاحنات إغاثة وصلت"},
    "h_crossed": {
        "en": "{crossed} people crossed through the corridors in the last {hours} hours, "
        "{share} of the {planned} planned.",
        "ar": "عبر {crossed} شخص من الممرات خلال آخر {hours} ساعة، أي {share} من {planned} في "
        "الخطة.",
    },
    "h_crossed_plain": {
        "en": "{crossed} people crossed through the corridors in the last {hours} hours "
        "({planned} planned).",
        "ar": "عبر {crossed} شخص من الممرات خلال آخر {hours} ساعة (في الخطة {planned}).",
    },
    "h_corridors": {
        "en": "{open} of {total} corridors are open as of this report.",
        "ar": "{open} من أصل {total} ممرات مفتوحة حتى تاريخ هذا التقرير.",
    },
    "h_not_open": {
        "en": "Corridor {corridor} was not open for {hours} h of the period.",
        "ar": "لم يكن الممر {corridor} مفتوحاً لمدة {hours} ساعة من الفترة.",
    },
    "h_incidents": {
        "en": "{n} incidents were reported in the period, {high} of them of high or critical "
        "severity.",
        "ar": "أُبلغ عن {n} حوادث خلال الفترة، منها {high} بخطورة عالية أو حرجة.",
    },
    "h_stock": {
        "en": "Lowest stock cover: {item}, {days} days at the recent distribution rate.",
        "ar": "أدنى تغطية للمخزون: {item}، {days} يوم بمعدل التوزيع الأخير.",
    },
    "overview": {"en": "Situation overview", "ar": "نظرة عامة على الوضع"},
    "ov_population": {
        "en": "At the plan's start, {population} people were in the city.",
        "ar": "عند بدء الخطة كان في المدينة {population} شخص.",
    },
    "ov_crossed": {
        "en": "By {as_of}, {to_date} people had crossed through the corridors; the plan "
        "foresaw {planned} by then.",
        "ar": "حتى {as_of} عبر {to_date} شخص من الممرات، وكانت الخطة تتوقع {planned} حتى ذلك "
        "الوقت.",
    },
    "ov_inside": {
        "en": "An estimated {inside} people remain in the city (plan: {planned}).",
        "ar": "يُقدَّر أن {inside} شخص ما زالوا في المدينة (في الخطة: {planned}).",
    },
    "ov_clearance": {
        "en": "In the plan, the last person crosses by {value}.",
        "ar": "في الخطة يعبر آخر شخص حتى {value}.",
    },
    "ov_voluntary": {
        "en": "The plan offers options with their capacity, not movement orders: leaving is "
        "voluntary.",
        "ar": "تعرض الخطة خيارات بحسب قدرتها الاستيعابية، وليست أوامر بالتنقل: المغادرة طوعية.",
    },
    "corridors_section": {
        "en": "Corridors and crossings against plan",
        "ar": "الممرات والعبور مقارنة بالخطة",
    },
    "col_corridor": {"en": "Corridor", "ar": "الممر"},
    "col_status": {"en": "Status", "ar": "الحالة"},
    "col_since": {"en": "since", "ar": "منذ"},
    "col_crossed": {"en": "Crossed in period", "ar": "عبروا خلال الفترة"},
    "col_planned": {"en": "Planned", "ar": "في الخطة"},
    "col_share": {"en": "% of plan", "ar": "٪ من الخطة"},
    "col_to_date": {"en": "Crossed to date", "ar": "عبروا حتى الآن"},
    "col_not_open": {"en": "Not open (h)", "ar": "غير مفتوح (ساعة)"},
    "col_throughput": {"en": "Capacity (people/h)", "ar": "القدرة (شخص/ساعة)"},
    "col_window": {"en": "Window", "ar": "الفترة الزمنية"},
    "col_total": {"en": "All corridors", "ar": "كل الممرات"},
    "status_plan": {"en": "(plan)", "ar": "(الخطة)"},
    "changes_title": {
        "en": "Corridor status changes in the period",
        "ar": "تغيّرات حالة الممرات خلال الفترة",
    },
    "no_changes": {
        "en": "No status change in the period.",
        "ar": "لا تغيير في الحالة خلال الفترة.",
    },
    "charts": {"en": "Charts", "ar": "رسوم بيانية"},
    "chart_windows": {
        "en": "People crossed per {hours}-hour window (all corridors)",
        "ar": "عدد العابرين في كل {hours} ساعات (كل الممرات)",
    },
    "chart_cumulative": {
        "en": "People crossed since the start (rounded to 10)",
        "ar": "عدد العابرين منذ البداية (مقرّب إلى 10)",
    },
    "recorded": {"en": "recorded", "ar": "المسجّل"},
    "planned_label": {"en": "planned", "ar": "في الخطة"},
    "axis_people": {"en": "people", "ar": "أشخاص"},
    "map_section": {
        "en": "Map: corridors by status and planned routes",
        "ar": "الخريطة: الممرات حسب حالتها والمسارات المخطط لها",
    },
    "legend_planned_route": {"en": "planned route", "ar": "مسار مخطط له"},
    "legend_hazard": {"en": "hazard", "ar": "خطر"},
    "legend_district": {"en": "district", "ar": "حي"},
    "sectors_section": {
        "en": "Needs and response by sector",
        "ar": "الاحتياجات والاستجابة حسب القطاع",
    },
    "col_sector": {"en": "Sector", "ar": "القطاع"},
    "col_need": {"en": "Need in period", "ar": "الاحتياج خلال الفترة"},
    "col_distributed": {"en": "Distributed", "ar": "تم توزيعه"},
    "col_received": {"en": "Received", "ar": "تم استلامه"},
    "col_gap": {"en": "Gap", "ar": "الفجوة"},
    "col_coverage": {"en": "Coverage", "ar": "نسبة التغطية"},
    "sector_food": {"en": "Food", "ar": "الغذاء"},
    "sector_water": {"en": "Water", "ar": "المياه"},
    "sector_health": {"en": "Health", "ar": "الصحة"},
    "sector_shelter": {"en": "Shelter", "ar": "المأوى"},
    "shelter_need": {
        "en": "Shelter need: people arriving through the corridors in the period; items as "
        "recorded.",
        "ar": "احتياج المأوى: الأشخاص الواصلون عبر الممرات خلال الفترة؛ المواد كما سُجّلت.",
    },
    "need_note": {
        "en": "Needs: the plan's ration per person and day times the people estimated in the "
        "city over the period.",
        "ar": "الاحتياجات: حصة الشخص اليومية في الخطة مضروبة في عدد الأشخاص المقدَّر في المدينة "
        "خلال الفترة.",
    },
    "unit_t": {"en": "t", "ar": "طن"},
    "unit_m3": {"en": "m³", "ar": "م³"},
    "unit_kit": {"en": "kits", "ar": "عدة"},
    "unit_item": {"en": "items", "ar": "قطعة"},
    "unit_people": {"en": "people", "ar": "شخص"},
    "gaps_section": {"en": "Gaps", "ar": "الفجوات"},
    "gap_sector": {
        "en": "{sector}: {distributed} of {need} {unit} distributed ({coverage}); gap {gap} "
        "{unit}.",
        "ar": "{sector}: وُزّع {distributed} من {need} {unit} ({coverage})؛ الفجوة {gap} {unit}.",
    },
    "gap_not_open": {
        "en": "Corridor {corridor} is {status}: {reason}.",
        "ar": "الممر {corridor} {status}: {reason}.",
    },
    "gap_was_not_open": {
        "en": "Corridor {corridor} was not open for {hours} h of the period.",
        "ar": "لم يكن الممر {corridor} مفتوحاً لمدة {hours} ساعة من الفترة.",
    },
    "gap_below_plan": {
        "en": "Corridor {corridor}: crossings at {share} of plan, below half.",
        "ar": "الممر {corridor}: العبور عند {share} من الخطة، أقل من النصف.",
    },
    "gap_low_cover": {
        "en": "{item}: {days} days of cover, below {threshold} days.",
        "ar": "{item}: {days} يوم من التغطية، أقل من {threshold} أيام.",
    },
    "no_gaps": {
        "en": "No gap found in the record for this period.",
        "ar": "لم تُرصد فجوات في السجل لهذه الفترة.",
    },
    "stocks_section": {"en": "Stocks and days of cover", "ar": "المخزون وأيام التغطية"},
    "col_item": {"en": "Item", "ar": "المادة"},
    "col_balance": {"en": "Stock", "ar": "المخزون"},
    "col_rate": {"en": "Distributed per day", "ar": "التوزيع اليومي"},
    "col_cover": {"en": "Days of cover", "ar": "أيام التغطية"},
    "col_plan_cover": {"en": "Plan: days of cover", "ar": "الخطة: أيام التغطية"},
    "col_stockout": {"en": "Plan: stock-out", "ar": "الخطة: نفاد المخزون"},
    "deliveries_title": {
        "en": "Deliveries received in the period",
        "ar": "الشحنات المستلمة خلال الفترة",
    },
    "col_quantity": {"en": "Quantity", "ar": "الكمية"},
    "col_deliveries": {"en": "Deliveries", "ar": "الشحنات"},
    "col_trucks": {"en": "Trucks", "ar": "الشاحنات"},
    "no_deliveries": {"en": "No delivery in the period.", "ar": "لا شحنات خلال الفترة."},
    "incidents_section": {"en": "Incidents", "ar": "الحوادث"},
    "col_time": {"en": "Time", "ar": "الوقت"},
    "col_type": {"en": "Type", "ar": "النوع"},
    "col_severity": {"en": "Severity", "ar": "الخطورة"},
    "no_incidents": {"en": "No incident in the period.", "ar": "لا حوادث خلال الفترة."},
    "incidents_note": {
        "en": "Places and descriptions are left out of this report; they are in the record.",
        "ar": "لا يذكر هذا التقرير الأماكن والأوصاف؛ فهي في سجل العملية.",
    },
    "sources_section": {"en": "Sources", "ar": "المصادر"},
    "origin_record": {"en": "Record", "ar": "سجل العملية"},
    "origin_plan": {"en": "Plan", "ar": "الخطة"},
    "sources_note": {
        "en": "Every figure comes from the operation's record (rows the lead organisation may "
        "see) or from the published plan; the numbers in brackets name its sources.",
        "ar": "كل رقم مأخوذ من سجل العملية (الصفوف التي يحق للمنظمة القائدة رؤيتها) أو من "
        "الخطة المنشورة؛ الأرقام بين قوسين تشير إلى مصادره.",
    },
    "suppression_note": {
        "en": "Counts of people from 1 to {small} are shown as <{k}; x hides a further count "
        "so that none can be recovered by subtraction.",
        "ar": "أعداد الأشخاص من 1 إلى {small} تظهر بصيغة <{k}؛ والرمز x يحجب عدداً آخر كي لا "
        "يمكن استنتاج أي منها بالطرح.",
    },
    "not_available": {"en": "n/a", "ar": "غير متوفر"},
    "generated": {
        "en": "Generated by safepassage on {value} from the record and the plan.",
        "ar": "أُعدّ بواسطة safepassage في {value} من سجل العملية والخطة.",
    },
}

_DIRECTIONS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "north",
        "north-east",
        "east",
        "south-east",
        "south",
        "south-west",
        "west",
        "north-west",
    ),
    "ar": ("شمال", "شمال شرق", "شرق", "جنوب شرق", "جنوب", "جنوب غرب", "غرب", "شمال غرب"),
}

_GROUPS: dict[str, dict[Lang, str]] = {
    "mobility_impaired": {"en": "people with reduced mobility", "ar": "ذوي الحركة المحدودة"},
    "general": {"en": "everyone", "ar": "الجميع"},
    "wounded": {"en": "the wounded", "ar": "الجرحى"},
    "children": {"en": "children", "ar": "الأطفال"},
    "elderly": {"en": "older people", "ar": "كبار السن"},
}

_STATUS: dict[CorridorStatus, dict[Lang, str]] = {
    CorridorStatus.OPEN: {"en": "open", "ar": "مفتوح"},
    CorridorStatus.SUSPENDED: {"en": "suspended", "ar": "معلّق"},
    CorridorStatus.CLOSED: {"en": "closed", "ar": "مغلق"},
}


_ITEMS: dict[str, dict[Lang, str]] = {
    "cereal": {"en": "cereal", "ar": "حبوب"},
    "pulses": {"en": "pulses", "ar": "بقول"},
    "oil": {"en": "vegetable oil", "ar": "زيت نباتي"},
    "fortified_blended_food": {"en": "fortified blended food", "ar": "أغذية مدعّمة مخلوطة"},
    "sugar": {"en": "sugar", "ar": "سكر"},
    "salt": {"en": "salt", "ar": "ملح"},
    "food_basket": {"en": "food basket", "ar": "سلة غذائية"},
    "water": {"en": "water", "ar": "مياه"},
    "medical_kit": {"en": "medical kits", "ar": "عدد طبية"},
    "fuel": {"en": "fuel", "ar": "وقود"},
}

_INCIDENTS: dict[str, dict[Lang, str]] = {
    "shelling": {"en": "shelling", "ar": "قصف"},
    "gunfire": {"en": "gunfire", "ar": "إطلاق نار"},
    "checkpoint": {"en": "checkpoint", "ar": "حاجز"},
    "road_blocked": {"en": "road blocked", "ar": "طريق مقطوع"},
    "crowd": {"en": "crowding", "ar": "ازدحام"},
    "medical": {"en": "medical", "ar": "طبي"},
    "accident": {"en": "accident", "ar": "حادث"},
    "other": {"en": "other", "ar": "أخرى"},
}

_SEVERITIES: dict[str, dict[Lang, str]] = {
    "low": {"en": "low", "ar": "منخفضة"},
    "medium": {"en": "medium", "ar": "متوسطة"},
    "high": {"en": "high", "ar": "عالية"},
    "critical": {"en": "critical", "ar": "حرجة"},
}


def _label(table: dict[str, dict[Lang, str]], lang: Lang, key: str) -> str:
    known = table.get(key)
    return known[lang] if known else key.replace("_", " ")


def item_label(lang: Lang, item: str) -> str:
    """A stock item's name (a commodity of ``model/stocks.py``); else as written."""
    return _label(_ITEMS, lang, item)


def incident_label(lang: Lang, kind: str) -> str:
    return _label(_INCIDENTS, lang, kind)


def severity_label(lang: Lang, severity: str) -> str:
    return _label(_SEVERITIES, lang, severity)


def parse_langs(value: str, *, option: str = "--lang") -> list[Lang]:
    """``"ar,en"`` as a list of languages; an unknown one is a :class:`SafepassageError`."""
    langs: list[Lang] = []
    for item in (part.strip().lower() for part in value.split(",")):
        if item not in LANGS:
            msg = f"{option} {value!r}: unknown language {item!r}; use {' or '.join(LANGS)}"
            raise SafepassageError(msg)
        if item not in langs:
            langs.append(item)  # checked against LANGS above
    return langs


def text(lang: Lang, key: str, **values: object) -> str:
    """The wording ``key`` in ``lang`` with ``values`` filled in."""
    return _TEXT[key][lang].format(**values) if values else _TEXT[key][lang]


def direction(lang: Lang, bearing_deg: float) -> str:
    """Compass word (8 points) for a bearing clockwise from north."""
    return _DIRECTIONS[lang][round((bearing_deg % 360) / 45.0) % 8]


def group_label(lang: Lang, group_id: str) -> str:
    """How a leaflet names a group; an unknown id is shown as written (underscores as spaces)."""
    known = _GROUPS.get(group_id)
    return known[lang] if known else group_id.replace("_", " ")


def status_label(lang: Lang, status: CorridorStatus) -> str:
    return _STATUS[status][lang]


def windows_text(corridor: Corridor, lang: Lang) -> str:
    """Opening hours as one line: "every day 06:00-18:00" or the local intervals."""
    windows = corridor.windows
    if windows.daily:
        spans = text(lang, "and").join(text(lang, "span", a=a, b=b) for a, b in windows.daily)
        return text(lang, "daily", value=spans)
    return text(lang, "and").join(
        text(lang, "span", a=f"{a:%Y-%m-%d %H:%M}", b=f"{b:%Y-%m-%d %H:%M}")
        for a, b in windows.intervals
    )

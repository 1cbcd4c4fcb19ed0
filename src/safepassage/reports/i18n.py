"""English and Arabic wording of the map and the leaflets.

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
    "parse_langs",
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

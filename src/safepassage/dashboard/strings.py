"""English and Arabic wording of the dashboard, side by side.

The page receives both languages at once (inline JSON) and switches without a reload. Arabic is
simple Modern Standard Arabic with Western digits, as in ``reports/i18n.py``; corridor, district
and commodity names come from the plan as written there. Have a native speaker read these strings
before an operation uses them.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["LANGS", "STRINGS", "Lang", "strings_for_page"]

Lang = Literal["en", "ar"]
LANGS: tuple[Lang, ...] = get_args(Lang)

STRINGS: dict[str, dict[Lang, str]] = {
    "title": {"en": "Operation dashboard", "ar": "لوحة متابعة العملية"},
    "restricted": {
        "en": "Restricted: for operational staff. It shows planned flows, live counts and "
        "service locations.",
        "ar": "مقيّد: للعاملين في العملية فقط. تبيّن التدفقات المخطط لها والأعداد الحالية "
        "ومواقع الخدمات.",
    },
    "note": {
        "en": "Plans are options with their capacity, not orders: leaving is voluntary.",
        "ar": "الخطط خيارات بحسب قدرتها الاستيعابية، وليست أوامر: المغادرة طوعية.",
    },
    "token_prompt": {
        "en": "API token (from `safepassage users create`; a viewer token is enough)",
        "ar": "رمز الدخول (من الأمر safepassage users create؛ يكفي رمز مشاهد)",
    },
    "sign_in": {"en": "Open the dashboard", "ar": "افتح اللوحة"},
    "sign_out": {"en": "Sign out", "ar": "خروج"},
    "token_rejected": {
        "en": "The token was not accepted. Check it or ask your organisation's admin.",
        "ar": "لم يُقبل الرمز. تحقّق منه أو اطلب رمزاً من مسؤول منظمتك.",
    },
    "operation": {"en": "Operation", "ar": "العملية"},
    "no_operations": {
        "en": "Your organisation takes part in no operation yet.",
        "ar": "لا تشارك منظمتك في أي عملية بعد.",
    },
    "no_plan": {
        "en": "No plan has been published for this operation: the record only.",
        "ar": "لم تُنشر خطة لهذه العملية بعد: السجل فقط.",
    },
    "as_of": {"en": "As of", "ar": "حتى"},
    "live": {"en": "live", "ar": "مباشر"},
    "offline": {"en": "connection lost, retrying", "ar": "انقطع الاتصال، إعادة المحاولة"},
    "updated": {"en": "updated", "ar": "حُدّث"},
    "language": {"en": "عربي", "ar": "English"},
    # key figures
    "kpi_population": {"en": "People in the city at the start", "ar": "السكان في بداية العملية"},
    "kpi_crossed": {"en": "Crossed (recorded)", "ar": "عبروا (مسجّل)"},
    "kpi_crossed_plan": {"en": "plan by now: {value}", "ar": "المخطط حتى الآن: {value}"},
    "kpi_inside": {"en": "Still inside (est.)", "ar": "ما زالوا في الداخل (تقدير)"},
    "kpi_open": {"en": "Corridors open", "ar": "الممرات المفتوحة"},
    "kpi_alerts": {"en": "Alerts", "ar": "التنبيهات"},
    # map
    "map": {"en": "Map", "ar": "الخريطة"},
    "map_hint": {
        "en": "Click a corridor for its hourly crossings against the plan.",
        "ar": "انقر على ممر لترى العبور في كل ساعة مقارنة بالخطة.",
    },
    "closed_streets": {"en": "Closed streets", "ar": "شوارع مغلقة"},
    "districts": {"en": "Districts (people remaining, est.)", "ar": "الأحياء (المتبقون، تقدير)"},
    "district_hover": {
        "en": "{name}: about {remaining} of {people} people remaining (plan: {planned})",
        "ar": "{name}: نحو {remaining} من {people} شخص ما زالوا (الخطة: {planned})",
    },
    "hazards": {"en": "Hazards", "ar": "المخاطر"},
    "flow_class": {
        "en": "Planned flow ≥ {people} people",
        "ar": "التدفق المخطط ≥ {people} شخص",
    },
    "routes": {
        "en": "Routes (dot: district → corridor, size: people)",
        "ar": "المسارات (نقطة: حي ← ممر، الحجم: عدد الأشخاص)",
    },
    "route_hover": {
        "en": "{area} → {corridor}: {people} people planned, {km} km",
        "ar": "{area} ← {corridor}: {people} شخص مخطط، {km} كم",
    },
    "distribution_points": {"en": "Distribution points", "ar": "نقاط التوزيع"},
    "services": {"en": "Services", "ar": "الخدمات"},
    "incidents": {"en": "Incidents", "ar": "الحوادث"},
    "corridors": {"en": "Corridors", "ar": "الممرات"},
    "corridor_label": {
        "en": "{name}<br>{pph}/h · queue {queue}",
        "ar": "{name}<br>{pph}/س · طابور {queue}",
    },
    "corridor_hover": {
        "en": "<b>{name}</b> ({code}): {status}<br>throughput {pph} people/hour<br>"
        "crossed {actual} (plan {planned})<br>last hour {last}<br>"
        "queue about {queue} (planned arrivals − recorded crossings)",
        "ar": "<b>{name}</b> ({code}): {status}<br>الاستيعاب {pph} شخص/ساعة<br>"
        "عبر {actual} (الخطة {planned})<br>آخر ساعة {last}<br>"
        "الطابور نحو {queue} (الوصول المخطط − العبور المسجل)",
    },
    "status_open": {"en": "open", "ar": "مفتوح"},
    "status_suspended": {"en": "suspended", "ar": "معلّق"},
    "status_closed": {"en": "closed", "ar": "مغلق"},
    "status_unknown": {"en": "status not shared", "ar": "الحالة غير متاحة"},
    "severity_low": {"en": "low", "ar": "منخفضة"},
    "severity_medium": {"en": "medium", "ar": "متوسطة"},
    "severity_high": {"en": "high", "ar": "عالية"},
    "severity_critical": {"en": "critical", "ar": "حرجة"},
    "incident_hover": {
        "en": "{time}: {type} ({severity}) {place}",
        "ar": "{time}: {type} ({severity}) {place}",
    },
    "attribution": {
        "en": "© OpenStreetMap contributors (ODbL)",
        "ar": "© OpenStreetMap contributors (ODbL)",
    },
    # charts
    "chart_crossings": {
        "en": "Crossings per corridor per hour: recorded (solid) and plan (dotted)",
        "ar": "العبور لكل ممر في الساعة: المسجّل (خط متصل) والخطة (خط منقّط)",
    },
    "chart_corridor": {
        "en": "{name}: crossings per hour, recorded and plan",
        "ar": "{name}: العبور في كل ساعة، المسجّل والخطة",
    },
    "chart_inside": {"en": "People still inside", "ar": "الأشخاص الذين ما زالوا في الداخل"},
    "chart_stock": {
        "en": "Stocks: plan forecast (median, P10–P90 band) and recorded balance",
        "ar": "المخزون: توقع الخطة (الوسيط ونطاق P10–P90) والرصيد المسجّل",
    },
    "chart_alerts": {"en": "Alerts", "ar": "التنبيهات"},
    "no_alerts": {"en": "No alerts.", "ar": "لا توجد تنبيهات."},
    "no_stock": {
        "en": "No relief forecast in the plan and no stock recorded.",
        "ar": "لا يوجد توقع للإغاثة في الخطة ولا مخزون مسجّل.",
    },
    "recorded": {"en": "recorded", "ar": "مسجّل"},
    "plan": {"en": "plan", "ar": "الخطة"},
    "plan_series": {"en": "{name} (plan)", "ar": "{name} (الخطة)"},
    "recorded_series": {"en": "{name} (recorded)", "ar": "{name} (مسجّل)"},
    "inside_plan": {"en": "plan", "ar": "الخطة"},
    "inside_actual": {
        "en": "population − recorded crossings",
        "ar": "السكان − العبور المسجّل",
    },
    "people_per_hour": {"en": "people per hour", "ar": "شخص في الساعة"},
    "people": {"en": "people", "ar": "شخص"},
    "now": {"en": "as of", "ar": "حتى"},
    "band": {"en": "P10–P90", "ar": "P10–P90"},
    "median": {"en": "P50", "ar": "P50"},
    "cover": {
        "en": "{commodity} ({unit}): {plan} days of cover in the plan, {recorded} recorded",
        "ar": "{commodity} ({unit}): {plan} يوم تغطية في الخطة، {recorded} مسجّل",
    },
    "unknown": {"en": "–", "ar": "–"},
    "close": {"en": "Close", "ar": "إغلاق"},
    "alert_low_cover": {"en": "Low days of cover", "ar": "أيام تغطية قليلة"},
    "alert_below_plan": {"en": "Crossings below plan", "ar": "العبور أقل من الخطة"},
    "alert_incident_near_corridor": {
        "en": "Incident near a corridor",
        "ar": "حادث قرب ممر",
    },
    "alert_incident_near_route": {
        "en": "Incident near a planned route",
        "ar": "حادث قرب مسار مخطط",
    },
}


def strings_for_page() -> dict[Lang, dict[str, str]]:
    """Every string by language, as the page's inline JSON holds them."""
    return {lang: {key: value[lang] for key, value in STRINGS.items()} for lang in LANGS}

"""Local clock times of the plan's elapsed minutes, right across daylight-saving changes.

Adding a ``timedelta`` to an aware ``datetime`` with a ``ZoneInfo`` adds wall-clock time: on the
night the clocks go forward, ``02:00+01:00`` plus 3 hours reads ``05:00+02:00``, 4 hours after.
The plan counts elapsed minutes, so the sum is done in UTC and shown in the local zone.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["local_after"]


def local_after(start: dt.datetime, *, minutes: float = 0.0, hours: float = 0.0) -> dt.datetime:
    """The local time ``minutes`` + ``hours`` of elapsed time after the aware ``start``."""
    elapsed = dt.timedelta(minutes=minutes, hours=hours)
    return (start.astimezone(dt.UTC) + elapsed).astimezone(start.tzinfo)

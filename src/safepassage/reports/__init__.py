"""Reports for people without the service: a self-contained HTML map and leaflets for residents.

Reports read the scenario and a plan folder; they import from ``model``, ``planning`` and ``io``,
never the reverse. Nothing they write fetches anything from the network when opened.
"""

__all__: list[str] = []

"""safepassage: plan, run and report a humanitarian evacuation-and-relief operation.

People are recorded as aggregate counts, never as named individuals. Plans are options with their
capacity, never movement orders: leaving is voluntary.
"""

__version__ = "0.1.0"

OSM_ATTRIBUTION = (
    "© OpenStreetMap contributors, data available under the Open Database License (ODbL)"
)

__all__ = ["OSM_ATTRIBUTION", "__version__"]

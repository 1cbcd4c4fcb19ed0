"""One router per resource; each route is thin over ``storage``."""

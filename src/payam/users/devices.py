"""A readable name for the device behind a session, from its User-Agent header.

``describe_device`` asks ua-parser (the Browserscope/uap-core rules, kept current by the
``ua-parser-builtins`` package) for the browser and the operating system and answers
"Chrome on Windows", "Mobile Safari on iOS", "Firefox" or "Android". A header it does not
recognise (an unknown app, a script) has no name: ``None``, and the raw header is shown instead.
"""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse


@lru_cache(maxsize=1024)
def describe_device(user_agent: str | None) -> str | None:
    if not user_agent:
        return None
    parsed = parse(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.os.family if parsed.os else None
    if browser and system:
        return f"{browser} on {system}"
    return browser or system

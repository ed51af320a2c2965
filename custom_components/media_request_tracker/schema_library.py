"""The schema library of the running Home Assistant, for every schema this integration builds.

Home Assistant 2026.9 replaced voluptuous with probatio, a reimplementation with the same API,
and types its flow helpers (`async_show_form`'s `data_schema`, `section`) with probatio's
classes; it aliases `voluptuous` to probatio at start, so either import works at run time
(developers.home-assistant.io, "Probatio is our validation engine", 2026-09-30). Older releases
ship voluptuous and serialise forms with isinstance checks against its classes, so probatio's
own classes would break their forms there. Hence: probatio where Home Assistant has it,
voluptuous before. Neither is a requirement of ours (manifest.json): Home Assistant itself
provides the one it validates with.
"""

try:
    import probatio as vol  # Home Assistant 2026.9 and newer
except ImportError:  # Home Assistant before 2026.9
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]

__all__ = ["vol"]

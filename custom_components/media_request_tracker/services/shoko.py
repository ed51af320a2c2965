"""Shoko Server: SignalR event frames (file matching) and the API key check.

Shoko has no webhooks; its events are SignalR invocation frames (`{"type": 1, "target":
"ShokoEvent:FileMatched", "arguments": [{...}]}`, PAYLOADS.md §4). Our Shoko webhook accepts the same
frames. Matching anime files to requests is not built yet: frames are validated and acknowledged.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import voluptuous as vol

from .api import JsonApiClient, PayloadError
from .schema import ParsedWebhook, object_schema

FRAME_SCHEMA = object_schema(
    {
        vol.Required("type"): int,
        vol.Optional("target"): vol.All(str, vol.Length(max=128)),
        vol.Optional("arguments"): list,
    }
)


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Validate one frame or a list of frames and acknowledge them."""
    frames = payload if isinstance(payload, list) else [payload]
    if not frames:
        raise PayloadError("no SignalR frames")
    targets = []
    for frame in frames:
        if not isinstance(frame, dict):
            raise PayloadError("a frame must be a JSON object")
        try:
            target = FRAME_SCHEMA(frame).get("target")
        except vol.Invalid as err:
            raise PayloadError(f"invalid frame: {err.error_message}"[:200]) from err
        if target:
            targets.append(target)
    return ParsedWebhook.ignored(", ".join(targets) or "frames")


class ShokoClient(JsonApiClient):
    """The Shoko Server API, used to check the URL and API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to Shoko at `url`; the key goes in the `apikey` header Shoko reads."""
        super().__init__(session, url, {"apikey": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/ImportFolder`, which needs a valid API key."""
        await self.get_json("/api/v3/ImportFolder")

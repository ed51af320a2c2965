"""The logbook's words for the integration's events (its `logbook` platform).

The platform is asked as the logbook asks it: `async_describe_events` registers a describer per
event type, and the logbook calls it with each stored event (here, events the webhooks fired).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker import logbook
from custom_components.media_request_tracker.const import (
    DOMAIN,
    EVENT_STATE_CHANGED,
    EVENT_STUCK,
)

from . import ARRIVAL_ENTITY, load_fixture, post_webhook

Describer = Callable[[Any], dict[str, Any]]


def describers(hass: HomeAssistant) -> dict[str, Describer]:
    """Return the describer the platform registers for each event type of ours."""
    found: dict[str, Describer] = {}

    def register(domain: str, event_type: str, describe: Describer) -> None:
        assert domain == DOMAIN
        found[event_type] = describe

    logbook.async_describe_events(hass, register)
    return found


def described(hass: HomeAssistant, event: Event) -> dict[str, Any]:
    """Return the logbook entry of a fired event (its data, as the logbook reads it)."""
    return describers(hass)[event.event_type](SimpleNamespace(data=event.data))


async def test_each_transition_reads_as_a_sentence_with_the_requester(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    fired = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    pending: dict[str, Any] = load_fixture("seerr_movie_pending.json")
    for kind in ("MEDIA_PENDING", "MEDIA_FAILED"):
        await post_webhook(client, "jellyseerr", pending | {"notification_type": kind})
    await hass.async_block_till_done()

    entries = [described(hass, event) for event in fired]
    assert entries == [
        {
            "name": "Arrival",
            "message": "was requested, requested by carol",
            "entity_id": ARRIVAL_ENTITY,
        },
        {
            "name": "Arrival",
            "message": "failed: Jellyseerr reports that processing the request failed, "
            "requested by carol",
            "entity_id": ARRIVAL_ENTITY,
        },
    ]


def test_a_stuck_flag_gives_its_reason_and_unknown_texts_stay_readable(
    hass: HomeAssistant,
) -> None:
    describe = describers(hass)
    stuck = SimpleNamespace(
        data={"title": "Arrival", "stuck_reason": "no data downloaded for 30 min", "entity_id": "x"}
    )
    assert describe[EVENT_STUCK](stuck)["message"] == "is stuck: no data downloaded for 30 min"
    assert describe[EVENT_STUCK](SimpleNamespace(data={}))["message"] == "is stuck"
    moved = describe[EVENT_STATE_CHANGED](SimpleNamespace(data={"to_state": "later"}))
    assert moved == {"name": "A media request", "message": "moved to later", "entity_id": None}
    long = describe[EVENT_STATE_CHANGED](
        SimpleNamespace(data={"title": "x" * 1000, "to_state": "available"})
    )
    assert len(long["name"]) < 300
    assert long["name"].endswith("…")

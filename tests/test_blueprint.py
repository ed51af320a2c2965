"""The notification blueprint, imported as Home Assistant imports it and run on real outcomes.

The file is copied into a config dir's `blueprints/automation/`, an automation uses it with
its inputs (Home Assistant's own blueprint schema validates both), and a request's outcome,
posted as Seerr's webhook, calls the chosen notify action.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from . import load_fixture, post_webhook

BLUEPRINT = Path(__file__).parents[1] / "blueprints/automation/media_request_tracker/notify.yaml"
OUTCOME_ENTITY = "event.media_request_tracker_request_outcome"


async def set_up_blueprint(hass: HomeAssistant, tmp_path: Path, **inputs: Any) -> list[ServiceCall]:
    """Install the blueprint, make an automation of it, and return the notify calls."""
    target = tmp_path / "blueprints/automation/media_request_tracker/notify.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    hass.config.config_dir = str(tmp_path)
    calls = async_mock_service(hass, "notify", "phone")
    config = {
        "automation": {
            "id": "request_outcomes",
            "alias": "Request outcomes",
            "use_blueprint": {
                "path": "media_request_tracker/notify.yaml",
                "input": {"outcome_entity": OUTCOME_ENTITY, "notify_action": "notify.phone"}
                | inputs,
            },
        }
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    assert hass.states.get("automation.request_outcomes") is not None
    return calls


async def outcome(hass: HomeAssistant, client: Any, notification: str) -> None:
    """Post Seerr's notification of Arrival's request 12 (pending first)."""
    pending: dict[str, Any] = load_fixture("seerr_movie_pending.json")
    for kind in ("MEDIA_PENDING", notification):
        assert await post_webhook(client, "jellyseerr", pending | {"notification_type": kind})
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("notification", "title", "message"),
    [
        (
            "MEDIA_FAILED",
            "Arrival failed",
            "Jellyseerr reports that processing the request failed (requested by carol)",
        ),
    ],
)
async def test_an_outcome_chosen_is_notified_with_its_reason(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
    notification: str,
    title: str,
    message: str,
) -> None:
    calls = await set_up_blueprint(hass, tmp_path)
    await outcome(hass, await hass_client_no_auth(), notification)
    assert [(call.data["title"], " ".join(call.data["message"].split())) for call in calls] == [
        (title, message)
    ]


async def test_an_outcome_not_chosen_is_not_notified(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    """Declined is not among the defaults (available, failed, stuck)."""
    calls = await set_up_blueprint(hass, tmp_path)
    await outcome(hass, await hass_client_no_auth(), "MEDIA_DECLINED")
    assert calls == []


async def test_declined_when_chosen(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    calls = await set_up_blueprint(hass, tmp_path, outcomes=["declined"])
    await outcome(hass, await hass_client_no_auth(), "MEDIA_DECLINED")
    assert [call.data["title"] for call in calls] == ["Arrival was declined"]
    assert " ".join(calls[0].data["message"].split()) == "Arrival was declined (requested by carol)"

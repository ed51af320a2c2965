"""Webhooks that never arrive: the services' own records make the flow end as if they had.

Each of the four flows is run straight through, then disturbed, and the outcome compared: the
sensor's state and attributes and the stored request (times apart). Two disturbances:

- **lost**: one webhook in turn is never delivered (the sender believes it was); the service's
  history (or Seerr's request list) records it, and the next periodic reading, 15 minutes
  later, applies it;
- **down**: Home Assistant is stopped while each webhook is sent and started again after it;
  the start-up reading applies what the service recorded meanwhile.

Radarr, Sonarr and Seerr keep records; Shoko keeps none of the events it streams, so Shoko's
events are always delivered here (its gap is covered by Jellyfin's check, without Shoko ids).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests import JELLYFIN_URL, SHOKO_WEBHOOK_ID, WEBHOOK_IDS, advance, sensor, wait_for_readings
from tests.helpers.flow_steps import FLOWS, comparable, mock_stack
from tests.helpers.service_records import ServiceRecords

SERVICE_OF = {webhook_id: service for service, webhook_id in WEBHOOK_IDS.items()} | {
    SHOKO_WEBHOOK_ID: "shoko"
}
OPTIONS = {"reconcile_minutes": 15, "backfill": True}
# The webhooks of each flow that a service keeps a record of (Seerr, Radarr, Sonarr).
RECORDED = {"movie": 4, "tv": 3, "anime_movie": 3, "anime_tv": 14}


class Undelivered:
    """What the sender saw of a webhook that never reached the integration: a 200."""

    status = 200

    async def text(self) -> str:
        """Return the empty body."""
        return ""


class ServicesBetween:
    """Stands for the services posting webhooks: each is recorded, then delivered or not."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: ClientSessionGenerator,
        aioclient_mock: AiohttpClientMocker,
        freezer: FrozenDateTimeFactory,
        *,
        lose: int | None = None,
        down: bool = False,
    ) -> None:
        """Lose the webhook numbered `lose` (from 0), or stop Home Assistant for every one."""
        self.hass, self._mock, self._freezer = hass, aioclient_mock, freezer
        self._client_of = client
        self._client: TestClient | None = None
        self.records = ServiceRecords()
        self.entry: MockConfigEntry | None = None
        self._lose, self._down = lose, down
        self.sent = 0

    def answer_records(self) -> None:
        """Answer the services' record endpoints (and Jellyfin, if nothing else does)."""
        self.records.mock(self._mock)
        self._mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [], "TotalRecordCount": 0})

    async def _deliver(self, url: str, json: Any) -> Any:
        if self._client is None:
            self._client = await self._client_of()
        return await self._client.post(url, json=json)

    async def post(self, url: str, json: Any = None, **_: Any) -> Any:
        """Send a webhook as its service would."""
        if not self.records.record(SERVICE_OF[url.rsplit("/", 1)[1]], json):
            return await self._deliver(url, json)
        number, self.sent = self.sent, self.sent + 1
        assert self.entry is not None
        if self._down:
            assert await self.hass.config_entries.async_unload(self.entry.entry_id)
            await self.hass.async_block_till_done()
            self.answer_records()
            assert await self.hass.config_entries.async_setup(self.entry.entry_id)
            await wait_for_readings(self.hass)
            return Undelivered()
        if number == self._lose:
            self.answer_records()
            await advance(self.hass, self._freezer, timedelta(minutes=15))
            await wait_for_readings(self.hass)
            return Undelivered()
        return await self._deliver(url, json)


async def run(
    hass: HomeAssistant,
    services: ServicesBetween,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    flow: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a flow through `services`; return its comparable attributes and stored request."""
    case = FLOWS[flow]
    entry = MockConfigEntry(
        domain="media_request_tracker",
        title="Media Request Tracker",
        data=case.data,
        options=OPTIONS,
    )
    services.entry = entry
    mock_stack(aioclient_mock, [], shoko="shoko" in case.data)
    services.answer_records()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_readings(hass)
    for step in case.steps(hass, services, aioclient_mock, freezer):
        await step()
        await hass.async_block_till_done()
    assert services.sent == RECORDED[flow]
    state = sensor(hass, case.entity_id)
    assert state.state == "available"
    (request,) = entry.runtime_data.coordinator.tracker.requests.values()
    result = comparable(dict(state.attributes)), comparable(request.to_dict())
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    return result


CASES = [
    pytest.param(flow, lose, id=f"{flow}-lose-{lose + 1}-of-{count}")
    for flow, count in RECORDED.items()
    for lose in range(count)
] + [pytest.param(flow, None, id=f"{flow}-down-at-every-webhook") for flow in RECORDED]


@pytest.mark.parametrize(("flow", "lose"), CASES)
async def test_a_lost_webhook_or_a_stopped_home_assistant_changes_nothing(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    flow: str,
    lose: int | None,
) -> None:
    """The flow with a webhook lost (or Home Assistant down for each) ends as the straight one."""
    client = hass_client_no_auth
    straight = await run(
        hass, ServicesBetween(hass, client, aioclient_mock, freezer), aioclient_mock, freezer, flow
    )
    disturbed = ServicesBetween(hass, client, aioclient_mock, freezer, lose=lose, down=lose is None)
    assert await run(hass, disturbed, aioclient_mock, freezer, flow) == straight

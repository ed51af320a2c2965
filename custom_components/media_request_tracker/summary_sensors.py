"""The stack's summary sensors: what its requests amount to, and how long they take.

Requests under way, stuck, downloading (and the download speed), available in the last 7 days,
and how long a movie or a series takes from approval to available (median and 90th
percentile). Each is written when a request of its stack changed (one signal per batch of changes), and the
ones that depend on the time (the last 7 and 30 days) once an hour too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfDataRate, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from . import summary
from .coordinator import MediaRequestCoordinator
from .entity import MediaRequestEntity, summary_signal
from .tracker import MediaType, Tracker

# How often the figures over the last days are brought up to date without any change.
CLOCK_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class SummaryDescription(SensorEntityDescription):
    """A summary figure: its value and attributes from the tracker at a time."""

    value: Callable[[Tracker, datetime], float | int | None]
    attributes: Callable[[Tracker, datetime], dict[str, Any]] | None = None
    # Whether the figure moves with the clock (a window of days), not only with changes.
    timed: bool = False


def _counts(tracker: Tracker, _now: datetime) -> dict[str, Any]:
    return {"states": summary.state_counts(summary.active(tracker))}


def _stuck_titles(tracker: Tracker, _now: datetime) -> dict[str, Any]:
    return {"titles": [request.display_name for request in summary.stuck(tracker)][:20]}


def _time_description(media_type: MediaType, statistic: str) -> SummaryDescription:
    figure = summary.median_hours if statistic == "median" else summary.p90_hours
    return SummaryDescription(
        key=f"{media_type.value}_time_{statistic}",
        translation_key=f"{media_type.value}_time_{statistic}",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value=lambda tracker, now: figure(summary.durations(tracker, media_type, now)),
        attributes=lambda tracker, now: {
            "requests": len(summary.durations(tracker, media_type, now))
        },
        timed=True,
    )


SUMMARIES: tuple[SummaryDescription, ...] = (
    SummaryDescription(
        key="active_requests",
        translation_key="active_requests",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda tracker, _now: len(summary.active(tracker)),
        attributes=_counts,
    ),
    SummaryDescription(
        key="stuck_requests",
        translation_key="stuck_requests",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda tracker, _now: len(summary.stuck(tracker)),
        attributes=_stuck_titles,
    ),
    SummaryDescription(
        key="downloading",
        translation_key="downloading",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda tracker, _now: len(summary.downloading(tracker)),
    ),
    SummaryDescription(
        key="download_speed",
        translation_key="download_speed",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEGABYTES_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda tracker, _now: summary.download_speed(tracker),
    ),
    SummaryDescription(
        key="available_last_7_days",
        translation_key="available_last_7_days",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda tracker, now: len(summary.available_since(tracker, now - summary.RECENT)),
        timed=True,
    ),
    *(
        _time_description(media_type, statistic)
        for media_type in MediaType
        for statistic in ("median", "p90")
    ),
)


class SummarySensor(MediaRequestEntity, SensorEntity):
    """One figure of the stack's requests."""

    entity_description: SummaryDescription

    def __init__(
        self, coordinator: MediaRequestCoordinator, description: SummaryDescription
    ) -> None:
        """Show `description`'s figure of the coordinator's requests."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}-summary-{description.key}"
        self._shown_attributes: dict[str, Any] | None = None

    async def async_added_to_hass(self) -> None:
        """Write the figure whenever a request changed (and hourly, for a window of days)."""
        await super().async_added_to_hass()
        entry_id = self.coordinator.config_entry.entry_id
        self.async_on_remove(
            async_dispatcher_connect(self.hass, summary_signal(entry_id), self._refresh)
        )
        if self.entity_description.timed:
            self.async_on_remove(
                async_track_time_interval(self.hass, self._refresh, CLOCK_INTERVAL)
            )
        self._figure()

    def _figure(self) -> bool:
        """Work the figure out now; return whether it differs from the one shown."""
        tracker, now = self.coordinator.tracker, dt_util.utcnow()
        description = self.entity_description
        value = description.value(tracker, now)
        attributes = description.attributes(tracker, now) if description.attributes else None
        changed = (value, attributes) != (self._attr_native_value, self._shown_attributes)
        self._attr_native_value, self._shown_attributes = value, attributes
        return changed

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the figure's details (counts per state, stuck titles, requests counted)."""
        return self._shown_attributes

    @callback
    def _refresh(self, _now: datetime | None = None) -> None:
        """Write the figure if it moved (a poll that moved one download moves few figures)."""
        if self._figure():
            self.async_write_ha_state()

"""One place that maps what the service clients raise to what Home Assistant expects."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from contextlib import contextmanager

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import UpdateFailed

from .clients.api import CannotConnect, InvalidAuth, ServiceError
from .const import DOMAIN, LOGGER
from .tracker.printable import printable


@contextmanager
def polling_errors(service: str) -> Iterator[None]:
    """Turn a refused login into re-authentication and an outage into a failed update."""
    try:
        yield
    except InvalidAuth as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key=f"{service}_auth_failed"
        ) from err
    except CannotConnect as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=f"{service}_unreachable",
            translation_placeholders={"error": str(err)},
        ) from err


async def best_effort[T](call: Awaitable[T], failure: str) -> T | None:
    """Return what a call that may fail returns, or None (logged at debug level) if it fails.

    `failure` is the log message, with one %s for the error.
    """
    try:
        return await call
    except ServiceError as err:
        LOGGER.debug(failure, printable(err))
        return None


class Reachability:
    """Logs once when a service is lost and once when it is back."""

    def __init__(self, service: str) -> None:
        """Follow `service`, reachable until a call fails."""
        self.service = service
        self.reachable = True

    def lost(self, err: ServiceError) -> None:
        """A call failed: say so, the first time."""
        if self.reachable:
            LOGGER.info("%s cannot be reached, retrying later: %s", self.service, printable(err))
            self.reachable = False

    def back(self) -> None:
        """A call worked: say so, if the service was lost."""
        if not self.reachable:
            LOGGER.info("%s can be reached again", self.service)
            self.reachable = True

"""What every service client shares: errors, JSON over HTTP on an injected aiohttp session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import aiohttp
from homeassistant.util.json import json_loads

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


class ServiceError(Exception):
    """A service could not be used."""


class CannotConnect(ServiceError):
    """The service did not answer, or answered with something we cannot use."""


class InvalidAuth(ServiceError):
    """The service refused our credentials."""


class PayloadError(ValueError):
    """A webhook body cannot be used; the message is the short reason sent back to the sender."""


class JsonApiClient:
    """A small JSON client for one service, on a session the caller owns."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, headers: Mapping[str, str]
    ) -> None:
        """Bind to the service at `url`, sending `headers` (its credentials) on every call."""
        self._session = session
        self.url = url.rstrip("/")
        self._headers = dict(headers)

    async def get_json(
        self, path: str, params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None
    ) -> Any:
        """GET `path` and return the decoded JSON; raise InvalidAuth or CannotConnect.

        `params` is the query: a mapping, or pairs where a key is repeated (`ids=1&ids=2`).
        """
        return await self._call("GET", path, params=params)

    async def post_json(self, path: str, body: Any) -> Any:
        """POST `body` as JSON to `path` and return the decoded answer (None if empty)."""
        return await self._call("POST", path, json=body)

    async def delete(
        self, path: str, params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None
    ) -> None:
        """DELETE `path` (with the query `params`); raise InvalidAuth or CannotConnect."""
        await self._call("DELETE", path, params=params)

    async def _call(self, method: str, path: str, **request: Any) -> Any:
        try:
            async with self._session.request(
                method,
                f"{self.url}{path}",
                headers=self._headers,
                timeout=REQUEST_TIMEOUT,
                **request,
            ) as response:
                if response.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                    raise InvalidAuth(f"HTTP {response.status}")
                if response.status >= HTTPStatus.BAD_REQUEST:
                    raise CannotConnect(f"HTTP {response.status}")
                if method != "GET" and not await response.read():
                    return None
                return await response.json(content_type=None, loads=json_loads)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnect(type(err).__name__) from err
        except ValueError as err:
            raise CannotConnect("invalid JSON") from err

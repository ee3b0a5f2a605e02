"""How accounts charges a match pass with the payment provider (payment.py's API).

One HTTP client with its own bounded timeout: a provider slower than
TIMEOUT_SECONDS answers the viewer 504, one that is down or failing 503, a
decline 402. The idempotency key is the booking's (viewer and event), so a
booking retried after a failure is never charged twice.
"""

from __future__ import annotations

import asyncio
import os

import aiohttp
from aiohttp import web

from .common import ServiceUnavailable

TIMEOUT_SECONDS = 2.0  # below the edge's 3 s read timeout: the 504 is ours, with its reason


def url_from_env() -> str:
    return os.environ.get("KICKOFF_PAYMENT_URL", "http://127.0.0.1:9501")


async def charge(app: web.Application, username: str, event: str, amount_cents: int) -> str:
    """The provider's charge id for this booking, or the HTTP error to answer with."""
    try:
        async with app["payment"].post(
                f"{app['payment_url']}/payments/charges",
                json={"amount_cents": amount_cents, "customer": username, "reference": event},
                headers={"Idempotency-Key": f"booking:{username}:{event}"}) as response:
            if response.status == 402:
                raise web.HTTPPaymentRequired(reason="payment declined")
            if response.status != 201:
                raise ServiceUnavailable(f"payment provider answered {response.status}")
            return (await response.json())["charge"]
    except asyncio.TimeoutError:
        raise web.HTTPGatewayTimeout(
            reason=f"payment provider slower than {TIMEOUT_SECONDS:g} s") from None
    except (aiohttp.ClientError, ValueError, KeyError) as error:
        raise ServiceUnavailable(f"payment provider unavailable: {error.__class__.__name__}") \
            from None


def attach(app: web.Application) -> None:
    """Give `app` its client of the payment provider."""

    async def lifecycle(app: web.Application):
        app["payment_url"] = url_from_env()
        app["payment"] = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
            connector=aiohttp.TCPConnector(limit=200))
        yield
        await app["payment"].close()

    app.cleanup_ctx.append(lifecycle)

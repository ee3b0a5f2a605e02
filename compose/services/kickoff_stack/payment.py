"""Payment: a stand-in for the external payment provider that match passes are paid with.

It behaves as a card provider's API does for a merchant:
- `POST /payments/charges {"amount_cents", "customer", "reference"}` with an
  `Idempotency-Key` header → 201 `{"charge", "amount_cents"}` after
  KICKOFF_PAYMENT_LATENCY seconds (default 0.15, a provider's usual answer time).
  The same key again answers the same charge: a retried booking is never charged twice.
- Declines (402 `{"error": "card declined"}`): every customer whose name contains
  "decline" (as a provider's test card that always declines), and a share
  KICKOFF_PAYMENT_DECLINE_RATIO (default 0) of the others, drawn from the
  idempotency key so that a retry gets the same answer.
It keeps no books beyond the last keys it answered; slowness, errors and cuts
are Toxiproxy's (link accounts-payment), not its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections import OrderedDict

from aiohttp import web

from .common import arg_parser, make_app, read_json_object, serve

REMEMBERED_KEYS = 100_000  # idempotency keys kept, oldest forgotten first
DECLINING_CUSTOMER = "decline"


def _declines(customer: str, key: str, ratio: float) -> bool:
    if DECLINING_CUSTOMER in customer:
        return True
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    return draw < ratio


def _charge_request(body: dict) -> tuple[int, str]:
    amount, customer = body.get("amount_cents"), body.get("customer")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise web.HTTPBadRequest(reason="field 'amount_cents' must be a positive integer")
    if not isinstance(customer, str) or not customer:
        raise web.HTTPBadRequest(reason="field 'customer' must be a non-empty string")
    return amount, customer


async def charge(request: web.Request) -> web.Response:
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        raise web.HTTPBadRequest(reason="an Idempotency-Key header is required")
    amount, customer = _charge_request(await read_json_object(request))
    await asyncio.sleep(request.app["latency"])
    if _declines(customer, key, request.app["decline_ratio"]):
        raise web.HTTPPaymentRequired(reason="card declined")
    charges: OrderedDict[str, str] = request.app["charges"]
    if key not in charges:
        charges[key] = f"ch_{secrets.token_hex(12)}"
        if len(charges) > REMEMBERED_KEYS:
            charges.popitem(last=False)
    return web.json_response({"charge": charges[key], "amount_cents": amount}, status=201)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": request.app["service"]})


def create_app(latency: float, decline_ratio: float, name: str = "payment") -> web.Application:
    app = make_app(name)
    app["latency"] = latency
    app["decline_ratio"] = decline_ratio
    app["charges"] = OrderedDict()
    app.router.add_post("/payments/charges", charge)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    args = arg_parser("kickoff payment: an external payment provider's stand-in").parse_args()
    latency = float(os.environ.get("KICKOFF_PAYMENT_LATENCY", "0.15"))
    decline_ratio = float(os.environ.get("KICKOFF_PAYMENT_DECLINE_RATIO", "0"))
    serve(create_app(latency, decline_ratio), args)


if __name__ == "__main__":
    main()

"""Schemathesis hooks: what the document states in words but OpenAPI cannot express, applied
to every request just before it is sent (`before_call` runs in every phase; schemathesis then
judges the request as it finally is).

- `page` and `pageSize` come together (Hostway's list rule, in both parameters' descriptions):
  OpenAPI cannot make one query parameter require another.
- A mailbox `PUT` sends `password` only with `?passwordReset=1` (and that flag only with a
  password); `username`, `billingStatus`, `quota`, `archiving` and `blackberry` only at their
  current values, which a generated body cannot know. A mailing list's `PUT` likewise sends
  `name` and `owner` only at their current values, and an account user's `PUT` its `userName`.
- A well-formed `Idempotency-Key` is a fresh UUID per request, as the document asks: a
  generated one repeats (`0`), and a repeat replays an earlier answer about objects the run has
  changed since, which the stateful checks would take for the server's inconsistency.
  Malformed keys are sent as generated (`400`).
- A webhook's `url`, when it is one, is a dead loopback port's (the server runs with loopback
  allowed): a generated public name would be resolved, and its events delivered, out there.
- The generic order's bodies (docs §3.2) have rules between fields or against the data: an
  account is `{"currency", "language"}` of the franchise or an existing `{"accountNumber"}`; a
  card's number passes Luhn and fits its type, its code its length; an offering, a service
  specification and a domain are ones the catalog and the run know; promotion codes are not
  supported; a service's billing cycle is one the catalog offers; `clientIp` is an address. A
  body of the right shape is given such values; one of the wrong shape is sent as generated.
- `/partnerAccounts/{partnerAccount}/…` operations are their account routes' twins: the same
  rules.
- `Prefer: wait=N` is not sent: it holds a read of an open order for up to a minute by design
  (the integration tests cover waiting); `If-None-Match` is.
"""

import re
import uuid
from collections.abc import MutableMapping

import schemathesis

UPDATE = "PUT /accounts/{account}/exchange/{domain}/mailboxes/{username}"
USER_UPDATE = "PUT /accounts/{account}/user/{user}"
LIST_UPDATES = (
    "PUT /accounts/{account}/exchange/{domain}/mailingLists/{list}",
    "PUT /accounts/{account}/exchange/{domain}/mailingList/{list}",
)


KEY = re.compile(r"^[!-~]{1,255}$")
WEBHOOK_URL = re.compile(r"^[Hh][Tt][Tt][Pp]([Ss])?://[!-~]+$")
WEBHOOK_BODIES = ("POST /webhooks", "PUT /webhooks/{webhook}")


def order_labels(method, tail):
    return (f"{method} /orders/{{order}}{tail}", f"{method} /order{tail}")


ACCOUNT_PUT = order_labels("PUT", "/account")
PAYMENT_PUT = order_labels("PUT", "/account/paymentInfo")
PRODUCT_POST = order_labels("POST", "/account/products")
SERVICE_POST = order_labels("POST", "/account/products/{product}/services")
SERVICE_PUT = order_labels("PUT", "/account/products/{product}/services/{service}")
CARD = {"accountNumber": "4111111111111111", "creditCardType": "visa",
        "expirationDate": "2031-04", "verificationNumber": "123", "cardHolderName": "Jane Doe"}


def label_of(case):
    """The operation's label, a `/partnerAccounts` mirror's as its account route's."""
    return case.operation.label.replace("/partnerAccounts/{partnerAccount}", "/accounts/{account}")


def generic_order(case):
    """Values the document cannot state for the generic order's bodies (see above)."""
    body = case.body
    label = label_of(case)
    if label == "POST /orders":
        if isinstance(body.get("clientIp"), str):
            body["clientIp"] = "203.0.113.7"
    elif label in ACCOUNT_PUT:
        existing = isinstance(body.get("accountNumber"), str)
        body.clear()
        body.update({"accountNumber": "acct999999"} if existing
                    else {"currency": "USD", "language": "en-US"})
    elif label in PAYMENT_PUT:
        kind = body.get("paymentInfoType")
        for field in CARD:
            body.pop(field, None)
        if kind == "credit_card":
            body.update(CARD)
    elif label == "PUT /accounts/{account}/attributes/{name}":
        # The name may be repeated as it is, never changed.
        if isinstance(body.get("name"), str):
            body["name"] = case.path_parameters.get("name")
    elif label == "POST /accounts/{account}/attributes":
        # A partner id is one a URL path carries as it is.
        if body.get("name") == "partner_account_id" and isinstance(body.get("value"), str):
            body["value"] = f"st-{uuid.uuid4().hex[:12]}"
    elif label in PRODUCT_POST:
        body.pop("promoCode", None)
        if isinstance(body.get("offering"), str):
            body["offering"] = "/productSpecifications/core.plan.email.exchange2010/offerings/USD-1"
    elif label in SERVICE_POST or label in SERVICE_PUT:
        body.pop("promoCode", None)
        if isinstance(body.get("name"), str):
            body["name"] = "Exchange"
        for field in ("billingCycle", "quantity"):
            if isinstance(body.get(field), (int, float)) and not isinstance(body.get(field), bool):
                body[field] = 1
        if label in SERVICE_POST:
            if isinstance(body.get("serviceSpecification"), str):
                body["serviceSpecification"] = (
                    "/serviceSpecifications/core.service.email.exchange.domain")
            if isinstance(body.get("attributes"), dict):
                body["attributes"] = {"domain": f"st-{uuid.uuid4().hex[:12]}.example"}
            if isinstance(body.get("relatedTo"), list):
                body["relatedTo"] = []


@schemathesis.hook
def before_call(context, case, kwargs):
    # Headers are a case-insensitive mapping on the case, and may be in the call's arguments
    # already.
    for headers in (case.headers, kwargs.get("headers")):
        if not isinstance(headers, MutableMapping):
            continue
        for name in [n for n in headers if n.lower() == "idempotency-key"]:
            key = headers[name]
            if isinstance(key, str) and KEY.match(key):
                headers[name] = str(uuid.uuid4())
        for name in [n for n in headers if n.lower() == "prefer"]:
            del headers[name]
    label = label_of(case)
    if label in WEBHOOK_BODIES and isinstance(case.body, dict):
        url = case.body.get("url")
        if isinstance(url, str) and WEBHOOK_URL.match(url) and len(url) <= 2000:
            case.body["url"] = "http://127.0.0.1:9/hook"
        return
    if isinstance(case.body, dict):
        generic_order(case)
    query = case.query if isinstance(case.query, dict) else None
    if query is not None:
        if "page" in query and "pageSize" not in query:
            query["pageSize"] = 10
        elif "pageSize" in query and "page" not in query:
            query["page"] = 1
    if label == USER_UPDATE and isinstance(case.body, dict):
        # The user's name may be repeated as it is, never changed.
        if isinstance(case.body.get("userName"), str):
            case.body["userName"] = case.path_parameters.get("user")
        return
    if label in LIST_UPDATES and isinstance(case.body, dict):
        # A list's PUT changes its description; `name` and `owner` only at their values.
        if "name" in case.body:
            case.body["name"] = case.path_parameters.get("list")
        case.body.pop("owner", None)
        return
    if label != UPDATE or not isinstance(case.body, dict):
        return
    query = query if query is not None else {}
    if case.body.get("password") is not None:
        query["passwordReset"] = 1
    elif str(query.get("passwordReset")) == "1":
        query["passwordReset"] = 0
    case.query = query
    if "username" in case.body:
        case.body["username"] = case.path_parameters.get("username")
    for field in ("billingStatus", "quota", "archiving", "blackberry"):
        case.body.pop(field, None)

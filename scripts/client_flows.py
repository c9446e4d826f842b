"""The flows a partner runs, through a Python client generated from /openapi.json by
openapi-python-client (`scripts/client-test` generates it as the package `mailorder_client`).

Usage: client_flows.py BASE_URL

Every call goes through the generated functions and models; a status the document does not
list raises (`raise_on_unexpected_status`), and every body is parsed into its generated model.
"""

import json
import sys
import time
import uuid

from mailorder_client import AuthenticatedClient, Client
from mailorder_client.api.accounts import account_read
from mailorder_client.api.billing import charges_list
from mailorder_client.api.exchange import exchange_read
from mailorder_client.api.mailboxes import (
    mailbox_create,
    mailbox_list,
    mailbox_read,
    mailbox_update,
)
from mailorder_client.api.operations import readyz
from mailorder_client.api.orders import order_action, order_list, order_read
from mailorder_client.models import (
    Account,
    CompactQuote,
    ErrorBody,
    Exchange,
    ListBodyCharge,
    ListBodyMailboxListItem,
    ListBodyOrderListItem,
    Mailbox,
    MailboxCreateRequest,
    MailboxUpdateRequest,
    OrderActionRequest,
    OrderActionRequestAction,
    OrderDocument,
    OrderStatus,
)

ACCOUNT = "acct999999"
FREE = "myexchangedomain.com"
PAID = "paid.example.com"
QWE = "qwe@partner_api_developer_us_main:iu34t8hf"

# The seed's body, as in tests/fixtures/Order-Exchange-mailbox-free.txt.
SEED = {
    "owner": {"username": "a.a", "password": "tester1234"},
    "admin": 0,
    "notes": "some text",
    "recipientLimit": 10,
    "deliverRedirect": "zsds",
    "forwardTo": "asdasd",
    "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"},
    "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"},
    "phones": {
        "businessPhone": "555-555-5501",
        "homePhone": "555-555-5502",
        "fax": "555-555-5503",
        "mobile": "555-555-5504",
    },
}


def check(condition, message):
    if not condition:
        print(f"client-test: {message}", file=sys.stderr)
        sys.exit(1)


def basic(base):
    import base64

    token = base64.b64encode(QWE.encode()).decode()
    return AuthenticatedClient(
        base_url=base, token=token, prefix="Basic", raise_on_unexpected_status=True, follow_redirects=False
    )


def cookie_of(response):
    value = response.headers.get("set-cookie", "")
    check(value.startswith("OwnerId="), f"no OwnerId cookie: {value!r}")
    return value.split(";")[0].removeprefix("OwnerId=")


def order_id_of(location):
    return location.rstrip("/").rsplit("/", 1)[1]


def wait_completed(client, order_id, owner):
    deadline = time.monotonic() + 60
    while True:
        response = order_read.sync_detailed(order_id, client=client)
        check(response.status_code == 200, f"GET /orders/{order_id}: {response.status_code}")
        document = response.parsed
        check(isinstance(document, OrderDocument), f"order not parsed: {document!r}")
        if document.order.status == OrderStatus.COMPLETED:
            return document
        check(
            document.order.status == OrderStatus.PROCESSING and time.monotonic() < deadline,
            f"order {order_id} did not complete: {response.content!r}",
        )
        time.sleep(0.1)  # poll, bounded by the deadline


def seed_flow(base, api):
    """The canonical example: a free mailbox, 202 with no body, then the order by its cookie."""
    response = mailbox_create.sync_detailed(ACCOUNT, FREE, client=api, body=MailboxCreateRequest.from_dict(SEED))
    check(response.status_code == 202, f"seed POST: {response.status_code} {response.content!r}")
    check(response.content == b"", f"seed POST answered a body: {response.content!r}")
    location = response.headers["location"]
    owner = cookie_of(response)
    # The seed's GET: by the OwnerId cookie (the generated client sends it as a cookie).
    by_cookie = Client(base_url=base, cookies={"OwnerId": owner}, raise_on_unexpected_status=True)
    document = wait_completed(by_cookie, order_id_of(location), owner)
    check(document.order.account == f"{base}/accounts/{ACCOUNT}", f"Account: {document.order.account}")
    check([l.rel for l in document.links] == ["self"], f"links: {document.links}")
    mailbox = mailbox_read.sync(ACCOUNT, FREE, "a.a", client=api)
    check(isinstance(mailbox, Mailbox), f"mailbox not parsed: {mailbox!r}")
    check(mailbox.name.name == "John Smith", f"name: {mailbox.name}")
    print(f"client-test: seed flow: {location} Completed, mailbox a.a read")


def paid_flow(api):
    """A paid mailbox: 202 with the compact quote, then submit with its hash."""
    username = "p" + uuid.uuid4().hex[:8]
    body = MailboxCreateRequest.from_dict({"owner": {"username": username, "password": "tester1234"}})
    response = mailbox_create.sync_detailed(ACCOUNT, PAID, client=api, body=body)
    check(response.status_code == 202, f"paid POST: {response.status_code} {response.content!r}")
    check(
        response.headers.get("content-type", "").startswith("application/json"),
        f"paid POST without a quote: {response.headers}",
    )
    # The 202 declares no content (the free one has none); its x-optional-body is CompactQuote.
    quote = CompactQuote.from_dict(json.loads(response.content))
    check(quote.quotehash and quote.total, f"quote: {quote}")
    # The quote's `related` link is where it is submitted: /orders/{id}/action.
    action_href = next(link.href for link in quote.links if link.rel == "related")
    order_id = order_id_of(action_href.removesuffix("/action"))
    owner = cookie_of(response)
    submit = order_action.sync_detailed(
        order_id, client=api.with_cookies({"OwnerId": owner}),
        body=OrderActionRequest(action=OrderActionRequestAction.SUBMIT, quote_hash=quote.quotehash),
    )
    check(submit.status_code == 202, f"submit: {submit.status_code} {submit.content!r}")
    wait_completed(api, order_id, owner)
    print(f"client-test: paid flow: {username}@{PAID} quoted {quote.total}, submitted, Completed")


def reads(api):
    """Each kind of body parses into its model."""
    account = account_read.sync(ACCOUNT, client=api)
    check(isinstance(account, Account), f"account: {account!r}")
    exchange = exchange_read.sync(ACCOUNT, FREE, client=api)
    check(isinstance(exchange, Exchange), f"exchange: {exchange!r}")
    mailboxes = mailbox_list.sync(ACCOUNT, FREE, client=api, page=1, page_size=10)
    check(isinstance(mailboxes, ListBodyMailboxListItem), f"mailboxes: {mailboxes!r}")
    check("a.a" in [m.username for m in mailboxes.list_], f"a.a not listed: {mailboxes}")
    orders = order_list.sync(client=api, page=1, page_size=10)
    check(isinstance(orders, ListBodyOrderListItem) and orders.list_, f"orders: {orders!r}")
    charges = charges_list.sync(ACCOUNT, client=api, page=1, page_size=10)
    check(isinstance(charges, ListBodyCharge) and charges.list_, f"charges: {charges!r}")
    ready = readyz.sync_detailed(client=api)
    check(ready.status_code == 200, f"readyz: {ready.status_code}")
    change = mailbox_update.sync_detailed(
        ACCOUNT, FREE, "a.a", client=api, body=MailboxUpdateRequest.from_dict({"notes": "changed"})
    )
    check(change.status_code == 204, f"PUT: {change.status_code} {change.content!r}")
    print("client-test: account, exchange, lists, readyz and a change parsed")


def errors(base, api):
    """Error bodies parse as ErrorBody, keyed by their type."""
    again = mailbox_create.sync(ACCOUNT, FREE, client=api, body=MailboxCreateRequest.from_dict(SEED))
    check(isinstance(again, ErrorBody) and again.conflict and again.conflict.code == 409, f"409: {again!r}")
    missing = mailbox_read.sync(ACCOUNT, FREE, "nobody", client=api)
    check(isinstance(missing, ErrorBody) and missing.item_not_found, f"404: {missing!r}")
    bad = mailbox_create.sync(
        ACCOUNT, FREE, client=api, body=MailboxCreateRequest.from_dict({"owner": {"username": "b..b", "password": "short"}})
    )
    check(isinstance(bad, ErrorBody) and bad.bad_request, f"400: {bad!r}")
    fields = bad.bad_request.details.to_dict()
    check("owner.username" in fields and "owner.password" in fields, f"400 details: {fields}")
    stranger = AuthenticatedClient(base_url=base, token="bm86bm8=", prefix="Basic", raise_on_unexpected_status=True)
    denied = account_read.sync(ACCOUNT, client=stranger)
    check(isinstance(denied, ErrorBody) and denied.unauthorized, f"401: {denied!r}")
    print(f"client-test: 409 {again.conflict.message!r}, 404, 400 {sorted(fields)}, 401 parsed")


def main():
    base = sys.argv[1]
    api = basic(base)
    seed_flow(base, api)
    paid_flow(api)
    reads(api)
    errors(base, api)


if __name__ == "__main__":
    main()

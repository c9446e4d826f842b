//! The documented operations of the generic order flow (docs §3.1-3.2): `POST /orders`, the
//! order's account, user, contacts, payment method, products and services (each also under the
//! `/order` shorthand), and an account's payment methods (docs §6.4).
#![allow(dead_code)]

use crate::domain::{AccountContactsRequest, AccountUserRequest, PaymentInfoRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

/// One operation under `/orders/{order}` (`$id`) and its `/order` shorthand (`$current`).
macro_rules! twin {
    ($method:ident, $id:ident = $id_path:literal, $current:ident = $current_path:literal,
     [$($param:tt)*], $($rest:tt)*) => {
        #[utoipa::path($method, path = $id_path, tag = "Orders",
            params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001"), $($param)*),
            $($rest)*
            security(("basic" = []), ("ownerId" = [])))]
        pub fn $id() {}

        #[utoipa::path($method, path = $current_path, tag = "Order shorthand",
            params($($param)*),
            $($rest)*
            security(("basic" = []), ("ownerId" = [])))]
        pub fn $current() {}
    };
}

#[utoipa::path(post, path = "/orders", tag = "Orders",
    summary = "Open an order (the generic flow)",
    description = "Agents' orders set up a new account (its number is given now; it is `new` until submitted, and only the order shows it); an account user's order is for its own account; mailbox logins get `403`. `clientIp` (the end customer's address) is for agents only (`400` \"User cannot specify the client IP address\"). `201` with `Location`, `Set-Cookie: OwnerId=…; Path=/` and the body; `409` \"A new order has already been created for this ownerID\" if the cookie sent owns an open order.",
    request_body(content = OrderCreateRequest, content_type = "application/json"),
    responses((status = 201, body = OrderCreated, headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn order_create() {}

twin!(
    get,
    order_account_read = "/orders/{order}/account",
    current_account_read = "/order/account",
    [],
    summary = "The order's account",
    description = "`status` is `new` until the order is submitted, `pending` while it is provisioned, then `open`. Links to the order's contacts, and to its user and payment method once set.",
    responses(
        (status = 200, body = OrderAccountDocument),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (
            status = 409,
            description = "An order of the mailbox shortcuts: no account to set up",
            body = ErrorBody
        )
    ),
);

twin!(
    put,
    order_account_update = "/orders/{order}/account",
    current_account_update = "/order/account",
    [],
    summary = "Choose the order's account: a new one or an existing one",
    description = "`{\"currency\", \"language\"}` (agents): a new account in the franchise's catalog currency and a language mailorder speaks (`en-US`); `400` \"Currency … not allowed for this franchise\" / \"Language … not allowed for this franchise\" / \"Missing language or currency.\". `{\"accountNumber\"}`: an open account the credentials cover (`404` otherwise). Under `/order` without an open order, opens one (credentials needed; `Set-Cookie`). `409` once submitted.",
    request_body(
        content = OrderAccountRequest,
        content_type = "application/json"
    ),
    responses(
        (
            status = 204,
            description = "Set",
            headers((
                "Set-Cookie" = String,
                description = "Only when this request opened the order"
            ))
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    get,
    order_user_read = "/orders/{order}/account/user",
    current_user_read = "/order/account/user",
    [],
    summary = "The order's account user (never its password)",
    responses(
        (status = 200, body = OrderUserDocument),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Not set yet", body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    put,
    order_user_update = "/orders/{order}/account/user",
    current_user_update = "/order/account/user",
    [],
    summary = "Set the account user the order adds",
    description = "`userName` 1-50 of letters, digits, `. - _ @`; `password` 8-50 characters with a letter and a digit, none of `&'\"\\/<>$`. The password is hashed (argon2id) at once; after provisioning the user logs in as `<userName>@<franchise>`. `409` if the franchise has the login already.",
    request_body(
        content = AccountUserRequest,
        content_type = "application/json"
    ),
    responses(
        (
            status = 204,
            description = "Set",
            headers((
                "Set-Cookie" = String,
                description = "Only when this request opened the order"
            ))
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    get,
    order_contacts_read = "/orders/{order}/account/contacts",
    current_contacts_read = "/order/account/contacts",
    [],
    summary = "The contacts the order sets on its account",
    responses(
        (status = 200, body = AccountContacts),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    put,
    order_contacts_update = "/orders/{order}/account/contacts",
    current_contacts_update = "/order/account/contacts",
    [],
    summary = "Set the contacts the order sets on its account",
    description =
        "As `PUT /accounts/{account}/contacts`. A new account needs all four kinds before submit.",
    request_body(
        content = AccountContactsRequest,
        content_type = "application/json"
    ),
    responses(
        (
            status = 204,
            description = "Set",
            headers((
                "Set-Cookie" = String,
                description = "Only when this request opened the order"
            ))
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    get,
    order_payment_read = "/orders/{order}/account/paymentInfo",
    current_payment_read = "/order/account/paymentInfo",
    [],
    summary = "The order's payment method, masked",
    responses(
        (status = 200, body = PaymentInfoDocument),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Not set yet", body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    put,
    order_payment_update = "/orders/{order}/account/paymentInfo",
    current_payment_update = "/order/account/paymentInfo",
    [],
    summary = "Set the order's payment method",
    description = "`credit_card`: a Luhn-valid number of the card type's issuer, `creditCardType` visa, mastercard, discover or amex, `expirationDate` `YYYY-MM` not passed, `cardHolderName`, `verificationNumber` (3 digits; 4 for amex). Only the type, the masked number (`XXXXXXXXXXXX1111`), the expiry, the holder, the billing address and a random token are kept; the number and the code are never stored, logged or echoed. `offline`: agents only.",
    request_body(
        content = PaymentInfoRequest,
        content_type = "application/json"
    ),
    responses(
        (
            status = 204,
            description = "Set",
            headers((
                "Set-Cookie" = String,
                description = "Only when this request opened the order"
            ))
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    post,
    order_product_create = "/orders/{order}/account/products",
    current_product_create = "/order/account/products",
    [],
    summary = "Add a product (a catalog offering) to the order",
    description = "`offering`: the URL of an offering of the franchise's catalog, e.g. `…/productSpecifications/core.plan.email.exchange2010/offerings/USD-1`. `409` if its currency is not the account's. `promoCode` is not supported (`400`).",
    request_body(content = ProductRequest, content_type = "application/json"),
    responses(
        (
            status = 201,
            body = CreatedUrl,
            headers(
                ("Location" = String, description = "The product"),
                (
                    "Set-Cookie" = String,
                    description = "Only when this request opened the order"
                )
            )
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    get,
    order_product_read = "/orders/{order}/account/products/{product}",
    current_product_read = "/order/account/products/{product}",
    [(
        "product" = String,
        Path,
        pattern = "^[0-9]{1,18}$",
        example = "1"
    )],
    summary = "A product of the order",
    responses(
        (status = 200, body = OrderProductDocument),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
);

twin!(
    post,
    order_service_create = "/orders/{order}/account/products/{product}/services",
    current_service_create = "/order/account/products/{product}/services",
    [(
        "product" = String,
        Path,
        pattern = "^[0-9]{1,18}$",
        example = "1"
    )],
    summary = "Add a service to a product: Exchange on a domain",
    description = "`serviceSpecification`: `…/serviceSpecifications/core.service.email.exchange.domain` (mailboxes and add-ons are ordered with their shortcuts); `attributes`: `{\"domain\": \"example.com\"}`; `billingCycle`: months the catalog offers (1-120); `name`; `relatedTo`: up to 16 service URLs. A domain that has Exchange anywhere is `409` at validate and submit.",
    request_body(content = ServiceRequest, content_type = "application/json"),
    responses(
        (
            status = 201,
            body = CreatedUrl,
            headers(
                ("Location" = String, description = "The service"),
                (
                    "Set-Cookie" = String,
                    description = "Only when this request opened the order"
                )
            )
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

twin!(
    get,
    order_service_read = "/orders/{order}/account/products/{product}/services/{service}",
    current_service_read = "/order/account/products/{product}/services/{service}",
    [
        (
            "product" = String,
            Path,
            pattern = "^[0-9]{1,18}$",
            example = "1"
        ),
        (
            "service" = String,
            Path,
            pattern = "^[0-9]{1,18}$",
            example = "1"
        )
    ],
    summary = "A service of the order",
    responses(
        (status = 200, body = OrderServiceDocument),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
);

twin!(
    put,
    order_service_update = "/orders/{order}/account/products/{product}/services/{service}",
    current_service_update = "/order/account/products/{product}/services/{service}",
    [
        (
            "product" = String,
            Path,
            pattern = "^[0-9]{1,18}$",
            example = "1"
        ),
        (
            "service" = String,
            Path,
            pattern = "^[0-9]{1,18}$",
            example = "1"
        )
    ],
    summary = "Rename a service or change its billing cycle",
    request_body(content = ServiceChange, content_type = "application/json"),
    responses(
        (
            status = 204,
            description = "Changed",
            headers((
                "Set-Cookie" = String,
                description = "Only when this request opened the order"
            ))
        ),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
);

#[utoipa::path(get, path = "/accounts/{account}/paymentInfo", tag = "Accounts",
    summary = "The account's payment methods, masked",
    description = "Cards show their type, `XXXXXXXXXXXX1111` and expiry; `default` links to the default method.",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = PaymentInfoList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_payment_list() {}

#[utoipa::path(get, path = "/accounts/{account}/paymentInfo/{payment}", tag = "Accounts",
    summary = "One payment method (`default`: the default one), masked",
    params(("account" = String, Path, example = "acct999999"), ("payment" = String, Path, example = "cc-1")),
    responses((status = 200, body = PaymentInfoDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_payment_read() {}

#[utoipa::path(delete, path = "/accounts/{account}", tag = "Accounts",
    summary = "Delete an account (agents)",
    description = "An order purges each of the account's mailboxes and mailing lists (with their mail directory rows; the mailboxes stop logging in at once), then purges the account: its domains are renamed out of the way (so the names are free for anyone), its logins, attributes, payment methods and contacts are deleted, and it is `purged`: not found (`404`) any more. `202` with the order's `Location` and cookie; an account without domains is purged at once (`204`). `409` while something of the account is in an order.",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 202, description = "Ordered", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 204, description = "Closed at once (no domains)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_delete() {}

#[utoipa::path(get, path = "/accounts/{account}/attributes", tag = "Accounts",
    summary = "The account's attributes",
    description = "`partner_account_id` names the account under `/partnerAccounts/{partnerAccountId}/…` (unique in the franchise).",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = ListBody<AccountAttribute>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_attribute_list() {}

#[utoipa::path(post, path = "/accounts/{account}/attributes", tag = "Accounts",
    summary = "Add an attribute",
    description = "`201` with its `Location`; `409` if the account has it, or (for `partner_account_id`) another account of the franchise has that value.",
    params(("account" = String, Path, example = "acct999999")),
    request_body(content = AttributeCreate, content_type = "application/json"),
    responses((status = 201, description = "Created, no body", headers(("Location" = String, description = "The attribute"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_attribute_create() {}

#[utoipa::path(get, path = "/accounts/{account}/attributes/{name}", tag = "Accounts",
    summary = "An attribute",
    params(("account" = String, Path, example = "acct999999"), ("name" = String, Path, example = "partner_account_id")),
    responses((status = 200, body = AccountAttribute), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_attribute_read() {}

#[utoipa::path(put, path = "/accounts/{account}/attributes/{name}", tag = "Accounts",
    summary = "Set an attribute (made if missing)",
    params(("account" = String, Path, example = "acct999999"), ("name" = String, Path, example = "partner_account_id")),
    request_body(content = AttributeChange, content_type = "application/json"),
    responses((status = 204, description = "Set"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_attribute_update() {}

#[utoipa::path(delete, path = "/accounts/{account}/attributes/{name}", tag = "Accounts",
    summary = "Remove an attribute",
    params(("account" = String, Path, example = "acct999999"), ("name" = String, Path, example = "partner_account_id")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_attribute_delete() {}

#[utoipa::path(get, path = "/accounts/{account}/products", tag = "Accounts",
    summary = "The account's products: each Exchange domain on its plan",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = ListBody<AccountProduct>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_product_list() {}

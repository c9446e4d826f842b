//! The OpenAPI 3.1 document of the API (`GET /openapi.json`, `mailorder openapi`), and the
//! docs page rendered from it on the server (`GET /docs`: plain HTML with inline styles, no
//! scripts or external assets, so it works offline).

mod headers;
mod page;
mod paths;
mod paths_addons;
mod paths_catalog;
mod paths_lists;
mod paths_objects;
mod paths_onboarding;
mod paths_users;
mod paths_webhooks;
mod refine;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::list::{DEFAULT_PAGE_SIZE, ListSpec, MAX_INDEX, MAX_PAGE_SIZE};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "`user@franchise` (agents, account users) or `username@domain` (mailbox owners)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "ownerId",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "OwnerId",
                "Set by every request that creates an order; owns that order",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mailorder",
        description = "Hostway's Core API for ordering hosted Exchange mailboxes. Errors use Hostway's body `{\"<errorType>\": {\"message\", \"code\", \"details\", \"guid\"}}`; every response carries `X-Request-Id`.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        paths::account_list, paths::account_read, paths::account_update, paths::exchange_list, paths::exchange_read, paths::mailbox_list, paths::mailbox_create,
        paths::mailbox_options, paths::mailbox_read, paths::mailbox_update, paths::mailbox_delete,
        paths::mailbox_action, paths_addons::archiving_read, paths_addons::archiving_put,
        paths_addons::archiving_delete, paths_addons::blackberry_read, paths_addons::blackberry_put,
        paths_addons::blackberry_delete, paths_objects::alias_list, paths_objects::alias_create,
        paths_objects::alias_options, paths_objects::alias_read, paths_objects::alias_delete,
        paths_objects::contact_list, paths_objects::contact_create, paths_objects::contact_options,
        paths_objects::contact_read, paths_objects::contact_update, paths_objects::contact_delete,
        paths_lists::list_list, paths_lists::list_create, paths_lists::list_options,
        paths_lists::list_read, paths_lists::list_update, paths_lists::list_update_singular,
        paths_lists::list_delete, paths_lists::member_list, paths_lists::member_add,
        paths_lists::member_options, paths_lists::member_read, paths_lists::member_remove,
        paths_lists::non_member_list,
        paths::charges_list, paths_users::contacts_read, paths_users::contacts_update,
        paths_users::user_list, paths_users::user_create,
        paths_users::user_read, paths_users::user_update,
        paths_onboarding::account_payment_list, paths_onboarding::account_payment_read,
        paths_onboarding::account_delete, paths_onboarding::account_attribute_list,
        paths_onboarding::account_attribute_create, paths_onboarding::account_attribute_read,
        paths_onboarding::account_attribute_update, paths_onboarding::account_attribute_delete,
        paths_onboarding::account_product_list,
        paths::order_list, paths_onboarding::order_create, paths::order_read,
        paths::order_cancel, paths::order_action, paths::order_quote, paths::current_read,
        paths::current_cancel, paths::current_action, paths::current_quote,
        paths_onboarding::order_account_read, paths_onboarding::current_account_read,
        paths_onboarding::order_account_update, paths_onboarding::current_account_update,
        paths_onboarding::order_user_read, paths_onboarding::current_user_read,
        paths_onboarding::order_user_update, paths_onboarding::current_user_update,
        paths_onboarding::order_contacts_read, paths_onboarding::current_contacts_read,
        paths_onboarding::order_contacts_update, paths_onboarding::current_contacts_update,
        paths_onboarding::order_payment_read, paths_onboarding::current_payment_read,
        paths_onboarding::order_payment_update, paths_onboarding::current_payment_update,
        paths_onboarding::order_product_create, paths_onboarding::current_product_create,
        paths_onboarding::order_product_read, paths_onboarding::current_product_read,
        paths_onboarding::order_service_create, paths_onboarding::current_service_create,
        paths_onboarding::order_service_read, paths_onboarding::current_service_read,
        paths_onboarding::order_service_update, paths_onboarding::current_service_update,
        paths::audit_list,
        paths_catalog::spec_list, paths_catalog::spec_read, paths_catalog::offering_list,
        paths_catalog::offering_read, paths_catalog::price_list, paths_catalog::service_list,
        paths_catalog::service_read, paths_catalog::attribute_list, paths_webhooks::webhook_list,
        paths_webhooks::webhook_create, paths_webhooks::webhook_read, paths_webhooks::webhook_update,
        paths_webhooks::webhook_delete, paths_webhooks::webhook_test, paths_webhooks::delivery_list,
        paths_webhooks::delivery_read, paths::healthz,
        paths::readyz, paths::metrics, paths::openapi_json, paths::docs
    ),
    components(schemas(crate::http::types::CompactQuote)),
    modifiers(&Security)
)]
struct ApiDoc;

/// The document, as JSON (built once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the spec serialises");
        // The crate's version, set here so the snapshot stays stable across releases.
        doc["info"]["version"] = Value::String(env!("CARGO_PKG_VERSION").to_owned());
        tighten_error_body(&mut doc);
        headers::idempotency(&mut doc);
        headers::waiting(&mut doc);
        add_shared_responses(&mut doc);
        require_headers(&mut doc);
        add_list_parameters(&mut doc);
        refer_list_items(&mut doc);
        refine::field_values(&mut doc);
        refine::close_update_body(&mut doc);
        refine::split_contact_bodies(&mut doc);
        refine::split_list_bodies(&mut doc);
        refine::account_contact_bodies(&mut doc);
        refine::payment_bodies(&mut doc);
        refine::add_links(&mut doc);
        paths_webhooks::refine_bodies(&mut doc);
        doc["paths"]["/accounts/{account}/exchange/{domain}/mailboxes"]["post"]["responses"]["202"]
            ["x-optional-body"] =
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/CompactQuote"}}});
        mirror_partner_paths(&mut doc);
        doc
    })
}

/// `/partnerAccounts/{partnerAccount}/…`: each account operation again, by partner id, with
/// the same answers (`…_partner` operation ids, the tag "Partner accounts").
fn mirror_partner_paths(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object() else {
        return;
    };
    let mirrors: Vec<(String, Value)> = paths
        .iter()
        .filter_map(|(path, item)| {
            let mirror = super::partner::mirrored(path)?;
            let mut item = item.clone();
            for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                if let Some(id) = op["operationId"].as_str() {
                    op["operationId"] = Value::String(format!("{id}_partner"));
                }
                op["tags"] = json!(["Partner accounts"]);
                let summary = op["summary"].as_str().unwrap_or("").to_owned();
                op["summary"] = Value::String(format!("{summary} (by partner id)"));
                for param in op["parameters"].as_array_mut().into_iter().flatten() {
                    if param["name"] == "account" && param["in"] == "path" {
                        param["name"] = json!("partnerAccount");
                        param["description"] = json!(
                            "The account's `partner_account_id` attribute (in the caller's franchise)"
                        );
                        param["example"] = json!("partner-4711");
                    }
                }
                // Links name `/accounts` operations and their parameters.
                for response in op["responses"]
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|r| r.values_mut())
                {
                    if let Some(r) = response.as_object_mut() {
                        r.remove("links");
                    }
                }
            }
            Some((mirror, item))
        })
        .collect();
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(mirrors);
    }
}

/// Hostway's error body has exactly one key, the error's type, whose value is the detail:
/// utoipa writes `Option` fields as nullable and its `min_properties` as `maxProperties`, so the
/// schema is set straight here.
fn tighten_error_body(doc: &mut Value) {
    let body = &mut doc["components"]["schemas"]["ErrorBody"];
    body["minProperties"] = json!(1);
    body["maxProperties"] = json!(1);
    if let Some(properties) = body["properties"].as_object_mut() {
        for property in properties.values_mut() {
            *property = json!({"$ref": "#/components/schemas/ErrorDetail"});
        }
    }
}

/// The response headers that are not always sent: `(operationId, status, header)`.
const CONDITIONAL_HEADERS: [(&str, &str, &str); 2] = [
    ("mailbox_create", "202", "Location"),
    ("mailbox_update", "204", "X-Mailorder-Order"),
];

/// Every operation of the document.
fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
        .flat_map(|item| {
            item.as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
        })
}

/// Every documented response header is `required` (always sent with that answer) unless
/// [`CONDITIONAL_HEADERS`] says otherwise or its description starts with "Only ".
fn require_headers(doc: &mut Value) {
    for op in operations_mut(doc) {
        let id = op["operationId"].as_str().unwrap_or("").to_owned();
        for (status, response) in op["responses"].as_object_mut().into_iter().flatten() {
            // `get_mut`, not indexing: indexing would add `"headers": null` where none are.
            let headers = response.get_mut("headers").and_then(Value::as_object_mut);
            for (name, header) in headers.into_iter().flatten() {
                if header.get("required").is_some() {
                    continue;
                }
                let described_so = header["description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("Only "));
                let conditional = described_so
                    || CONDITIONAL_HEADERS.contains(&(id.as_str(), status.as_str(), name.as_str()));
                header["required"] = Value::Bool(!conditional);
            }
        }
    }
}

/// The list routes and the `ListSpec` each handler parses its query with.
fn lists() -> [(&'static str, &'static ListSpec); 22] {
    [
        (
            "/accounts/{account}/attributes",
            &super::account_resources::ATTRIBUTES,
        ),
        (
            "/accounts/{account}/products",
            &super::account_resources::PRODUCTS,
        ),
        ("/accounts", &super::accounts::SPEC),
        ("/accounts/{account}/exchange", &super::exchange::SPEC),
        (
            "/accounts/{account}/exchange/{domain}/mailboxes",
            &super::mailbox_list::SPEC,
        ),
        ("/accounts/{account}/charges", &super::charges::SPEC),
        ("/accounts/{account}/users", &super::account_users::SPEC),
        ("/orders", &super::order_list::SPEC),
        ("/audit", &super::audit::SPEC),
        (
            "/accounts/{account}/exchange/{domain}/emailAliases",
            &super::aliases::SPEC,
        ),
        (
            "/accounts/{account}/exchange/{domain}/globalContacts",
            &super::contacts::SPEC,
        ),
        (
            "/accounts/{account}/exchange/{domain}/mailingLists",
            &super::lists::SPEC,
        ),
        (
            "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members",
            &super::lists::MEMBERS_SPEC,
        ),
        (
            "/accounts/{account}/exchange/{domain}/mailingLists/{list}/nonMembers",
            &super::lists::MEMBERS_SPEC,
        ),
        ("/productSpecifications", &super::products::NAMED),
        (
            "/productSpecifications/{spec}/offerings",
            &super::products::NAMED,
        ),
        (
            "/productSpecifications/{spec}/offerings/{offering}",
            &super::products::PRICES,
        ),
        (
            "/productSpecifications/{spec}/offerings/{offering}/prices",
            &super::products::PRICES,
        ),
        (
            "/productSpecifications/{spec}/serviceSpecifications",
            &super::products::NAMED,
        ),
        (
            "/serviceSpecifications/{service}/attributes",
            &super::products::NAMED,
        ),
        ("/webhooks", &super::webhooks::SPEC),
        (
            "/webhooks/{webhook}/deliveries",
            &super::webhooks::DELIVERY_SPEC,
        ),
    ]
}

/// The query parameters a list takes, from its `ListSpec` (what the handler accepts):
/// `page`/`pageSize`, `sortField`/`sortOrder` where it can be sorted, `filter<Field>` per
/// filterable field with its values.
fn list_parameters(spec: &ListSpec) -> Vec<Value> {
    let query = |name: &str, schema: Value, description: String| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    let mut params = vec![
        query(
            "page",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_INDEX}),
            "The page, from 1; with `pageSize`.".to_owned(),
        ),
        query(
            "pageSize",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_INDEX}),
            format!(
                "Items per page; with `page`. Over {MAX_PAGE_SIZE} redirects to {MAX_PAGE_SIZE}; without both, a list of over {DEFAULT_PAGE_SIZE} redirects to page 1."
            ),
        ),
    ];
    if !spec.sort_fields.is_empty() {
        params.push(query(
            "sortField",
            json!({"type": "string", "enum": spec.sort_fields}),
            "The field to sort by.".to_owned(),
        ));
        params.push(query(
            "sortOrder",
            json!({"type": "string", "enum": ["asc", "desc"]}),
            "`asc` (default) or `desc`.".to_owned(),
        ));
    }
    for (field, values) in spec.filter_fields {
        let mut name = String::from("filter");
        let mut chars = field.chars();
        name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        name.extend(chars);
        let description = if values.is_empty() {
            format!("Only items whose `{field}` matches; `*` matches any run of characters.")
        } else {
            let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            format!(
                "Only items whose `{field}` is this: one of {}, or a pattern with `*` (any run of characters, case ignored).",
                listed.join(", ")
            )
        };
        let schema = if values.is_empty() {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "pattern": refine::filter_pattern(values)})
        };
        params.push(query(&name, schema, description));
    }
    params
}

fn add_list_parameters(doc: &mut Value) {
    for (path, spec) in lists() {
        let get = &mut doc["paths"][path]["get"];
        let mut params = list_parameters(spec);
        if let Some(own) = get["parameters"].as_array() {
            params.splice(0..0, own.iter().cloned());
        }
        get["parameters"] = Value::Array(params);
    }
}

/// utoipa writes the item type of a generic `ListBody<T>` inline; a reference to `T`'s own
/// schema gives generated clients one type per item, not a copy per list.
fn refer_list_items(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let items: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|name| {
            let item = name.strip_prefix("ListBody_")?;
            schemas
                .contains_key(item)
                .then(|| (name.clone(), item.to_owned()))
        })
        .collect();
    for (list, item) in items {
        schemas[&list]["properties"]["list"]["items"] =
            json!({"$ref": format!("#/components/schemas/{item}")});
    }
}

/// An error answer with Hostway's body, and the headers it carries.
fn error_response(description: &str, headers: &[(&str, &str)]) -> Value {
    let mut response = json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    });
    if !headers.is_empty() {
        response["headers"] = headers
            .iter()
            .map(|(name, about)| {
                (
                    (*name).to_owned(),
                    json!({"schema": {"type": "string"}, "description": about}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    response
}

/// The answers every operation of the API shares, added where an operation does not say
/// otherwise: `414`, `429`, `431`, `500` and `503` everywhere (the guard layer's sizes, rates,
/// shedding and deadline); `401` where credentials may be sent (they are checked wherever they
/// are); `400`, `413` and `415` where a JSON body is read. The
/// operational routes (`/healthz` and the others) answer only what they say.
fn add_shared_responses(doc: &mut Value) {
    let retry = ("Retry-After", "Seconds to wait before trying again");
    let with_body = |op: &Value| op.get("requestBody").is_some();
    // A body, or a path parameter (one that is not UTF-8 is refused with `400`).
    let with_input = |op: &Value| {
        op.get("requestBody").is_some()
            || op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"))
    };
    let with_credentials = |op: &Value| op.get("security").is_some();
    let always = |_: &Value| true;
    type AppliesTo<'a> = &'a dyn Fn(&Value) -> bool;
    let shared: [(&str, Value, AppliesTo); 9] = [
        (
            "400",
            error_response(
                "A field of the body is wrong (each named in `details`), the body is not a JSON object, or a path parameter is not UTF-8",
                &[],
            ),
            &with_input,
        ),
        (
            "401",
            error_response(
                "Credentials missing or wrong",
                &[("WWW-Authenticate", "`Basic realm=\"mailorder\"`")],
            ),
            &with_credentials,
        ),
        (
            "413",
            error_response("Request body too large", &[]),
            &with_body,
        ),
        (
            "414",
            error_response("The request target is over 8 KiB", &[]),
            &always,
        ),
        (
            "415",
            error_response("Not `application/json`", &[]),
            &with_body,
        ),
        (
            "429",
            error_response(
                "Too many requests from this client address, or of this login; or this login's wrong passwords from this address are backing off, or its verifications are in flight already",
                &[retry],
            ),
            &always,
        ),
        (
            "431",
            error_response("Over 64 headers, or over 16 KiB of them", &[]),
            &always,
        ),
        (
            "500",
            error_response("Internal error (logged under the `guid`)", &[]),
            &always,
        ),
        (
            "503",
            error_response(
                "The database is unavailable, the server is busy (too many requests in flight, or the password-hashing queue is full), or the request took too long",
                &[retry],
            ),
            &always,
        ),
    ];
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if super::OPS_PATHS.contains(&path.as_str()) {
            continue;
        }
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            for (status, response, applies) in &shared {
                if applies(op) && op["responses"].get(*status).is_none() {
                    op["responses"][*status] = response.clone();
                }
            }
            if let Some(responses) = op["responses"].as_object_mut() {
                responses.sort_keys();
                for (status, response) in responses.iter_mut() {
                    if response["description"].as_str().is_none_or(str::is_empty) {
                        response["description"] = Value::String(reason(status));
                    }
                }
            }
        }
    }
}

/// What an undescribed answer means: the status's reason, and for errors the type their body
/// is keyed by (``Not Found (`itemNotFound`)``).
fn reason(status: &str) -> String {
    let Some(s) = status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
    else {
        return String::new();
    };
    let text = s.canonical_reason().unwrap_or("");
    if s.is_client_error() || s.is_server_error() {
        format!("{text} (`{}`)", crate::error::error_type(s))
    } else {
        text.to_owned()
    }
}

/// The document as pretty JSON, as `mailorder openapi` prints it.
pub fn pretty() -> String {
    serde_json::to_string_pretty(document()).expect("the spec serialises") + "\n"
}

pub async fn spec() -> Response {
    axum::Json(document()).into_response()
}

pub async fn docs_page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| page::render(document()));
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.as_str(),
    )
        .into_response()
}

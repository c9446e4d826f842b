//! The HTTP API: shared state, the router, and the layer that turns every error response into
//! Hostway's error body.

mod access;
mod account_contacts;
mod account_resources;
mod account_users;
mod accounts;
mod addons;
mod aliases;
mod audit;
mod charges;
mod conditional;
mod contacts;
mod exchange;
mod extract;
pub mod fuzzing;
pub mod guard;
pub mod hosts;
pub mod idempotency;
mod list;
pub mod listener;
mod lists;
mod mailbox_actions;
mod mailbox_list;
mod mailboxes;
mod observe;
pub mod openapi;
mod ops;
mod order_account;
mod order_actions;
mod order_create;
mod order_list;
mod order_products;
mod order_wait;
mod orders;
pub mod partner;
mod payments;
mod products;
mod quotes;
pub mod types;
pub mod webhook_docs;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::body::to_bytes;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post, put};
use tokio::sync::Notify;

use crate::auth::Authenticator;
use crate::error::{ApiError, Details, error_body};
use crate::metrics::Metrics;
use crate::pricing::Catalog;
use crate::store::Store;
use crate::worker::Worker;

pub struct AppState {
    pub store: Arc<Store>,
    pub auth: Authenticator,
    /// Where passwords are hashed (bounded).
    pub hashing: Arc<crate::hashing::HashPool>,
    /// Base for absolute links; `None` builds them from the request's `Host`.
    pub public_url: Option<String>,
    /// The `Host` headers links may follow when there is no `public_url`.
    pub hosts: hosts::HostPolicy,
    /// Wakes the order workers when work is queued.
    pub wake: Arc<Notify>,
    /// Plans and prices.
    pub catalog: Arc<Catalog>,
    /// Which driver provisions which mailboxes; the `http` agent's need sealed passwords.
    pub drivers: crate::provision::DriverSelection,
    pub metrics: Arc<Metrics>,
    /// `--metrics-token`: `/metrics` then needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// This process's workers (for `/readyz`) and how many were asked for.
    pub worker: Arc<Worker>,
    pub workers_configured: usize,
    /// Sizes, rates, requests in flight and the deadline every request passes.
    pub guard: guard::Guard,
    /// Where mutating calls are recorded.
    pub audit: Arc<crate::audit::AuditLog>,
    /// Webhook deliveries: the secrets' key, the target policy, the loop to wake.
    pub deliverer: Arc<crate::webhooks::Deliverer>,
}

pub type State = axum::extract::State<Arc<AppState>>;

pub(crate) use orders::timestamp;

/// Credentials changed (a password, a closed or restored mailbox, an account's status): this
/// instance forgets its cached logins at once, the others when the announcement reaches them
/// (PostgreSQL `NOTIFY`).
pub(crate) async fn credentials_changed(state: &AppState) {
    state.auth.forget_all();
    if let Err(e) = state.store.announce_credentials().await {
        tracing::warn!(error = %e, "cannot announce changed credentials to other instances");
    }
}

/// Every path the API serves (each also with a trailing `/`), in the router's order; the
/// OpenAPI test checks the spec against it.
pub const API_PATHS: [&str; 65] = [
    "/accounts",
    "/accounts/{account}",
    "/accounts/{account}/exchange",
    "/accounts/{account}/exchange/{domain}",
    "/accounts/{account}/exchange/{domain}/mailboxes",
    "/accounts/{account}/exchange/{domain}/mailboxes/{username}",
    "/accounts/{account}/exchange/{domain}/mailboxes/{username}/action",
    "/accounts/{account}/exchange/{domain}/mailboxes/{username}/archiving",
    "/accounts/{account}/exchange/{domain}/mailboxes/{username}/blackberry",
    "/accounts/{account}/exchange/{domain}/emailAliases",
    "/accounts/{account}/exchange/{domain}/emailAliases/{alias}",
    "/accounts/{account}/exchange/{domain}/globalContacts",
    "/accounts/{account}/exchange/{domain}/globalContacts/{contact}",
    "/accounts/{account}/exchange/{domain}/mailingLists",
    "/accounts/{account}/exchange/{domain}/mailingLists/{list}",
    "/accounts/{account}/exchange/{domain}/mailingList/{list}",
    "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members",
    "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members/{member}",
    "/accounts/{account}/exchange/{domain}/mailingLists/{list}/nonMembers",
    "/accounts/{account}/charges",
    "/accounts/{account}/contacts",
    "/accounts/{account}/users",
    "/accounts/{account}/user/{user}",
    "/accounts/{account}/paymentInfo",
    "/accounts/{account}/paymentInfo/{payment}",
    "/accounts/{account}/attributes",
    "/accounts/{account}/attributes/{name}",
    "/accounts/{account}/products",
    "/orders",
    "/orders/{order}",
    "/orders/{order}/action",
    "/orders/{order}/quote",
    "/orders/{order}/account",
    "/orders/{order}/account/user",
    "/orders/{order}/account/contacts",
    "/orders/{order}/account/paymentInfo",
    "/orders/{order}/account/products",
    "/orders/{order}/account/products/{product}",
    "/orders/{order}/account/products/{product}/services",
    "/orders/{order}/account/products/{product}/services/{service}",
    "/order",
    "/order/action",
    "/order/quote",
    "/order/account",
    "/order/account/user",
    "/order/account/contacts",
    "/order/account/paymentInfo",
    "/order/account/products",
    "/order/account/products/{product}",
    "/order/account/products/{product}/services",
    "/order/account/products/{product}/services/{service}",
    "/audit",
    "/productSpecifications",
    "/productSpecifications/{spec}",
    "/productSpecifications/{spec}/offerings",
    "/productSpecifications/{spec}/offerings/{offering}",
    "/productSpecifications/{spec}/offerings/{offering}/prices",
    "/productSpecifications/{spec}/serviceSpecifications",
    "/serviceSpecifications/{service}",
    "/serviceSpecifications/{service}/attributes",
    "/webhooks",
    "/webhooks/{webhook}",
    "/webhooks/{webhook}/test",
    "/webhooks/{webhook}/deliveries",
    "/webhooks/{webhook}/deliveries/{delivery}",
];

/// The `/partnerAccounts/{partnerAccount}/…` paths: the account paths of [`API_PATHS`] again.
pub fn partner_paths() -> Vec<String> {
    API_PATHS
        .iter()
        .filter_map(|path| partner::mirrored(path))
        .collect()
}

/// The operations paths (no trailing-slash twins).
pub const OPS_PATHS: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

pub fn router(state: Arc<AppState>) -> Router {
    let methods: [MethodRouter<Arc<AppState>>; 65] = [
        get(accounts::list),
        get(accounts::read)
            .put(accounts::update)
            .delete(accounts::delete),
        get(exchange::list),
        get(exchange::read),
        get(mailbox_list::list)
            .post(mailboxes::create)
            .options(mailbox_list::options),
        get(mailboxes::read)
            .put(mailboxes::update)
            .delete(mailbox_actions::delete),
        post(mailbox_actions::action),
        get(addons::read::<{ addons::ARCHIVING }>)
            .put(addons::put::<{ addons::ARCHIVING }>)
            .delete(addons::delete::<{ addons::ARCHIVING }>),
        get(addons::read::<{ addons::BLACKBERRY }>)
            .put(addons::put::<{ addons::BLACKBERRY }>)
            .delete(addons::delete::<{ addons::BLACKBERRY }>),
        get(aliases::list)
            .post(aliases::create)
            .options(aliases::options),
        get(aliases::read).delete(aliases::delete),
        get(contacts::list)
            .post(contacts::create)
            .options(contacts::options),
        get(contacts::read)
            .put(contacts::update)
            .delete(contacts::delete),
        get(lists::list).post(lists::create).options(lists::options),
        get(lists::read).put(lists::update).delete(lists::delete),
        put(lists::update),
        get(lists::members)
            .post(lists::add_member)
            .options(lists::members_options),
        get(lists::member).delete(lists::remove_member),
        get(lists::non_members),
        get(charges::list),
        get(account_contacts::read).put(account_contacts::update),
        get(account_users::list).post(account_users::create),
        get(account_users::read).put(account_users::update),
        get(payments::list),
        get(payments::read),
        get(account_resources::list_attributes).post(account_resources::create_attribute),
        get(account_resources::read_attribute)
            .put(account_resources::update_attribute)
            .delete(account_resources::delete_attribute),
        get(account_resources::list_products),
        get(order_list::list).post(order_create::create),
        get(orders::read).delete(orders::cancel),
        post(order_actions::action),
        get(order_actions::quote),
        get(order_account::read).put(order_account::update),
        get(order_account::read_user).put(order_account::update_user),
        get(order_account::read_contacts).put(order_account::update_contacts),
        get(order_account::read_payment).put(order_account::update_payment),
        post(order_products::create_product),
        get(order_products::read_product),
        post(order_products::create_service),
        get(order_products::read_service).put(order_products::update_service),
        get(orders::read_current).delete(orders::cancel_current),
        post(order_actions::action_current),
        get(order_actions::quote_current),
        get(order_account::read).put(order_account::update),
        get(order_account::read_user).put(order_account::update_user),
        get(order_account::read_contacts).put(order_account::update_contacts),
        get(order_account::read_payment).put(order_account::update_payment),
        post(order_products::create_product),
        get(order_products::read_product),
        post(order_products::create_service),
        get(order_products::read_service).put(order_products::update_service),
        get(audit::list),
        get(products::list_specs),
        get(products::read_spec),
        get(products::list_offerings),
        get(products::read_offering),
        get(products::list_prices),
        get(products::list_services),
        get(products::read_service),
        get(products::list_attributes),
        get(webhooks::list).post(webhooks::create),
        get(webhooks::read)
            .put(webhooks::update)
            .delete(webhooks::delete),
        post(webhooks::test),
        get(webhooks::deliveries),
        get(webhooks::delivery),
    ];
    // `emailAliases` also as the docs' list pages spell it, `emailaliases`.
    let routes: Vec<(String, MethodRouter<Arc<AppState>>)> = API_PATHS
        .into_iter()
        .zip(methods)
        .flat_map(|(path, methods)| {
            let lower = path.replace("emailAliases", "emailaliases");
            let twin = (lower != path).then(|| (lower, methods.clone()));
            std::iter::once((path.to_owned(), methods)).chain(twin)
        })
        .collect();
    // `/partnerAccounts/{partnerAccount}/…`: the account routes again, by partner id.
    let accounts = routes
        .iter()
        .filter(|(path, _)| path.starts_with(partner::ACCOUNT_PREFIX))
        .fold(Router::new(), |router, (path, methods)| {
            router
                .route(path, methods.clone())
                .route(&format!("{path}/"), methods.clone())
        })
        .with_state(Arc::clone(&state));
    let forward = partner::forwarder(accounts);
    let mirrors: Vec<(String, MethodRouter<Arc<AppState>>)> = routes
        .iter()
        .filter_map(|(path, _)| partner::mirrored(path))
        .map(|path| (path, forward.clone()))
        .collect();
    // Every route also answers with a trailing slash, as the docs' `self` links end in one.
    routes
        .into_iter()
        .chain(mirrors)
        .fold(Router::new(), |router, (path, methods)| {
            router
                .route(&path, methods.clone())
                .route(&format!("{path}/"), methods)
        })
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::spec))
        .route("/docs", get(openapi::docs_page))
        // Only where a route and method match (a `405` is no work to keep), inside the route's
        // name, so that replays are counted and audited under their route.
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            idempotency::layer,
        ))
        .route_layer(axum::middleware::from_fn(observe::route_template))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::map_response(hostway_error_bodies))
        .layer(axum::middleware::map_response(poll_after_accepted))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            audit::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            observe::observe,
        ))
        .with_state(state)
}

/// A `202` that names an order (`Location`) says when polling it is worth it (`Retry-After`);
/// or the client can wait on it (`Prefer: wait=N`).
async fn poll_after_accepted(mut response: Response) -> Response {
    if response.status() == StatusCode::ACCEPTED
        && response.headers().contains_key(header::LOCATION)
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, order_wait::POLL_AFTER_SECS.into());
    }
    response
}

/// Rewrites error responses that did not come from [`ApiError`] (axum's own 405s and
/// rejections) into the Hostway error body, keeping headers such as `Allow`.
async fn hostway_error_bodies(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 4096).await.unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::NOT_FOUND => "Resource not found",
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
        s if s.is_server_error() => "Internal server error",
        _ => "Bad request",
    };
    let details = if status.is_client_error() {
        Details::Text(String::from_utf8_lossy(&text).into_owned())
    } else {
        Details::none()
    };
    let mut fixed = error_body(status, message, details);
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            fixed.headers_mut().insert(name, v.clone());
        }
    }
    fixed
}

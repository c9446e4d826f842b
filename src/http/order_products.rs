//! `/orders/{order}/account/products[/{product}[/services[/{service}]]]` and their `/order`
//! shorthands (docs §3.2): a generic order's catalog offerings and their services (the Exchange
//! domain service, with its `domain` attribute); and what a generic order needs before it may be
//! submitted ([`setup`]).

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::extract::{Base, JsonBody};
use super::order_create::{
    OrderPath, account_rights, begin_write, no_mailbox_logins, order_account, with_cookie,
};
use super::orders::{Asker, PERMISSION, authorized};
use super::types::{
    CreatedUrl, Link, OrderProductDocument, OrderServiceDocument, ProductRequest, ServiceChange,
    ServiceRequest,
};
use super::{AppState, State};
use crate::domain::{DomainName, Field, StepKind};
use crate::error::{ApiError, ApiResult, Details};
use crate::pricing::offerings::ServiceSpec;
use crate::store::{
    AccountStatus, NewOrderDomain, NewOrderService, OrderAccount, OrderChange, OrderProduct,
    OrderRecord, OrderService,
};

/// The quota of a mailbox on a domain an order sets up (as `mailorder exchange add`).
const QUOTA_MB: i64 = 2048;

fn changed(outcome: OrderChange) -> ApiError {
    match outcome {
        OrderChange::NotOpen(status) => super::order_actions::not_open(status),
        OrderChange::Changed | OrderChange::NotFound => ApiError::NotFound,
    }
}

/// The part of a URL (or path) after `marker`.
fn after<'a>(url: &'a str, marker: &str) -> Option<&'a str> {
    url.find(marker).map(|at| &url[at + marker.len()..])
}

async fn franchise(state: &AppState, order: &OrderRecord) -> ApiResult<String> {
    state
        .store
        .franchise_name(order.franchise_id)
        .await?
        .ok_or(ApiError::NotFound)
}

fn created(url: String, owner: Option<crate::domain::OwnerId>) -> ApiResult<Response> {
    let mut response = (StatusCode::CREATED, Json(CreatedUrl { url: url.clone() })).into_response();
    response.headers_mut().insert(
        axum::http::header::LOCATION,
        axum::http::HeaderValue::try_from(url).map_err(|e| ApiError::Internal(e.into()))?,
    );
    with_cookie(response, owner)
}

/// `POST …/account/products`: `{"offering": "<url>"}` → `201`, `Location`, `{"url"}`.
pub async fn create_product(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
    JsonBody(body): JsonBody<ProductRequest>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    if body.promo_code.is_present() {
        return Err(ApiError::field(
            "promoCode",
            "Promotion codes are not supported",
        ));
    }
    for (name, field) in [
        ("displayName", &body.display_name),
        ("partnerId", &body.partner_id),
    ] {
        if *field == Field::Wrong {
            return Err(ApiError::field(name, "must be a string"));
        }
    }
    let offering = match body.offering {
        Field::Given(s) => s,
        Field::Absent | Field::Null => return Err(ApiError::field("offering", "Required")),
        Field::Wrong => return Err(ApiError::field("offering", "must be a string")),
    };
    let tail = after(&offering, "/productSpecifications/")
        .map(|t| t.trim_end_matches('/'))
        .ok_or_else(|| ApiError::field("offering", "must be an offering's URL"))?;
    let (spec_id, offering_id) = tail
        .split_once("/offerings/")
        .ok_or_else(|| ApiError::field("offering", "must be an offering's URL"))?;
    let (order, owner) = write.open(&state, asker.cookie).await?;
    let account = order_account(&state, &order).await?;
    account_rights(&asker, &account)?;
    let franchise = franchise(&state, &order).await?;
    let spec = state
        .catalog
        .product_spec(&franchise, spec_id)
        .filter(|s| s.offering() == offering_id)
        .ok_or_else(|| {
            ApiError::field("offering", "no such offering in this franchise's catalog")
        })?;
    if spec.plan.currency.as_str() != account.currency {
        return Err(ApiError::conflict(format!(
            "The offering's currency {} differs from the account's {}",
            spec.plan.currency.as_str(),
            account.currency
        )));
    }
    let pair = (spec.plan.name.as_str(), offering_id);
    let id = state
        .store
        .add_order_product(order.id.as_str(), pair, crate::now_ms())
        .await?
        .map_err(changed)?;
    // The explicit order's URL (under `/order` too): it stays valid after the submit.
    let url = format!("{base}/orders/{}/account/products/{id}", order.id);
    created(url, owner)
}

/// The product named in the path, of the order.
async fn product(
    state: &AppState,
    order: &OrderRecord,
    path: &OrderPath,
) -> ApiResult<OrderProduct> {
    let id: i64 = path
        .product
        .as_deref()
        .and_then(|p| p.parse().ok())
        .ok_or(ApiError::NotFound)?;
    state
        .store
        .order_products(order.id.as_str())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(ApiError::NotFound)
}

/// `GET …/account/products/{product}`.
pub async fn read_product(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
) -> ApiResult<Json<OrderProductDocument>> {
    let (order, _) = authorized(&state, &asker, &path.target, PERMISSION).await?;
    no_mailbox_logins(&asker, &order)?;
    let product = product(&state, &order, &path).await?;
    let at = format!(
        "{}/account/products/{}",
        path.base(&base, &order),
        product.id
    );
    let services = state
        .store
        .order_services(order.id.as_str())
        .await?
        .into_iter()
        .filter(|s| s.product_id == product.id)
        .map(|s| format!("{at}/services/{}", s.id))
        .collect();
    Ok(Json(OrderProductDocument {
        offering: format!(
            "{base}/productSpecifications/{}{}/offerings/{}",
            crate::pricing::offerings::PLAN_PREFIX,
            product.plan,
            product.offering
        ),
        services,
        links: Link::own(format!("{at}/")),
    }))
}

fn text(name: &str, f: Field<String>, max: usize) -> ApiResult<Option<String>> {
    match f {
        Field::Absent | Field::Null => Ok(None),
        Field::Given(s) if !s.trim().is_empty() && s.chars().count() <= max => Ok(Some(s)),
        Field::Given(_) => Err(ApiError::field(
            name,
            format!("must be 1 to {max} characters"),
        )),
        Field::Wrong => Err(ApiError::field(name, "must be a string")),
    }
}

fn cycle(
    state: &AppState,
    franchise: &str,
    spec: ServiceSpec,
    f: Field<i64>,
) -> ApiResult<Option<i64>> {
    match f {
        Field::Absent | Field::Null => Ok(None),
        Field::Given(n) if (1..=120).contains(&n) => {
            let (offered, _) = state.catalog.billing_cycles(franchise, spec);
            if offered.iter().any(|c| i64::from(*c) == n) {
                Ok(Some(n))
            } else {
                Err(ApiError::field(
                    "billingCycle",
                    format!("must be one of {offered:?}"),
                ))
            }
        }
        Field::Given(_) | Field::Wrong => Err(ApiError::field(
            "billingCycle",
            "must be a number of months from 1 to 120",
        )),
    }
}

/// `POST …/products/{product}/services`: the Exchange domain service (`attributes.domain`);
/// `201`, `Location`, `{"url"}`. Mailboxes and add-ons are ordered with their shortcuts.
pub async fn create_service(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
    JsonBody(body): JsonBody<ServiceRequest>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    if body.promo_code.is_present() {
        return Err(ApiError::field(
            "promoCode",
            "Promotion codes are not supported",
        ));
    }
    if !matches!(body.quantity, Field::Absent | Field::Null | Field::Given(1)) {
        return Err(ApiError::field("quantity", "must be 1"));
    }
    let (order, owner) = write.open(&state, asker.cookie).await?;
    account_rights(&asker, &order_account(&state, &order).await?)?;
    let product = product(&state, &order, &path).await?;
    let franchise = franchise(&state, &order).await?;
    let spec_url = text("serviceSpecification", body.service_specification, 2048)?
        .ok_or_else(|| ApiError::field("serviceSpecification", "Required"))?;
    let spec = after(&spec_url, "/serviceSpecifications/")
        .map(|t| t.trim_end_matches('/'))
        .and_then(|id| state.catalog.service_spec(&franchise, id))
        .ok_or_else(|| ApiError::field("serviceSpecification", "no such service specification"))?;
    if spec != ServiceSpec::Domain {
        return Err(ApiError::field(
            "serviceSpecification",
            "mailboxes and add-ons are ordered with POST …/mailboxes and PUT …/archiving|blackberry",
        ));
    }
    let name = text("name", body.name, 100)?.ok_or_else(|| ApiError::field("name", "Required"))?;
    let billing_cycle = cycle(&state, &franchise, spec, body.billing_cycle)?
        .unwrap_or_else(|| i64::from(state.catalog.billing_cycles(&franchise, spec).1));
    let mut domain = None;
    match body.attributes {
        Field::Absent | Field::Null => {}
        Field::Wrong => return Err(ApiError::field("attributes", "must be an object")),
        Field::Given(attributes) => {
            for (key, value) in attributes {
                match (key.as_str(), value) {
                    ("domain", serde_json::Value::String(raw)) => {
                        let parsed = DomainName::parse(&raw)
                            .map_err(|p| ApiError::field("attributes.domain", p))?;
                        domain = Some(parsed.as_str().to_owned());
                    }
                    ("domain", _) => {
                        return Err(ApiError::field("attributes.domain", "must be a string"));
                    }
                    (other, _) => {
                        return Err(ApiError::field(
                            &format!("attributes.{other}"),
                            "unknown attribute (the domain service takes `domain`)",
                        ));
                    }
                }
            }
        }
    }
    let related: Vec<String> = match body.related_to {
        Field::Absent | Field::Null => Vec::new(),
        Field::Given(list) if list.len() <= 16 && list.iter().all(|u| u.len() <= 2048) => list,
        Field::Given(_) | Field::Wrong => {
            return Err(ApiError::field(
                "relatedTo",
                "must be at most 16 service URLs",
            ));
        }
    };
    let related = serde_json::to_string(&related).map_err(|e| ApiError::Internal(e.into()))?;
    let service = NewOrderService {
        order_id: order.id.as_str(),
        product_id: product.id,
        spec: spec.id(),
        name: &name,
        billing_cycle,
        domain: domain.as_deref(),
        related_to: &related,
        now_ms: crate::now_ms(),
    };
    let id = state
        .store
        .add_order_service(&service)
        .await?
        .map_err(changed)?;
    let url = format!(
        "{base}/orders/{}/account/products/{}/services/{id}",
        order.id, product.id
    );
    created(url, owner)
}

/// The service named in the path, of the product named in it.
async fn service(
    state: &AppState,
    order: &OrderRecord,
    path: &OrderPath,
) -> ApiResult<OrderService> {
    let product = product(state, order, path).await?;
    let id: i64 = path
        .service
        .as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or(ApiError::NotFound)?;
    state
        .store
        .order_services(order.id.as_str())
        .await?
        .into_iter()
        .find(|s| s.id == id && s.product_id == product.id)
        .ok_or(ApiError::NotFound)
}

/// `GET …/services/{service}`.
pub async fn read_service(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
) -> ApiResult<Json<OrderServiceDocument>> {
    let (order, _) = authorized(&state, &asker, &path.target, PERMISSION).await?;
    no_mailbox_logins(&asker, &order)?;
    let s = service(&state, &order, &path).await?;
    let related_to = serde_json::from_str(&s.related_to)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored relatedTo")))?;
    let href = format!(
        "{}/account/products/{}/services/{}/",
        path.base(&base, &order),
        s.product_id,
        s.id
    );
    Ok(Json(OrderServiceDocument {
        name: s.name,
        service_specification: format!("{base}/serviceSpecifications/{}", s.spec),
        billing_cycle: s.billing_cycle,
        attributes: s
            .domain
            .map(|d| ("domain".to_owned(), d))
            .into_iter()
            .collect(),
        related_to,
        links: Link::own(href),
    }))
}

/// `PUT …/services/{service}`: `name` and `billingCycle` only; `204`.
pub async fn update_service(
    state: State,
    asker: Asker,
    path: OrderPath,
    JsonBody(body): JsonBody<ServiceChange>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    let name = text("name", body.name, 100)?;
    if !matches!(
        body.billing_cycle,
        Field::Absent | Field::Null | Field::Given(1..=120)
    ) {
        return Err(ApiError::field(
            "billingCycle",
            "must be a number of months from 1 to 120",
        ));
    }
    let (order, owner) = write.open(&state, asker.cookie).await?;
    account_rights(&asker, &order_account(&state, &order).await?)?;
    let current = service(&state, &order, &path).await?;
    let franchise = franchise(&state, &order).await?;
    let spec = ServiceSpec::parse(&current.spec).ok_or(ApiError::NotFound)?;
    let name = name.unwrap_or(current.name);
    let billing_cycle =
        cycle(&state, &franchise, spec, body.billing_cycle)?.unwrap_or(current.billing_cycle);
    let outcome = state
        .store
        .update_order_service(
            order.id.as_str(),
            current.id,
            (&name, billing_cycle),
            crate::now_ms(),
        )
        .await?;
    if outcome != OrderChange::Changed {
        return Err(changed(outcome));
    }
    with_cookie(StatusCode::NO_CONTENT.into_response(), owner)
}

/// What a generic order's submit sets up: its domains and steps.
pub(super) struct Setup {
    pub account_id: i64,
    pub domains: Vec<(String, String, i64)>,
    pub steps: Vec<(StepKind, String)>,
}

impl Setup {
    /// The store's view, borrowing from this.
    pub fn domains(&self) -> Vec<NewOrderDomain<'_>> {
        self.domains
            .iter()
            .map(|(domain, plan, free)| NewOrderDomain {
                domain,
                plan,
                free_mailboxes: *free,
                quota_mb: QUOTA_MB,
            })
            .collect()
    }
}

/// A generic order's setup, or every missing piece by name (`400`), or a domain that has
/// Exchange already (`409`). A new account needs its user, all four contacts and a payment
/// method; every order needs a product, and every product an Exchange domain service with
/// its `domain`.
pub(super) async fn setup(
    state: &AppState,
    order: &OrderRecord,
    account: &OrderAccount,
) -> ApiResult<Setup> {
    let mut missing = BTreeMap::new();
    let new_account = account.status == AccountStatus::New;
    // A login taken since the user was set (by another order, say) is refused now, not by a
    // step that would fail the order half done.
    if let Some(user) = &account.user_name
        && state.store.login_taken(order.franchise_id, user).await?
    {
        return Err(ApiError::Conflict {
            message: format!("User name {user} is taken"),
            details: Details::field("userName", user),
        });
    }
    if new_account {
        if account.user_name.is_none() {
            missing.insert("user".to_owned(), "The account has no user".to_owned());
        }
        let contacts: BTreeMap<String, serde_json::Value> = account
            .contacts
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored contacts")))?
            .unwrap_or_default();
        for kind in crate::domain::CONTACT_KINDS {
            if !contacts.contains_key(kind) {
                missing.insert(
                    format!("contacts.{kind}"),
                    format!("Contact info type {kind} is not set"),
                );
            }
        }
        if account.payment.is_none() {
            missing.insert("paymentInfo".to_owned(), "No payment info set".to_owned());
        }
    } else if account.status != AccountStatus::Open {
        missing.insert(
            "account".to_owned(),
            format!("Account is {}", account.status),
        );
    }
    let products = state.store.order_products(order.id.as_str()).await?;
    let services = state.store.order_services(order.id.as_str()).await?;
    if products.is_empty() {
        missing.insert(
            "products".to_owned(),
            "The order has no products".to_owned(),
        );
    }
    let franchise = franchise(state, order).await?;
    let mut domains = Vec::new();
    for p in &products {
        let mut of_product = services.iter().filter(|s| s.product_id == p.id).peekable();
        if of_product.peek().is_none() {
            missing.insert(
                format!("products.{}", p.id),
                "All plans in the order must contain at least one domain service".to_owned(),
            );
        }
        for s in of_product {
            let Some(domain) = &s.domain else {
                missing.insert(
                    format!("products.{}.services.{}", p.id, s.id),
                    "No domain attribute set.".to_owned(),
                );
                continue;
            };
            let free = state
                .catalog
                .plan(&franchise, &p.plan)
                .map_or(0, |plan| plan.included_mailboxes);
            domains.push((domain.clone(), p.plan.clone(), free));
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::BadRequest {
            message: "Order cannot be submitted".into(),
            details: Details::Fields(missing),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for (domain, _, _) in &domains {
        if !seen.insert(domain.as_str()) || state.store.domain_taken(domain).await? {
            return Err(domain_taken(domain));
        }
    }
    let mut steps = Vec::new();
    if new_account {
        steps.push((StepKind::OpenAccount, account.number.clone()));
    }
    if let Some(user) = &account.user_name {
        steps.push((StepKind::CreateUser, user.clone()));
    }
    if account.contacts.is_some() {
        steps.push((StepKind::SetContacts, account.number.clone()));
    }
    if account.payment.is_some() {
        steps.push((StepKind::AddPayment, account.number.clone()));
    }
    for (domain, _, _) in &domains {
        steps.push((StepKind::CreateExchange, domain.clone()));
    }
    Ok(Setup {
        account_id: account.account_id,
        domains,
        steps,
    })
}

pub(super) fn domain_taken(domain: &str) -> ApiError {
    ApiError::Conflict {
        message: format!("The domain {domain} already has Exchange"),
        details: Details::field("domain", domain),
    }
}

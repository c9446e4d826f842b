//! The product catalog (docs §7): `/productSpecifications[/{spec}[/offerings[/{offering}
//! [/prices]]|/serviceSpecifications]]` and `/serviceSpecifications/{service}[/attributes]`,
//! served from the catalog file: the caller's franchise's section, as quotes price it. Any
//! login may read it; other franchises' plans do not exist for it.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};

use super::State;
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::types::{
    BillingCycle, Link, MoneyPair, OfferingDocument, OfferingItem, PriceItem, ProductSpecDocument,
    ProductSpecItem, ServiceAttribute, ServiceSpecDocument, ServiceSpecItem,
};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Details};
use crate::pricing::offerings::{Price, ProductSpec, ServiceSpec};
use crate::store::TextFilter;

pub(crate) const NAMED: ListSpec = ListSpec {
    sort_fields: &["name"],
    filter_fields: &[("name", &[])],
};

pub(crate) const PRICES: ListSpec = ListSpec {
    sort_fields: &["name"],
    filter_fields: &[
        ("name", &[]),
        ("type", &["fee", "discount", "usage_fee"]),
        ("recurrences", &["recurring", "one_time"]),
        ("relatedServiceSpecification", &[]),
    ],
};

/// The caller's franchise's name: its catalog section.
async fn franchise(state: &super::AppState, caller: &Caller) -> ApiResult<String> {
    state
        .store
        .franchise_name(caller.franchise_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the caller's franchise is gone")))
}

fn matches(filter: Option<&TextFilter>, value: &str) -> bool {
    filter.is_none_or(|f| !f.matching(&[value]).is_empty())
}

fn specs_url(base: &str) -> String {
    format!("{base}/productSpecifications")
}

fn spec_url(base: &str, spec: &ProductSpec<'_>) -> String {
    format!("{}/{}", specs_url(base), spec.id())
}

fn offering_url(base: &str, spec: &ProductSpec<'_>) -> String {
    format!("{}/offerings/{}", spec_url(base, spec), spec.offering())
}

fn service_url(base: &str, service: ServiceSpec) -> String {
    format!("{base}/serviceSpecifications/{}", service.id())
}

/// The product specification named in the path, if the caller's section has it.
async fn load_spec<'a>(
    state: &'a super::AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<ProductSpec<'a>> {
    let franchise = franchise(state, caller).await?;
    state
        .catalog
        .product_spec(&franchise, id)
        .ok_or(ApiError::NotFound)
}

/// `GET /productSpecifications`: the plans the caller's franchise may order.
pub async fn list_specs(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &NAMED, &[])?;
    let franchise = franchise(&state, &caller).await?;
    let name = request.filter("name");
    let items = state
        .catalog
        .product_specs(&franchise)
        .into_iter()
        .filter(|s| matches(name, &s.id()))
        .map(|s| {
            let item = ProductSpecItem {
                product_specification: s.id(),
                description: s.description(),
                details: spec_url(&base, &s),
            };
            (s.id(), item)
        })
        .collect();
    request.respond_in_memory(&specs_url(&base), items).await
}

/// `GET /productSpecifications/{spec}`.
pub async fn read_spec(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let spec = load_spec(&state, &caller, &id).await?;
    let own = spec_url(&base, &spec);
    Ok(Json(ProductSpecDocument {
        product_specification: spec.id(),
        description: spec.description(),
        plan: spec.plan.name.clone(),
        included_mailboxes: spec.plan.included_mailboxes,
        offerings: format!("{own}/offerings"),
        service_specifications: format!("{own}/serviceSpecifications"),
        links: Link::own(own),
    })
    .into_response())
}

/// `GET …/offerings`: the plan's one offering (its currency and billing period).
pub async fn list_offerings(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &NAMED, &[])?;
    let spec = load_spec(&state, &caller, &id).await?;
    let items = [spec]
        .into_iter()
        .filter(|s| matches(request.filter("name"), &s.offering()))
        .map(|s| {
            let item = OfferingItem {
                offering: s.offering(),
                currency: s.plan.currency.as_str().to_owned(),
                billing_period: s.plan.billing_cycle_months,
                details: offering_url(&base, &s),
            };
            (s.offering(), item)
        })
        .collect();
    request
        .respond_in_memory(&format!("{}/offerings", spec_url(&base, &spec)), items)
        .await
}

/// The offering named in the path.
async fn load_offering<'a>(
    state: &'a super::AppState,
    caller: &Caller,
    (id, offering): (&str, &str),
) -> ApiResult<(String, ProductSpec<'a>)> {
    let franchise = franchise(state, caller).await?;
    let spec = state
        .catalog
        .product_spec(&franchise, id)
        .filter(|s| s.offering() == offering)
        .ok_or(ApiError::NotFound)?;
    Ok((franchise, spec))
}

/// The prices that pass the request's filters, as list items with their sort key.
fn price_items(base: &str, prices: Vec<Price>, request: &ListRequest) -> Vec<(String, PriceItem)> {
    prices
        .into_iter()
        .filter(|p| {
            matches(request.filter("name"), &p.name)
                && matches(request.filter("type"), "fee")
                && matches(request.filter("recurrences"), p.recurrence.as_str())
                && matches(
                    request.filter("relatedServiceSpecification"),
                    p.service.id(),
                )
        })
        .map(|p| {
            let item = PriceItem {
                name: p.name.clone(),
                kind: "fee",
                recurrence: p.recurrence.as_str(),
                billing_cycle: p.billing_cycle,
                amount: MoneyPair::always(p.amount, p.currency),
                included: p.included,
                related_service_specification: service_url(base, p.service),
            };
            (p.name, item)
        })
        .collect()
}

/// `GET …/offerings/{offering}[?details=1&filter…]`.
pub async fn read_offering(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((id, offering)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &PRICES, &["details"])?;
    let details = match request.extra.iter().find(|(k, _)| k == "details") {
        None => false,
        Some((_, v)) if v == "0" => false,
        Some((_, v)) if v == "1" => true,
        Some(_) => {
            return Err(ApiError::BadRequest {
                message: "Invalid parameters".into(),
                details: Details::field("details", "must be 0 or 1"),
            });
        }
    };
    let (franchise, spec) = load_offering(&state, &caller, (&id, &offering)).await?;
    let own = offering_url(&base, &spec);
    let price_details = details.then(|| {
        let mut items = price_items(&base, state.catalog.prices(&franchise, spec), &request);
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items.into_iter().map(|(_, item)| item).collect()
    });
    Ok(Json(OfferingDocument {
        offering: spec.offering(),
        billing_period: spec.plan.billing_cycle_months,
        currency: spec.plan.currency.as_str().to_owned(),
        default: 1,
        prices: format!("{own}/prices"),
        price_details,
        links: vec![
            Link::new(own, "self"),
            Link::new(spec_url(&base, &spec), "related"),
        ],
    })
    .into_response())
}

/// `GET …/offerings/{offering}/prices[?filterType=…]`.
pub async fn list_prices(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((id, offering)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &PRICES, &[])?;
    let (franchise, spec) = load_offering(&state, &caller, (&id, &offering)).await?;
    let items = price_items(&base, state.catalog.prices(&franchise, spec), &request);
    let url = format!("{}/prices", offering_url(&base, &spec));
    request.respond_in_memory(&url, items).await
}

/// `GET /productSpecifications/{spec}/serviceSpecifications`: the services the plan sells.
pub async fn list_services(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &NAMED, &[])?;
    let franchise = franchise(&state, &caller).await?;
    let spec = state
        .catalog
        .product_spec(&franchise, &id)
        .ok_or(ApiError::NotFound)?;
    let items = state
        .catalog
        .service_specs(&franchise)
        .into_iter()
        .filter(|s| matches(request.filter("name"), s.name()))
        .map(|s| {
            let item = ServiceSpecItem {
                service_specification: s.id().to_owned(),
                name: s.name().to_owned(),
                details: service_url(&base, s),
            };
            (s.name().to_owned(), item)
        })
        .collect();
    let url = format!("{}/serviceSpecifications", spec_url(&base, &spec));
    request.respond_in_memory(&url, items).await
}

async fn load_service(
    state: &super::AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(String, ServiceSpec)> {
    let franchise = franchise(state, caller).await?;
    let service = state
        .catalog
        .service_spec(&franchise, id)
        .ok_or(ApiError::NotFound)?;
    Ok((franchise, service))
}

/// `GET /serviceSpecifications/{service}`.
pub async fn read_service(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (franchise, service) = load_service(&state, &caller, &id).await?;
    let (cycles, default) = state.catalog.billing_cycles(&franchise, service);
    let own = service_url(&base, service);
    Ok(Json(ServiceSpecDocument {
        name: service.name().to_owned(),
        category: service.category().to_owned(),
        ranking: service.ranking(),
        attributes: format!("{own}/attributes"),
        billing_cycles: cycles
            .into_iter()
            .map(|c| BillingCycle {
                default: u8::from(c == default),
                billing_cycle: c,
            })
            .collect(),
        links: Link::own(own),
    })
    .into_response())
}

/// `GET /serviceSpecifications/{service}/attributes`.
pub async fn list_attributes(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &NAMED, &[])?;
    let (_, service) = load_service(&state, &caller, &id).await?;
    let items = service
        .attributes()
        .iter()
        .filter(|a| matches(request.filter("name"), a.name))
        .map(|a| {
            let item = ServiceAttribute {
                name: a.name.to_owned(),
                kind: "string",
                required: u8::from(a.required),
                description: a.description.to_owned(),
            };
            (a.name.to_owned(), item)
        })
        .collect();
    let url = format!("{}/attributes", service_url(&base, service));
    request.respond_in_memory(&url, items).await
}

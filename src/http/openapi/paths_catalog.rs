//! The documented operations of the product catalog (docs §7).
#![allow(dead_code)]

use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/productSpecifications", tag = "Product catalog",
    summary = "The plans the caller's franchise may order",
    description = "From the catalog file (`--catalog`): the caller's franchise's section, or the default one. Each plan is `core.plan.email.<plan>`.",
    responses((status = 200, body = ListBody<ProductSpecItem>), (status = 400, body = ErrorBody), (status = 303, description = "Paging redirect", headers(("Location" = String)))),
    security(("basic" = [])))]
pub fn spec_list() {}

#[utoipa::path(get, path = "/productSpecifications/{spec}", tag = "Product catalog",
    summary = "A plan",
    params(("spec" = String, Path, example = "core.plan.email.exchange2010")),
    responses((status = 200, body = ProductSpecDocument), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn spec_read() {}

#[utoipa::path(get, path = "/productSpecifications/{spec}/offerings", tag = "Product catalog",
    summary = "A plan's offerings (one: its currency and billing period, e.g. `USD-1`)",
    params(("spec" = String, Path, example = "core.plan.email.exchange2010")),
    responses((status = 200, body = ListBody<OfferingItem>), (status = 400, body = ErrorBody), (status = 303, description = "Paging redirect", headers(("Location" = String))), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn offering_list() {}

#[utoipa::path(get, path = "/productSpecifications/{spec}/offerings/{offering}", tag = "Product catalog",
    summary = "An offering",
    description = "`details=1` adds `priceDetails`, the prices as `…/prices` lists them (its filters apply).",
    params(("spec" = String, Path, example = "core.plan.email.exchange2010"), ("offering" = String, Path, example = "USD-1"),
        ("details" = Option<String>, Query, description = "`1`: the prices inline; `0` (default): only their URL", pattern = "^[01]$")),
    responses((status = 200, body = OfferingDocument), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn offering_read() {}

#[utoipa::path(get, path = "/productSpecifications/{spec}/offerings/{offering}/prices", tag = "Product catalog",
    summary = "What the offering charges per unit, as quotes charge it",
    description = "A further mailbox (beyond `included`) and each add-on: a setup fee (`one_time`) if any and the `recurring` fee per `billingCycle` months.",
    params(("spec" = String, Path, example = "core.plan.email.exchange2010"), ("offering" = String, Path, example = "USD-1")),
    responses((status = 200, body = ListBody<PriceItem>), (status = 400, body = ErrorBody), (status = 303, description = "Paging redirect", headers(("Location" = String))), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn price_list() {}

#[utoipa::path(get, path = "/productSpecifications/{spec}/serviceSpecifications", tag = "Product catalog",
    summary = "The services a plan sells: the Exchange domain, mailboxes, and the add-ons offered",
    params(("spec" = String, Path, example = "core.plan.email.exchange2010")),
    responses((status = 200, body = ListBody<ServiceSpecItem>), (status = 400, body = ErrorBody), (status = 303, description = "Paging redirect", headers(("Location" = String))), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn service_list() {}

#[utoipa::path(get, path = "/serviceSpecifications/{service}", tag = "Product catalog",
    summary = "A service",
    params(("service" = String, Path, example = "core.service.email.exchange.domain")),
    responses((status = 200, body = ServiceSpecDocument), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn service_read() {}

#[utoipa::path(get, path = "/serviceSpecifications/{service}/attributes", tag = "Product catalog",
    summary = "What a service takes when ordered (the Exchange domain: `domain`)",
    params(("service" = String, Path, example = "core.service.email.exchange.domain")),
    responses((status = 200, body = ListBody<ServiceAttribute>), (status = 400, body = ErrorBody), (status = 303, description = "Paging redirect", headers(("Location" = String))), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn attribute_list() {}

//! An account's attributes (`/accounts/{account}/attributes[/{name}]`, docs §6.6: the account's
//! agents and users read and set them; `partner_account_id` names the account under
//! `/partnerAccounts`) and its products (`GET /accounts/{account}/products`: each Exchange
//! domain, a plan with its domain service).

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;

use super::State;
use super::access;
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{AccountAttribute, AccountProduct, AttributeChange, AttributeCreate, Link};
use crate::domain::{BoundedText, Field};
use crate::error::{ApiError, ApiResult};
use crate::pricing::offerings::{PLAN_PREFIX, ServiceSpec};
use crate::store::{AttributeOutcome, PARTNER_ID};

pub(crate) const ATTRIBUTES: ListSpec = ListSpec {
    sort_fields: &["name"],
    filter_fields: &[("name", &[])],
};

pub(crate) const PRODUCTS: ListSpec = ListSpec {
    sort_fields: &[],
    filter_fields: &[],
};

/// An attribute's name: 1 to 64 letters, digits, `_`, `.` or `-`.
fn attribute_name(raw: &str) -> ApiResult<String> {
    if (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            "name",
            "must be 1 to 64 letters, digits, '_', '.' or '-'",
        ))
    }
}

/// A value: at most 255 characters; a `partner_account_id` is one a URL path carries as it is.
fn attribute_value(name: &str, field: Field<String>) -> ApiResult<String> {
    match field {
        Field::Given(v) if name == PARTNER_ID && !super::partner::valid_partner_id(&v) => {
            Err(ApiError::field(
                "value",
                "a partner_account_id is 1 to 64 letters, digits, '.', '_', '~' or '-'",
            ))
        }
        Field::Given(v) => BoundedText::<255>::parse(&v)
            .map(|t| t.as_str().to_owned())
            .map_err(|p| ApiError::field("value", p)),
        Field::Absent | Field::Null => Err(ApiError::field("value", "Required")),
        Field::Wrong => Err(ApiError::field("value", "must be a string")),
    }
}

fn partner_id_taken() -> ApiError {
    ApiError::conflict("Another account of the franchise has that partner_account_id")
}

/// `GET …/attributes`.
pub async fn list_attributes(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &ATTRIBUTES, &[])?;
    let account = access::account(&state, &caller, &number).await?;
    let url = format!("{base}/accounts/{}/attributes", account.number);
    let name = request.filter("name");
    let items = state
        .store
        .account_attributes(account.id)
        .await?
        .into_iter()
        .filter(|(n, _)| name.is_none_or(|f| !f.matching(&[n.as_str()]).is_empty()))
        .map(|(name, value)| {
            let item = AccountAttribute {
                links: Link::own(format!("{url}/{name}")),
                name: name.clone(),
                value,
            };
            (name, item)
        })
        .collect();
    request.respond_in_memory(&url, items).await
}

/// `POST …/attributes` `{"name", "value"}`: `201` with `Location`; `409` if it exists.
pub async fn create_attribute(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<AttributeCreate>,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &number).await?;
    let name = match body.name {
        Field::Given(n) => attribute_name(&n)?,
        Field::Absent | Field::Null => return Err(ApiError::field("name", "Required")),
        Field::Wrong => return Err(ApiError::field("name", "must be a string")),
    };
    let value = attribute_value(&name, body.value)?;
    partner_id_is_agents(&caller, &name)?;
    let ids = (account.id, account.franchise_id);
    match state
        .store
        .put_account_attribute(ids, (&name, &value), true, crate::now_ms())
        .await?
    {
        None => Err(ApiError::conflict(format!("The attribute {name} exists"))),
        Some(AttributeOutcome::PartnerIdTaken) => Err(partner_id_taken()),
        Some(_) => access::located(
            StatusCode::CREATED,
            format!("{base}/accounts/{}/attributes/{name}", account.number),
        ),
    }
}

/// `GET …/attributes/{name}`.
pub async fn read_attribute(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((number, name)): Path<(String, String)>,
) -> ApiResult<Json<AccountAttribute>> {
    let account = access::account(&state, &caller, &number).await?;
    let value = state
        .store
        .account_attributes(account.id)
        .await?
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(AccountAttribute {
        links: Link::own(format!(
            "{base}/accounts/{}/attributes/{name}",
            account.number
        )),
        name,
        value,
    }))
}

/// `PUT …/attributes/{name}` `{"value"}`: sets it (made if missing); `204`.
pub async fn update_attribute(
    state: State,
    Auth(caller): Auth,
    Path((number, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<AttributeChange>,
) -> ApiResult<StatusCode> {
    let account = access::account(&state, &caller, &number).await?;
    let name = attribute_name(&name).map_err(|_| ApiError::NotFound)?;
    match body.name {
        Field::Absent | Field::Null => {}
        Field::Given(n) if n == name => {}
        Field::Given(_) | Field::Wrong => {
            return Err(ApiError::field("name", "cannot be changed"));
        }
    }
    let value = attribute_value(&name, body.value)?;
    partner_id_is_agents(&caller, &name)?;
    let ids = (account.id, account.franchise_id);
    match state
        .store
        .put_account_attribute(ids, (&name, &value), false, crate::now_ms())
        .await?
    {
        Some(AttributeOutcome::PartnerIdTaken) => Err(partner_id_taken()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// `DELETE …/attributes/{name}`: `204`; `404` if it is not there.
pub async fn delete_attribute(
    state: State,
    Auth(caller): Auth,
    Path((number, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let account = access::account(&state, &caller, &number).await?;
    partner_id_is_agents(&caller, &name)?;
    if state
        .store
        .delete_account_attribute(account.id, &name)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `GET …/products`: each Exchange domain of the account, as a product of its plan with the
/// domain service; `related` links to the domain.
pub async fn list_products(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &PRODUCTS, &[])?;
    let account = access::account(&state, &caller, &number).await?;
    let items = state
        .store
        .exchanges_of(account.id)
        .await?
        .into_iter()
        .map(|e| {
            let spec = format!("{base}/productSpecifications/{PLAN_PREFIX}{}", e.plan);
            let item = AccountProduct {
                product_specification: spec,
                status: "open",
                services: vec![e.domain.clone()],
                service_specification: format!(
                    "{base}/serviceSpecifications/{}",
                    ServiceSpec::Domain.id()
                ),
                links: Link::related(super::access::exchange_url(&base, &e)),
            };
            (e.domain, item)
        })
        .collect();
    request
        .respond_in_memory(
            &format!("{base}/accounts/{}/products", account.number),
            items,
        )
        .await
}

/// `partner_account_id` is how the partner addresses the account (`/partnerAccounts`, delete
/// included): its agents set it, not the customer.
fn partner_id_is_agents(caller: &crate::auth::Caller, name: &str) -> ApiResult<()> {
    if name == PARTNER_ID && caller.role != crate::domain::Role::Agent {
        Err(access::forbidden("Attribute"))
    } else {
        Ok(())
    }
}

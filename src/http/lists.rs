//! `…/exchange/{domain}/mailingLists` (docs §2.10–2.11): mailing lists, created and deleted
//! through orders the worker completes, and their members, which change at once. A list's
//! address delivers to every member while it is open.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, exchange_url, located};
use super::conditional::{not_modified, with_last_modified};
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest as ListParams, ListSpec};
use super::types::{Link, ListMember, MailingListDocument, MailingListItem};
use crate::domain::{BoundedText, ListRequest, MemberRequest, NewList, OrderId, OwnerId};
use crate::error::{ApiError, ApiResult};
use crate::store::{
    AddMemberOutcome, BillingStatus, ExchangeRecord, ListOrderOutcome, ListQuery, ListRecord,
    MemberRecord, NewListOrder,
};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["name"],
    filter_fields: &[
        ("name", &[]),
        (
            "billingStatus",
            &[
                "pending",
                "open",
                "suspended",
                "close_pending",
                "closed",
                "purge_pending",
            ],
        ),
    ],
};

pub(crate) const MEMBERS_SPEC: ListSpec = ListSpec {
    sort_fields: &["name", "username", "type"],
    filter_fields: &[
        ("name", &[]),
        ("username", &[]),
        ("type", &["mailbox", "globalContact"]),
    ],
};

fn lists_url(base: &str, exchange: &ExchangeRecord) -> String {
    format!("{}/mailingLists", exchange_url(base, exchange))
}

/// The list named in the path, if it exists and is not on its way out.
async fn load(
    state: &super::AppState,
    exchange: &ExchangeRecord,
    name: &str,
) -> ApiResult<ListRecord> {
    state
        .store
        .mailing_list(exchange.id, name)
        .await?
        .filter(|l| l.billing_status != BillingStatus::PurgePending)
        .ok_or(ApiError::NotFound)
}

pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let request = ListParams::parse(query.as_deref(), &SPEC, &[])?;
    let url = lists_url(&base, &exchange);
    let total = state.store.count_lists(exchange.id, &request.query).await?;
    request
        .respond(total, &url, async |page| {
            let query = ListQuery {
                page,
                ..request.query.clone()
            };
            let items = state.store.list_lists(exchange.id, &query).await?;
            Ok(items
                .into_iter()
                .map(|l| MailingListItem {
                    billing_status: l.billing_status,
                    details: format!("{url}/{}", l.name),
                    name: l.name,
                })
                .collect())
        })
        .await
}

/// `OPTIONS`: what the list of lists can be sorted and filtered by.
pub async fn options(
    state: State,
    Auth(caller): Auth,
    Path((account, domain)): Path<(String, String)>,
) -> ApiResult<Response> {
    access::exchange(&state, &caller, &account, &domain).await?;
    Ok(SPEC.answer_options())
}

/// `POST`: `202` with the `Location` of the order that creates the list (and the `OwnerId`
/// cookie); the list is `pending` until it completes.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    JsonBody(body): JsonBody<ListRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let list = NewList::parse(body).map_err(ApiError::Validation)?;
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let owner_id = OwnerId::generate();
    let order = NewListOrder {
        order_id: &order_id,
        owner_id,
        account_id: exchange.account_id,
        exchange_id: exchange.id,
        name: list.name.as_str(),
        owner: list.owner.as_str(),
        description: list.description.as_str(),
        now_ms: now,
    };
    match state.store.create_list_order(&order).await? {
        ListOrderOutcome::Created => {
            state.wake.notify_waiters();
            access::accepted(&base, &order_id, owner_id)
        }
        ListOrderOutcome::Taken => Err(ApiError::conflict(format!(
            "{} is already a mailbox, an alias or a list of this domain",
            list.name
        ))),
        ListOrderOutcome::NoOwner => Err(ApiError::field(
            "owner",
            format!("{} is not a mailbox of this domain", list.owner),
        )),
        ListOrderOutcome::AccountNotOpen(status) => {
            Err(ApiError::Forbidden(format!("Account is {status}")))
        }
        ListOrderOutcome::Gone | ListOrderOutcome::Busy => Err(ApiError::Internal(
            anyhow::anyhow!("a creation cannot find its list gone or busy"),
        )),
    }
}

/// A list's document.
pub(crate) fn document(
    base: &str,
    exchange: &ExchangeRecord,
    l: ListRecord,
) -> MailingListDocument {
    let own = format!("{}/{}", lists_url(base, exchange), l.name);
    MailingListDocument {
        members: format!("{own}/members"),
        links: Link::own(format!("{own}/")),
        name: l.name,
        owner: l.owner,
        billingstatus: l.billing_status,
        description: l.description,
    }
}

pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    if let Some(cached) = not_modified(&headers, l.updated_ms) {
        return Ok(cached);
    }
    let updated_ms = l.updated_ms;
    let mut response = Json(document(&base, &exchange, l)).into_response();
    with_last_modified(&mut response, updated_ms);
    Ok(response)
}

/// `PUT` (also at the docs' `…/mailingList/{name}`): only the description changes; `204`
/// with the list's `Location`.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<ListRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    let current = BoundedText::parse(&l.description)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored description: {e}")))?;
    let description =
        NewList::parse_change(body, (&l.name, &l.owner, current)).map_err(ApiError::Validation)?;
    if !state
        .store
        .describe_list(l.id, description.as_str(), l.updated_ms, crate::now_ms())
        .await?
    {
        return Err(ApiError::conflict(
            "The list changed meanwhile; read it again",
        ));
    }
    located(
        StatusCode::NO_CONTENT,
        format!("{}/{}/", lists_url(&base, &exchange), l.name),
    )
}

/// `DELETE`: `202` with the order that deletes the list; its address stops delivering at once.
pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let owner_id = OwnerId::generate();
    let order = NewListOrder {
        order_id: &order_id,
        owner_id,
        account_id: exchange.account_id,
        exchange_id: exchange.id,
        name: &name,
        owner: "",
        description: "",
        now_ms: now,
    };
    match state.store.delete_list_order(&order).await? {
        ListOrderOutcome::Created => {
            state.wake.notify_waiters();
            access::accepted(&base, &order_id, owner_id)
        }
        ListOrderOutcome::Gone => Err(ApiError::NotFound),
        _ => Err(ApiError::conflict(
            "The list is being created or deleted; try when its order has ended",
        )),
    }
}

fn member_document(
    base: &str,
    exchange: &ExchangeRecord,
    list: &str,
    m: MemberRecord,
) -> ListMember {
    let own = format!("{}/{list}/members/{}", lists_url(base, exchange), m.member);
    let related = if m.kind == "mailbox" {
        access::mailbox_url(base, exchange, &m.member)
    } else {
        format!(
            "{}/globalContacts/{}",
            exchange_url(base, exchange),
            m.member
        )
    };
    ListMember {
        links: vec![Link::new(own, "self"), Link::new(related, "related")],
        username: m.member,
        kind: m.kind,
        name: m.name,
    }
}

async fn members_page(
    state: State,
    caller: crate::auth::Caller,
    base: String,
    (account, domain, name): (String, String, String),
    query: Option<String>,
    members: bool,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    let request = ListParams::parse(query.as_deref(), &MEMBERS_SPEC, &[])?;
    let sort = request.sort_field().map(str::to_owned);
    let which = if members { "members" } else { "nonMembers" };
    let url = format!("{}/{}/{which}", lists_url(&base, &exchange), l.name);
    let key = (l.id, exchange.id);
    let total = state
        .store
        .count_members(key, members, &request.query)
        .await?;
    request
        .respond(total, &url, async |page| {
            let query = ListQuery {
                page,
                ..request.query.clone()
            };
            let items = state
                .store
                .list_members(key, members, &query, sort.as_deref())
                .await?;
            Ok(items
                .into_iter()
                .map(|m| member_document(&base, &exchange, &l.name, m))
                .collect())
        })
        .await
}

/// `GET …/members`: the list's mailboxes and global contacts.
pub async fn members(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(path): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    members_page(state, caller, base, path, query, true).await
}

/// `GET …/nonMembers`: the domain's mailboxes and global contacts that are not in the list.
pub async fn non_members(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(path): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    members_page(state, caller, base, path, query, false).await
}

/// `OPTIONS …/members`.
pub async fn members_options(
    state: State,
    Auth(caller): Auth,
    Path((account, domain, name)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    load(&state, &exchange, &name).await?;
    Ok(MEMBERS_SPEC.answer_options())
}

/// `POST …/members {"username"}`: a mailbox (by username) or a global contact (by id) of the
/// domain joins; `201` with its `Location`.
pub async fn add_member(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<MemberRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    let member = body.parse().map_err(ApiError::Validation)?;
    match state
        .store
        .add_member(exchange.id, l.id, &member, crate::now_ms())
        .await?
    {
        AddMemberOutcome::Added => {
            // A domain on the agent has a `sync_address` step queued with the change.
            state.wake.notify_waiters();
            located(
                StatusCode::CREATED,
                format!(
                    "{}/{}/members/{member}",
                    lists_url(&base, &exchange),
                    l.name
                ),
            )
        }
        AddMemberOutcome::Already => {
            Err(ApiError::conflict(format!("{member} is already a member")))
        }
        AddMemberOutcome::Unknown => Err(ApiError::field(
            "username",
            format!("{member} is neither a mailbox nor a global contact of this domain"),
        )),
    }
}

/// `GET …/members/{member}`: one member, in the list's item shape.
pub async fn member(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name, member)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    let query = ListQuery {
        sort_desc: false,
        filters: vec![(
            "username".to_owned(),
            crate::store::TextFilter::Exact(member.clone()),
        )],
        page: crate::store::Page {
            offset: 0,
            limit: 2,
        },
    };
    let found = state
        .store
        .list_members((l.id, exchange.id), true, &query, None)
        .await?
        .into_iter()
        .find(|m| m.member == member)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(member_document(&base, &exchange, &l.name, found)).into_response())
}

/// `DELETE …/members/{member}`: `204`; the list stops delivering to it at once.
pub async fn remove_member(
    state: State,
    Auth(caller): Auth,
    Path((account, domain, name, member)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let l = load(&state, &exchange, &name).await?;
    if state
        .store
        .remove_member(exchange.id, l.id, &member, crate::now_ms())
        .await?
    {
        // A domain on the agent has a `sync_address` step queued with the change.
        state.wake.notify_waiters();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

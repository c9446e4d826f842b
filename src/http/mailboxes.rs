//! `…/exchange/{domain}/mailboxes[/{username}]`: order a mailbox, read one, change one.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, mailbox_url};
use super::conditional::{not_modified, with_last_modified};
use super::extract::{Auth, Base, JsonBody, OwnerCookie};
use super::quotes::{price_lines, unpriceable};
use super::types::{CompactQuote, Link, Mailbox};
use crate::domain::{
    BoundedText, CurrentMailbox, DomainName, EmailAddress, MailboxChange, MailboxCreateRequest,
    MailboxSettings, MailboxUpdateRequest, NewMailbox, OrderId, OwnerId, RecipientLimit,
    SealedPassword,
};
use crate::error::{ApiError, ApiResult, Details};
use crate::provision::destinations;
use crate::store::{
    AccountStatus, AgentStep, BillingStatus, CreateOutcome, ExchangeRecord, MailboxRecord,
    MailboxUpdate, NewMailboxOrder, Role, StepKind, UpdateOutcome,
};

fn duplicate(username: &str) -> ApiError {
    ApiError::Conflict {
        message: "Mailbox already exists".into(),
        details: Details::field(
            "owner.username",
            format!("{username:?} already exists or is being ordered"),
        ),
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("stored mailbox data does not parse: {e}"))
}

fn domain_of(exchange: &ExchangeRecord) -> ApiResult<DomainName> {
    DomainName::parse(&exchange.domain).map_err(internal)
}

/// `POST …/mailboxes`: validates everything synchronously, reserves the name, and queues the
/// order. A free mailbox answers `202` with the order's `Location` and the `OwnerId` cookie.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    cookie: OwnerCookie,
    Path((account, domain)): Path<(String, String)>,
    JsonBody(body): JsonBody<MailboxCreateRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    if exchange.account_status != AccountStatus::Open {
        return Err(ApiError::Forbidden(format!(
            "Account is {}",
            exchange.account_status
        )));
    }
    // A domain whose plan the catalog no longer offers cannot price a mailbox: refuse before
    // anything is written.
    if state
        .catalog
        .plan(&exchange.franchise_name, &exchange.plan)
        .is_none()
    {
        tracing::warn!(
            domain = exchange.domain,
            plan = exchange.plan,
            "plan missing from the catalog"
        );
        return Err(ApiError::Forbidden(format!(
            "Plan {} is not offered any more",
            exchange.plan
        )));
    }
    let mailbox = NewMailbox::parse(body, &domain_of(&exchange)?).map_err(ApiError::Validation)?;
    // Cheap early answer for the common conflict; the transaction below settles races.
    if state
        .store
        .mailbox(exchange.id, mailbox.username.as_str())
        .await?
        .is_some()
    {
        return Err(duplicate(mailbox.username.as_str()));
    }
    let password_hash = state.hashing.hash(mailbox.password.clone()).await?;
    // The http agent needs the password itself: sealed until its creation step succeeds.
    let password_sealed = state
        .drivers
        .agent_for(&exchange.franchise_name, &exchange.plan)
        .map(|agent| {
            let address = format!("{}@{}", mailbox.username.as_str(), exchange.domain);
            SealedPassword::seal(&mailbox.password, &agent.seal_key, &address)
        });
    let owner_id = adopted_owner(&state, cookie, exchange.account_id).await?;
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let order = NewMailboxOrder {
        order_id: &order_id,
        owner_id,
        exchange: &exchange,
        mailbox: &mailbox,
        password_hash: &password_hash,
        password_sealed: password_sealed.as_ref(),
        now_ms: now,
    };
    match state.store.create_mailbox_order(&order).await? {
        CreateOutcome::Created => {
            state.wake.notify_waiters();
            state.metrics.accepted("free_mailbox");
            tracing::info!(order.id = %order_id, account = exchange.account_number, domain = exchange.domain, "mailbox order accepted");
            access::accepted(&base, &order_id, owner_id)
        }
        CreateOutcome::Quoted(open_order) => {
            state.metrics.accepted("paid_mailbox_line");
            tracing::info!(order.id = %open_order, account = exchange.account_number, domain = exchange.domain, "paid mailbox added to an open order");
            quoted(&state, &base, &exchange, &open_order, owner_id).await
        }
        CreateOutcome::Duplicate => Err(duplicate(mailbox.username.as_str())),
        CreateOutcome::OwnerBusy => Err(ApiError::conflict(
            "A new order has already been created for this ownerID",
        )),
        CreateOutcome::AccountNotOpen(status) => {
            Err(ApiError::Forbidden(format!("Account is {status}")))
        }
    }
}

/// The `OwnerId` the order gets: the cookie's if the server minted it for this account (some
/// order of the account carries it), else a new one. A value made up, or minted for someone
/// else's account, is never adopted, so nobody can plant a known `OwnerId` and then read,
/// cancel or submit the open order it owns through `/order`.
pub(super) async fn adopted_owner(
    state: &super::AppState,
    cookie: OwnerCookie,
    account_id: i64,
) -> ApiResult<OwnerId> {
    if let OwnerCookie::Valid(owner) = cookie
        && state.store.owner_known(&owner, account_id).await?
    {
        return Ok(owner);
    }
    Ok(OwnerId::generate())
}

/// `202 Accepted` for a paid mailbox: the `OwnerId` cookie and the open order's compact quote,
/// whose `related` link is the action URL to submit it (no `Location`, as in the docs).
async fn quoted(
    state: &super::AppState,
    base: &str,
    exchange: &ExchangeRecord,
    order_id: &OrderId,
    owner_id: OwnerId,
) -> ApiResult<Response> {
    let (order, lines) = state
        .store
        .order_with_lines(order_id.as_str())
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("open order {order_id} vanished")))?;
    let priced = price_lines(state, order.id.as_str(), &lines).map_err(unpriceable)?;
    let body = CompactQuote::of(
        &priced.quote,
        format!(
            "{base}/accounts/{}/exchange/{}/mailboxes/",
            exchange.account_number, exchange.domain
        ),
        format!("{base}/orders/{order_id}/action"),
    );
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    let cookie = format!("OwnerId={owner_id}; Path=/");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::try_from(cookie).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}

pub(crate) fn mailbox_body(m: MailboxRecord, self_url: String) -> Mailbox {
    Mailbox {
        username: m.username,
        admin: u8::from(m.admin),
        notes: m.notes,
        quota: m.quota_mb,
        recipient_limit: m.recipient_limit,
        archiving: u8::from(m.archiving),
        blackberry: u8::from(m.blackberry),
        billing_status: m.billing_status,
        name: m.contact.name,
        address: m.contact.address,
        phones: m.contact.phones,
        forward_to: m.forward_to,
        deliver_redirect: m.deliver_redirect,
        links: Link::own(self_url),
    }
}

/// `GET …/mailboxes/{username}`: the mailbox in the docs' shape; never a password or hash.
/// Conditional by date.
pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (exchange, mailbox) =
        access::mailbox(&state, &caller, &account, &domain, &username).await?;
    let updated_ms = mailbox.updated_ms;
    if let Some(cached) = not_modified(&headers, updated_ms) {
        return Ok(cached);
    }
    let url = mailbox_url(&base, &exchange, &mailbox.username);
    let mut response = Json(mailbox_body(mailbox, url)).into_response();
    with_last_modified(&mut response, updated_ms);
    Ok(response)
}

/// The stored mailbox as settings a change applies to.
fn current_settings(m: &MailboxRecord) -> ApiResult<MailboxSettings> {
    let address = |a: &Option<String>| {
        a.as_deref()
            .map(EmailAddress::parse)
            .transpose()
            .map_err(internal)
    };
    Ok(MailboxSettings {
        admin: m.admin,
        notes: BoundedText::parse(&m.notes).map_err(internal)?,
        recipient_limit: RecipientLimit::parse(m.recipient_limit).map_err(internal)?,
        deliver_redirect: address(&m.deliver_redirect)?,
        forward_to: address(&m.forward_to)?,
        contact: m.contact.clone(),
    })
}

fn flag(raw: Option<&str>, name: &str) -> ApiResult<bool> {
    let value = raw.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    });
    match value.as_deref() {
        None => Ok(false),
        Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(ApiError::field(name, "must be 0 or 1")),
    }
}

/// `PUT …/mailboxes/{username}[?passwordReset=1]`: changes what is sent, keeps the rest.
/// With the `directory` driver the mail directory is updated in the same transaction, so a new
/// password works when the `204` arrives.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<MailboxUpdateRequest>,
) -> ApiResult<Response> {
    let (exchange, mailbox) =
        access::mailbox(&state, &caller, &account, &domain, &username).await?;
    let password_reset = flag(query.as_deref(), "passwordReset")?;
    if mailbox.billing_status != BillingStatus::Open {
        return Err(ApiError::conflict(format!(
            "Cannot change a mailbox that is {}",
            mailbox.billing_status
        )));
    }
    let domain = domain_of(&exchange)?;
    let address = EmailAddress::from_parts(&mailbox.username, &domain).map_err(internal)?;
    let current = CurrentMailbox {
        username: &mailbox.username,
        billing_status: mailbox.billing_status,
        read_only: [
            ("quota", mailbox.quota_mb),
            ("archiving", i64::from(mailbox.archiving)),
            ("blackberry", i64::from(mailbox.blackberry)),
        ],
        address: &address,
        settings: current_settings(&mailbox)?,
    };
    let change = MailboxChange::parse(body, &domain, current, password_reset)
        .map_err(ApiError::Validation)?;
    if !may_set_admin(caller.role, &exchange, mailbox.admin, change.settings.admin) {
        return Err(access::forbidden("Mailbox admin"));
    }
    // A mailbox on the http agent: the change reaches it through a step (a new password
    // sealed until then); the directory needs none.
    let agent = state
        .drivers
        .agent_for(&exchange.franchise_name, &exchange.plan);
    let password_sealed = match (agent, &change.password) {
        (Some(agent), Some(p)) => Some(SealedPassword::seal(p, &agent.seal_key, address.as_str())),
        _ => None,
    };
    let now = crate::now_ms();
    let step_order = OrderId::generate(now);
    let agent_step = agent
        .and(agent_step_kind(
            password_sealed.is_some(),
            forwarding_changed(&mailbox, &change.settings),
        ))
        .map(|kind| AgentStep {
            order_id: &step_order,
            owner_id: OwnerId::generate(),
            account_id: exchange.account_id,
            kind,
        });
    let password_hash = match change.password {
        Some(p) => Some(state.hashing.hash(p).await?),
        None => None,
    };
    let s = &change.settings;
    let (redirect, forward) = (
        s.deliver_redirect.as_ref().map(|a| a.as_str()),
        s.forward_to.as_ref().map(|a| a.as_str()),
    );
    let update = MailboxUpdate {
        mailbox_id: mailbox.id,
        username: &mailbox.username,
        exchange_id: exchange.id,
        expected_updated_ms: mailbox.updated_ms,
        admin: s.admin,
        notes: s.notes.as_str(),
        recipient_limit: i64::from(s.recipient_limit.get()),
        contact: &s.contact,
        forward_to: forward,
        deliver_redirect: redirect,
        password_hash: password_hash.as_ref(),
        address: address.as_str(),
        destinations: destinations(address.as_str(), redirect, forward),
        password_sealed: password_sealed.as_ref(),
        agent_step,
        now_ms: now,
    };
    if state.store.update_mailbox(&update).await? == UpdateOutcome::Stale {
        return Err(ApiError::conflict(
            "The mailbox changed meanwhile; read it again and retry",
        ));
    }
    // Only a new password or a new admin flag changes what a login may do; other changes
    // leave every instance's cached logins alone (a loop of them must not flush the caches).
    if password_hash.is_some() || change.settings.admin != mailbox.admin {
        super::credentials_changed(&state).await;
    }
    let url = mailbox_url(&base, &exchange, &mailbox.username);
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(url).map_err(|e| ApiError::Internal(e.into()))?,
    );
    // The order that carries the change to the platform, for clients that want to follow it.
    if let Some(step) = agent_step {
        state.wake.notify_waiters();
        let order = format!("{base}/orders/{}", step.order_id);
        response.headers_mut().insert(
            "X-Mailorder-Order",
            HeaderValue::try_from(order).map_err(|e| ApiError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

/// Whether the caller may leave the mailbox's `admin` flag at `wanted`: an ordinary mailbox may
/// change itself, but not into its domain's administrator (nor may an administrator mailbox
/// demote itself); those who manage the domain may.
fn may_set_admin(role: Role, exchange: &ExchangeRecord, now: bool, wanted: bool) -> bool {
    now == wanted || role.can_manage_exchange(exchange.id, exchange.account_id)
}

/// Whether a change sends the mailbox's mail somewhere else than before.
fn forwarding_changed(m: &MailboxRecord, s: &MailboxSettings) -> bool {
    s.forward_to.as_ref().map(|a| a.as_str()) != m.forward_to.as_deref()
        || s.deliver_redirect.as_ref().map(|a| a.as_str()) != m.deliver_redirect.as_deref()
}

/// The step that carries a change to the `http` agent: a new password (which carries the rest
/// too), else changed forwarding; nothing else reaches the platform.
fn agent_step_kind(new_password: bool, forwarding_changed: bool) -> Option<StepKind> {
    if new_password {
        Some(StepKind::SetPassword)
    } else if forwarding_changed {
        Some(StepKind::Update)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_step_reaches_the_agent() {
        assert_eq!(agent_step_kind(true, true), Some(StepKind::SetPassword));
        assert_eq!(agent_step_kind(true, false), Some(StepKind::SetPassword));
        assert_eq!(agent_step_kind(false, true), Some(StepKind::Update));
        assert_eq!(agent_step_kind(false, false), None);
    }

    #[test]
    fn who_may_change_the_admin_flag() {
        let exchange = ExchangeRecord {
            id: 7,
            domain: "example.com".into(),
            version: "2010".into(),
            plan: "exchange2010".into(),
            updated_ms: 0,
            account_id: 3,
            account_number: "acct1".into(),
            account_status: AccountStatus::Open,
            franchise_id: 1,
            franchise_name: "f".into(),
            sandbox: false,
            free_mailboxes: 10,
            quota_mb: 2048,
        };
        let own = Role::MailboxUser {
            exchange_id: 7,
            mailbox_id: 9,
        };
        assert!(may_set_admin(own, &exchange, false, false));
        assert!(!may_set_admin(own, &exchange, false, true));
        let admin = Role::MailboxAdmin { exchange_id: 7 };
        assert!(may_set_admin(admin, &exchange, false, true));
        assert!(!may_set_admin(
            Role::MailboxAdmin { exchange_id: 8 },
            &exchange,
            false,
            true
        ));
        assert!(may_set_admin(Role::Agent, &exchange, true, false));
        assert!(!may_set_admin(
            Role::AccountUser { account_id: 4 },
            &exchange,
            true,
            false
        ));
    }
}

//! The authorization matrix: every operation of the OpenAPI document (which a test holds equal
//! to the router) called, against the demo account's objects, by every kind of principal:
//! nobody, a wrong password, another franchise's agent, another account's user of the same
//! franchise, the admin mailbox of another domain of the account, a plain mailbox of the same
//! domain (the objects are another mailbox's), a planted `OwnerId`, the account's own user and
//! the franchise's agent. Strangers get the status the rules say and no answer of theirs names
//! the objects it was refused; the principals the objects belong to get through (their
//! requests are made so that what they reach refuses them on content, `400`, or on state,
//! `405`/`409`, and nothing changes). An operation the table does not know fails the test.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Nobody,
    WrongPassword,
    OtherFranchise,
    OtherAccount,
    /// The admin mailbox of another domain of the same account.
    OtherDomainAdmin,
    /// A mailbox of the same domain without `admin`: the target mailbox is another's.
    PlainMailbox,
    PlantedOwner,
    /// A user of the account the objects belong to.
    OwnAccountUser,
    /// An agent of the franchise the account belongs to.
    RightAgent,
}

pub const PRINCIPALS: [Principal; 9] = [
    Principal::Nobody,
    Principal::WrongPassword,
    Principal::OtherFranchise,
    Principal::OtherAccount,
    Principal::OtherDomainAdmin,
    Principal::PlainMailbox,
    Principal::PlantedOwner,
    Principal::OwnAccountUser,
    Principal::RightAgent,
];

impl Principal {
    /// Whether the demo account's objects are this principal's to reach.
    pub fn owns(self) -> bool {
        matches!(self, Principal::OwnAccountUser | Principal::RightAgent)
    }

    /// The request with this principal's credentials (or planted cookie).
    pub fn sign(self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Principal::Nobody => req,
            Principal::WrongPassword => req.basic_auth(QWE.0, Some("not-the-password-1")),
            Principal::OtherFranchise => req.basic_auth(MALLORY.0, Some(MALLORY.1)),
            Principal::OtherAccount => req.basic_auth(BOB.0, Some(BOB.1)),
            Principal::OtherDomainAdmin => {
                req.basic_auth("boss@admins.example.com", Some("tester1234"))
            }
            Principal::PlainMailbox => {
                req.basic_auth("plain@myexchangedomain.com", Some("tester1234"))
            }
            Principal::PlantedOwner => {
                req.header("Cookie", "OwnerId=00000000-0000-0000-0000-000000000000")
            }
            Principal::OwnAccountUser => req.basic_auth(CAROL.0, Some(CAROL.1)),
            Principal::RightAgent => req.basic_auth(QWE.0, Some(QWE.1)),
        }
    }
}

/// A fresh client address per request (`checked` requests so far, principal `n`), so that
/// wrong passwords do not add up to the login back-off.
pub fn fresh_client(checked: usize, n: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([
            127,
            0,
            (checked / 200 + 1) as u8,
            (checked % 200) as u8 + n as u8 + 1,
        ]))
        .build()
        .expect("client")
}

/// The body a stranger sends: one the operation accepts, so that what answers is the
/// authorization.
fn stranger_body(operation: &str) -> Option<Value> {
    Some(match operation {
        "account_update" => json!({"status": "open"}),
        "mailbox_create" => mailbox_body("intruder"),
        "mailbox_update" => json!({"notes": "intruded"}),
        "mailbox_action" => json!({"action": "restore"}),
        "order_action" | "current_action" => json!({"action": "validate"}),
        "alias_create" => json!({"emailalias": {"username": "intruder", "emailForward": "target"}}),
        "contact_create" => json!({"target": "intruder@elsewhere.org"}),
        "contact_update" => json!({"notes": "intruder"}),
        "list_create" => json!({"name": "intruder", "owner": "target"}),
        "list_update" | "list_update_singular" => json!({"description": "intruder"}),
        "member_add" => json!({"username": "plain"}),
        "user_create" => json!({"userName": "intruder", "password": "Intruder123"}),
        "user_update" => json!({"password": "Intruder123"}),
        "contacts_update" => json!({"regular": {"firstName": "intruder"}}),
        // Anyone who may subscribe may subscribe for themselves: a body refused on content
        // (`400`) shows who got that far without creating anything.
        "webhook_create" => json!({"url": "not a url", "events": []}),
        "webhook_update" => {
            json!({"events": ["mailbox.created"], "url": "http://127.0.0.1:9/intruder"})
        }
        _ => return None,
    })
}

/// What an owner sends: a body or query the operation refuses once the caller is let in
/// (`400`), or an object that is not there (`404` past the access check), so the matrix
/// changes nothing; reads and harmless calls as they are.
fn owner_request(operation: &str) -> (&'static str, Option<Value>) {
    match operation {
        "alias_create" => ("", Some(json!({"emailalias": {"username": "Not Valid"}}))),
        "contact_create" => ("", Some(json!({"target": "not an address"}))),
        "contact_update" => ("", Some(json!({"target": "not an address"}))),
        "list_create" => ("", Some(json!({"name": "Not Valid", "owner": "target"}))),
        "list_update" | "list_update_singular" => ("", Some(json!({"colour": "red"}))),
        "member_add" => ("", Some(json!({"username": "Not Valid"}))),
        "user_create" => ("", Some(json!({"userName": "Not Valid", "password": "x"}))),
        "user_update" => ("", Some(json!({"password": "short"}))),
        "contacts_update" => ("", Some(json!({"regular": {"colour": "red"}}))),
        "webhook_update" => ("", Some(json!({"events": ["no.such.event"]}))),
        "mailbox_create" => ("", Some(json!({"owner": {"username": "Not Valid"}}))),
        "mailbox_update" => ("", Some(json!({"recipientLimit": 0}))),
        "mailbox_delete" => ("?purge=7", None),
        "mailbox_action" => ("", Some(json!({"action": "explode"}))),
        "order_action" | "current_action" => ("", Some(json!({"action": "explode"}))),
        // Already open: nothing moves.
        "account_update" => ("", Some(json!({"status": "open"}))),
        // The log holds more than one unpaged answer by then (that would be a `303`).
        "audit_list" => ("?page=1&pageSize=10", None),
        other => ("", stranger_body(other)),
    }
}

/// What `who` must get from `operation`.
fn expected(operation: &str, who: Principal) -> u16 {
    let cookie_only = operation.starts_with("current_");
    let list = matches!(operation, "account_list" | "order_list");
    // The catalog is every login's own franchise's: no object of anyone's is in it.
    let catalog = CATALOG.contains(&operation);
    if WEBHOOKS.contains(&operation) {
        return expected_webhooks(operation, who);
    }
    match who {
        Principal::Nobody | Principal::PlantedOwner | Principal::WrongPassword if catalog => 401,
        _ if catalog => 200,
        Principal::Nobody | Principal::PlantedOwner if cookie_only => 404,
        Principal::Nobody | Principal::PlantedOwner => 401,
        Principal::WrongPassword => 401,
        // Another franchise's objects do not exist for it; its own lists and audit log are its
        // own (checked below for what they hold).
        Principal::OtherFranchise if list || operation == "audit_list" => 200,
        Principal::OtherFranchise => 404,
        Principal::OtherAccount if list => 200,
        Principal::OtherAccount if cookie_only => 404,
        Principal::OtherAccount => 403,
        // Mailbox logins have no account routes nor order list; another domain, or another
        // mailbox of theirs, is not theirs.
        Principal::OtherDomainAdmin | Principal::PlainMailbox if cookie_only => 404,
        Principal::OtherDomainAdmin | Principal::PlainMailbox => 403,
        // Without an `OwnerId` cookie there is no current order.
        Principal::OwnAccountUser | Principal::RightAgent if cookie_only => 404,
        // Account status and the audit log are the agents'.
        Principal::OwnAccountUser if matches!(operation, "account_update" | "audit_list") => 403,
        Principal::OwnAccountUser | Principal::RightAgent => match operation {
            "mailbox_create"
            | "mailbox_update"
            | "mailbox_delete"
            | "mailbox_action"
            | "order_action"
            | "alias_create"
            | "contact_create"
            | "contact_update"
            | "list_create"
            | "list_update"
            | "list_update_singular"
            | "member_add"
            | "user_create"
            | "user_update"
            | "contacts_update" => 400,
            // Deletions are sent for objects that do not exist (see `concrete`).
            "alias_delete" | "contact_delete" | "list_delete" | "member_remove" => 404,
            // Add-ons are bought and removed on a mailbox that does not exist; the target has
            // BlackBerry, not archiving.
            "archiving_put" | "archiving_delete" | "blackberry_put" | "blackberry_delete"
            | "archiving_read" => 404,
            "account_update" => 204,
            // The free order was submitted at once: it cannot be cancelled.
            "order_cancel" => 405,
            _ => 200,
        },
    }
}

/// Webhooks: subscribing is for agents and account users (mailbox logins: `403`); a
/// subscription is its franchise's agents' and its account's users' (anyone else: `404`).
/// The objects are Carol's subscription and its test delivery.
const WEBHOOKS: [&str; 8] = [
    "webhook_list",
    "webhook_create",
    "webhook_read",
    "webhook_update",
    "webhook_delete",
    "webhook_test",
    "delivery_list",
    "delivery_read",
];

fn expected_webhooks(operation: &str, who: Principal) -> u16 {
    match (who, operation) {
        (Principal::Nobody | Principal::PlantedOwner | Principal::WrongPassword, _) => 401,
        (Principal::OtherDomainAdmin | Principal::PlainMailbox, _) => 403,
        // Their own list, and a subscription of their own refused on content.
        (_, "webhook_list") => 200,
        (_, "webhook_create") => 400,
        (Principal::OtherFranchise | Principal::OtherAccount, _) => 404,
        (_, "webhook_update") => 400,
        // Owners delete and test a subscription that is not there (see `concrete`).
        (_, "webhook_delete" | "webhook_test") => 404,
        _ => 200,
    }
}

const CATALOG: [&str; 8] = [
    "spec_list",
    "spec_read",
    "offering_list",
    "offering_read",
    "price_list",
    "service_list",
    "service_read",
    "attribute_list",
];

const KNOWN: [&str; 59] = [
    "account_list",
    "account_read",
    "account_update",
    "exchange_list",
    "exchange_read",
    "mailbox_list",
    "mailbox_create",
    "mailbox_options",
    "mailbox_read",
    "mailbox_update",
    "mailbox_delete",
    "mailbox_action",
    "archiving_read",
    "archiving_put",
    "archiving_delete",
    "blackberry_read",
    "blackberry_put",
    "blackberry_delete",
    "charges_list",
    "contacts_read",
    "contacts_update",
    "user_list",
    "user_create",
    "user_read",
    "user_update",
    "order_list",
    "order_read",
    "order_cancel",
    "order_action",
    "order_quote",
    "current_read",
    "current_cancel",
    "current_action",
    "current_quote",
    "audit_list",
    "alias_list",
    "alias_create",
    "alias_options",
    "alias_read",
    "alias_delete",
    "contact_list",
    "contact_create",
    "contact_options",
    "contact_read",
    "contact_update",
    "contact_delete",
    "list_list",
    "list_create",
    "list_options",
    "list_read",
    "list_update",
    "list_update_singular",
    "list_delete",
    "member_list",
    "member_add",
    "member_options",
    "member_read",
    "member_remove",
    "non_member_list",
];

/// Orders `username` in `domain` as the agent and waits for it.
async fn provisioned(app: &TestApp, domain: &str, body: &Value) {
    let r = app.post_mailbox(QWE, ACCT, domain, body).await;
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    let done = app
        .wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
}

async fn every_principal_gets_what_the_rules_say(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let placed = app.order("target").await;
    let done = app
        .wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    let order = placed.location.rsplit('/').next().expect("id").to_owned();
    // An admin mailbox of another domain of the same account, and a plain mailbox of this one.
    app.add_exchange("admins.example.com", 10).await;
    let mut boss = mailbox_body("boss");
    boss["admin"] = json!(1);
    provisioned(&app, "admins.example.com", &boss).await;
    provisioned(&app, DOMAIN, &mailbox_body("plain")).await;
    // An alias of the target mailbox and a global contact of the domain.
    let aliases = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases");
    let r = app
        .send(
            Method::POST,
            &aliases,
            QWE,
            Some(&json!({"emailalias": {"username": "targetalias", "emailForward": "target"}})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let contacts = format!("/accounts/{ACCT}/exchange/{DOMAIN}/globalContacts");
    let r = app
        .send(
            Method::POST,
            &contacts,
            QWE,
            Some(&json!({"target": "target@elsewhere.org", "notes": "kept"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let contact = location_id(&r);
    // A mailing list with the target mailbox as its member.
    let lists = format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailingLists");
    let r = app
        .send(
            Method::POST,
            &lists,
            QWE,
            Some(&json!({"name": "targetlist", "owner": "target", "description": "kept"})),
        )
        .await;
    assert_eq!(r.status(), 202);
    let made = app
        .wait_final(
            &Placed::from_response(&r),
            std::time::Duration::from_secs(20),
        )
        .await;
    assert_eq!(made["order"]["Status"], "Completed");
    let members = format!("{lists}/targetlist/members");
    let r = app
        .send(
            Method::POST,
            &members,
            QWE,
            Some(&json!({"username": "target"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    // The target mailbox has the (free) BlackBerry add-on.
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/target/blackberry/"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    let added = app
        .wait_final(
            &Placed::from_response(&r),
            std::time::Duration::from_secs(20),
        )
        .await;
    assert_eq!(added["order"]["Status"], "Completed");
    // Carol's subscription, with one test delivery.
    let r = app
        .send(
            Method::POST,
            "/webhooks",
            CAROL,
            Some(&json!({"url": "http://127.0.0.1:9/carol-hook", "events": ["mailbox.created"]})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let webhook = location_id(&r);
    let r = app
        .send(
            Method::POST,
            &format!("/webhooks/{webhook}/test"),
            CAROL,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    let delivery = location_id(&r);
    // Owners delete objects that are not there, so the matrix removes nothing.
    let concrete = |path: &str, operation: &str, owner: bool| {
        let gone = owner
            && matches!(
                operation,
                "alias_delete" | "contact_delete" | "list_delete" | "member_remove"
            );
        let add_on_change = owner
            && (operation.ends_with("_put") || operation.ends_with("_delete"))
            && (operation.starts_with("archiving") || operation.starts_with("blackberry"));
        path.replace("{account}", ACCT)
            .replace("{user}", "carol")
            .replace("{spec}", "core.plan.email.exchange2010")
            .replace("{offering}", "USD-1")
            .replace("{service}", "core.service.email.exchange.domain")
            .replace("{domain}", DOMAIN)
            .replace(
                "{username}",
                if add_on_change { "nobody" } else { "target" },
            )
            .replace("{order}", &order)
            .replace(
                "{alias}",
                if gone { "no-such-alias" } else { "targetalias" },
            )
            .replace(
                "{contact}",
                if gone {
                    "00000000000000000000000000000000000000ff"
                } else {
                    &contact
                },
            )
            .replace(
                "{list}",
                if gone && operation == "list_delete" {
                    "no-such-list"
                } else {
                    "targetlist"
                },
            )
            .replace("{member}", if gone { "nobody" } else { "target" })
            .replace(
                "{webhook}",
                if owner && matches!(operation, "webhook_delete" | "webhook_test") {
                    "wh_000000000000000000000000"
                } else {
                    &webhook
                },
            )
            .replace("{delivery}", &delivery)
    };
    let spec = mailorder::http::openapi::document();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if mailorder::http::OPS_PATHS.contains(&path.as_str()) {
            continue;
        }
        for (method, op) in item.as_object().expect("operations") {
            let operation = op["operationId"].as_str().expect("id");
            // Orders being built have objects of their own (`matrix_orders`); the partner-id
            // mirror answers as its account route does, for every principal (`partner_accounts`).
            if crate::matrix_orders::ONBOARDING.contains(&operation)
                || operation.ends_with("_partner")
            {
                continue;
            }
            assert!(
                KNOWN.contains(&operation)
                    || CATALOG.contains(&operation)
                    || WEBHOOKS.contains(&operation),
                "{operation} has no row in the matrix"
            );
            for (n, who) in PRINCIPALS.into_iter().enumerate() {
                let client = fresh_client(checked, n);
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let (query, body) = if who.owns() {
                    owner_request(operation)
                } else {
                    ("", stranger_body(operation))
                };
                let url = app.url(&format!("{}{query}", concrete(path, operation, who.owns())));
                let mut req = who.sign(client.request(method.clone(), url));
                if let Some(body) = body {
                    req = req.json(&body);
                }
                let r = req.send().await.expect("sent");
                let status = r.status().as_u16();
                let text = r.text().await.expect("text");
                assert_eq!(
                    status,
                    expected(operation, who),
                    "{method} {path} as {who:?}: {text}"
                );
                if who.owns() {
                    continue;
                }
                if operation == "audit_list" && status == 200 {
                    // Another franchise's log holds its own calls, this matrix's refused ones
                    // among them (their paths name what was tried), and nothing of this one's.
                    let log: Value = serde_json::from_str(&text).expect("json");
                    for entry in log["list"].as_array().expect("list") {
                        assert!(
                            entry["principal"].as_str() == Some(MALLORY.0),
                            "{who:?} reads another's entry: {entry}"
                        );
                        assert_ne!(entry["account"], ACCT, "{who:?} reads {entry}");
                    }
                    continue;
                }
                for secret in [
                    ACCT,
                    "target",
                    order.as_str(),
                    "intruder",
                    contact.as_str(),
                    webhook.as_str(),
                    "carol-hook",
                ] {
                    assert!(
                        !text.contains(secret),
                        "{method} {path} as {who:?} shows {secret}: {text}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        KNOWN.len() + CATALOG.len() + WEBHOOKS.len(),
        "every operation checked"
    );
    // Nothing changed: the mailbox is as it was, and no intruder was ordered.
    let mailbox = app.get_json(&mailboxes_path(DOMAIN, "target"), QWE).await;
    assert_eq!(mailbox["notes"], "some text");
    assert_eq!(mailbox["billingStatus"], "open");
    assert_eq!(mailbox["recipientLimit"], 10);
    let list = app.get_json(&mailboxes_path(DOMAIN, ""), QWE).await;
    assert!(!list.to_string().contains("intruder"));
    let account = app.get_json(&format!("/accounts/{ACCT}"), QWE).await;
    assert_eq!(account["status"], "open");
    let alias = app.get_json(&format!("{aliases}/targetalias"), QWE).await;
    assert_eq!(alias["emailForward"], "target@myexchangedomain.com");
    let kept = app.get_json(&format!("{contacts}/{contact}"), QWE).await;
    assert_eq!(kept["notes"], "kept");
    let all = app.get_json(&aliases, QWE).await;
    assert_eq!(
        all["list"].as_array().expect("list").len(),
        1,
        "no intruder alias"
    );
    let all = app.get_json(&contacts, QWE).await;
    assert_eq!(
        all["list"].as_array().expect("list").len(),
        1,
        "no intruder contact"
    );
    let list = app.get_json(&format!("{lists}/targetlist"), QWE).await;
    assert_eq!(list["description"], "kept");
    assert_eq!(list["billingstatus"], "open");
    let all = app.get_json(&members, QWE).await;
    assert_eq!(
        all["list"].as_array().expect("list").len(),
        1,
        "no intruder member"
    );
    let all = app.get_json(&lists, QWE).await;
    assert_eq!(
        all["list"].as_array().expect("list").len(),
        1,
        "no intruder list"
    );
    let hook = app.get_json(&format!("/webhooks/{webhook}"), QWE).await;
    assert_eq!(
        hook["url"], "http://127.0.0.1:9/carol-hook",
        "not redirected"
    );
    assert_eq!(hook["events"], json!(["mailbox.created"]));
    assert_eq!(hook["status"], "active");
    let all = app.get_json("/webhooks", QWE).await;
    assert_eq!(
        all["list"].as_array().expect("list").len(),
        1,
        "no intruder webhook"
    );
}

on_both_backends!(every_principal_gets_what_the_rules_say);

//! The authorization matrix: every operation of the OpenAPI document (which a test holds equal
//! to the router) called by principals who must not reach the demo account's objects: nobody,
//! a wrong password, another franchise's agent, another account's user of the same franchise,
//! the admin mailbox of another domain of the account, and a planted `OwnerId`. Each gets the status the rules say, and no answer names the
//! objects it was refused. An operation the table does not know fails the test.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Principal {
    Nobody,
    WrongPassword,
    OtherFranchise,
    OtherAccount,
    /// The admin mailbox of another domain of the same account.
    OtherDomainAdmin,
    PlantedOwner,
}

/// A body each operation with one accepts, so that what answers is the authorization.
fn body_of(operation: &str) -> Option<Value> {
    Some(match operation {
        "account_update" => json!({"status": "open"}),
        "mailbox_create" => mailbox_body("intruder"),
        "mailbox_update" => json!({"notes": "intruded"}),
        "mailbox_action" => json!({"action": "restore"}),
        "order_action" | "current_action" => json!({"action": "validate"}),
        _ => return None,
    })
}

/// What `who` must get from `operation`.
fn expected(operation: &str, who: Principal) -> u16 {
    let cookie_only = operation.starts_with("current_");
    let list = matches!(operation, "account_list" | "order_list");
    match who {
        Principal::Nobody | Principal::PlantedOwner if cookie_only => 404,
        Principal::Nobody | Principal::PlantedOwner => 401,
        Principal::WrongPassword => 401,
        // Another franchise's objects do not exist for it; its own lists are its own.
        // Another franchise's agent reads its own audit log (checked below for what it holds).
        Principal::OtherFranchise if list || operation == "audit_list" => 200,
        Principal::OtherFranchise => 404,
        Principal::OtherAccount if list => 200,
        Principal::OtherAccount if cookie_only => 404,
        Principal::OtherAccount => 403,
        Principal::OtherDomainAdmin if cookie_only => 404,
        // Mailbox logins have no account routes nor order list; another domain is not theirs.
        Principal::OtherDomainAdmin => 403,
    }
}

const KNOWN: [&str; 23] = [
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
    "charges_list",
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
];

async fn strangers_reach_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let placed = app.order("target").await;
    let done = app
        .wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    let order = placed.location.rsplit('/').next().expect("id").to_owned();
    // An admin mailbox of another domain of the same account.
    app.add_exchange("admins.example.com", 10).await;
    let mut boss = mailbox_body("boss");
    boss["admin"] = json!(1);
    let r = app
        .post_mailbox(QWE, ACCT, "admins.example.com", &boss)
        .await;
    assert_eq!(r.status(), 202);
    let boss_order = Placed::from_response(&r);
    let done = app
        .wait_final(&boss_order, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    let concrete = |path: &str| {
        path.replace("{account}", ACCT)
            .replace("{domain}", DOMAIN)
            .replace("{username}", "target")
            .replace("{order}", &order)
    };
    let spec = mailorder::http::openapi::document();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if mailorder::http::OPS_PATHS.contains(&path.as_str()) {
            continue;
        }
        for (method, op) in item.as_object().expect("operations") {
            let operation = op["operationId"].as_str().expect("id");
            assert!(
                KNOWN.contains(&operation),
                "{operation} has no row in the matrix"
            );
            for (n, who) in [
                Principal::Nobody,
                Principal::WrongPassword,
                Principal::OtherFranchise,
                Principal::OtherAccount,
                Principal::OtherDomainAdmin,
                Principal::PlantedOwner,
            ]
            .into_iter()
            .enumerate()
            {
                // A fresh client address per request, so that wrong passwords do not add up
                // to the login back-off.
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .local_address(std::net::IpAddr::from([
                        127,
                        0,
                        1,
                        checked as u8 % 200 + n as u8 + 1,
                    ]))
                    .build()
                    .expect("client");
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let mut req = client.request(method.clone(), app.url(&concrete(path)));
                req = match who {
                    Principal::Nobody => req,
                    Principal::WrongPassword => req.basic_auth(QWE.0, Some("not-the-password-1")),
                    Principal::OtherFranchise => req.basic_auth(MALLORY.0, Some(MALLORY.1)),
                    Principal::OtherAccount => req.basic_auth(BOB.0, Some(BOB.1)),
                    Principal::OtherDomainAdmin => {
                        req.basic_auth("boss@admins.example.com", Some("tester1234"))
                    }
                    Principal::PlantedOwner => {
                        req.header("Cookie", "OwnerId=00000000-0000-0000-0000-000000000000")
                    }
                };
                if let Some(body) = body_of(operation) {
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
                for secret in [ACCT, "target", order.as_str(), "intruder"] {
                    assert!(
                        !text.contains(secret),
                        "{method} {path} as {who:?} shows {secret}: {text}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, KNOWN.len(), "every operation checked");
    // Nothing changed: the mailbox is as it was, and no intruder was ordered.
    let mailbox = app.get_json(&mailboxes_path(DOMAIN, "target"), QWE).await;
    assert_eq!(mailbox["notes"], "some text");
    assert_eq!(mailbox["billingStatus"], "open");
    let list = app.get_json(&mailboxes_path(DOMAIN, ""), QWE).await;
    assert!(!list.to_string().contains("intruder"));
}

on_both_backends!(strangers_reach_nothing);

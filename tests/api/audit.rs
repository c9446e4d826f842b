//! The audit log: every mutating call and every provisioning step, readable by the franchise's
//! agents at `GET /audit` with the list conventions, never another franchise's, never a
//! secret, and swept after the retention.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

/// `GET /audit{query}` as `who`, until `done` holds for its list (entries are stored a moment
/// after the call they record).
async fn audit_until(
    app: &TestApp,
    who: (&str, &str),
    query: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = app.get_json(&format!("/audit{query}"), who).await;
        let list = body["list"].as_array().expect("list").clone();
        if done(&list) {
            return list;
        }
        assert!(Instant::now() < deadline, "audit never showed it: {list:?}");
        tokio::task::yield_now().await;
    }
}

fn find<'a>(list: &'a [Value], action: &str, result: &str) -> Option<&'a Value> {
    list.iter()
        .find(|e| e["action"] == action && e["result"] == result)
}

async fn calls_and_steps_are_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let r = app
        .client
        .post(app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes")))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("X-Request-Id", "audit-trace-1")
        .json(&mailbox_body("audited"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
    let mailbox = mailboxes_path(DOMAIN, "audited");
    let r = app
        .send(
            Method::PUT,
            &mailbox,
            QWE,
            Some(&json!({"notes": "changed"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    // A refused call is audited with the login it named.
    let r = app
        .send(
            Method::PUT,
            &mailbox,
            (QWE.0, "not-the-password-1"),
            Some(&json!({"notes": "x"})),
        )
        .await;
    assert_eq!(r.status(), 401);
    // A cookie-only caller: cancelling its open order.
    let open = crate::paid::order_paid(&app, "paid.example.com", "auditpaid", None).await;
    let r = crate::paid::call(
        &app,
        Method::DELETE,
        "/order",
        None,
        Some(&open.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);

    let create = "POST /accounts/{account}/exchange/{domain}/mailboxes";
    let list = audit_until(&app, QWE, "", |l| {
        find(l, "step create_mailbox", "Completed").is_some()
            && find(l, "DELETE /order", "204").is_some()
    })
    .await;
    let ordered = list
        .iter()
        .find(|e| e["requestId"] == "audit-trace-1")
        .unwrap_or_else(|| panic!("the order's call: {list:#?}"));
    assert_eq!(ordered["action"], create);
    assert_eq!(ordered["result"], "202");
    assert_eq!(ordered["principal"], QWE.0);
    assert_eq!(ordered["account"], ACCT);
    assert_eq!(ordered["requestId"], "audit-trace-1");
    assert_eq!(ordered["client"], "127.0.0.1");
    assert_eq!(
        ordered["target"],
        format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes")
    );
    let step = find(&list, "step create_mailbox", "Completed").expect("the step");
    assert_eq!(step["principal"], "worker");
    assert_eq!(step["account"], ACCT);
    assert!(
        step["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("audited@myexchangedomain.com (order ")),
        "{step}"
    );
    assert_eq!(step["requestId"], Value::Null);
    let changed = find(
        &list,
        "PUT /accounts/{account}/exchange/{domain}/mailboxes/{username}",
        "204",
    )
    .expect("the change");
    assert_eq!(changed["principal"], QWE.0);
    let cancelled = find(&list, "DELETE /order", "204").expect("the cancel");
    assert_eq!(cancelled["principal"], "cookie");
    assert_eq!(cancelled["account"], ACCT);
    // The wrong password was not tied to a franchise: nobody's list shows it.
    assert!(
        find(
            &list,
            "PUT /accounts/{account}/exchange/{domain}/mailboxes/{username}",
            "401"
        )
        .is_none()
    );
    // Reads are not audited.
    assert!(
        list.iter()
            .all(|e| !e["action"].as_str().unwrap_or("").starts_with("GET "))
    );
    // Newest first by default; `sortField=time&sortOrder=asc` turns it round.
    let ids: Vec<i64> = list.iter().map(|e| e["id"].as_i64().expect("id")).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let asc = app
        .get_json("/audit?sortField=time&sortOrder=asc", QWE)
        .await;
    let first = asc["list"][0]["id"].as_i64().expect("id");
    assert_eq!(first, *ids.last().expect("some"));

    // Filters with wildcards, ignoring case.
    let workers = app.get_json("/audit?filterPrincipal=WORKER", QWE).await;
    let workers = workers["list"].as_array().expect("list");
    assert!(!workers.is_empty());
    assert!(workers.iter().all(|e| e["principal"] == "worker"));
    let puts = app
        .get_json("/audit?filterAction=put*&filterResult=2*", QWE)
        .await;
    let puts = puts["list"].as_array().expect("list");
    assert_eq!(puts.len(), 1, "{puts:?}");
    let traced = app
        .get_json("/audit?filterRequestId=audit-trace-1", QWE)
        .await;
    assert_eq!(traced["list"].as_array().expect("list").len(), 1);
    // Paging as every list pages.
    let page = app.get_json("/audit?page=1&pageSize=2", QWE).await;
    assert_eq!(page["list"].as_array().expect("list").len(), 2);
    let rels: Vec<&str> = page["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert_eq!(rels, ["self", "next", "last"]);
    let r = app
        .send(Method::GET, "/audit?filterColour=red", QWE, None)
        .await;
    assert_eq!(r.status(), 400);

    // Agents only, and only their franchise's.
    for who in [CAROL, BOB, ("audited@myexchangedomain.com", "tester1234")] {
        let r = app.send(Method::GET, "/audit", who, None).await;
        assert_eq!(r.status(), 403, "{}", who.0);
    }
    let theirs = app.get_json("/audit", MALLORY).await;
    assert!(!theirs.to_string().contains(ACCT), "{theirs}");
}

async fn old_entries_are_swept(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.audit_retention = Duration::from_millis(1);
    })
    .await;
    let placed = app.order("swept").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    audit_until(&app, QWE, "", |l| {
        find(l, "step create_mailbox", "Completed").is_some()
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let swept = loop {
        let done = app
            .server()
            .worker()
            .run_maintenance()
            .await
            .expect("maintenance");
        if done.audit_swept > 0 {
            break done.audit_swept;
        }
        assert!(Instant::now() < deadline, "nothing swept");
        tokio::task::yield_now().await;
    };
    assert!(swept >= 2, "the call and its step: {swept}");
    let left = app.get_json("/audit", QWE).await;
    assert!(
        find(
            left["list"].as_array().expect("list"),
            "step create_mailbox",
            "Completed"
        )
        .is_none(),
        "{left}"
    );
}

on_both_backends!(calls_and_steps_are_audited, old_entries_are_swept);

//! Orders under contention: lines on several domains completing at once, a submit racing an
//! added line, one open order per `OwnerId` across accounts, and mailbox admins on orders that
//! reach beyond their domain.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::{call, order_paid};

const FINAL: Duration = Duration::from_secs(30);
const PAID: &str = "paid.example.com";

/// Fills the demo domain's 10 included mailboxes, so further ones there are paid too.
async fn fill_demo_domain(app: &TestApp) {
    let names: Vec<(String, &str)> = (0..10).map(|i| (format!("filler{i}"), "open")).collect();
    app.fill_mailboxes(DOMAIN, &names).await;
}

async fn lines_on_two_domains_complete_together(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill_demo_domain(&app).await;
    // Several orders, each with a line on each domain, provisioned by four workers at once.
    let mut orders = Vec::new();
    for i in 0..6 {
        let q = order_paid(&app, PAID, &format!("left{i}"), None).await;
        let joined = order_paid(&app, DOMAIN, &format!("right{i}"), Some(&q.cookie)).await;
        assert_eq!(joined.order_id, q.order_id);
        assert_eq!(joined.body["total"], json!(["10.36", "USD"]));
        orders.push(q);
    }
    for q in &orders {
        let path = format!("/orders/{}/action", q.order_id);
        let body = json!({"action": "submit"});
        let r = call(
            &app,
            Method::POST,
            &path,
            None,
            Some(&q.cookie),
            Some(&body),
        )
        .await;
        assert_eq!(r.status(), 202);
    }
    for q in &orders {
        let done = app.wait_final(&q.placed(&app), FINAL).await;
        assert_eq!(done["order"]["Status"], "Completed", "{done}");
    }
    app.assert_counts_exact().await;
}

async fn a_submit_priced_before_a_new_line_is_refused(backend: Backend) {
    use mailorder::store::{SubmitOrder, SubmitOutcome};
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let q = order_paid(&app, PAID, "early", None).await;
    let store = app.server().store();
    let priced = store
        .order(&q.order_id)
        .await
        .expect("read")
        .expect("order");
    // A line lands between pricing and submitting.
    order_paid(&app, PAID, "late", Some(&q.cookie)).await;
    let submit = SubmitOrder {
        order_id: &q.order_id,
        revision: priced.revision,
        quote_hash: "0000000000000000000000000000000000000000",
        quote_json: "{}",
        charges: &[],
        setup: None,
        now_ms: mailorder::now_ms(),
    };
    assert_eq!(
        store.submit_order(&submit).await.expect("submit"),
        SubmitOutcome::Changed
    );
    let order = store
        .order(&q.order_id)
        .await
        .expect("read")
        .expect("order");
    assert_eq!(order.status.as_str(), "new", "nothing submitted");
    assert_eq!(order.revision, priced.revision + 1);
    // Through the API the order is priced again and submitted whole.
    let path = format!("/orders/{}/action", q.order_id);
    let body = json!({"action": "submit"});
    let r = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(&q.cookie),
        Some(&body),
    )
    .await;
    assert_eq!(r.status(), 202);
    app.drain_queue().await;
    let done = app.order_status(&q.placed(&app)).await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(done["order"]["Items"].as_array().map(Vec::len), Some(2));
}

async fn one_open_order_per_owner_across_accounts(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    let spec = mailorder::admin::ExchangeSpec {
        franchise: "partner_api_developer_us_main",
        account: "acct999998",
        domain: "bob.example.com",
        version: "2010",
        plan: "exchange2010-payg",
        free_mailboxes: None,
        quota_mb: 1024,
    };
    let catalog = mailorder::pricing::Catalog::builtin();
    mailorder::admin::add_exchange(app.server().store().as_ref(), &catalog, &spec)
        .await
        .expect("exchange");
    let q = order_paid(&app, PAID, "mine", None).await;
    // Bob's paid mailbox with the cookie of qwe's open order on another account: 409.
    let path = "/accounts/acct999998/exchange/bob.example.com/mailboxes";
    let r = call(
        &app,
        Method::POST,
        path,
        Some(BOB),
        Some(&q.cookie),
        Some(&mailbox_body("bobs")),
    )
    .await;
    assert_eq!(r.status(), 409);
    let (kind, _) = error_of(r).await;
    assert_eq!(kind, "conflict");
    let r = app
        .send(
            Method::GET,
            "/accounts/acct999998/exchange/bob.example.com/mailboxes/bobs",
            BOB,
            None,
        )
        .await;
    assert_eq!(r.status(), 404, "nothing reserved");
    // Without that cookie Bob gets an order of his own.
    let r = call(
        &app,
        Method::POST,
        path,
        Some(BOB),
        None,
        Some(&mailbox_body("bobs")),
    )
    .await;
    assert_eq!(r.status(), 202);
}

async fn domain_admins_act_only_on_their_domains_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = ("boss@paid.example.com", "Boss12345");
    // The admin mailbox of paid.example.com (itself a paid order, submitted by the agent).
    let body = json!({"owner": {"username": "boss", "password": boss.1}, "admin": 1});
    let r = call(
        &app,
        Method::POST,
        &mailboxes_path(PAID, ""),
        Some(QWE),
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.status(), 202);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let quote: serde_json::Value = r.json().await.expect("quote");
    let action = quote["links"][1]["href"].as_str().expect("link").to_owned();
    let r = app
        .client
        .post(&action)
        .header("Cookie", &cookie)
        .json(&json!({"action": "submit"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    let admin_order = crate::helpers::Placed {
        location: action.trim_end_matches("/action").to_owned(),
        cookie,
    };
    assert_eq!(
        app.wait_final(&admin_order, FINAL).await["order"]["Status"],
        "Completed"
    );

    fill_demo_domain(&app).await;
    let own = order_paid(&app, PAID, "ownline", None).await;
    let mixed = order_paid(&app, PAID, "mixed1", None).await;
    order_paid(&app, DOMAIN, "mixed2", Some(&mixed.cookie)).await;
    let validate = json!({"action": "validate"});
    let act = |id: String| {
        let app = &app;
        let validate = &validate;
        async move {
            let path = format!("/orders/{id}/action");
            call(app, Method::POST, &path, Some(boss), None, Some(validate))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        act(own.order_id.clone()).await,
        204,
        "an order only on its domain"
    );
    assert_eq!(
        act(mixed.order_id.clone()).await,
        403,
        "an order reaching another domain"
    );
    let quote = format!("/orders/{}/quote", mixed.order_id);
    assert_eq!(
        call(&app, Method::GET, &quote, Some(boss), None, None)
            .await
            .status(),
        403
    );
    let cancel = format!("/orders/{}", mixed.order_id);
    assert_eq!(
        call(&app, Method::DELETE, &cancel, Some(boss), None, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        call(&app, Method::GET, "/orders", Some(boss), None, None)
            .await
            .status(),
        403
    );
}

on_both_backends!(
    lines_on_two_domains_complete_together,
    a_submit_priced_before_a_new_line_is_refused,
    one_open_order_per_owner_across_accounts,
    domain_admins_act_only_on_their_domains_orders,
);

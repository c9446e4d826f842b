//! `/partnerAccounts/{partnerAccount}/…` (docs §6): the account routes again, by the value of
//! the account's `partner_account_id` attribute in the caller's franchise. Every read answers,
//! for every principal, exactly as the same read under `/accounts/{account}`; writes land on the
//! account; partner ids are unique in the franchise.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

const PARTNER: &str = "demo-partner";

async fn set_partner_id(app: &TestApp, account: &str, value: &str) -> u16 {
    let body = json!({"name": "partner_account_id", "value": value});
    app.send(
        Method::POST,
        &format!("/accounts/{account}/attributes"),
        QWE,
        Some(&body),
    )
    .await
    .status()
    .as_u16()
}

/// Status and body (an error's type and message: its guid differs per answer).
async fn answer(app: &TestApp, path: &str, who: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = app.client.get(app.url(path));
    if let Some((user, password)) = who {
        req = req.basic_auth(user, Some(password));
    }
    let r = req.send().await.expect("sent");
    let status = r.status().as_u16();
    let text = r.text().await.expect("text");
    let mut body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400
        && let Some(inner) = body.as_object_mut().and_then(|o| o.values_mut().next())
        && let Some(inner) = inner.as_object_mut()
    {
        inner.remove("guid");
    }
    (status, body)
}

async fn partner_ids_answer_as_their_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let done = app
        .wait_final(
            &app.order("target").await,
            std::time::Duration::from_secs(20),
        )
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(set_partner_id(&app, ACCT, PARTNER).await, 201);
    // The agents' to set (the partner addresses accounts by it), unique in the franchise,
    // URL-safe.
    let body = json!({"name": "partner_account_id", "value": "carols-pick"});
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/attributes"),
            CAROL,
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(set_partner_id(&app, "acct999998", PARTNER).await, 409);
    assert_eq!(set_partner_id(&app, "acct999998", "has space").await, 400);

    let principals: [Option<(&str, &str)>; 6] = [
        Some(QWE),
        Some(CAROL),
        Some(BOB),
        Some(MALLORY),
        Some(("target@myexchangedomain.com", "tester1234")),
        None,
    ];
    let spec = mailorder::http::openapi::document();
    let mut compared = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.starts_with("/partnerAccounts/") || item.get("get").is_none() {
            continue;
        }
        let concrete = |p: &str| {
            p.replace("{partnerAccount}", PARTNER)
                .replace("{account}", ACCT)
                .replace("{domain}", DOMAIN)
                .replace("{username}", "target")
                .replace("{user}", "carol")
                .replace("{name}", "partner_account_id")
                .replace("{payment}", "default")
                .replace("{alias}", "none")
                .replace("{contact}", "00000000000000000000000000000000000000ff")
                .replace("{list}", "none")
                .replace("{member}", "none")
        };
        let by_partner = concrete(path);
        let by_number =
            concrete(&path.replace("/partnerAccounts/{partnerAccount}", "/accounts/{account}"));
        for who in principals {
            let expected = answer(&app, &by_number, who).await;
            let got = answer(&app, &by_partner, who).await;
            assert_eq!(got, expected, "GET {by_partner} as {who:?}");
            compared += 1;
        }
    }
    assert!(compared >= 6 * 20, "every read compared ({compared})");

    // Writes land on the account.
    let contacts = json!({"regular": {"firstName": "Partner"}});
    let r = app
        .send(
            Method::PUT,
            &format!("/partnerAccounts/{PARTNER}/contacts"),
            QWE,
            Some(&contacts),
        )
        .await;
    assert_eq!(r.status(), 204);
    let shown = app
        .get_json(&format!("/accounts/{ACCT}/contacts"), QWE)
        .await;
    assert_eq!(shown["regular"]["firstName"], "Partner");
    let r = app
        .send(
            Method::POST,
            &format!("/partnerAccounts/{PARTNER}/exchange/{DOMAIN}/mailboxes"),
            QWE,
            Some(&mailbox_body("bypartner")),
        )
        .await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(
            &Placed::from_response(&r),
            std::time::Duration::from_secs(20),
        )
        .await;
    assert_eq!(done["order"]["Status"], "Completed");
    let mailbox = app
        .get_json(&mailboxes_path(DOMAIN, "bypartner"), QWE)
        .await;
    assert_eq!(mailbox["username"], "bypartner");
    // Unknown ids, ids no URL carries, another franchise's ids: not found.
    for path in [
        "/partnerAccounts/nobody",
        "/partnerAccounts/a%20b",
        "/partnerAccounts/nobody/contacts",
    ] {
        let r = app.send(Method::GET, path, QWE, None).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = app
        .send(
            Method::GET,
            &format!("/partnerAccounts/{PARTNER}"),
            MALLORY,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    // Renamed: the old id is gone, the new one answers.
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}/attributes/partner_account_id"),
            QWE,
            Some(&json!({"value": "renamed-partner"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .send(
            Method::GET,
            &format!("/partnerAccounts/{PARTNER}"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .send(Method::GET, "/partnerAccounts/renamed-partner/", QWE, None)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["accountNumber"], ACCT);
    // The attribute list, a second one of a name, and removal.
    let attributes = format!("/accounts/{ACCT}/attributes");
    let body = json!({"name": "crm.ref", "value": "C-77"});
    assert_eq!(
        app.send(Method::POST, &attributes, CAROL, Some(&body))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.send(Method::POST, &attributes, CAROL, Some(&body))
            .await
            .status(),
        409
    );
    let list = app
        .get_json(&format!("{attributes}?filterName=crm*"), CAROL)
        .await;
    assert_eq!(
        list["list"],
        json!([{"name": "crm.ref", "value": "C-77",
                "links": [{"href": app.url(&format!("{attributes}/crm.ref")), "rel": "self"}]}])
    );
    let one = format!("{attributes}/partner_account_id");
    assert_eq!(
        app.send(Method::DELETE, &one, QWE, None).await.status(),
        204
    );
    assert_eq!(
        app.send(Method::DELETE, &one, QWE, None).await.status(),
        404
    );
    let r = app
        .send(Method::GET, "/partnerAccounts/renamed-partner", QWE, None)
        .await;
    assert_eq!(r.status(), 404);
}

on_both_backends!(partner_ids_answer_as_their_accounts);

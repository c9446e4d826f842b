//! Who may do what: 401 without or with bad credentials, 404 for other franchises' objects,
//! 403 inside the franchise without the right, and the OwnerId cookie on orders.

use crate::helpers::{
    ACCT, BOB, Backend, CAROL, DOMAIN, MALLORY, QWE, TestApp, add_account_users, error_of,
    mailbox_body,
};
use crate::on_both_backends;

async fn credentials_are_required_and_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes"));
    let r = app
        .client
        .post(&url)
        .json(&mailbox_body("x1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"mailorder\"");
    assert_eq!(error_of(r).await.0, "unauthorized");
    for bad in [
        (QWE.0, "wrong-password"),
        ("nobody@partner_api_developer_us_main", QWE.1),
        ("qwe@no_such_franchise", QWE.1),
        ("qwe", QWE.1),
    ] {
        let r = app
            .post_mailbox(bad, ACCT, DOMAIN, &mailbox_body("x1"))
            .await;
        assert_eq!(r.status(), 401, "{bad:?}");
    }
    let r = app
        .client
        .post(&url)
        .header("Authorization", "Basic !!!")
        .json(&mailbox_body("x1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(&url)
        .header("Authorization", "Bearer abc")
        .json(&mailbox_body("x1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    // A cached success does not let a wrong password through afterwards.
    assert_eq!(
        app.post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("x1"))
            .await
            .status(),
        202
    );
    assert_eq!(
        app.post_mailbox((QWE.0, "iu34t8hX"), ACCT, DOMAIN, &mailbox_body("x2"))
            .await
            .status(),
        401
    );
}

async fn other_franchises_see_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("shared").await;
    // Mallory cannot order in, read from, or even detect partner_api_developer_us_main's objects.
    let r = app
        .post_mailbox(MALLORY, ACCT, DOMAIN, &mailbox_body("evil"))
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(error_of(r).await.0, "itemNotFound");
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/shared"
    ));
    assert_eq!(app.get(&mailbox, Some(MALLORY), None).await.status(), 404);
    assert_eq!(
        app.get(&placed.location, Some(MALLORY), None)
            .await
            .status(),
        404
    );
    // ...and the same holds the other way round.
    let r = app
        .post_mailbox(QWE, "acct111111", "other.example.net", &mailbox_body("x"))
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_mailbox(
            MALLORY,
            "acct111111",
            "other.example.net",
            &mailbox_body("x"),
        )
        .await;
    assert_eq!(r.status(), 202, "mallory may order in her own franchise");
}

async fn roles_inside_a_franchise(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let placed = app.order("mine").await;
    // bob belongs to another account of the same franchise: 403 everywhere.
    let r = app
        .post_mailbox(BOB, ACCT, DOMAIN, &mailbox_body("bobs"))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(error_of(r).await.0, "forbidden");
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/mine"
    ));
    assert_eq!(app.get(&mailbox, Some(BOB), None).await.status(), 403);
    let r = app.get(&placed.location, Some(BOB), None).await;
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(
        body["forbidden"]["message"],
        "Unauthorized: Order failed permission check"
    );
    // carol is a user of this account: she may order, read the mailbox and the order.
    assert_eq!(
        app.post_mailbox(CAROL, ACCT, DOMAIN, &mailbox_body("carols"))
            .await
            .status(),
        202
    );
    assert_eq!(app.get(&mailbox, Some(CAROL), None).await.status(), 200);
    assert_eq!(
        app.get(&placed.location, Some(CAROL), None).await.status(),
        200
    );
}

async fn missing_things_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.post_mailbox(QWE, "acct000000", DOMAIN, &mailbox_body("x"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post_mailbox(QWE, ACCT, "nope.example.com", &mailbox_body("x"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post_mailbox(QWE, "acct111111", "other.example.net", &mailbox_body("x"))
            .await
            .status(),
        404
    );
    let r = app
        .get(
            &app.url(&format!(
                "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/ghost"
            )),
            Some(QWE),
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
    for id in ["0000000000000000000000000000000000000000", "not-an-id"] {
        let r = app
            .get(&app.url(&format!("/orders/{id}")), Some(QWE), None)
            .await;
        assert_eq!(r.status(), 404, "{id}");
        assert_eq!(error_of(r).await.0, "itemNotFound");
    }
}

async fn order_reads_need_the_cookie_or_credentials(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("cookie").await;
    let with_slash = format!("{}/", placed.location);
    // Cookie alone (with the docs' stray "; Path=/"), credentials alone, trailing slash: 200.
    let docs_cookie = format!("{}; Path=/", placed.cookie);
    assert_eq!(
        app.get(&placed.location, None, Some(&docs_cookie))
            .await
            .status(),
        200
    );
    assert_eq!(app.get(&with_slash, Some(QWE), None).await.status(), 200);
    // Nothing: 401. A wrong or malformed OwnerId alone: 401.
    let r = app.get(&placed.location, None, None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_of(r).await.0, "unauthorized");
    let wrong = format!("OwnerId={}", uuid::Uuid::new_v4());
    assert_eq!(
        app.get(&placed.location, None, Some(&wrong)).await.status(),
        401
    );
    assert_eq!(
        app.get(&placed.location, None, Some("OwnerId=garbage"))
            .await
            .status(),
        401
    );
    // A wrong cookie with the owner's credentials is fine; with another franchise's, 404.
    assert_eq!(
        app.get(&placed.location, Some(QWE), Some(&wrong))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&placed.location, Some(MALLORY), Some(&wrong))
            .await
            .status(),
        404
    );
    // The right cookie lets a client read its order even if its credentials are of another franchise.
    assert_eq!(
        app.get(&placed.location, Some(MALLORY), Some(&placed.cookie))
            .await
            .status(),
        200
    );
}

/// A free order sent with an `OwnerId` the server minted keeps it (the response sets the same
/// value); one the client made up is replaced ([`crate::security`] has the attack).
async fn a_client_keeps_its_owner_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let post = |username: &'static str, cookie: Option<String>| {
        let mut req = app
            .client
            .post(app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes")))
            .basic_auth(QWE.0, Some(QWE.1))
            .json(&mailbox_body(username));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send()
    };
    let r = post("keeper1", None).await.expect("sent");
    assert_eq!(r.status(), 202);
    let minted = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let r = post("keeper2", Some(minted.clone())).await.expect("sent");
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["set-cookie"], minted.as_str());
    let made_up = format!("OwnerId={}; Path=/", uuid::Uuid::new_v4());
    let r = post("keeper3", Some(made_up.clone())).await.expect("sent");
    assert_eq!(r.status(), 202);
    assert_ne!(r.headers()["set-cookie"], made_up.as_str());
}

on_both_backends!(
    credentials_are_required_and_checked,
    other_franchises_see_nothing,
    roles_inside_a_franchise,
    missing_things_are_404,
    order_reads_need_the_cookie_or_credentials,
    a_client_keeps_its_owner_id,
);

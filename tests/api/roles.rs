//! The role matrix: franchise agents, account users, and mailbox owners logging in as
//! `username@domain` (admins manage their domain, others only themselves).

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    ACCT, BOB, Backend, CAROL, DOMAIN, MALLORY, QWE, TestApp, add_account_users, mailbox_body,
    mailboxes_path,
};
use crate::on_both_backends;

const BOSS: (&str, &str) = ("boss@myexchangedomain.com", "Boss12345");
const CLERK: (&str, &str) = ("clerk@myexchangedomain.com", "Clerk12345");

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    for (name, password, admin) in [
        ("boss", BOSS.1, 1),
        ("clerk", CLERK.1, 0),
        ("other", "Other12345", 0),
    ] {
        let body = json!({"owner": {"username": name, "password": password}, "admin": admin});
        let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
        assert_eq!(r.status(), 202);
        app.wait_final(
            &crate::helpers::Placed::from_response(&r),
            Duration::from_secs(20),
        )
        .await;
    }
    app
}

async fn status(
    app: &TestApp,
    method: Method,
    path: &str,
    who: (&str, &str),
    body: Option<serde_json::Value>,
) -> u16 {
    app.send(method, path, who, body.as_ref())
        .await
        .status()
        .as_u16()
}

async fn domain_admin_mailbox(backend: Backend) {
    let app = setup(backend).await;
    let list = mailboxes_path(DOMAIN, "");
    assert_eq!(status(&app, Method::GET, &list, BOSS, None).await, 200);
    assert_eq!(
        status(
            &app,
            Method::GET,
            &mailboxes_path(DOMAIN, "clerk"),
            BOSS,
            None
        )
        .await,
        200
    );
    assert_eq!(
        status(
            &app,
            Method::PUT,
            &mailboxes_path(DOMAIN, "clerk"),
            BOSS,
            Some(json!({"notes": "by boss"}))
        )
        .await,
        204
    );
    assert_eq!(
        status(
            &app,
            Method::GET,
            &format!("/accounts/{ACCT}/exchange/{DOMAIN}"),
            BOSS,
            None
        )
        .await,
        200
    );
    let r = app
        .post_mailbox(BOSS, ACCT, DOMAIN, &mailbox_body("hired"))
        .await;
    assert_eq!(r.status(), 202, "an admin mailbox orders in its domain");
    let placed = crate::helpers::Placed::from_response(&r);
    assert_eq!(
        app.get(&placed.location, Some(BOSS), None).await.status(),
        200,
        "and reads that order"
    );
    assert_eq!(
        status(
            &app,
            Method::DELETE,
            &mailboxes_path(DOMAIN, "other"),
            BOSS,
            None
        )
        .await,
        202
    );
    assert_eq!(
        status(
            &app,
            Method::DELETE,
            &format!("{}?purge=0", mailboxes_path(DOMAIN, "clerk")),
            BOSS,
            None
        )
        .await,
        403,
        "closing is for agents"
    );
    // Another domain of the same account: 403; the account itself: 403; another franchise: 404.
    assert_eq!(
        status(
            &app,
            Method::GET,
            &mailboxes_path("paid.example.com", ""),
            BOSS,
            None
        )
        .await,
        403
    );
    assert_eq!(
        app.post_mailbox(BOSS, ACCT, "paid.example.com", &mailbox_body("x"))
            .await
            .status(),
        403
    );
    assert_eq!(
        status(
            &app,
            Method::GET,
            &format!("/accounts/{ACCT}/exchange"),
            BOSS,
            None
        )
        .await,
        403
    );
    assert_eq!(
        status(
            &app,
            Method::GET,
            "/accounts/acct111111/exchange/other.example.net/mailboxes",
            BOSS,
            None
        )
        .await,
        404
    );
    // Wrong password: 401.
    assert_eq!(
        status(&app, Method::GET, &list, (BOSS.0, "Wrong12345"), None).await,
        401
    );
}

async fn ordinary_mailbox(backend: Backend) {
    let app = setup(backend).await;
    let own = mailboxes_path(DOMAIN, "clerk");
    assert_eq!(status(&app, Method::GET, &own, CLERK, None).await, 200);
    assert_eq!(
        status(
            &app,
            Method::PUT,
            &own,
            CLERK,
            Some(json!({"notes": "mine"}))
        )
        .await,
        204
    );
    // It may not make itself its domain's administrator, nor touch anything else.
    assert_eq!(
        status(&app, Method::PUT, &own, CLERK, Some(json!({"admin": 1}))).await,
        403
    );
    assert_eq!(app.get_json(&own, QWE).await["admin"], 0);
    assert_eq!(
        status(&app, Method::PUT, &own, CLERK, Some(json!({"admin": 0}))).await,
        204,
        "unchanged is fine"
    );
    assert_eq!(
        status(
            &app,
            Method::GET,
            &mailboxes_path(DOMAIN, "boss"),
            CLERK,
            None
        )
        .await,
        403
    );
    assert_eq!(
        status(
            &app,
            Method::GET,
            &mailboxes_path(DOMAIN, "ghost"),
            CLERK,
            None
        )
        .await,
        403,
        "no existence leak"
    );
    assert_eq!(
        status(
            &app,
            Method::PUT,
            &mailboxes_path(DOMAIN, "boss"),
            CLERK,
            Some(json!({}))
        )
        .await,
        403
    );
    assert_eq!(
        status(&app, Method::GET, &mailboxes_path(DOMAIN, ""), CLERK, None).await,
        403
    );
    assert_eq!(status(&app, Method::DELETE, &own, CLERK, None).await, 403);
    assert_eq!(
        app.post_mailbox(CLERK, ACCT, DOMAIN, &mailbox_body("x"))
            .await
            .status(),
        403
    );
    // Its own password, at once.
    let reset = format!("{own}?passwordReset=1");
    assert_eq!(
        status(
            &app,
            Method::PUT,
            &reset,
            CLERK,
            Some(json!({"password": "Fresh12345"}))
        )
        .await,
        204
    );
    assert_eq!(
        status(&app, Method::GET, &own, CLERK, None).await,
        401,
        "old password refused"
    );
    assert_eq!(
        status(&app, Method::GET, &own, (CLERK.0, "Fresh12345"), None).await,
        200
    );
}

async fn account_users_and_agents(backend: Backend) {
    let app = setup(backend).await;
    let clerk = mailboxes_path(DOMAIN, "clerk");
    for who in [QWE, CAROL] {
        assert_eq!(
            status(&app, Method::GET, &mailboxes_path(DOMAIN, ""), who, None).await,
            200
        );
        assert_eq!(
            status(&app, Method::PUT, &clerk, who, Some(json!({"notes": "ok"}))).await,
            204
        );
        assert_eq!(
            status(
                &app,
                Method::GET,
                &format!("/accounts/{ACCT}/exchange"),
                who,
                None
            )
            .await,
            200
        );
    }
    assert_eq!(
        status(
            &app,
            Method::DELETE,
            &format!("{clerk}?purge=0"),
            CAROL,
            None
        )
        .await,
        403,
        "agents only"
    );
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT).then(|| json!({}));
        assert_eq!(
            status(&app, method.clone(), &clerk, BOB, body.clone()).await,
            403,
            "{method} by another account's user"
        );
        assert_eq!(
            status(&app, method.clone(), &clerk, MALLORY, body).await,
            404,
            "{method} by another franchise"
        );
    }
    assert_eq!(
        status(
            &app,
            Method::GET,
            &format!("/accounts/{ACCT}/exchange"),
            BOB,
            None
        )
        .await,
        403
    );
    // A closed mailbox cannot log in.
    let r = app
        .send(Method::DELETE, &format!("{clerk}?purge=0"), QWE, None)
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(
        &crate::helpers::Placed::from_response(&r),
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(status(&app, Method::GET, &clerk, CLERK, None).await, 401);
    app.assert_counts_exact().await;
}

on_both_backends!(
    domain_admin_mailbox,
    ordinary_mailbox,
    account_users_and_agents
);

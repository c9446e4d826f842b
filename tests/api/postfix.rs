//! Mail through a real Postfix (SMTP on loopback) into a real Dovecot (LMTP), both configured
//! by `mailorder mail-config`: plain delivery, `forwardTo` (kept and copied), `deliverRedirect`
//! (not kept), an e-mail alias (delivered to its mailbox), `550` for addresses that are unknown
//! or were purged (and for the purged mailbox's alias), and an account suspension that refuses
//! login and mail (to aliases too) until the account is reopened.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::mail_peers::*;
use crate::on_both_backends;

async fn order(app: &TestApp, body: serde_json::Value) {
    let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed", "{done}");
}

fn at(user: &str) -> String {
    format!("{user}@{DOMAIN}")
}

async fn mail_through_postfix_lands_in_the_right_mailboxes(backend: Backend) {
    if !installed(&[DOVECOT, POSTFIX]) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let (_dovecot, imap, lmtp) = start_dovecot(&app).await;
    order(
        &app,
        json!({"owner": {"username": "plain", "password": "Plain1234"}}),
    )
    .await;
    order(
        &app,
        json!({"owner": {"username": "keeper", "password": "Keep12345"}, "forwardTo": "plain"}),
    )
    .await;
    order(
        &app,
        json!({"owner": {"username": "mover", "password": "Move12345"}, "deliverRedirect": at("plain")}),
    )
    .await;
    order(
        &app,
        json!({"owner": {"username": "gone", "password": "Gone12345"}}),
    )
    .await;
    let aliases = format!("/accounts/{ACCT}/exchange/{DOMAIN}/emailAliases");
    for (alias, target) in [("sales", "plain"), ("old-gone", "gone")] {
        let body = json!({"emailalias": {"username": alias, "emailForward": at(target)}});
        let r = app.send(Method::POST, &aliases, QWE, Some(&body)).await;
        assert_eq!(r.status(), 201);
    }
    let postfix = start_postfix(&app, lmtp).await;
    let smtp = postfix.smtp_port;

    smtp_send(smtp, &at("plain"), "direct").await;
    smtp_send(smtp, &at("keeper"), "kept and copied").await;
    smtp_send(smtp, &at("mover"), "redirected").await;
    smtp_send(smtp, &at("sales"), "to the alias").await;
    // plain: its own message, keeper's copy, mover's redirect, the alias's; keeper keeps one;
    // mover none.
    wait_inbox(imap, &at("plain"), "Plain1234", 4).await;
    wait_inbox(imap, &at("keeper"), "Keep12345", 1).await;
    assert_eq!(inbox_count(imap, &at("mover"), "Move12345").await, 0);

    // Unknown addresses are refused during the SMTP dialogue.
    let answer = smtp_rcpt(smtp, &at("nobody")).await;
    assert!(answer.starts_with("550"), "{answer}");
    assert!(smtp_rcpt(smtp, &at("gone")).await.starts_with("250"));

    // Account suspended: no login, mail refused (forwarded addresses too), data kept.
    let account = format!("/accounts/{ACCT}");
    let suspend = json!({"status": "suspended"});
    let r = app.send(Method::PUT, &account, QWE, Some(&suspend)).await;
    assert_eq!(r.status(), 204);
    assert!(!imap_login(imap, &at("plain"), "Plain1234").await);
    for user in ["plain", "keeper", "sales"] {
        let answer = smtp_rcpt(smtp, &at(user)).await;
        assert!(answer.starts_with("550"), "{user}: {answer}");
    }
    // Reopened: login, mail and the earlier messages are back.
    let reopen = json!({"status": "open"});
    let r = app.send(Method::PUT, &account, QWE, Some(&reopen)).await;
    assert_eq!(r.status(), 204);
    assert_eq!(inbox_count(imap, &at("plain"), "Plain1234").await, 4);
    for user in ["keeper", "sales"] {
        assert!(
            smtp_rcpt(smtp, &at(user)).await.starts_with("250"),
            "{user}"
        );
    }

    // Purged: login fails and mail to it is rejected with 550.
    app.delete_mailbox_and_wait("gone?purge=1").await;
    assert!(!imap_login(imap, &at("gone"), "Gone12345").await);
    for user in ["gone", "old-gone"] {
        let answer = smtp_rcpt(smtp, &at(user)).await;
        assert!(answer.starts_with("550"), "{user}: {answer}");
    }
}

on_both_backends!(mail_through_postfix_lands_in_the_right_mailboxes);

/// A mailing list delivers to every member through Postfix: a mailbox of its domain and a
/// global contact's target (here a mailbox of another franchise's domain, so the copy can be
/// read back); a member taken off gets nothing more.
async fn lists_deliver_to_their_members(backend: Backend) {
    if !installed(&[DOVECOT, POSTFIX]) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let (_dovecot, imap, lmtp) = start_dovecot(&app).await;
    for user in ["owner", "member", "leaver"] {
        let password = format!("{}1234A", user);
        order(
            &app,
            json!({"owner": {"username": user, "password": password}}),
        )
        .await;
    }
    let outside = "far@other.example.net";
    let r = app
        .post_mailbox(
            MALLORY,
            "acct111111",
            "other.example.net",
            &json!({"owner": {"username": "far", "password": "Far12345"}}),
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    let exchange = format!("/accounts/{ACCT}/exchange/{DOMAIN}");
    let r = app
        .send(
            Method::POST,
            &format!("{exchange}/globalContacts"),
            QWE,
            Some(&json!({"target": outside})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let contact = location_id(&r);
    let r = app
        .send(
            Method::POST,
            &format!("{exchange}/mailingLists"),
            QWE,
            Some(&json!({"name": "team", "owner": "owner"})),
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    let members = format!("{exchange}/mailingLists/team/members");
    for member in ["member", "leaver", contact.as_str()] {
        let r = app
            .send(
                Method::POST,
                &members,
                QWE,
                Some(&json!({"username": member})),
            )
            .await;
        assert_eq!(r.status(), 201, "{member}");
    }
    let postfix = start_postfix(&app, lmtp).await;
    let smtp = postfix.smtp_port;
    smtp_send(smtp, &at("team"), "to the list").await;
    wait_inbox(imap, &at("member"), "member1234A", 1).await;
    wait_inbox(imap, &at("leaver"), "leaver1234A", 1).await;
    wait_inbox(imap, outside, "Far12345", 1).await;
    assert_eq!(
        inbox_count(imap, &at("owner"), "owner1234A").await,
        0,
        "not a member"
    );
    // Taken off the list, the mailbox gets nothing more; the contact's target still does.
    let r = app
        .send(Method::DELETE, &format!("{members}/member"), QWE, None)
        .await;
    assert_eq!(r.status(), 204);
    smtp_send(smtp, &at("team"), "after the change").await;
    wait_inbox(imap, outside, "Far12345", 2).await;
    assert_eq!(inbox_count(imap, &at("member"), "member1234A").await, 1);
    // A purged member leaves the list: a new mailbox of the same name gets no list mail. (The
    // harness's Dovecot keeps maildirs under its own directory, which a purge does not remove,
    // so what counts is that nothing more arrives.)
    wait_inbox(imap, &at("leaver"), "leaver1234A", 2).await;
    let purged = app.delete_mailbox_and_wait("leaver").await;
    assert_eq!(purged["order"]["Status"], "Completed");
    order(
        &app,
        json!({"owner": {"username": "leaver", "password": "leaver1234A"}}),
    )
    .await;
    let before = inbox_count(imap, &at("leaver"), "leaver1234A").await;
    smtp_send(smtp, &at("team"), "after the purge").await;
    wait_inbox(imap, outside, "Far12345", 3).await;
    assert_eq!(
        inbox_count(imap, &at("leaver"), "leaver1234A").await,
        before
    );
}

on_both_backends!(lists_deliver_to_their_members);

//! A real Dovecot, configured by `mailorder mail-config dovecot`, serving mailorder's mail
//! directory on loopback: a provisioned mailbox logs in over IMAP with its owner's password, a
//! wrong password fails, mail delivered over LMTP is in its INBOX, a password reset takes
//! effect at once, a closed mailbox cannot log in.
//! Skipped, saying so, where Dovecot is not installed; `.ci/run` installs it and sets
//! `MAILORDER_REQUIRE_MAIL_SERVERS`, which turns its absence into a failure.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::mail_peers::*;
use crate::on_both_backends;

async fn provisioned_mailboxes_log_in_over_imap(backend: Backend) {
    if !installed(&[DOVECOT]) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let (mut dovecot, port, lmtp) = start_dovecot(&app).await;
    let address = "imapuser@myexchangedomain.com";
    let body = json!({"owner": {"username": "imapuser", "password": "Imap12345"}});
    let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
    assert_eq!(r.status(), 202);
    let done = app
        .wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(done["order"]["Status"], "Completed");

    assert!(
        imap_login(port, address, "Imap12345").await,
        "the owner's password"
    );
    assert!(
        !imap_login(port, address, "Wrong12345").await,
        "a wrong password"
    );
    assert!(!imap_login(port, "nobody@myexchangedomain.com", "Imap12345").await);

    // Mail delivered over LMTP is in INBOX.
    assert_eq!(inbox_count(port, address, "Imap12345").await, 0);
    lmtp_deliver(lmtp, address, "first").await;
    lmtp_deliver(lmtp, address, "second").await;
    assert_eq!(inbox_count(port, address, "Imap12345").await, 2);

    // A password reset works at once, the old one no more.
    let path = mailboxes_path(DOMAIN, "imapuser?passwordReset=1");
    let r = app
        .send(
            Method::PUT,
            &path,
            QWE,
            Some(&json!({"password": "Newpass678"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(imap_login(port, address, "Newpass678").await);
    assert!(!imap_login(port, address, "Imap12345").await);

    // Closed (purge=0): login refused, data kept.
    app.delete_mailbox_and_wait("imapuser?purge=0").await;
    assert!(
        !imap_login(port, address, "Newpass678").await,
        "closed mailboxes cannot log in"
    );
    dovecot.kill().await.expect("stop dovecot");
}

on_both_backends!(
    provisioned_mailboxes_log_in_over_imap,
    postfix_maps_answer_from_the_directory,
);

/// Postfix's lookup tables, as `mail-config postfix` writes them, answer from the directory:
/// domains, active mailboxes only, and the forwarding expansions (copy kept or not).
async fn postfix_maps_answer_from_the_directory(backend: Backend) {
    if !installed(&[POSTMAP]) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    for body in [
        json!({"owner": {"username": "keeper", "password": "Keep12345"}, "forwardTo": "copies"}),
        json!({"owner": {"username": "mover", "password": "Move12345"}, "deliverRedirect": "away@other.example"}),
        json!({"owner": {"username": "plain", "password": "Plain1234"}}),
    ] {
        let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
        assert_eq!(r.status(), 202);
        app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
            .await;
    }
    let dir = app.db.dir.path().join("postfix");
    std::fs::create_dir_all(&dir).expect("dir");
    let source = mailorder::mailconfig::Source::parse(&app.db.url).expect("database URL");
    let kind = if app.db.is_sqlite() {
        "sqlite"
    } else {
        "pgsql"
    };
    for (name, content) in mailorder::mailconfig::postfix(&source, "inet:127.0.0.1:24") {
        std::fs::write(dir.join(name), content).expect("write");
    }
    let table = |name: &str| format!("{kind}:{}", dir.join(name).display());
    let (domains, mailboxes, aliases) = (
        table("mailorder-domains.cf"),
        table("mailorder-mailboxes.cf"),
        table("mailorder-aliases.cf"),
    );
    assert_eq!(postmap(DOMAIN, &domains).await.as_deref(), Some(DOMAIN));
    assert_eq!(postmap("unknown.example", &domains).await, None);
    let keeper = "keeper@myexchangedomain.com";
    assert!(
        postmap(keeper, &mailboxes)
            .await
            .is_some_and(|h| h.ends_with("/myexchangedomain.com/keeper"))
    );
    assert_eq!(
        postmap("nobody@myexchangedomain.com", &mailboxes).await,
        None
    );
    // forwardTo keeps a copy; deliverRedirect does not; no forwarding, no alias.
    assert_eq!(
        sorted(postmap(keeper, &aliases).await),
        ["copies@myexchangedomain.com", keeper]
    );
    assert_eq!(
        sorted(postmap("mover@myexchangedomain.com", &aliases).await),
        ["away@other.example"]
    );
    assert_eq!(postmap("plain@myexchangedomain.com", &aliases).await, None);
    // A closed mailbox leaves the mailbox map (mail to it is rejected) and loses its aliases.
    app.delete_mailbox_and_wait("keeper?purge=0").await;
    assert_eq!(postmap(keeper, &mailboxes).await, None);
    assert_eq!(postmap(keeper, &aliases).await, None);
}

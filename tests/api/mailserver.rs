//! A real Dovecot, configured by `mailorder mail-config dovecot`, serving mailorder's mail
//! directory on loopback: a provisioned mailbox logs in over IMAP with its owner's password, a
//! wrong password fails, mail delivered over LMTP is in its INBOX, a password reset takes
//! effect at once, a closed mailbox cannot log in.
//! Skipped, saying so, where Dovecot is not installed; `.ci/run` installs it and sets
//! `MAILORDER_REQUIRE_MAIL_SERVERS`, which turns its absence into a failure.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::helpers::*;
use crate::on_both_backends;

const DOVECOT: &str = "/usr/sbin/dovecot";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Dovecot is here, or the test is skipped (a failure when the mail servers are required).
fn dovecot_available() -> bool {
    if Path::new(DOVECOT).exists() {
        return true;
    }
    assert!(
        std::env::var_os("MAILORDER_REQUIRE_MAIL_SERVERS").is_none(),
        "Dovecot is required (MAILORDER_REQUIRE_MAIL_SERVERS) but {DOVECOT} is missing"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: Dovecot not installed ({DOVECOT})"
    );
    false
}

/// Starts Dovecot in the foreground from the generated SQL config plus a loopback-only main
/// config; returns it with its IMAP and LMTP ports.
async fn start_dovecot(app: &TestApp) -> (Child, u16, u16) {
    let dir = app.db.dir.path().join("dovecot");
    for sub in ["run", "state", "maildirs"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dirs");
    }
    // The mail user (Debian's `mail`, uid 8) must reach its maildirs.
    for d in [app.db.dir.path(), &dir] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(dir.join("maildirs"), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let source = mailorder::mailconfig::Source::parse(&app.db.url).expect("database URL");
    for (name, content) in mailorder::mailconfig::dovecot(&source, 8, 8) {
        std::fs::write(dir.join(name), content).expect("write config");
    }
    let port = free_port();
    let lmtp = free_port();
    let d = dir.display();
    let conf = format!(
        "protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{d}/maildirs/%d/%n
first_valid_uid = 8
last_valid_uid = 8
default_internal_user = dovecot
default_login_user = dovenull
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
passdb {{
  driver = sql
  args = {d}/dovecot-sql.conf.ext
}}
userdb {{
  driver = sql
  args = {d}/dovecot-sql.conf.ext
}}
"
    );
    std::fs::write(dir.join("dovecot.conf"), conf).expect("write dovecot.conf");
    let child = Command::new(DOVECOT)
        .arg("-F")
        .arg("-c")
        .arg(dir.join("dovecot.conf"))
        .kill_on_drop(true)
        .spawn()
        .expect("start dovecot");
    let until = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            Instant::now() < until,
            "dovecot did not listen; see {d}/dovecot.log"
        );
        tokio::time::sleep(Duration::from_millis(50)).await; // poll interval, bounded by the deadline
    }
    (child, port, lmtp)
}

/// Reads SMTP/LMTP reply lines until the last one (`NNN text`), checking its class.
async fn reply<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut tokio::io::Lines<R>, class: char) {
    loop {
        let line = lines.next_line().await.expect("read").expect("reply");
        if line.as_bytes().get(3) != Some(&b'-') {
            assert!(line.starts_with(class), "unexpected reply {line}");
            return;
        }
    }
}

/// Delivers one message over LMTP.
async fn lmtp_deliver(port: u16, to: &str, subject: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    reply(&mut lines, '2').await;
    for (command, class) in [
        ("LHLO test.example".to_owned(), '2'),
        ("MAIL FROM:<sender@test.example>".to_owned(), '2'),
        (format!("RCPT TO:<{to}>"), '2'),
        ("DATA".to_owned(), '3'),
        (
            format!(
                "From: sender@test.example\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nHello.\r\n."
            ),
            '2',
        ),
    ] {
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .expect("write");
        reply(&mut lines, class).await;
    }
    let _ = write.write_all(b"QUIT\r\n").await;
}

/// Logs in and returns how many messages INBOX holds.
async fn inbox_count(port: u16, user: &str, password: &str) -> u32 {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    lines.next_line().await.expect("read").expect("greeting");
    let commands = format!("a1 LOGIN \"{user}\" \"{password}\"\r\na2 SELECT INBOX\r\n");
    write.write_all(commands.as_bytes()).await.expect("write");
    let mut exists = None;
    loop {
        let line = lines.next_line().await.expect("read").expect("answer");
        if let Some(n) = line
            .strip_prefix("* ")
            .and_then(|l| l.strip_suffix(" EXISTS"))
        {
            exists = n.parse().ok();
        }
        if line.starts_with("a1 ") {
            assert!(line.starts_with("a1 OK"), "{line}");
        }
        if line.starts_with("a2 ") {
            assert!(line.starts_with("a2 OK"), "{line}");
            let _ = write.write_all(b"a3 LOGOUT\r\n").await;
            return exists.expect("EXISTS in the SELECT answer");
        }
    }
}

/// `LOGIN` over IMAP: `true` for `OK`, `false` for `NO`.
async fn imap_login(port: u16, user: &str, password: &str) -> bool {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let greeting = lines.next_line().await.expect("read").expect("greeting");
    assert!(greeting.starts_with("* OK"), "{greeting}");
    write
        .write_all(format!("a1 LOGIN \"{user}\" \"{password}\"\r\n").as_bytes())
        .await
        .expect("write");
    loop {
        let line = lines.next_line().await.expect("read").expect("answer");
        if let Some(rest) = line.strip_prefix("a1 ") {
            let _ = write.write_all(b"a2 LOGOUT\r\n").await;
            return rest.starts_with("OK");
        }
    }
}

async fn provisioned_mailboxes_log_in_over_imap(backend: Backend) {
    if !dovecot_available() {
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
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path(DOMAIN, "imapuser?purge=0"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
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

const POSTMAP: &str = "/usr/sbin/postmap";

/// `postmap -q KEY TABLE`: the lookup's answer, or `None` when the key is not found.
async fn postmap(key: &str, table: &str) -> Option<String> {
    let out = Command::new(POSTMAP)
        .args(["-q", key, table])
        .output()
        .await
        .expect("run postmap");
    match out.status.code() {
        Some(0) => Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()),
        Some(1) => None,
        other => panic!(
            "postmap {other:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn sorted(answer: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = answer
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v
}

/// Postfix's lookup tables, as `mail-config postfix` writes them, answer from the directory:
/// domains, active mailboxes only, and the forwarding expansions (copy kept or not).
async fn postfix_maps_answer_from_the_directory(backend: Backend) {
    if !Path::new(POSTMAP).exists() {
        assert!(
            std::env::var_os("MAILORDER_REQUIRE_MAIL_SERVERS").is_none(),
            "Postfix is required (MAILORDER_REQUIRE_MAIL_SERVERS) but {POSTMAP} is missing"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: Postfix not installed ({POSTMAP})"
        );
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
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path(DOMAIN, "keeper?purge=0"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    assert_eq!(postmap(keeper, &mailboxes).await, None);
    assert_eq!(postmap(keeper, &aliases).await, None);
}

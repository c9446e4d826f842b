//! Real mail servers for the tests: Dovecot and Postfix started in the foreground from the
//! configuration `mailorder mail-config` generates, on loopback ports, in the test's temp dir;
//! and just enough IMAP, LMTP and SMTP to talk to them.
//! A test calls [`mail_servers_available`] first: without the servers it is skipped, saying so,
//! unless `MAILORDER_REQUIRE_MAIL_SERVERS` is set (`.ci/run` sets it), which makes it a failure.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::helpers::*;

pub const DOVECOT: &str = "/usr/sbin/dovecot";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The programs are installed, or the test is skipped, saying so (a failure when
/// `MAILORDER_REQUIRE_MAIL_SERVERS` is set).
pub fn installed(programs: &[&str]) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("MAILORDER_REQUIRE_MAIL_SERVERS").is_none(),
        "the mail servers are required (MAILORDER_REQUIRE_MAIL_SERVERS) but {missing:?} are missing"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: mail server programs not installed: {missing:?}"
    );
    false
}

/// Starts Dovecot in the foreground from the generated SQL config plus a loopback-only main
/// config; returns it with its IMAP and LMTP ports.
pub async fn start_dovecot(app: &TestApp) -> (Child, u16, u16) {
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

/// One SMTP or LMTP conversation, command by command.
pub struct Dialog {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Dialog {
    /// Connects and checks the greeting.
    pub async fn open(port: u16) -> Dialog {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let (read, write) = stream.into_split();
        let mut dialog = Dialog {
            lines: BufReader::new(read).lines(),
            write,
        };
        let greeting = dialog.reply().await;
        assert!(greeting.starts_with('2'), "greeting {greeting}");
        dialog
    }

    /// The last line of a reply (`NNN text`), after any `NNN-` continuation lines.
    async fn reply(&mut self) -> String {
        loop {
            let line = self.lines.next_line().await.expect("read").expect("reply");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        }
    }

    /// Sends one command (or a message body ending in `.`) and returns the reply's last line.
    pub async fn say(&mut self, command: &str) -> String {
        self.write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .expect("write");
        self.reply().await
    }

    /// Sends a command that must be answered with `class` (`'2'`, `'3'`).
    pub async fn expect(&mut self, command: &str, class: char) {
        let answer = self.say(command).await;
        assert!(
            answer.starts_with(class),
            "{command:?} was answered {answer:?}"
        );
    }

    /// Sends one message to `to` in an open session (after `LHLO`/`EHLO`).
    pub async fn send(&mut self, to: &str, subject: &str) {
        self.expect("MAIL FROM:<sender@test.example>", '2').await;
        self.expect(&format!("RCPT TO:<{to}>"), '2').await;
        self.expect("DATA", '3').await;
        let message = format!(
            "From: sender@test.example\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nHello.\r\n."
        );
        self.expect(&message, '2').await;
    }
}

/// Delivers one message over LMTP.
pub async fn lmtp_deliver(port: u16, to: &str, subject: &str) {
    let mut lmtp = Dialog::open(port).await;
    lmtp.expect("LHLO test.example", '2').await;
    lmtp.send(to, subject).await;
    let _ = lmtp.say("QUIT").await;
}

/// Logs in and returns how many messages INBOX holds.
pub async fn inbox_count(port: u16, user: &str, password: &str) -> u32 {
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
pub async fn imap_login(port: u16, user: &str, password: &str) -> bool {
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

pub const POSTMAP: &str = "/usr/sbin/postmap";

/// `postmap -q KEY TABLE`: the lookup's answer, or `None` when the key is not found.
pub async fn postmap(key: &str, table: &str) -> Option<String> {
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

pub fn sorted(answer: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = answer
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v
}

pub const POSTFIX: &str = "/usr/sbin/postfix";

/// A Postfix started in the foreground with its own config and queue directories; stopped
/// (`postfix stop`) when dropped.
pub struct Postfix {
    pub smtp_port: u16,
    dir: std::path::PathBuf,
    _master: Child,
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = std::process::Command::new(POSTFIX)
            .arg("-c")
            .arg(&self.dir)
            .arg("stop")
            .output();
    }
}

const MASTER_CF: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

/// Starts Postfix on a loopback SMTP port, with the lookup tables `mail-config postfix`
/// generates and its main.cf lines, handing mail for mailorder's domains to Dovecot's LMTP
/// port. Postfix's lookups run as the `postfix` user, so on SQLite the database directory and
/// files are opened to it (the permission note in docs/mail-directory.md).
pub async fn start_postfix(app: &TestApp, lmtp: u16) -> Postfix {
    let dir = app.db.dir.path().join("postfix");
    std::fs::create_dir_all(dir.join("queue")).expect("dirs");
    if app.db.is_sqlite() {
        let db = app.db.dir.path().join("db");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        for file in std::fs::read_dir(&db).expect("db dir") {
            let file = file.expect("entry").path();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        }
    }
    let source = mailorder::mailconfig::Source::parse(&app.db.url).expect("database URL");
    let mut main_cf = String::new();
    for (name, content) in
        mailorder::mailconfig::postfix(&source, &format!("inet:127.0.0.1:{lmtp}"))
    {
        if name == "main.cf.mailorder" {
            main_cf = content.replace("/etc/postfix/", &format!("{}/", dir.display()));
        } else {
            std::fs::write(dir.join(name), content).expect("write table");
        }
    }
    assert!(main_cf.contains("virtual_transport"), "{main_cf}");
    let port = free_port();
    let d = dir.display();
    let main_cf = format!(
        "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
myhostname = mx.test.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
{main_cf}"
    );
    std::fs::write(dir.join("main.cf"), main_cf).expect("write main.cf");
    std::fs::write(
        dir.join("master.cf"),
        format!("127.0.0.1:{port} inet n - n - - smtpd\n{MASTER_CF}"),
    )
    .expect("write master.cf");
    let check = Command::new(POSTFIX)
        .arg("-c")
        .arg(&dir)
        .arg("check")
        .output()
        .await
        .expect("postfix check");
    assert!(
        check.status.success(),
        "postfix check: {}{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr),
        std::fs::read_to_string(dir.join("maillog")).unwrap_or_default()
    );
    let master = Command::new(POSTFIX)
        .arg("-c")
        .arg(&dir)
        .arg("start-fg")
        .kill_on_drop(true)
        .spawn()
        .expect("start postfix");
    let until = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            Instant::now() < until,
            "postfix did not listen: {}",
            std::fs::read_to_string(dir.join("maillog")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await; // poll interval, bounded by the deadline
    }
    Postfix {
        smtp_port: port,
        dir,
        _master: master,
    }
}

/// Sends one message through SMTP.
pub async fn smtp_send(port: u16, to: &str, subject: &str) {
    let mut smtp = Dialog::open(port).await;
    smtp.expect("EHLO client.test.example", '2').await;
    smtp.send(to, subject).await;
    let _ = smtp.say("QUIT").await;
}

/// The SMTP server's answer to `RCPT TO:<to>`.
pub async fn smtp_rcpt(port: u16, to: &str) -> String {
    let mut smtp = Dialog::open(port).await;
    smtp.expect("EHLO client.test.example", '2').await;
    smtp.expect("MAIL FROM:<sender@test.example>", '2').await;
    let answer = smtp.say(&format!("RCPT TO:<{to}>")).await;
    let _ = smtp.say("QUIT").await;
    answer
}

/// Waits, with a deadline, until the mailbox's INBOX holds `n` messages (Postfix delivers
/// from its queue in the background).
pub async fn wait_inbox(port: u16, user: &str, password: &str, n: u32) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let count = inbox_count(port, user, password).await;
        if count == n {
            return;
        }
        assert!(
            count < n && Instant::now() < until,
            "{user}: INBOX holds {count} messages, expected {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await; // poll interval, bounded by the deadline
    }
}

//! No plaintext password reaches the database: the mailbox owners' and the API users'.

use std::time::Duration;

use serde_json::json;
use sqlx::Row;

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp};
use crate::on_both_backends;

const OWNER_PASSWORDS: [&str; 3] = ["tester1234", "Zebra9Quokka", "Paid4Nothing7"];

async fn plaintext_passwords_are_never_stored(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let mut placed = Vec::new();
    for (i, password) in OWNER_PASSWORDS.iter().enumerate() {
        let body = json!({"owner": {"username": format!("secret{i}"), "password": password}, "forwardTo": "fwd"});
        let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
        assert_eq!(r.status(), 202);
        placed.push(crate::helpers::Placed::from_response(&r));
    }
    for p in &placed {
        assert_eq!(
            app.wait_final(p, Duration::from_secs(20)).await["order"]["Status"],
            "Completed"
        );
    }
    let mut secrets: Vec<&str> = OWNER_PASSWORDS.to_vec();
    secrets.extend([QWE.1, crate::helpers::MALLORY.1]);

    if app.db.is_sqlite() {
        app.stop().await;
        // Every byte the database left on disk: the file, and any WAL or journal beside it.
        let dir = app.db.dir.path().join("db");
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).expect("db dir") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            files += 1;
            for s in &secrets {
                assert!(
                    !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                    "{s:?} found in the database files"
                );
            }
        }
        assert!(files >= 1);
    } else {
        // Every row of every table, as text.
        let pool = app.db.pool().await;
        let tables: Vec<String> = sqlx::query("SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_all(&pool)
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get("t"))
            .collect();
        assert!(tables.len() >= 8, "{tables:?}");
        for t in tables {
            let rows = sqlx::query(&format!("SELECT CAST(x AS TEXT) AS row FROM {t} x"))
                .fetch_all(&pool)
                .await
                .expect("rows");
            for r in rows {
                let row: String = r.get("row");
                for s in &secrets {
                    assert!(!row.contains(s), "{s:?} found in table {t}");
                }
            }
        }
    }
}

on_both_backends!(plaintext_passwords_are_never_stored);

//! Regression tests for what was found when the API was tried as an attacker would (issue 16).

use reqwest::Method;

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::{call, order_paid};

const PAID: &str = "paid.example.com";
const PLANTED: &str = "OwnerId=00000000-0000-0000-0000-000000000000";

/// A client-chosen `OwnerId` is never adopted: the paid line gets an `OwnerId` the server
/// mints, and the planted value reads and cancels nothing. An `OwnerId` the server minted is
/// still joined by the next line.
async fn planted_owner_ids_are_not_adopted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = order_paid(&app, PAID, "planted1", Some(PLANTED)).await;
    assert_ne!(first.cookie, PLANTED, "the planted value was adopted");
    for method in [Method::GET, Method::DELETE] {
        let r = call(&app, method.clone(), "/order", None, Some(PLANTED), None).await;
        assert_eq!(r.status(), 404, "{method} /order with the planted cookie");
    }
    let r = call(&app, Method::GET, "/order", None, Some(&first.cookie), None).await;
    assert_eq!(r.status(), 200, "the minted cookie reads its order");
    let second = order_paid(&app, PAID, "planted2", Some(&first.cookie)).await;
    assert_eq!(second.cookie, first.cookie, "a minted OwnerId is joined");
    assert_eq!(second.order_id, first.order_id, "one open order");
}

on_both_backends!(planted_owner_ids_are_not_adopted);

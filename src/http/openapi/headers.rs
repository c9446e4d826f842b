//! What the document says of headers every mutating operation shares: `Idempotency-Key` on
//! each `POST`, `PUT` and `DELETE`, with its `409` (still running, `Retry-After`), `422`
//! (another request) and `400` (a malformed key), and `Idempotent-Replayed` on a replay; and
//! waiting on orders: `Retry-After` on every `202`, and on the order reads `ETag`,
//! `If-None-Match` (`304`) and `Prefer: wait=N`.

use serde_json::{Value, json};

use super::error_response;

const MUTATING: [&str; 3] = ["post", "put", "delete"];

/// Adds `Idempotency-Key` to every mutating operation of the API (before the shared answers,
/// so its descriptions stand where the operation says nothing of its own).
pub fn idempotency(doc: &mut Value) {
    let retry = ("Retry-After", "Seconds to wait before trying again");
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if super::super::OPS_PATHS.contains(&path.as_str()) {
            continue;
        }
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if !MUTATING.contains(&method.as_str()) {
                continue;
            }
            add_parameter(op);
            let responses = &mut op["responses"];
            for (status, response) in responses.as_object_mut().into_iter().flatten() {
                if status.starts_with('2') {
                    response["headers"]["Idempotent-Replayed"] = json!({
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": "`true` when this is the kept answer to an earlier request with the same `Idempotency-Key`",
                        "required": false,
                    });
                }
            }
            let running =
                "a request with this `Idempotency-Key` is still running (with `Retry-After`)";
            match responses.get_mut("409") {
                Some(conflict) => {
                    let own = conflict["description"].as_str().unwrap_or("").to_owned();
                    conflict["description"] = if own.is_empty() {
                        Value::String(format!("Conflict (`conflict`); or {running}"))
                    } else {
                        Value::String(format!("{own}; or {running}"))
                    };
                    conflict["headers"]["Retry-After"] = json!({
                        "schema": {"type": "string"},
                        "description": retry.1,
                        "required": false,
                    });
                }
                None => {
                    let mut conflict = error_response(
                        "A request with this `Idempotency-Key` is still running",
                        &[retry],
                    );
                    conflict["headers"]["Retry-After"]["required"] = json!(false);
                    responses["409"] = conflict;
                }
            }
            responses["422"] = error_response(
                "This `Idempotency-Key` was used with another method, path or body",
                &[],
            );
            if responses.get("400").is_none() {
                responses["400"] = error_response(
                    "The `Idempotency-Key` is not 1 to 255 visible ASCII characters",
                    &[],
                );
            }
        }
    }
}

fn add_parameter(op: &mut Value) {
    let parameter = json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "Makes the request safe to retry: the first answer to this key (status, headers, body) is kept for 24 hours for this caller (login, or `OwnerId` cookie without one), and a retry with the same key, method, path and body gets it again without the work being done twice. Use a fresh random value (a UUID) per piece of work: the kept answer is sealed under it.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        "example": "0f8fad5b-d9cb-469f-a165-70867728950e",
    });
    match op["parameters"].as_array_mut() {
        Some(parameters) => parameters.push(parameter),
        None => op["parameters"] = json!([parameter]),
    }
}

/// The order reads' operation ids.
const ORDER_READS: [&str; 2] = ["order_read", "current_read"];

/// `Retry-After` on every `202` with an order's URL; `ETag`, `If-None-Match`, `Prefer: wait`
/// and `304` on the order reads.
pub fn waiting(doc: &mut Value) {
    let retry_after = json!({
        "schema": {"type": "string"},
        "description": "Seconds after which polling the order is worth it (or wait on it: `Prefer: wait=N`); sent with a `Location`, and on orders that can still change",
        "required": false,
    });
    let etag = json!({
        "schema": {"type": "string"},
        "description": "The document's version: send it back as `If-None-Match`",
        "required": true,
    });
    for op in super::operations_mut(doc) {
        if let Some(accepted) = op["responses"].get_mut("202") {
            accepted["headers"]["Retry-After"] = retry_after.clone();
        }
        if !ORDER_READS.contains(&op["operationId"].as_str().unwrap_or("")) {
            continue;
        }
        let ok = &mut op["responses"]["200"];
        ok["headers"]["ETag"] = etag.clone();
        ok["headers"]["Retry-After"] = retry_after.clone();
        op["responses"]["304"] = json!({
            "description": "The client's copy (`If-None-Match`) is current: after the wait it asked for, nothing changed",
            "headers": {"ETag": etag.clone(), "Retry-After": retry_after.clone()},
        });
        let parameters = [
            json!({
                "name": "If-None-Match",
                "in": "header",
                "required": false,
                "description": "The `ETag` of the client's copy: `304` if it is current (after the wait, with `Prefer: wait`)",
                "schema": {"type": "string"},
            }),
            json!({
                "name": "Prefer",
                "in": "header",
                "required": false,
                "description": "`wait=N` (seconds; more than 60 is 60): answer as soon as the order's document changes (from the `If-None-Match` copy, or from what it is now), or after N seconds with the current one. An order that cannot change any more (`Completed`, `Failed`, `Cancelled`) is answered at once. Preferences the server does not know, and a `wait` it cannot read, are ignored (RFC 7240)",
                "schema": {"type": "string"},
                "example": "wait=30",
            }),
        ];
        match op["parameters"].as_array_mut() {
            Some(list) => list.extend(parameters),
            None => op["parameters"] = Value::Array(parameters.to_vec()),
        }
    }
}

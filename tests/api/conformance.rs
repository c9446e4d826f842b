//! The response-conformance check: every response the test app sends passes through a layer
//! that finds its operation in the OpenAPI document (`/openapi.json`) and checks that the status
//! is documented for it, that a body is there exactly when the document declares one (with a
//! declared content type), and that a JSON body validates against the declared schema. The
//! check treats every documented object as closed (no undocumented keys), so a renamed key
//! fails even where the old one was optional. Violations are collected by the test app and fail
//! the test when it drops the app ([`super::helpers::TestApp`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use jsonschema::Validator;
use mailorder::app::RouterWrap;
use serde_json::Value;

/// The problems found so far, shared between the layer and the test app.
pub type Violations = Arc<Mutex<Vec<String>>>;

/// The layer, as the test app's [`RouterWrap`].
pub fn wrap(violations: Violations) -> RouterWrap {
    RouterWrap(Arc::new(move |router| {
        let violations = Arc::clone(&violations);
        router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let violations = Arc::clone(&violations);
            async move { checked(request, next, violations).await }
        }))
    }))
}

async fn checked(request: Request, next: Next, violations: Violations) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            push(
                &violations,
                format!("{method} {path}: body unreadable: {err}"),
            );
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Err(problem) = check(&method, &path, parts.status, &parts.headers, &bytes) {
        push(
            &violations,
            format!("{method} {path} → {}: {problem}", parts.status),
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn push(violations: &Violations, problem: String) {
    violations.lock().expect("not poisoned").push(problem);
}

/// The document's path template that `path` is an instance of (a trailing `/` allowed), the
/// one with the most literal segments if several are.
fn template_of(spec: &Value, path: &str) -> Option<String> {
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let segments: Vec<&str> = path.split('/').collect();
    spec["paths"]
        .as_object()?
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    continue;
                }
                if part != segment {
                    return None;
                }
                literal += 1;
            }
            Some((literal, template))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template.clone())
}

/// Checks one response against the document. `Ok` for paths the document does not have (the
/// router's own `404`) and for `405` on methods a documented path does not have.
pub fn check(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let spec = mailorder::http::openapi::document();
    let Some(template) = template_of(spec, path) else {
        return Ok(());
    };
    let head = method == Method::HEAD;
    let method_key = if head {
        "get".to_owned()
    } else {
        method.as_str().to_ascii_lowercase()
    };
    let Some(operation) = spec["paths"][&template].get(&method_key) else {
        return if status == StatusCode::METHOD_NOT_ALLOWED {
            Ok(())
        } else {
            Err(format!("{method} is not documented on {template}"))
        };
    };
    let Some(response) = operation["responses"].get(status.as_str()) else {
        return Err(format!(
            "status {status} is not documented for {method} {template}"
        ));
    };
    for (name, header) in response["headers"].as_object().into_iter().flatten() {
        if header["required"] == true && !headers.contains_key(name.as_str()) {
            return Err(format!("header {name} missing"));
        }
    }
    let content = response
        .get("content")
        .or_else(|| response.get("x-optional-body"));
    let optional = response.get("x-optional-body").is_some();
    if body.is_empty() || head {
        return match content {
            Some(_) if !optional && !head => Err("a body is documented, none sent".to_owned()),
            _ => Ok(()),
        };
    }
    let Some(content) = content.and_then(Value::as_object) else {
        return Err(format!("{} bytes of body, none documented", body.len()));
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let Some(declared) = content.get(&media) else {
        return Err(format!(
            "content type {media:?} not documented (only {:?})",
            content.keys().collect::<Vec<_>>()
        ));
    };
    if media != "application/json" {
        return Ok(());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("body is not JSON: {err}"))?;
    let key = format!("{method_key} {template} {status}");
    let validator = validator(&key, &declared["schema"])?;
    let problems: Vec<String> = validator
        .iter_errors(&value)
        .take(5)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "body does not match the document: {}",
            problems.join("; ")
        ));
    }
    if declared["schema"]["$ref"] == "#/components/schemas/ErrorBody" {
        error_body_fits(status, &value)?;
    }
    Ok(())
}

/// An error body is keyed by its status's type and repeats the status as `code`.
fn error_body_fits(status: StatusCode, body: &Value) -> Result<(), String> {
    let expected = mailorder::error::error_type(status);
    let Some(detail) = body.get(expected) else {
        return Err(format!("error body not keyed {expected:?}: {body}"));
    };
    if detail["code"] != status.as_u16() {
        return Err(format!(
            "error body's code is not {}: {body}",
            status.as_u16()
        ));
    }
    Ok(())
}

/// The validator for one response's schema, compiled once per operation and status.
fn validator(key: &str, schema: &Value) -> Result<Arc<Validator>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("not poisoned").get(key) {
        return Ok(Arc::clone(found));
    }
    let mut root = schema.clone();
    let Some(object) = root.as_object_mut() else {
        return Err("the schema is not an object".to_owned());
    };
    object.insert("components".to_owned(), closed_components().clone());
    let compiled = jsonschema::draft202012::new(&root)
        .map_err(|err| format!("the document's schema does not compile: {err}"))?;
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .expect("not poisoned")
        .insert(key.to_owned(), Arc::clone(&compiled));
    Ok(compiled)
}

/// The document's components with every object that lists its properties closed
/// (`additionalProperties: false`). Only response schemas are checked, and none of them is
/// composed with `allOf`, where closing would refuse a sibling's properties.
fn closed_components() -> &'static Value {
    static CLOSED: OnceLock<Value> = OnceLock::new();
    CLOSED.get_or_init(|| {
        let mut components = mailorder::http::openapi::document()["components"].clone();
        close(&mut components);
        components
    })
}

fn close(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object)
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                // `properties` maps names to schemas; a property named like a keyword is still a schema.
                if key == "example" || key == "examples" {
                    continue;
                }
                close(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/json".parse().expect("valid"),
        );
        headers
    }

    fn order_body() -> Value {
        json!({
            "order": {"Status": "Completed", "Account": "http://h/accounts/acct999999",
                "Items": [{"Type": "create_mailbox", "Mailbox": "a.a@d.com", "Plan": null, "Status": "Completed", "Error": null}],
                "Created": "2026-12-02T17:28:27Z", "Updated": "2026-12-02T17:28:27Z"},
            "links": [{"href": "http://h/orders/1/", "rel": "self"}]
        })
    }

    fn check_order(body: &Value, status: StatusCode) -> Result<(), String> {
        let mut headers = json_headers();
        headers.insert("etag", axum::http::HeaderValue::from_static("\"0123\""));
        check(
            &Method::GET,
            "/orders/00000145ff9ba7e58e7c2c51007f000000010001/",
            status,
            &headers,
            &serde_json::to_vec(body).expect("json"),
        )
    }

    /// The check passes what the document says, and fails a renamed key (even an optional
    /// one), a missing one, a wrong type, and an undocumented status.
    #[test]
    fn the_check_can_fail() {
        check_order(&order_body(), StatusCode::OK).expect("conforms");

        let mut renamed = order_body();
        let items = renamed["order"]["Items"][0].as_object_mut().expect("item");
        let plan = items.remove("Plan").expect("Plan");
        items.insert("plan".to_owned(), plan);
        let err = check_order(&renamed, StatusCode::OK).expect_err("renamed key");
        assert!(err.contains("plan"), "{err}");

        let mut missing = order_body();
        missing["order"]
            .as_object_mut()
            .expect("order")
            .remove("Status");
        check_order(&missing, StatusCode::OK).expect_err("missing key");

        let mut wrong = order_body();
        wrong["links"] = json!("none");
        check_order(&wrong, StatusCode::OK).expect_err("wrong type");

        let err = check_order(&order_body(), StatusCode::IM_A_TEAPOT).expect_err("status");
        assert!(err.contains("not documented"), "{err}");

        let err = check(
            &Method::GET,
            "/orders",
            StatusCode::SEE_OTHER,
            &HeaderMap::new(),
            b"",
        )
        .expect_err("a 303 without Location");
        assert!(err.contains("Location"), "{err}");

        let err = check(
            &Method::GET,
            "/accounts/acct1",
            StatusCode::OK,
            &HeaderMap::new(),
            b"",
        )
        .expect_err("a body is documented");
        assert!(err.contains("none sent"), "{err}");
    }

    /// The free order's `202` has no body, the paid one's has the compact quote; an error body
    /// must have exactly one known key.
    #[test]
    fn optional_bodies_and_error_bodies() {
        let path = "/accounts/acct999999/exchange/d.com/mailboxes";
        let cookie = |mut headers: HeaderMap| {
            headers.insert(
                header::SET_COOKIE,
                "OwnerId=x; Path=/".parse().expect("valid"),
            );
            headers
        };
        check(
            &Method::POST,
            path,
            StatusCode::ACCEPTED,
            &cookie(HeaderMap::new()),
            b"",
        )
        .expect("free");
        check(
            &Method::POST,
            path,
            StatusCode::ACCEPTED,
            &HeaderMap::new(),
            b"",
        )
        .expect_err("the cookie is always sent");
        check(
            &Method::POST,
            path,
            StatusCode::ACCEPTED,
            &cookie(json_headers()),
            b"{\"quote\": 1}",
        )
        .expect_err("not a compact quote");
        let error = json!({"conflict": {"message": "m", "code": 409, "details": "", "guid": "g"}});
        let bytes = serde_json::to_vec(&error).expect("json");
        check(
            &Method::POST,
            path,
            StatusCode::CONFLICT,
            &json_headers(),
            &bytes,
        )
        .expect("error");
        for wrong in [
            json!({}),
            json!({"conflict": null}),
            json!({"badRequest": {"message": "m", "code": 409, "details": "", "guid": "g"}}),
            json!({"conflict": {"message": "m", "code": 400, "details": "", "guid": "g"}}),
        ] {
            let bytes = serde_json::to_vec(&wrong).expect("json");
            check(
                &Method::POST,
                path,
                StatusCode::CONFLICT,
                &json_headers(),
                &bytes,
            )
            .expect_err("a wrong error body");
        }
        let wrong = json!({"clash": {"message": "m", "code": 409, "details": "", "guid": "g"}});
        let bytes = serde_json::to_vec(&wrong).expect("json");
        check(
            &Method::POST,
            path,
            StatusCode::CONFLICT,
            &json_headers(),
            &bytes,
        )
        .expect_err("unknown error type");
    }
}

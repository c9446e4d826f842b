//! The one error type of the HTTP API, rendered as Hostway's error body:
//! `{"<errorType>": {"message": …, "code": <status>, "details": …, "guid": …}}`.
//!
//! Client errors say precisely what is wrong; server errors are logged with their whole cause
//! chain under the `guid` and answered without internals.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::Problem;
use crate::hashing::HashError;
use crate::store::StoreError;

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { message: String, details: Value },
    #[error("POST data error")]
    Validation(std::collections::BTreeMap<String, Problem>),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("Resource not found")]
    NotFound,
    #[error("Method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict { message: String, details: Value },
    #[error("Use application/json")]
    UnsupportedMediaType,
    #[error("Service temporarily unavailable")]
    Unavailable,
    /// Too much work queued (the password-hashing pool is full): `503` + `Retry-After`.
    #[error("Server busy, retry later")]
    Overloaded { retry_after_secs: u32 },
    /// One caller's flood: `429` + `Retry-After`.
    #[error("Too many concurrent logins for this user from this address, retry later")]
    TooManyRequests { retry_after_secs: u32 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            details: Value::String(String::new()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            details: Value::String(String::new()),
        }
    }

    pub fn field(field: &str, problem: impl Into<Problem>) -> Self {
        Self::Validation([(field.to_owned(), problem.into())].into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Hostway's camel-case name for a status (`badRequest`, `itemNotFound`, …).
pub fn error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "methodNotAllowed",
        409 => "conflict",
        413 => "requestEntityTooLarge",
        415 => "unsupportedMediaType",
        429 => "tooManyRequests",
        503 => "serviceUnavailable",
        400..=499 => "badRequest",
        _ => "serverError",
    }
}

tokio::task_local! {
    /// The id of the request being answered (set by the HTTP layer from `X-Request-Id`).
    pub static REQUEST_ID: String;
}

/// The error's `guid`: the request's id, so a partner quoting it finds the request in the
/// logs; a fresh UUID outside a request.
fn guid() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// The Hostway error body for `status`.
pub fn error_body(status: StatusCode, message: &str, details: Value) -> Response {
    error_body_with_guid(status, message, details, &guid())
}

/// The Hostway error body with a given `guid` (the id under which the error was logged).
fn error_body_with_guid(status: StatusCode, message: &str, details: Value, guid: &str) -> Response {
    let body = json!({ error_type(status): {
        "message": message, "code": status.as_u16(), "details": details, "guid": guid,
    }});
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"mailorder\""),
        );
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Self::BadRequest { message, details } | Self::Conflict { message, details } => {
                error_body(status, &message, details)
            }
            Self::Validation(fields) => error_body(status, "POST data error", json!(fields)),
            Self::Internal(err) => {
                let guid = guid();
                tracing::error!(guid, error = format!("{err:#}"), "request failed");
                error_body_with_guid(
                    status,
                    "Internal server error",
                    Value::String(String::new()),
                    &guid,
                )
            }
            Self::Unavailable => with_retry_after(
                error_body(status, &self.to_string(), Value::String(String::new())),
                5,
            ),
            Self::Overloaded { retry_after_secs } | Self::TooManyRequests { retry_after_secs } => {
                with_retry_after(
                    error_body(status, &self.to_string(), Value::String(String::new())),
                    retry_after_secs,
                )
            }
            other => error_body(status, &other.to_string(), Value::String(String::new())),
        }
    }
}

fn with_retry_after(mut response: Response, secs: u32) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        match err {
            // Counted in the metrics; not logged one by one (a flood would flood the log).
            HashError::Full { retry_after_secs } => Self::Overloaded { retry_after_secs },
            HashError::Flood { retry_after_secs } => Self::TooManyRequests { retry_after_secs },
            HashError::Failed => Self::Internal(err.into()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => {
                tracing::warn!(error = format!("{e:#}"), "database unavailable");
                Self::Unavailable
            }
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

//! The one error type of the HTTP API, rendered as Hostway's error body:
//! `{"<errorType>": {"message": …, "code": <status>, "details": …, "guid": …}}`.
//!
//! Client errors say precisely what is wrong; server errors are logged with their whole cause
//! chain under the `guid` and answered without internals.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Problem;
use crate::hashing::HashError;
use crate::store::StoreError;

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { message: String, details: Details },
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
    Conflict { message: String, details: Details },
    #[error("Use application/json")]
    UnsupportedMediaType,
    /// A body over the router's limit.
    #[error("Request body too large")]
    PayloadTooLarge,
    #[error("Service temporarily unavailable")]
    Unavailable,
    /// Too much work queued (the password-hashing pool is full): `503` + `Retry-After`.
    #[error("Server busy, retry later")]
    Overloaded { retry_after_secs: u32 },
    /// One caller's flood or rate: `429` + `Retry-After`.
    #[error("{reason}")]
    TooManyRequests {
        reason: &'static str,
        retry_after_secs: u32,
    },
    /// A request target over the limit: `414`.
    #[error("Request URI too long")]
    UriTooLong,
    /// Request headers over the limit: `431`.
    #[error("Request headers too large")]
    HeadersTooLarge,
    /// The request ran past `--request-timeout-secs`: `503` + `Retry-After`.
    #[error("Request took too long, retry later")]
    TimedOut,
    /// Too many requests in flight on this instance: `503` + `Retry-After`.
    #[error("Server busy, retry later")]
    Shed,
    /// An `Idempotency-Key` first used with another method, path or body: `422`.
    #[error("This Idempotency-Key was used with another method, path or body")]
    KeyReused,
    /// A request with this `Idempotency-Key` is still running: `409` + `Retry-After`.
    #[error("A request with this Idempotency-Key is still running, retry later")]
    KeyInUse,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            details: Details::none(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            details: Details::none(),
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
            Self::Conflict { .. } | Self::KeyInUse => StatusCode::CONFLICT,
            Self::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Unavailable | Self::Overloaded { .. } | Self::TimedOut | Self::Shed => {
                StatusCode::SERVICE_UNAVAILABLE
            }
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
        414 => "requestUriTooLong",
        415 => "unsupportedMediaType",
        422 => "unprocessableEntity",
        429 => "tooManyRequests",
        431 => "requestHeaderFieldsTooLarge",
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

/// An error's `details`: `""`, a text, or a problem per field (`{"owner.username": "Required"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Details {
    Text(String),
    Fields(BTreeMap<String, String>),
}

impl Details {
    pub fn none() -> Self {
        Self::Text(String::new())
    }

    /// One field and its problem.
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        Self::Fields([(field.to_owned(), problem.into())].into())
    }
}

/// One error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(example = "POST data error")]
    pub message: String,
    /// The HTTP status.
    #[schema(example = 400)]
    pub code: u16,
    pub details: Details,
    /// The request's id (`X-Request-Id`), under which the error was logged.
    #[schema(example = "5b0c9a7e-4a0e-4a53-9f0a-2f4ad3f0c6a1")]
    pub guid: String,
}

/// Hostway's error body: one key, the error's type, the camel-case name of its status.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(min_properties = 1, max_properties = 1,
    example = json!({"badRequest": {"message": "POST data error", "code": 400, "details": {"owner.username": "Required"}, "guid": "5b0c9a7e-4a0e-4a53-9f0a-2f4ad3f0c6a1"}}))]
pub struct ErrorBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bad_request: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unauthorized: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forbidden: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_not_found: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_not_allowed: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_entity_too_large: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_uri_too_long: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported_media_type: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unprocessable_entity: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_many_requests: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_header_fields_too_large: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_unavailable: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_error: Option<ErrorDetail>,
}

impl ErrorBody {
    /// The body for `status`, under its type's name ([`error_type`]).
    pub fn new(status: StatusCode, detail: ErrorDetail) -> Self {
        let mut body = Self::default();
        let slot = match error_type(status) {
            "unauthorized" => &mut body.unauthorized,
            "forbidden" => &mut body.forbidden,
            "itemNotFound" => &mut body.item_not_found,
            "methodNotAllowed" => &mut body.method_not_allowed,
            "conflict" => &mut body.conflict,
            "requestEntityTooLarge" => &mut body.request_entity_too_large,
            "requestUriTooLong" => &mut body.request_uri_too_long,
            "unsupportedMediaType" => &mut body.unsupported_media_type,
            "unprocessableEntity" => &mut body.unprocessable_entity,
            "requestHeaderFieldsTooLarge" => &mut body.request_header_fields_too_large,
            "tooManyRequests" => &mut body.too_many_requests,
            "serviceUnavailable" => &mut body.service_unavailable,
            "badRequest" => &mut body.bad_request,
            _ => &mut body.server_error,
        };
        *slot = Some(detail);
        body
    }
}

/// The Hostway error body for `status`.
pub fn error_body(status: StatusCode, message: &str, details: Details) -> Response {
    error_body_with_guid(status, message, details, &guid())
}

/// The Hostway error body with a given `guid` (the id under which the error was logged).
fn error_body_with_guid(
    status: StatusCode,
    message: &str,
    details: Details,
    guid: &str,
) -> Response {
    let detail = ErrorDetail {
        message: message.to_owned(),
        code: status.as_u16(),
        details,
        guid: guid.to_owned(),
    };
    let mut response = (status, axum::Json(ErrorBody::new(status, detail))).into_response();
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
            Self::Validation(fields) => {
                error_body(status, "POST data error", Details::Fields(fields))
            }
            Self::Internal(err) => {
                let guid = guid();
                tracing::error!(guid, error = format!("{err:#}"), "request failed");
                error_body_with_guid(status, "Internal server error", Details::none(), &guid)
            }
            Self::Unavailable | Self::TimedOut => {
                with_retry_after(error_body(status, &self.to_string(), Details::none()), 5)
            }
            Self::Shed | Self::KeyInUse => {
                with_retry_after(error_body(status, &self.to_string(), Details::none()), 1)
            }
            Self::Overloaded { retry_after_secs }
            | Self::TooManyRequests {
                retry_after_secs, ..
            } => with_retry_after(
                error_body(status, &self.to_string(), Details::none()),
                retry_after_secs,
            ),
            other => error_body(status, &other.to_string(), Details::none()),
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
            HashError::Flood { retry_after_secs } => Self::TooManyRequests {
                reason: "Too many concurrent logins for this user from this address, retry later",
                retry_after_secs,
            },
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

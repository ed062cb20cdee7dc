//! One error type for the API: rendered as RFC 9457 problem+json in the request's locale.
//! Causes of internal errors go to the log, never to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongzhi_kernel::{FieldError, ValidationErrors};
use sea_orm::{DbErr, SqlErr};
use serde_json::json;

use crate::i18n::{field_message, tr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("validation failed")]
    Validation(ValidationErrors),
    /// A stale version or a state that no longer allows the action; the key explains.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many attempts; the next may come after `seconds` (sent as `Retry-After`).
    #[error("too many requests")]
    RateLimited { seconds: i64 },
    #[error("csrf check failed")]
    Csrf,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(e.into())
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            return AppError::Conflict("error.duplicate");
        }
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn field(field: &str, key: &'static str) -> AppError {
        AppError::Validation(FieldError::new(field, key).into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::PasswordChangeRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::BadRequest(_) => "bad_request",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal(_) => "internal",
        }
    }

    /// The problem document (RFC 9457) in the current locale.
    pub fn problem(&self) -> serde_json::Value {
        let kind = self.kind();
        let title = tr(&format!("problem.{kind}"), &[]);
        let detail = match self {
            AppError::Conflict(key) | AppError::BadRequest(key) => tr(key, &[]),
            AppError::RateLimited { seconds } => {
                tr("auth.wait", &[("seconds", seconds.to_string())])
            }
            AppError::Validation(errors) => tr(
                "problem.validation_detail",
                &[("count", errors.0.len().to_string())],
            ),
            _ => title.clone(),
        };
        let mut doc = json!({
            "type": format!("/problems/{kind}"),
            "title": title,
            "status": self.status().as_u16(),
            "detail": detail,
        });
        if let AppError::Validation(errors) = self {
            doc["errors"] = errors
                .0
                .iter()
                .map(|e| json!({"field": e.field, "code": e.key, "message": field_message(e)}))
                .collect();
        }
        if let AppError::Conflict(key) | AppError::BadRequest(key) = self {
            doc["code"] = json!(key);
        }
        doc
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let status = self.status();
        let body = self.problem().to_string();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::RateLimited { seconds } = &self
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl AppError {
    /// The error of a bare status that no handler explained (a rejection by the framework).
    pub fn from_status(status: StatusCode) -> AppError {
        match status.as_u16() {
            401 => AppError::Unauthenticated,
            403 => AppError::Forbidden,
            404 => AppError::NotFound,
            405 => AppError::MethodNotAllowed,
            413 => AppError::PayloadTooLarge,
            415 => AppError::UnsupportedMediaType,
            429 => AppError::RateLimited { seconds: 60 },
            400..=499 => AppError::BadRequest("error.bad_request"),
            _ => AppError::Internal(anyhow::anyhow!("unexplained status {status}")),
        }
    }
}

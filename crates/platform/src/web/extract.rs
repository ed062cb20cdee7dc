//! Request extractors for every handler: JSON bodies, query strings, forms and path parameters.
//! Each one cleans the text it reads (`kernel::text::clean`: control characters refused with a
//! field message, invisible format characters removed, NFC) and turns every rejection into the
//! project's error: a problem document for `/api`, the error page otherwise. Type errors and
//! impossible values (a date of 30 February) name their field.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongzhi_kernel::{FieldError, ValidationErrors};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::AppError;

/// Fields passed through as typed: secrets and opaque tokens are never altered.
const RAW_FIELDS: [&str; 6] = [
    "password",
    "current_password",
    "new_password",
    "_csrf",
    "_once",
    "cursor",
];

/// An extractor's refusal: a problem document on the API, the error page on pages.
pub struct Rejection {
    pub error: AppError,
    path: String,
}

impl Rejection {
    fn new(path: &str, error: AppError) -> Rejection {
        Rejection {
            error,
            path: path.to_string(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        crate::ui::error_for(&self.path, self.error)
    }
}

/// Clean one text value of `field` (its last segment decides whether it is a secret left as
/// typed), recording a refusal in `errors`.
pub fn clean_field(field: &str, s: &mut String, errors: &mut ValidationErrors) {
    let last = field.rsplit('.').next().unwrap_or(field);
    if RAW_FIELDS.contains(&last) {
        return;
    }
    match gongzhi_kernel::text::clean(s) {
        Ok(Cow::Borrowed(_)) => {}
        Ok(Cow::Owned(c)) => *s = c,
        Err(e) => errors.push(e.for_field(field)),
    }
}

/// Clean every string of a JSON document; a refusal names the field by its dotted path (object
/// keys, array indexes: `milestones.0.name`).
pub fn clean_json(value: &mut Value, errors: &mut ValidationErrors) {
    walk(value, &mut Vec::new(), errors);
}

fn walk(value: &mut Value, path: &mut Vec<String>, errors: &mut ValidationErrors) {
    match value {
        Value::String(s) => {
            if path
                .last()
                .is_some_and(|k| RAW_FIELDS.contains(&k.as_str()))
            {
                return;
            }
            match gongzhi_kernel::text::clean(s) {
                Ok(Cow::Borrowed(_)) => {}
                Ok(Cow::Owned(c)) => *s = c,
                // The path is joined only for a refusal: clean text costs no allocation.
                Err(e) => errors.push(e.for_field(path.join("."))),
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(v, path, errors);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                walk(v, path, errors);
                path.pop();
            }
        }
        _ => {}
    }
}

fn join(path: &str, segment: &str) -> String {
    if path.is_empty() {
        segment.to_string()
    } else {
        format!("{path}.{segment}")
    }
}

/// A deserialization failure as a field message: which field, and what was wrong with it.
fn field_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> FieldError {
    let mut path = String::new();
    for seg in err.path().iter() {
        let s = match seg {
            serde_path_to_error::Segment::Seq { index } => index.to_string(),
            serde_path_to_error::Segment::Map { key } => key.clone(),
            serde_path_to_error::Segment::Enum { variant } => variant.clone(),
            serde_path_to_error::Segment::Unknown => continue,
        };
        path = join(&path, &s);
    }
    let message = err.inner().to_string();
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        return FieldError::new(join(&path, name), "input.required");
    }
    let field = if path.is_empty() { "body".into() } else { path };
    FieldError::new(field, message_key(&message))
}

/// The message for what serde says went wrong: "invalid type: string \"x\", expected i64",
/// "invalid digit found in string", chrono's "input is out of range"…
fn message_key(message: &str) -> &'static str {
    if message.starts_with("invalid digit") || message.contains("number too large") {
        return "input.expected_integer";
    }
    let Some(("invalid type", expected)) = message
        .split_once(", expected ")
        .map(|(got, e)| (got.split(':').next().unwrap_or(""), e))
    else {
        return "input.invalid_value";
    };
    let e = expected.trim_start_matches("a ").trim_start_matches("an ");
    let integer = e
        .strip_prefix(['i', 'u'])
        .is_some_and(|bits| matches!(bits, "8" | "16" | "32" | "64" | "128" | "size"));
    if integer || e.contains("integer") {
        "input.expected_integer"
    } else if matches!(e, "f32" | "f64") || e.contains("float") || e.contains("number") {
        "input.expected_number"
    } else if e.contains("date") || e.contains("time") || e.contains("UUID") {
        // chrono's "a formatted date string", uuid's "UUID": a value of text in a format.
        "input.invalid_value"
    } else if e.contains("bool") {
        "input.expected_boolean"
    } else if e.contains("string") || e.contains("char") {
        "input.expected_text"
    } else if e.contains("sequence") || e.contains("tuple") {
        "input.expected_list"
    } else if e.contains("map") || e.starts_with("struct") {
        "input.expected_object"
    } else {
        "input.invalid_value"
    }
}

/// A JSON body (`application/json` or `…+json`): malformed JSON is 400, a body over the limit
/// 413, another content type 415; text is cleaned; a wrong type or impossible value is 422
/// naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let path = req.uri().path().to_string();
        let refuse = |e| Rejection::new(&path, e);
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        if !json {
            return Err(refuse(AppError::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            refuse(if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest("error.json_malformed")
            })
        })?;
        let mut value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| refuse(AppError::BadRequest("error.json_malformed")))?;
        let mut errors = ValidationErrors::new();
        clean_json(&mut value, &mut errors);
        errors.into_result().map_err(|e| refuse(e.into()))?;
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| refuse(field_error(e).into()))
    }
}

/// One typed part of a JSON body already read, with field messages. For inputs made of parts:
/// inside a `#[serde(flatten)]` part serde loses the path of the field that fails, so such
/// inputs are read part by part instead.
pub fn typed<T: DeserializeOwned>(v: &Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(v).map_err(|e| field_error(e).into())
}

/// Clean `key=value` pairs; with `drop_empty`, an empty value counts as not given (HTML forms
/// send `?year=` for an empty field). Returns the pairs encoded again.
fn clean_pairs(raw: &[u8], drop_empty: bool) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw) {
        if drop_empty && v.is_empty() {
            continue;
        }
        let mut v = v.into_owned();
        clean_field(&k, &mut v, &mut errors);
        out.append_pair(&k, &v);
    }
    errors.into_result()?;
    Ok(out.finish())
}

fn from_pairs<T: DeserializeOwned>(encoded: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| field_error(e).into())
}

/// A page form's fields (already cleaned by `Form<Fields>`) as a typed input, with a message for
/// every value that does not fit its type, not just the first: a field that fails is set aside
/// and the rest read again. Values are trimmed; blank text stays text (the service's checks say
/// what is missing), while a blank where a number, date or id belongs counts as not given (an
/// optional one is `None`, a required one "required", which ends the reading).
pub fn typed_form<T: DeserializeOwned>(
    fields: &std::collections::HashMap<String, String>,
) -> Result<T, AppError> {
    let mut given: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.trim())).collect();
    let mut errors = ValidationErrors::new();
    // Each round sets one field aside, so this ends.
    for _ in 0..=fields.len() {
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        encoded.extend_pairs(given.iter().copied());
        let err = match from_pairs::<T>(&encoded.finish()) {
            Ok(v) if errors.is_empty() => return Ok(v),
            Ok(_) => break,
            Err(AppError::Validation(mut e)) if e.0.len() == 1 => e.0.remove(0),
            Err(other) => return Err(other),
        };
        let Some(at) = given.iter().position(|(k, _)| *k == err.field) else {
            // Required and not given (or set aside already).
            if !errors.0.iter().any(|e| e.field == err.field) {
                errors.push(err);
            }
            break;
        };
        let (_, value) = given.remove(at);
        if !value.is_empty() {
            errors.push(err);
        }
    }
    Err(errors.into())
}

/// The query string, cleaned and typed with field messages. On pages an empty value counts as
/// not given (a filter form sends `?year=` for an empty field); the API takes what is sent, so
/// `?from=` is an invalid date there.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Rejection> {
        let path = parts.uri.path();
        let raw = parts.uri.query().unwrap_or("");
        clean_pairs(raw.as_bytes(), !path.starts_with("/api/"))
            .map_err(AppError::from)
            .and_then(|q| from_pairs(&q))
            .map(Query)
            .map_err(|e| Rejection::new(path, e))
    }
}

/// A form body (`application/x-www-form-urlencoded`), cleaned and typed.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let path = req.uri().path().to_string();
        let refuse = |e| Rejection::new(&path, e);
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return Err(refuse(AppError::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            refuse(if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest("error.form_malformed")
            })
        })?;
        clean_pairs(&bytes, false)
            .map_err(AppError::from)
            .and_then(|q| from_pairs(&q))
            .map(Form)
            .map_err(refuse)
    }
}

/// Path parameters. A value that cannot name anything (a control character, text where an id
/// belongs) is simply not found.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Rejection> {
        let path = parts.uri.path().to_string();
        let not_found = || Rejection::new(&path, AppError::NotFound);
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let clean = raw
            .iter()
            .all(|(_, v)| matches!(gongzhi_kernel::text::clean(v), Ok(Cow::Borrowed(_))));
        if !clean {
            return Err(not_found());
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        count: i64,
        on: Option<chrono::NaiveDate>,
        items: Vec<Item>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        share: i64,
    }

    fn error_of(v: Value) -> FieldError {
        field_error(serde_path_to_error::deserialize::<_, Input>(v).unwrap_err())
    }

    #[test]
    fn type_errors_and_impossible_dates_name_their_field() {
        let e = error_of(serde_json::json!({"name": "x", "count": "many", "items": []}));
        assert_eq!(
            (e.field.as_str(), e.key),
            ("count", "input.expected_integer")
        );
        let e =
            error_of(serde_json::json!({"name": "x", "count": 1, "on": "2026-02-30", "items": []}));
        assert_eq!((e.field.as_str(), e.key), ("on", "input.invalid_value"));
        let e = error_of(serde_json::json!({"name": "x", "count": 1, "items": [{"share": 1}, {}]}));
        assert_eq!(
            (e.field.as_str(), e.key),
            ("items.1.share", "input.required")
        );
        let e = error_of(serde_json::json!({"count": 1, "items": []}));
        assert_eq!((e.field.as_str(), e.key), ("name", "input.required"));
        let e = error_of(serde_json::json!({"name": 5, "count": 1, "items": []}));
        assert_eq!((e.field.as_str(), e.key), ("name", "input.expected_text"));
        let e = error_of(serde_json::json!(1));
        assert_eq!(e.field, "body");
        let e = error_of(serde_json::json!({"name": "x", "count": 1, "on": 5, "items": []}));
        assert_eq!(
            (e.field.as_str(), e.key),
            ("on", "input.invalid_value"),
            "a number where a date belongs is a wrong value, not a wrong number"
        );
        let e = error_of(serde_json::json!({"name": "x", "count": 1.5, "items": []}));
        assert_eq!(
            (e.field.as_str(), e.key),
            ("count", "input.expected_integer")
        );
    }

    #[test]
    fn page_forms_read_typed_with_a_message_for_every_bad_field() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct F {
            name: String,
            capacity: i32,
            seats: Option<i32>,
            on: Option<chrono::NaiveDate>,
            #[serde(default)]
            note: String,
        }
        let form = |pairs: &[(&str, &str)]| -> std::collections::HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok: F = typed_form(&form(&[
            ("name", "甲"),
            ("capacity", " 10 "),
            ("seats", ""),
            ("_csrf", "x"),
        ]))
        .unwrap();
        assert_eq!(
            ok,
            F {
                name: "甲".into(),
                capacity: 10,
                seats: None,
                on: None,
                note: String::new()
            }
        );
        let Err(AppError::Validation(e)) = typed_form::<F>(&form(&[
            ("name", "甲"),
            ("capacity", "十"),
            ("seats", "1.5"),
            ("on", "2026-02-30"),
        ])) else {
            panic!("bad values pass")
        };
        let mut got: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.key)).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("capacity", "input.expected_integer"),
                ("on", "input.invalid_value"),
                ("seats", "input.expected_integer"),
            ]
        );
        let Err(AppError::Validation(e)) =
            typed_form::<F>(&form(&[("name", "甲"), ("capacity", "")]))
        else {
            panic!("missing values pass")
        };
        let mut got: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.key)).collect();
        got.sort();
        assert_eq!(got, vec![("capacity", "input.required")], "{e:?}");
    }

    #[test]
    fn json_text_is_cleaned_and_control_characters_refused_by_field() {
        let mut v = serde_json::json!({
            "name": "爱心\u{200B}互助会",
            "password": "pa\u{200B}ss",
            "milestones": [{"name": "ok"}, {"name": "bad\u{0}"}]
        });
        let mut errors = ValidationErrors::new();
        clean_json(&mut v, &mut errors);
        assert_eq!(v["name"], "爱心互助会");
        assert_eq!(v["password"], "pa\u{200B}ss", "secrets are left as typed");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "milestones.1.name");
        assert_eq!(errors.0[0].key, "text.control");
    }

    #[test]
    fn query_pairs_drop_empty_values_and_name_bad_numbers() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Q {
            limit: Option<u64>,
            q: Option<String>,
        }
        let q = clean_pairs(b"limit=&q=a%E2%80%8Bb", true).unwrap();
        let parsed: Q = from_pairs(&q).unwrap();
        assert_eq!((parsed.limit, parsed.q.as_deref()), (None, Some("ab")));
        let err = from_pairs::<Q>("limit=abc").err().unwrap();
        let AppError::Validation(v) = err else {
            panic!()
        };
        assert_eq!(
            (v.0[0].field.as_str(), v.0[0].key),
            ("limit", "input.expected_integer")
        );
        assert!(clean_pairs(b"q=%00", true).is_err());
    }
}

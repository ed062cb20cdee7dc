//! The purchase API: OCDS.

use super::*;

/// The address the caller reached us at, for package URIs.
pub(super) fn base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// A process's releases, one per stage, as published (OCDS 1.1 release package).
#[utoipa::path(get, path = "/api/v1/public/ocds/releases/{ocid}", tag = "procurement",
    params(("ocid" = String, Path, description = "e.g. ocds-gongzh-440308002000-2026-0001")),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_releases(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(ocid): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let releases = crate::service::ocds::releases_of(&state.db.read, &ocid).await?;
    Ok(Json(crate::service::ocds::release_package(
        &base_url(&headers),
        &format!("/api/v1/public/ocds/releases/{ocid}"),
        releases,
    )))
}

/// A process's record: its releases and the compiled release (OCDS 1.1 record package).
#[utoipa::path(get, path = "/api/v1/public/ocds/records/{ocid}", tag = "procurement",
    params(("ocid" = String, Path)),
    responses((status = 200, description = "OCDS 1.1 record package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_record(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(ocid): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let releases = crate::service::ocds::releases_of(&state.db.read, &ocid).await?;
    Ok(Json(crate::service::ocds::record_package(
        &base_url(&headers),
        &format!("/api/v1/public/ocds/records/{ocid}"),
        &ocid,
        releases,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The district (`440308` or `440308000000`).
    pub district: String,
    pub year: i32,
    /// Releases per package (1–1000, default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// From the `Link: rel="next"` of the previous package.
    pub cursor: Option<String>,
}

/// Every release a district published in a year, in publication order, in packages of `limit`;
/// the next package is linked in the `Link` header.
#[utoipa::path(get, path = "/api/v1/public/ocds/releases", tag = "procurement", params(YearQuery),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_year(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<YearQuery>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let d = gongzhi_platform::territory::district_node(&state.db.read, &q.district).await?;
    let limit = match q.limit {
        None => 500,
        Some(n @ 1..=1000) => n,
        Some(_) => {
            return Err(gongzhi_platform::AppError::Validation(
                gongzhi_kernel::FieldError::new("limit", "page.limit_range")
                    .arg("min", 1)
                    .arg("max", 1000)
                    .into(),
            ));
        }
    };
    let page = gongzhi_platform::web::PageParams {
        limit: Some(1),
        cursor: q.cursor.clone(),
    };
    let after: Option<(DateTime<Utc>, String)> = page.decode()?;
    // One more than the package holds tells whether another follows: a year whose releases
    // fill the last package exactly gets no link to an empty one.
    let mut rows =
        crate::service::ocds::year(&state.db.read, &d.district_code, q.year, after, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let base = base_url(&headers);
    let uri = format!(
        "/api/v1/public/ocds/releases?district={}&year={}&limit={limit}{}",
        d.district_code,
        q.year,
        q.cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default()
    );
    let next = more.then(|| {
        let last = rows.last().expect("a full page");
        gongzhi_platform::web::pagination::encode_cursor(&(last.date, last.id.clone()))
    });
    let releases = rows
        .iter()
        .map(|r| crate::service::ocds::stored(&r.payload))
        .collect();
    let body = crate::service::ocds::release_package(&base, &uri, releases);
    let mut resp = Json(body).into_response();
    if let Some(c) = next {
        let link = format!(
            "<{base}/api/v1/public/ocds/releases?district={}&year={}&limit={limit}&cursor={c}>; rel=\"next\"",
            d.district_code, q.year
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&link) {
            resp.headers_mut().insert(axum::http::header::LINK, v);
        }
    }
    Ok(resp)
}

/// Our OCDS extension: the fields of Chinese purchase of services that OCDS lacks.
#[utoipa::path(get, path = "/api/v1/public/ocds/extension.json", tag = "procurement",
    responses((status = 200, description = "OCDS extension", content_type = "application/json")))]
pub async fn ocds_extension() -> Json<serde_json::Value> {
    Json(crate::service::ocds::extension())
}

/// The release-schema patch that `extension.json` names in `schemas`.
#[utoipa::path(get, path = "/api/v1/public/ocds/release-schema.json", tag = "procurement",
    responses((status = 200, description = "OCDS extension release-schema patch", content_type = "application/json")))]
pub async fn ocds_extension_schema() -> Json<serde_json::Value> {
    Json(crate::service::ocds::extension_release_schema())
}

//! Static files compiled into the binary (vendored Bootstrap, htmx, ECharts and our own small
//! script and stylesheet), so a deployment is one file and needs no Node or CDN.

use crate::web::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::{Access, Routes};

const FILES: [(&str, &str, &[u8]); 6] = [
    (
        "bootstrap.min.css",
        "text/css",
        include_bytes!("../../assets/vendor/bootstrap.min.css"),
    ),
    (
        "bootstrap.bundle.min.js",
        "text/javascript",
        include_bytes!("../../assets/vendor/bootstrap.bundle.min.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript",
        include_bytes!("../../assets/vendor/htmx.min.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript",
        include_bytes!("../../assets/vendor/echarts.min.js"),
    ),
    (
        "app.js",
        "text/javascript",
        include_bytes!("../../assets/static/app.js"),
    ),
    (
        "app.css",
        "text/css",
        include_bytes!("../../assets/static/app.css"),
    ),
];

pub fn routes() -> Routes {
    Routes::new().get("/static/{file}", Access::Public, serve)
}

async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, bytes)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

//! Uploads: size and type limits, content-addressed storage outside the web root, downloads.
//!
//! The type is detected from the bytes (a renamed executable is not a PDF); the client's
//! content type and file name are never trusted, and the name is only ever shown.

use std::path::PathBuf;

use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use gongzhi_kernel::FieldError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};

use crate::audit::AuditActor;
use crate::entity::stored_file;
use crate::web::{AppError, AppResult, AppState};

/// Where file bytes live. The local disk is the default; an object store can stand in for it.
pub trait FileStore: Send + Sync {
    fn put<'a>(&'a self, sha256: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>>;
}

/// `<data_dir>/files/ab/abcdef…`: one copy of each distinct content.
pub struct LocalDisk {
    pub root: PathBuf,
}

impl LocalDisk {
    fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }
}

impl FileStore for LocalDisk {
    fn put<'a>(&'a self, sha256: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let path = self.path(sha256);
            if tokio::fs::try_exists(&path).await? {
                return Ok(());
            }
            tokio::fs::create_dir_all(path.parent().expect("has a parent")).await?;
            // Write beside, then rename: a reader never sees half a file.
            let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::now_v7().simple()));
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        })
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>> {
        Box::pin(async move { tokio::fs::read(self.path(sha256)).await })
    }
}

/// The kinds of document we accept: (content type, extensions).
const KINDS: [(&str, &[&str]); 5] = [
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
];

/// The accepted type of these bytes, or `None`. Office files are zip containers, so for them
/// the extension picks between Word and Excel once the container is recognised.
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_ext = |ct: &str| {
        KINDS
            .iter()
            .find(|(k, _)| *k == ct)
            .is_some_and(|(_, exts)| exts.contains(&ext.as_str()))
    };
    let ct = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"PK\x03\x04") {
        return KINDS[3..].iter().find(|(k, _)| by_ext(k)).map(|(k, _)| *k);
    } else {
        return None;
    };
    Some(ct)
}

/// A file as received, before it is stored.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The text fields of a multipart form and its file (the part named `file`), reading at most
/// the configured upload size: a larger file is refused with a message naming the limit.
pub async fn read_multipart(
    state: &AppState,
    mut form: Multipart,
) -> AppResult<(std::collections::HashMap<String, String>, Option<Upload>)> {
    let max = state.config.upload_max_bytes;
    let mut fields = std::collections::HashMap::new();
    let mut upload = None;
    // An upload whose parts cannot be read is answered on the file field, like a bad file.
    let bad = |_| AppError::field("file", "error.multipart");
    while let Some(mut part) = form.next_field().await.map_err(bad)? {
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = part.file_name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > max {
                    return Err(too_large(max));
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() {
                upload = Some(Upload {
                    name: file_name,
                    bytes,
                });
            }
        } else {
            let mut text = part.text().await.map_err(bad)?;
            let mut errors = gongzhi_kernel::ValidationErrors::new();
            crate::web::clean_field(&name, &mut text, &mut errors);
            errors.into_result()?;
            fields.insert(name, text);
        }
    }
    Ok((fields, upload))
}

fn too_large(max: usize) -> AppError {
    AppError::Validation(
        FieldError::new("file", "file.too_large")
            .arg("max", max.div_ceil(1024 * 1024))
            .into(),
    )
}

/// Check and keep a file; the caller records what it belongs to in the same transaction.
pub async fn store(
    state: &AppState,
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    upload: &Upload,
) -> AppResult<stored_file::Model> {
    let max = state.config.upload_max_bytes;
    if upload.bytes.len() > max {
        return Err(too_large(max));
    }
    let content_type = sniff(&upload.bytes, &upload.name)
        .ok_or_else(|| AppError::field("file", "file.type_not_allowed"))?;
    let name: String = upload
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        // Line breaks too; and a right-to-left override would show "…fdp.exe" as "…exe.pdf".
        .filter(|c| !c.is_control() && !gongzhi_kernel::text::is_invisible_format(*c))
        .take(200)
        .collect();
    if name.trim().is_empty() {
        return Err(AppError::field("file", "file.name_required"));
    }
    let sha = hex::encode(Sha256::digest(&upload.bytes));
    state
        .files
        .put(&sha, &upload.bytes)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("file store: {e}")))?;
    let m = stored_file::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        sha256: Set(sha),
        size: Set(upload.bytes.len() as i64),
        content_type: Set(content_type.into()),
        name: Set(name),
        uploaded_by: Set(who.user_id),
        uploaded_at: Set(crate::audit::now()),
    }
    .insert(conn)
    .await?;
    Ok(m)
}

pub async fn find(conn: &impl ConnectionTrait, id: uuid::Uuid) -> AppResult<stored_file::Model> {
    stored_file::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The file as a download (never rendered inline, so an uploaded file cannot run as a page).
pub async fn download(state: &AppState, f: &stored_file::Model) -> AppResult<Response> {
    let bytes = state
        .files
        .get(&f.sha256)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("file store: {e}")))?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&f.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String = f
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::ui::urlencode(&f.name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "章程.pdf"), Some("application/pdf"));
        // The name does not make a PDF.
        assert_eq!(sniff(b"MZ\x90\x00", "证书.pdf"), None);
        assert_eq!(sniff(b"<html>", "a.html"), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "x.bin"), Some("image/png"));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0], "p.jpg"),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff(b"PK\x03\x04....", "名单.XLSX"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        // A zip that is not an Office document.
        assert_eq!(sniff(b"PK\x03\x04....", "archive.zip"), None);
    }
}

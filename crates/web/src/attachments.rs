//! Attachment upload and download, shared by the API and the staff pages: reading a multipart
//! body with limits, and answering a file with a safe download header.

use axum::extract::Multipart;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use xinfang_core::attachment::MAX_ATTACHMENT_BYTES;
use xinfang_core::Lang;

use crate::error::ApiError;

/// The request body limit of upload routes: one file plus the form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES + 64 * 1024;

/// A multipart body read into its text fields and its files.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    /// Every non-empty file sent in a field named `file`, in order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Upload {
    /// The first file (forms with one file input).
    pub fn first_file(self) -> Option<(String, Vec<u8>)> {
        self.files.into_iter().next()
    }
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Read a multipart form: text fields, and the files in fields named `file`.
pub async fn read_upload(mut mp: Multipart, lang: Lang) -> Result<Upload, ApiError> {
    let bad = |e: String| {
        ApiError::invalid(
            lang,
            format!("上传内容无法读取：{e}（单个文件不能超过 10 MB）"),
            format!("Cannot read the upload: {e} (at most 10 MB)"),
        )
    };
    let mut up = Upload { fields: vec![], files: vec![] };
    while let Some(field) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            if !bytes.is_empty() || !filename.is_empty() {
                up.files.push((filename, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(|e| bad(e.body_text()))?;
            up.fields.push((name, text));
        }
    }
    Ok(up)
}

/// `filename*=UTF-8''…` (RFC 6266/5987) so Chinese names survive; written by hand because it is
/// a dozen lines of percent-encoding over a fixed character set.
fn content_disposition(filename: &str) -> String {
    let mut enc = String::new();
    for b in filename.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
            enc.push(*b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"attachment\"; filename*=UTF-8''{enc}")
}

/// A stored file as a download (never rendered in the page: nosniff, attachment).
pub fn download(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn disposition_keeps_chinese_names() {
        assert_eq!(
            super::content_disposition("来信.pdf"),
            "attachment; filename=\"attachment\"; filename*=UTF-8''%E6%9D%A5%E4%BF%A1.pdf"
        );
    }
}

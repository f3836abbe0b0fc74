//! 附件 Attachments: scanned letters and photos. What a file is comes from its first bytes, not
//! from the name or the type the browser claims, so a renamed executable is refused.

use serde::Serialize;

use crate::error::FieldError;

/// Largest file accepted (10 MiB): a scanned letter or a phone photo fits comfortably.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept.
pub const MAX_FILENAME_CHARS: usize = 100;

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Tiff,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Tiff => "image/tiff",
        }
    }
}

/// What a file is, by its signature (magic bytes). Written by hand: four fixed signatures are
/// all that is accepted, and a detection crate would add knowledge of hundreds of formats we refuse.
pub fn detect(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(FileKind::Tiff)
    } else {
        None
    }
}

/// A file name safe to store and to offer for download: no directories, no control characters,
/// at most [`MAX_FILENAME_CHARS`] characters; never empty.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cut: String = cleaned.chars().take(MAX_FILENAME_CHARS).collect();
    if cut.is_empty() {
        "附件".to_string()
    } else {
        cut
    }
}

/// Check an upload: not empty, not too large, a kind we accept.
pub fn check(bytes: &[u8]) -> Result<FileKind, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file", "empty_file", "请选择要上传的文件", "Choose a file to upload"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::new(
            "file",
            "file_too_large",
            format!(
                "文件过大（{:.1} MB），单个附件不能超过 10 MB；扫描件请降低分辨率后再上传",
                bytes.len() as f64 / 1_048_576.0
            ),
            format!("The file is too large ({:.1} MB); at most 10 MB", bytes.len() as f64 / 1_048_576.0),
        ));
    }
    detect(bytes).ok_or_else(|| {
        FieldError::new(
            "file",
            "file_type",
            "只能上传 PDF、JPG、PNG 或 TIFF 格式的扫描件和照片",
            "Only PDF, JPEG, PNG or TIFF scans and photos can be uploaded",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_signature() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0"), Some(FileKind::Png));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(detect(b"II*\0...."), Some(FileKind::Tiff));
        assert_eq!(detect(b"MZ\x90\0"), None, "a Windows program named .pdf is refused");
        assert_eq!(check(b"").unwrap_err().code, "empty_file");
        assert_eq!(check(b"<html>").unwrap_err().code, "file_type");
        assert_eq!(check(&vec![0xFF; MAX_ATTACHMENT_BYTES + 1]).unwrap_err().code, "file_too_large");
        assert_eq!(check(b"%PDF-1.4").unwrap(), FileKind::Pdf);
    }

    #[test]
    fn file_names() {
        assert_eq!(clean_filename("C:\\Users\\x\\来信扫描.pdf"), "来信扫描.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\u{0}b\r\n.png"), "ab.png");
        assert_eq!(clean_filename(".hidden"), "hidden");
        assert_eq!(clean_filename(""), "附件");
        assert_eq!(clean_filename(&"长".repeat(300)).chars().count(), MAX_FILENAME_CHARS);
    }
}

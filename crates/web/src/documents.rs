//! 文书 The two outputs of an issued document, both made from its [`RenderedDocument`]: a
//! print-ready HTML page (A4, `assets/app.css`) and a DOCX file (A4, 仿宋/宋体 with East Asian
//! font attributes, so Word and WPS show the Chinese fonts). Used by the staff pages, the API and
//! the public portal.
//!
//! The few OOXML parts are written here and packed with the `zip` crate (2.x, no compression
//! back-ends) rather than with `docx-rs`, which brings `zip` 8 with two deflate back-ends and
//! `quick-xml` with `encoding_rs`, and needs a newer Rust than ours — a lot for six small XML
//! parts. Stored (uncompressed) entries are valid in OOXML packages; Word, WPS and LibreOffice
//! open them.

use askama::Template;
use axum::response::Response;
use xinfang_core::document::{Block, RenderedDocument};

use crate::ui::msg::Messages;

/// The print page of a document.
#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage<'a> {
    pub m: &'static Messages,
    pub doc: &'a RenderedDocument,
    /// Where "下载 DOCX" points.
    pub docx_href: String,
    /// Where "返回" points.
    pub back_href: String,
}

/// The print page of a document, as HTML.
pub fn html(m: &'static Messages, doc: &RenderedDocument, docx_href: String, back_href: String) -> Response {
    crate::ui::render(&DocumentPage { m, doc, docx_href, back_href })
}

/// The document as a DOCX download (`filename*=` in UTF-8: number and title).
pub fn docx_response(doc: &RenderedDocument) -> Response {
    crate::attachments::download(DOCX_CONTENT_TYPE, &docx_filename(doc), docx(doc))
}

/// The file name of a document's DOCX: its number and title.
pub fn docx_filename(doc: &RenderedDocument) -> String {
    format!("{} {}.docx", doc.number, doc.title)
}

pub const DOCX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Text for XML: escaped, and without the control characters XML 1.0 forbids.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn run(text: &str, bold: bool) -> String {
    let rpr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    format!("<w:r>{rpr}<w:t xml:space=\"preserve\">{}</w:t></w:r>", xml_text(text))
}

fn para(style: &str, runs: &str) -> String {
    format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>{runs}</w:p>")
}

fn document_xml(doc: &RenderedDocument) -> String {
    let mut body = String::new();
    body.push_str(&para("DocTitle", &run(&doc.title, false)));
    body.push_str(&para("DocNumber", &run(&doc.number, false)));
    for (i, b) in doc.blocks.iter().enumerate() {
        body.push_str(&match b {
            Block::Paragraph { text } if i == 0 && text.ends_with('：') => para("Salutation", &run(text, false)),
            Block::Paragraph { text } => para("Normal", &run(text, false)),
            Block::Field { label, value } => para("Normal", &(run(&format!("{label}："), true) + &run(value, false))),
        });
    }
    // The signature stands a line below the text.
    body.push_str(&format!(
        "<w:p><w:pPr><w:pStyle w:val=\"Signature\"/><w:spacing w:before=\"560\"/></w:pPr>{}</w:p>",
        run(&doc.organ, false)
    ));
    body.push_str(&para("Signature", &run(&doc.date, false)));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/>\
         </w:sectPr></w:body></w:document>"
    )
}

/// Fonts of a style: Latin in Times New Roman, Chinese in `east_asia` (the attribute Word and
/// WPS read for CJK text), hinted as East Asian.
fn fonts(east_asia: &str) -> String {
    format!(
        "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"{east_asia}\" \
         w:cs=\"Times New Roman\" w:hint=\"eastAsia\"/>"
    )
}

fn styles_xml() -> String {
    // GB/T 9704 公文格式: title 二号 (22 pt) 宋体 bold, centred; body 三号 (16 pt) 仿宋, first line
    // indented two characters, 28 pt exact line spacing; signature and date to the right.
    let style = |id: &str, name: &str, ppr: &str, rpr: &str| {
        format!(
            "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>\
             <w:basedOn w:val=\"Normal\"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:docDefaults><w:rPrDefault><w:rPr>{fs}<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/>\
         <w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:line=\"560\" w:lineRule=\"exact\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>\
         <w:pPr><w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:jc w:val=\"both\"/></w:pPr><w:rPr>{fs}</w:rPr></w:style>\
         {title}{number}{salutation}{signature}</w:styles>",
        fs = fonts("仿宋"),
        title = style(
            "DocTitle",
            "文书标题",
            "<w:spacing w:before=\"0\" w:after=\"280\" w:line=\"720\" w:lineRule=\"exact\"/><w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/>",
            &format!("{}<w:b/><w:sz w:val=\"44\"/><w:szCs w:val=\"44\"/>", fonts("宋体")),
        ),
        number = style(
            "DocNumber",
            "文号",
            "<w:spacing w:after=\"280\"/><w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/>",
            "",
        ),
        salutation = style("Salutation", "主送", "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>", ""),
        signature = style(
            "Signature",
            "落款",
            "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\" w:right=\"640\"/><w:jc w:val=\"right\"/>",
            "",
        ),
    )
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

fn core_xml(doc: &RenderedDocument) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:subject>{}</dc:subject>\
         <dc:creator>{}</dc:creator></cp:coreProperties>",
        xml_text(&doc.title),
        xml_text(&doc.number),
        xml_text(&doc.organ)
    )
}

/// The document as a DOCX file (A4, Chinese official-document fonts).
pub fn docx(doc: &RenderedDocument) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/styles.xml", styles_xml()),
        ("word/document.xml", document_xml(doc)),
    ];
    for (name, body) in parts {
        // Writing to memory cannot fail.
        let _ = zip.start_file(name, options).and_then(|_| zip.write_all(body.as_bytes()).map_err(Into::into));
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RenderedDocument {
        RenderedDocument {
            title: "信访事项处理意见书".into(),
            number: "并信处〔2026〕1号".into(),
            addressee: "李明".into(),
            blocks: vec![
                Block::Paragraph { text: "李明：".into() },
                Block::Field { label: "核实认定".into(), value: "属实 <&> \u{1}".into() },
            ],
            organ: "清徐县".into(),
            date: "2026年7月1日".into(),
        }
    }

    #[test]
    fn the_docx_is_a_zip_with_the_parts_word_needs() {
        let bytes = docx(&sample());
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let s = String::from_utf8_lossy(&bytes);
        for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml"] {
            assert!(s.contains(part), "{part}");
        }
        assert!(s.contains("w:eastAsia=\"仿宋\"") && s.contains("w:eastAsia=\"宋体\""));
        assert!(s.contains("w:w=\"11906\" w:h=\"16838\""), "A4");
        assert!(s.contains("属实 &lt;&amp;&gt; </w:t>"), "escaped, control character dropped");
        // End of central directory: six entries.
        let eocd = &bytes[bytes.len() - 22..];
        assert_eq!(&eocd[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 6);
    }

    #[test]
    fn the_file_name_is_number_and_title() {
        assert_eq!(docx_filename(&sample()), "并信处〔2026〕1号 信访事项处理意见书.docx");
    }
}

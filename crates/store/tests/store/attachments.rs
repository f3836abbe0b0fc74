//! 附件: stored with their hash, typed by their bytes, read only within scope, audited.

use crate::prelude::*;

both!(attachments_of_a_case, |h| async move {
    let [clerk, county, other, analyst] = h.actors(["clerk", "s140121", "s140105", "analyst"]).await;
    let case = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    h.store.act(&clerk, case.id, &assign("140121", &[])).await?;
    let pdf = b"%PDF-1.4\n1 0 obj\n...\n%%EOF".to_vec();
    let info = h.store.add_attachment(&clerk, case.id, "C:\\扫描\\来信.pdf", pdf.clone()).await?;
    assert_eq!((info.filename.as_str(), info.content_type.as_str()), ("来信.pdf", "application/pdf"));
    assert_eq!(info.size, pdf.len() as i64);
    // A program renamed to .jpg is refused by its bytes; so is an empty file.
    assert_eq!(
        err_code(h.store.add_attachment(&clerk, case.id, "photo.jpg", b"MZ\x90\0".to_vec()).await),
        "invalid:file_type"
    );
    assert_eq!(err_code(h.store.add_attachment(&clerk, case.id, "x.png", vec![]).await), "invalid:empty_file");
    // The county handling it adds a photo and reads the letter back, byte for byte.
    h.store.add_attachment(&county, case.id, "现场.png", b"\x89PNG\r\n\x1a\n....".to_vec()).await?;
    let (got, bytes) = h.store.attachment_bytes(&county, case.id, info.id).await?;
    assert_eq!(bytes, pdf);
    assert_eq!(got.sha256, info.sha256);
    assert_eq!(h.store.attachments(&clerk, case.id).await?.len(), 2);
    // Another county: not found; the analyst lists them but may not open the scans.
    assert_eq!(err_code(h.store.attachments(&other, case.id).await), "not_found");
    assert_eq!(err_code(h.store.attachment_bytes(&other, case.id, info.id).await), "not_found");
    assert_eq!(h.store.attachments(&analyst, case.id).await?.len(), 2);
    assert_eq!(err_code(h.store.attachment_bytes(&analyst, case.id, info.id).await), "forbidden");
    assert_eq!(err_code(h.store.add_attachment(&analyst, case.id, "a.pdf", pdf.clone()).await), "forbidden");
    assert_eq!(h.count("audit_log WHERE action = 'attachment.add'").await, 2);
    assert_eq!(h.count("audit_log WHERE action = 'attachment.read'").await, 1);
    Ok(())
});

//! 文书 Formal documents: issued by events in their transaction, numbered per kind and year,
//! scoped like the case, audited when opened, the petitioner's share for the portal, and the
//! administrators' templates.

use xinfang_core::document::{date_zh, Block, DocKind, DocTemplate};
use xinfang_core::lifecycle::{DecisionInput, ReviewDecision};
use xinfang_store::documents::{Document, DocumentSummary};

use crate::prelude::*;

fn field(doc: &Document, label: &str) -> Option<String> {
    doc.content.blocks.iter().find_map(|b| match b {
        Block::Field { label: l, value } if l == label => Some(value.clone()),
        _ => None,
    })
}

fn text(doc: &Document) -> String {
    doc.content
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph { text } => text.clone(),
            Block::Field { label, value } => format!("{label}：{value}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn kinds(docs: &[DocumentSummary]) -> Vec<(&str, &str, i64)> {
    docs.iter().map(|d| (d.kind.as_str(), d.number.as_str(), d.seq)).collect()
}

both!(a_case_issues_its_documents_through_review_and_rereview, |h| async move {
    let [clerk, county, leader, other, analyst] = h.actors(["clerk", "s140121", "leader", "s140105", "analyst"]).await;
    let v = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    let id = v.id;
    let at = |s: &str| t(s);
    h.store.act_at(&clerk, id, &assign("140121", &["ghzy"]), at("2026-04-21T10:00:00+08:00")).await?;
    h.store.act_at(&county, id, &accept(), at("2026-04-22T09:00:00+08:00")).await?;
    h.store
        .act_at(
            &county,
            id,
            &Command::Extend {
                days: 30, approver: "县政府分管领导".into(), reason: "需要补充评估".into()
            },
            at("2026-06-10T09:00:00+08:00"),
        )
        .await?;
    let replied = h
        .store
        .act_at(
            &county,
            id,
            &Command::Reply {
                finding: Finding::PartlyTrue,
                outcome: Outcome::Explain,
                opinion: "补偿款已按标准核定，剩余部分于年底前发放".into(),
                basis: Some("《国有土地上房屋征收与补偿条例》第二十七条".into()),
                mediation_agreement: None,
            },
            at("2026-07-01T09:00:00+08:00"),
        )
        .await?;
    h.store
        .act_at(&clerk, id, &Command::RequestReview { reason: "补偿标准过低".into() }, at("2026-07-10T09:00:00+08:00"))
        .await?;
    h.store
        .act_at(
            &leader,
            id,
            &Command::DecideReview { decision: ReviewDecision::Uphold, opinion: "原处理意见正确".into() },
            at("2026-07-20T09:00:00+08:00"),
        )
        .await?;
    h.store
        .act_at(&clerk, id, &Command::RequestRereview { reason: "仍认为过低".into() }, at("2026-07-25T09:00:00+08:00"))
        .await?;
    h.store
        .act_at(
            &leader,
            id,
            &Command::DecideRereview { decision: ReviewDecision::Uphold, opinion: "复查意见正确".into() },
            at("2026-08-10T09:00:00+08:00"),
        )
        .await?;

    let docs = h.store.documents(&clerk, id).await?;
    assert_eq!(
        kinds(&docs),
        [
            ("assign_slip", "并信交〔2026〕1号", 2),
            ("accept_notice", "并信受〔2026〕1号", 3),
            ("extension_notice", "并信延〔2026〕1号", 4),
            ("opinion", "并信处〔2026〕1号", 5),
            ("review_opinion", "并信复查〔2026〕1号", 7),
            ("rereview_opinion", "并信复核〔2026〕1号", 9),
        ]
    );
    // Each sits at the event that issued it.
    let case = h.store.get_case(&clerk, id).await?;
    let issued_by: Vec<&str> =
        docs.iter().filter_map(|d| case.events.iter().find(|e| e.seq == d.seq).map(|e| e.kind.as_str())).collect();
    assert_eq!(issued_by, ["assigned", "accepted", "extended", "replied", "review_decided", "rereview_decided"]);
    assert_eq!(docs.iter().map(|d| d.to_petitioner).collect::<Vec<_>>(), [false, true, true, true, true, true]);
    assert_eq!(docs[0].addressee, "清徐县");
    assert_eq!(docs[3].addressee, "李明");
    assert_eq!(docs[3].title, "信访事项处理意见书");

    // The opinion: request, findings, opinion, outcome, basis, and the review route with the
    // window's end from the statutory clock.
    let op = h.store.document(&clerk, id, docs[3].id).await?;
    assert_eq!(field(&op, "信访请求").as_deref(), Some("尽快发放补偿款"));
    assert_eq!(field(&op, "核实认定").as_deref(), Some("部分属实"));
    assert_eq!(field(&op, "处理结果").as_deref(), Some("解释说明"));
    assert_eq!(field(&op, "依据").as_deref(), Some("《国有土地上房屋征收与补偿条例》第二十七条"));
    assert!(field(&op, "处理意见").is_some_and(|o| o.contains("年底前发放")));
    let window = replied.deadlines.get("review_request_by").copied().ok_or_else(|| anyhow!("window"))?;
    let all = text(&op);
    assert!(all.contains(&date_zh(window)) && all.contains("请求复查") && all.contains("30日内"), "{all}");
    assert_eq!((op.content.organ.as_str(), op.content.date.as_str()), ("清徐县", "2026年7月1日"));
    assert_eq!(op.content.number, "并信处〔2026〕1号");

    let ext = h.store.document(&clerk, id, docs[2].id).await?;
    assert_eq!(field(&ext, "延期理由").as_deref(), Some("需要补充评估"));
    let handle_by = replied.deadlines.get("handle_by").copied().ok_or_else(|| anyhow!("handle_by"))?;
    assert_eq!(field(&ext, "延长后的办理期限"), Some(date_zh(handle_by)));
    let slip = h.store.document(&clerk, id, docs[0].id).await?;
    assert!(field(&slip, "协办单位").is_some_and(|u| u.contains("规划")), "{:?}", slip.content);
    assert!(field(&slip, "结果报告期限").is_some());
    let review = h.store.document(&clerk, id, docs[4].id).await?;
    assert_eq!(field(&review, "复查结论").as_deref(), Some("维持"));
    assert!(text(&review).contains("请求复核"));
    let rereview = h.store.document(&clerk, id, docs[5].id).await?;
    assert!(text(&rereview).contains("不再受理"));

    // Opening a document is on record; listing is not.
    let audit = h.store.audit_entries(Some(("case", &id.to_string())), 1).await?;
    assert_eq!(audit[0].action, "document.read");
    assert_eq!(audit[0].detail, serde_json::json!({"document": docs[5].id, "number": "并信复核〔2026〕1号"}));

    // Scoped like the case: another county sees nothing; analysts list with names masked and
    // cannot open.
    assert_eq!(err_code(h.store.documents(&other, id).await), "not_found");
    assert_eq!(err_code(h.store.document(&other, id, docs[3].id).await), "not_found");
    assert_eq!(h.store.documents(&analyst, id).await?[3].addressee, "李*");
    assert_eq!(err_code(h.store.document(&analyst, id, docs[3].id).await), "forbidden");
    assert_eq!(h.store.documents(&county, id).await?.len(), 6);

    // The petitioner's share: notices and opinions only.
    let mine = h.store.petitioner_documents(id).await?;
    assert_eq!(
        mine.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
        ["accept_notice", "extension_notice", "opinion", "review_opinion", "rereview_opinion"]
    );
    let p = h.store.petitioner_document(id, docs[3].id).await?;
    assert_eq!(p, op);
    assert_eq!(
        h.store.audit_entries(Some(("case", &id.to_string())), 1).await?[0].action,
        "document.read_by_petitioner"
    );
    assert_eq!(err_code(h.store.petitioner_document(id, docs[0].id).await), "not_found", "the 交办单 is internal");

    // Numbers run per kind and year: a second case's opinion is No. 2; a case of the next year
    // starts again at 1.
    let w = register_at(&h, &clerk, reg().received("2026-09-01T09:00:00+08:00").build(), "2026-09-01T09:10:00+08:00")
        .await?;
    h.store.act_at(&clerk, w.id, &assign("140121", &[]), at("2026-09-02T09:00:00+08:00")).await?;
    h.store.act_at(&county, w.id, &accept(), at("2026-09-03T09:00:00+08:00")).await?;
    h.store.act_at(&county, w.id, &reply(), at("2026-09-04T09:00:00+08:00")).await?;
    assert_eq!(
        kinds(&h.store.documents(&clerk, w.id).await?),
        [
            ("assign_slip", "并信交〔2026〕2号", 2),
            ("accept_notice", "并信受〔2026〕2号", 3),
            ("opinion", "并信处〔2026〕2号", 4)
        ]
    );
    assert_eq!(err_code(h.store.petitioner_document(w.id, docs[3].id).await), "not_found", "another case's document");
    let y = register_at(&h, &clerk, reg().received("2027-01-05T09:00:00+08:00").build(), "2027-01-05T09:10:00+08:00")
        .await?;
    h.store.act_at(&clerk, y.id, &assign("140121", &[]), at("2027-01-05T10:00:00+08:00")).await?;
    assert_eq!(kinds(&h.store.documents(&clerk, y.id).await?), [("assign_slip", "并信交〔2027〕1号", 2)]);
    Ok(())
});

both!(rejection_supervision_and_meetings_issue_their_documents, |h| async move {
    let [clerk, county, leader, supervisor] = h.actors(["clerk", "s140121", "leader", "supervisor"]).await;
    let a = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    h.store
        .act(
            &clerk,
            a.id,
            &Command::Reject {
                reason: "属于劳动争议仲裁事项".into(),
                legal_route: "向劳动人事争议仲裁委员会申请仲裁".into(),
                separation: Some(xinfang_core::lifecycle::Separation::Arbitration),
            },
        )
        .await?;
    let docs = h.store.documents(&clerk, a.id).await?;
    assert_eq!(docs.len(), 1);
    let r = h.store.document(&clerk, a.id, docs[0].id).await?;
    assert_eq!(r.summary.kind, "reject_notice");
    assert!(r.summary.to_petitioner);
    assert_eq!(field(&r, "不予受理理由").as_deref(), Some("属于劳动争议仲裁事项"));
    assert_eq!(field(&r, "依法处理途径").as_deref(), Some("向劳动人事争议仲裁委员会申请仲裁"));
    assert_eq!(field(&r, "应当通过的法定途径").as_deref(), Some("仲裁"));

    let b = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    h.store.act(&clerk, b.id, &forward("140121")).await?;
    h.store.act(&county, b.id, &accept()).await?;
    h.store.act(&supervisor, b.id, &Command::Supervise { note: "请加快办理".into() }).await?;
    let decision = |unit: &str, days: u32| DecisionInput {
        unit: unit.into(),
        implementer: "王科长".into(),
        days,
        content: format!("{unit} 落实补偿"),
    };
    h.store
        .act(
            &leader,
            b.id,
            &Command::HoldMeeting {
                chair: "赵建国".into(),
                attendees: "清徐县、市规划和自然资源局".into(),
                discussion: "核对补偿台账".into(),
                decisions: vec![decision("140121", 30), decision("ghzy", 10)],
            },
        )
        .await?;
    let docs = h.store.documents(&clerk, b.id).await?;
    assert_eq!(
        docs.iter().map(|d| (d.kind.as_str(), d.to_petitioner)).collect::<Vec<_>>(),
        [("forward_slip", false), ("accept_notice", true), ("supervision_order", false), ("meeting_minutes", false)]
    );
    let sup = h.store.document(&clerk, b.id, docs[2].id).await?;
    assert_eq!(sup.summary.addressee, "清徐县");
    assert!(field(&sup, "书面回复期限").is_some_and(|v| v.contains("30日内")));
    let minutes = h.store.document(&clerk, b.id, docs[3].id).await?;
    assert_eq!(minutes.summary.addressee, "清徐县、市规划和自然资源局");
    let all = text(&minutes);
    assert!(
        all.contains("第1项") && all.contains("第2项") && all.contains("王科长") && all.contains("10日内"),
        "{all}"
    );
    let fwd = h.store.document(&clerk, b.id, docs[0].id).await?;
    assert!(field(&fwd, "受理告知期限").is_some_and(|v| v.contains("个工作日")));
    Ok(())
});

both!(administrators_edit_templates_and_prefixes, |h| async move {
    let [admin, clerk, county] = h.actors(["admin", "clerk", "s140121"]).await;
    assert_eq!(err_code(h.store.document_templates(&clerk).await), "forbidden");
    let all = h.store.document_templates(&admin).await?;
    assert_eq!(all.len(), DocKind::ALL.len());
    assert!(all.iter().all(|t| t.version == 0));

    let mut t = h.store.document_template(&admin, DocKind::AcceptNotice).await?;
    t.body = "{{ addressee }}：\n{% if note %}\n未闭合".into();
    let e = h.store.save_document_template(&admin, &t).await;
    assert_eq!(err_code(e), "invalid:template_invalid");
    t.body = "{{ adressee }}".into();
    match h.store.save_document_template(&admin, &t).await {
        Err(StoreError::Domain(d)) => {
            let msg = d.message(xinfang_core::Lang::Zh);
            assert!(msg.contains("不存在的字段") && msg.contains("第 1 行"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    t.prefix = "并信受理".into();
    t.title = "受理告知书".into();
    t.body = "{{ addressee }}：\n你的信访事项 {{ case_number }} 已受理。\n【办理期限】{{ handle_by }}".into();
    let (preview, ctx) = h.store.preview_document_template(&admin, &t).await?;
    assert_eq!(preview.number, "并信受理〔2026〕1号");
    assert!(!ctx.case_number.is_empty());
    assert_eq!(err_code(h.store.save_document_template(&clerk, &t).await), "forbidden");
    let saved = h.store.save_document_template(&admin, &t).await?;
    assert_eq!(saved.version, 1);
    assert_eq!(
        h.store.audit_entries(Some(("document_template", "accept_notice")), 1).await?[0].action,
        "document_template.save"
    );

    let v = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    h.store.act(&clerk, v.id, &assign("140121", &[])).await?;
    h.store.act(&county, v.id, &accept()).await?;
    let docs = h.store.documents(&clerk, v.id).await?;
    let d = h.store.document(&clerk, v.id, docs[1].id).await?;
    assert_eq!(d.summary.title, "受理告知书");
    assert_eq!(d.summary.template_version, 1);
    assert!(d.summary.number.starts_with("并信受理〔"), "{}", d.summary.number);
    assert!(text(&d).contains(&v.number));
    assert!(field(&d, "办理期限").is_some_and(|v| v.contains('年')));
    let again = h.store.save_document_template(&admin, &DocTemplate { version: 0, ..saved }).await?;
    assert_eq!(again.version, 2, "the version counts saves, whatever the caller sent");
    Ok(())
});

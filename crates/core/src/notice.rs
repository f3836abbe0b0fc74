//! 短信 The messages a petitioner receives, defined once: short (one or two SMS segments),
//! Simplified Chinese, and never an ID number. The store queues them when an event happens; the
//! portal queues its own (the phone confirmation code) under a kind of its own.

use chrono::NaiveDate;

/// What a message is about: the `kind` of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 登记 the case number (and the query code when there is one).
    Registered,
    /// 受理 accepted.
    Accepted,
    /// 不予受理 not accepted, with the legal route.
    Rejected,
    /// 延期 the handling period was extended.
    Extended,
    /// 答复 the 处理意见书 was issued.
    Replied,
    /// 评价与复查期限将届满 the window to rate and to request review closes soon.
    WindowClosing,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::Registered, Kind::Accepted, Kind::Rejected, Kind::Extended, Kind::Replied, Kind::WindowClosing];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Registered => "registered",
            Kind::Accepted => "accepted",
            Kind::Rejected => "rejected",
            Kind::Extended => "extended",
            Kind::Replied => "replied",
            Kind::WindowClosing => "window_closing",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Registered => "登记告知",
            Kind::Accepted => "受理告知",
            Kind::Rejected => "不予受理告知",
            Kind::Extended => "延期告知",
            Kind::Replied => "处理意见告知",
            Kind::WindowClosing => "评价与复查期限提醒",
        }
    }
}

/// The Chinese label of a message kind, including kinds queued by others (the portal's codes).
pub fn kind_label_zh(code: &str) -> &str {
    match Kind::ALL.iter().find(|k| k.code() == code) {
        Some(k) => k.label_zh(),
        None => match code {
            "phone_code" => "手机验证码",
            "query_code" => "查询码",
            other => other,
        },
    }
}

/// 「您的信访事项已登记，编号 …。查询码 …，请妥善保管，可凭编号和查询码在 … 查询办理进展。」
pub fn registered(number: &str, query_code: Option<&str>, portal: Option<&str>) -> String {
    let mut s = format!("您的信访事项已登记，编号 {number}。");
    if let Some(code) = query_code {
        s.push_str(&format!("查询码 {code}，请妥善保管"));
        match portal {
            Some(url) => s.push_str(&format!("，可凭编号和查询码在 {url} 查询办理进展。")),
            None => s.push('。'),
        }
    }
    s
}

/// Accepted by `unit` (its name).
pub fn accepted(number: &str, unit: &str) -> String {
    format!("您的信访事项 {number} 已由{unit}受理，将依法办理并书面答复。")
}

/// Not accepted: the legal route the petitioner should take instead.
pub fn rejected(number: &str, legal_route: &str) -> String {
    format!("您的信访事项 {number} 不予受理，请通过以下途径依法解决：{}。", trim_end_stop(legal_route))
}

/// The handling period was extended to `due`.
pub fn extended(number: &str, due: NaiveDate, reason: &str) -> String {
    format!("您的信访事项 {number} 办理期限延长至 {due}，理由：{}。", trim_end_stop(reason))
}

/// The 处理意见书 was issued; the review window ends on `window_end`.
pub fn replied(number: &str, window_end: Option<NaiveDate>) -> String {
    match window_end {
        Some(end) => format!(
            "您的信访事项 {number} 已出具处理意见书。欢迎评价办理情况；如不服，可于 {end} 前向上一级机关申请复查。"
        ),
        None => format!("您的信访事项 {number} 已出具处理意见书，欢迎评价办理情况。"),
    }
}

/// The window `what` (「申请复查」 or 「申请复核」) closes on `end`.
pub fn window_closing(number: &str, what: &str, end: NaiveDate) -> String {
    format!("您的信访事项 {number} 满意度评价和{what}的期限将于 {end} 届满，如需评价或{what}，请在此前办理。")
}

fn trim_end_stop(s: &str) -> &str {
    s.trim().trim_end_matches(['。', '.', '；', ';'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_short_and_carry_what_they_must() {
        let due = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let r = registered("XF2026-000001", Some("AB12CD34"), Some("https://xf.example/portal"));
        assert!(r.contains("XF2026-000001") && r.contains("AB12CD34") && r.contains("https://xf.example/portal"));
        assert!(!registered("XF2026-000001", None, Some("https://x")).contains("https://x"), "no link without a code");
        assert!(rejected("N", "向人民法院起诉。").ends_with("向人民法院起诉。"));
        assert!(extended("N", due, "需现场核查").contains("2026-07-01"));
        assert!(replied("N", Some(due)).contains("2026-07-01"));
        for text in [
            accepted("XF2026-000001", "清徐县信访局"),
            replied("XF2026-000001", Some(due)),
            window_closing("XF2026-000001", "申请复查", due),
        ] {
            assert!(text.chars().count() <= 134, "two SMS segments at most: {text}");
        }
        assert_eq!(kind_label_zh("window_closing"), "评价与复查期限提醒");
        assert_eq!(kind_label_zh("other"), "other");
    }
}

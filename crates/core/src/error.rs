//! Domain errors with stable snake_case codes and messages in the user's language.
//!
//! Every message a person can read comes from [`DomainError::message`]: Simplified Chinese first,
//! English when the request asks for it. The codes are part of the API contract and never change.

use serde::Serialize;

/// The language of a message. Simplified Chinese is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Pick the language from an HTTP `Accept-Language` header: English only when English is
    /// preferred over Chinese; Chinese otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::Zh };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            let lang = if tag.starts_with("en") {
                Lang::En
            } else if tag.starts_with("zh") {
                Lang::Zh
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Zh)
    }

    /// Choose between the Chinese and the English text of one message.
    pub fn pick(self, zh: String, en: String) -> String {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// One invalid input field: which field, a stable code, and a readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError { field: field.into(), code, message_zh: zh.into(), message_en: en.into() }
    }
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
    /// The same error for a field nested under `prefix` (e.g. `petitioners[0].id_number`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

/// Why the domain refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input is malformed or incomplete (HTTP 422).
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The command is not legal in the case's current state (HTTP 409).
    #[error("action {action} not allowed in state {state}")]
    NotAllowedInState { action: &'static str, state: &'static str, allowed: Vec<&'static str> },
    /// The actor may not do this (HTTP 403).
    #[error("forbidden: {reason_en}")]
    Forbidden { reason_zh: String, reason_en: String },
    /// A time window has closed (HTTP 409), e.g. a review requested after 30 days.
    #[error("window closed: {message_en}")]
    WindowClosed { message_zh: String, message_en: String },
    /// Too many attempts (wrong query codes, one-time codes requested): try again later (HTTP 429).
    #[error("too many attempts: {message_en}")]
    TooManyAttempts { message_zh: String, message_en: String, retry_after_minutes: i64 },
}

impl DomainError {
    pub fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, zh, en)])
    }
    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Forbidden { reason_zh: zh.into(), reason_en: en.into() }
    }

    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(_) => "invalid_input",
            DomainError::NotAllowedInState { .. } => "action_not_allowed_in_state",
            DomainError::Forbidden { .. } => "forbidden",
            DomainError::WindowClosed { .. } => "window_closed",
            DomainError::TooManyAttempts { .. } => "too_many_attempts",
        }
    }

    /// A message a person can read, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            DomainError::Invalid(fields) => {
                let parts: Vec<&str> = fields.iter().map(|f| f.message(lang)).collect();
                match lang {
                    Lang::Zh => format!("输入有误：{}", parts.join("；")),
                    Lang::En => format!("Invalid input: {}", parts.join("; ")),
                }
            }
            DomainError::NotAllowedInState { action, state, allowed } => {
                let st = crate::lifecycle::State::from_code(state);
                let allowed_zh: Vec<&str> = allowed.iter().map(|a| crate::lifecycle::action_label_zh(a)).collect();
                match lang {
                    Lang::Zh => format!(
                        "案件当前状态为「{}」，不能执行「{}」。当前可执行：{}",
                        st.map(|s| s.label_zh()).unwrap_or(state),
                        crate::lifecycle::action_label_zh(action),
                        if allowed_zh.is_empty() { "无".to_string() } else { allowed_zh.join("、") }
                    ),
                    Lang::En => format!(
                        "The case is in state '{state}'; '{action}' is not allowed now. Allowed now: {}",
                        if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
                    ),
                }
            }
            DomainError::Forbidden { reason_zh, reason_en } => lang.pick(reason_zh.clone(), reason_en.clone()),
            DomainError::WindowClosed { message_zh, message_en }
            | DomainError::TooManyAttempts { message_zh, message_en, .. } => {
                lang.pick(message_zh.clone(), message_en.clone())
            }
        }
    }

    /// Field errors, if this is an input error.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            DomainError::Invalid(f) => f,
            _ => &[],
        }
    }
}

/// Collects field errors so a form reports every problem at once, not the first only.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn add(&mut self, field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) {
        self.0.push(FieldError::new(field, code, zh, en));
    }
    pub fn extend_under(&mut self, prefix: &str, errs: Vec<FieldError>) {
        self.0.extend(errs.into_iter().map(|e| e.under(prefix)));
    }
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_chinese_unless_english_ranks_higher() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en;q=0.5,zh;q=0.9")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.3")), Lang::En);
    }
}

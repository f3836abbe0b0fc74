//! 消息通道 The channels that deliver the outbox (the store queues, these send):
//!
//! - **log** (the default): one structured log line per message — masked recipient, kind and the
//!   whole text — and the message counts as sent. For trials and tests: the log then holds query
//!   codes and one-time codes.
//! - **http**: an SMS gateway called with POST, the body built from a template (JSON or form),
//!   an optional bearer token and header, a timeout. A 2xx answer is sent (the gateway's message
//!   id recorded when the configured field is present); anything else is an error, tried again
//!   with back-off by the job queue.
//! - **smtp**: e-mail with `lettre` over STARTTLS (default), TLS from the start, or plain (a relay
//!   on the local network), rustls with the system's certificates.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use xinfang_store::outbox::{Deliver, Delivered, DeliveryFuture, Outgoing, EMAIL, SMS};

use crate::config::NotifyArgs;

/// Every channel, chosen by configuration.
pub struct Channels {
    sms: Channel,
    email: Channel,
}

enum Channel {
    Log,
    Http(HttpSms),
    Smtp(Box<Smtp>),
}

impl Channels {
    pub fn from_config(n: &NotifyArgs) -> Result<Channels> {
        let sms = match n.sms.as_deref().unwrap_or("log") {
            "log" => Channel::Log,
            "http" => Channel::Http(HttpSms::from_config(n)?),
            other => bail!("短信通道「{other}」无效，可选：log、http（--notify-sms）"),
        };
        let email = match n.email.as_deref().unwrap_or("log") {
            "log" => Channel::Log,
            "smtp" => Channel::Smtp(Box::new(Smtp::from_config(n)?)),
            other => bail!("邮件通道「{other}」无效，可选：log、smtp（--notify-email）"),
        };
        Ok(Channels { sms, email })
    }

    /// What each medium goes through, for the start-up log.
    pub fn describe(&self) -> String {
        let name = |c: &Channel| match c {
            Channel::Log => "log",
            Channel::Http(_) => "http",
            Channel::Smtp(_) => "smtp",
        };
        format!("sms={} email={}", name(&self.sms), name(&self.email))
    }
}

impl Deliver for Channels {
    fn deliver<'a>(&'a self, msg: &'a Outgoing) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let channel = match msg.channel.as_str() {
                SMS => &self.sms,
                EMAIL => &self.email,
                other => return Err(format!("unknown message channel {other}")),
            };
            match channel {
                Channel::Log => Ok(log(msg)),
                Channel::Http(h) => h.send(msg).await,
                Channel::Smtp(s) => s.send(msg).await,
            }
        })
    }
}

/// The log channel: the whole message in one line (target `xinfang::notify`).
fn log(msg: &Outgoing) -> Delivered {
    tracing::info!(
        target: "xinfang::notify",
        message_id = msg.id,
        channel = %msg.channel,
        to = %msg.recipient_masked,
        kind = %msg.kind,
        case_id = msg.case_id,
        text = %msg.body,
        "message"
    );
    Delivered { provider: "log".into(), provider_message_id: None }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Form,
}

/// An SMS gateway over HTTP.
struct HttpSms {
    client: reqwest::Client,
    url: String,
    format: Format,
    template: String,
    sign: String,
    token: Option<String>,
    header: Option<(String, String)>,
    id_field: Option<String>,
}

const JSON_TEMPLATE: &str = r#"{"phone":"{phone}","sign":"{sign}","text":"{text}"}"#;
const FORM_TEMPLATE: &str = "phone={phone}&sign={sign}&text={text}";

impl HttpSms {
    fn from_config(n: &NotifyArgs) -> Result<HttpSms> {
        let url = n.sms_url.clone().context("短信通道为 http 时须配置短信网关地址（--sms-url）")?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("短信网关地址「{url}」须以 http:// 或 https:// 开头");
        }
        let format = match n.sms_format.as_deref().unwrap_or("json") {
            "json" => Format::Json,
            "form" => Format::Form,
            other => bail!("短信请求格式「{other}」无效，可选：json、form（--sms-format）"),
        };
        let template = n
            .sms_template
            .clone()
            .unwrap_or_else(|| (if format == Format::Json { JSON_TEMPLATE } else { FORM_TEMPLATE }).to_string());
        if format == Format::Json {
            let probe =
                fill(&template, format, &[("phone", "1"), ("text", "t"), ("sign", "s"), ("kind", "k"), ("id", "1")]);
            serde_json::from_str::<serde_json::Value>(&probe)
                .with_context(|| format!("短信请求模板填入内容后不是有效的 JSON：{template}"))?;
        }
        let header = match &n.sms_header {
            Some(h) => {
                let (name, value) = h.split_once(':').context("短信网关请求头须写成「名称: 值」（--sms-header）")?;
                Some((name.trim().to_string(), value.trim().to_string()))
            }
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(n.sms_timeout.unwrap_or(10).max(1)))
            .build()
            .context("无法创建短信网关客户端")?;
        Ok(HttpSms {
            client,
            url,
            format,
            template,
            sign: n.sms_sign.clone().unwrap_or_default(),
            token: n.sms_token.clone(),
            header,
            id_field: n.sms_id_field.clone(),
        })
    }

    async fn send(&self, msg: &Outgoing) -> Result<Delivered, String> {
        let id = msg.id.to_string();
        let body = fill(
            &self.template,
            self.format,
            &[("phone", &msg.recipient), ("text", &msg.body), ("sign", &self.sign), ("kind", &msg.kind), ("id", &id)],
        );
        let content_type =
            if self.format == Format::Json { "application/json" } else { "application/x-www-form-urlencoded" };
        let mut req = self.client.post(&self.url).header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some((name, value)) = &self.header {
            req = req.header(name.as_str(), value.as_str());
        }
        let resp = req.send().await.map_err(|e| format!("SMS gateway unreachable: {e}"))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("SMS gateway answered {status}: {}", excerpt(&text)));
        }
        let provider_message_id = self.id_field.as_deref().and_then(|f| json_field(&text, f));
        Ok(Delivered { provider: "http".into(), provider_message_id })
    }
}

/// The template with each `{name}` replaced by its value, escaped for the body's format.
fn fill(template: &str, format: Format, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        let escaped = match format {
            Format::Json => {
                let quoted = serde_json::to_string(value).unwrap_or_default();
                quoted[1..quoted.len() - 1].to_string()
            }
            Format::Form => form_encode(value),
        };
        out = out.replace(&format!("{{{name}}}"), &escaped);
    }
    out
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A field of a JSON answer by a dotted path (`data.msgId`), as text.
fn json_field(body: &str, path: &str) -> Option<String> {
    let root: serde_json::Value = serde_json::from_str(body).ok()?;
    let mut v = &root;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// At most 200 characters of an answer, for the recorded error.
fn excerpt(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s.to_string()
    }
}

/// E-mail over SMTP.
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    fn from_config(n: &NotifyArgs) -> Result<Smtp> {
        let host = n.smtp_host.as_deref().context("邮件通道为 smtp 时须配置邮件服务器（--smtp-host）")?;
        let from = n.smtp_from.as_deref().context("邮件通道为 smtp 时须配置发件人地址（--smtp-from）")?;
        let from = from.parse().with_context(|| format!("发件人地址「{from}」无效（--smtp-from）"))?;
        let tls = n.smtp_tls.as_deref().unwrap_or("starttls");
        let mut builder = match tls {
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?.port(n.smtp_port.unwrap_or(587)),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?.port(n.smtp_port.unwrap_or(465)),
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(n.smtp_port.unwrap_or(25)),
            other => bail!("邮件加密方式「{other}」无效，可选：starttls、tls、none（--smtp-tls）"),
        };
        if let (Some(user), Some(password)) = (&n.smtp_user, &n.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let transport = builder.timeout(Some(Duration::from_secs(30))).build();
        Ok(Smtp { transport, from })
    }

    async fn send(&self, msg: &Outgoing) -> Result<Delivered, String> {
        let to = msg.recipient.parse().map_err(|e| format!("bad e-mail address: {e}"))?;
        let subject = format!("【信访】{}", xinfang_core::notice::kind_label_zh(&msg.kind));
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body.clone())
            .map_err(|e| format!("cannot build the e-mail: {e}"))?;
        let resp = self.transport.send(email).await.map_err(|e| format!("SMTP: {e}"))?;
        let answer = resp.message().collect::<Vec<_>>().join(" ");
        Ok(Delivered { provider: "smtp".into(), provider_message_id: (!answer.is_empty()).then_some(answer) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_escape_for_their_format() {
        let json =
            fill(JSON_TEMPLATE, Format::Json, &[("phone", "13800001111"), ("text", "编号 \"A\"\n"), ("sign", "")]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["text"], "编号 \"A\"\n");
        assert_eq!(v["phone"], "13800001111");
        let form = fill(FORM_TEMPLATE, Format::Form, &[("phone", "138"), ("text", "a b&c=查"), ("sign", "局")]);
        assert_eq!(form, "phone=138&sign=%E5%B1%80&text=a+b%26c%3D%E6%9F%A5");
    }

    #[test]
    fn the_gateway_id_is_read_by_path() {
        assert_eq!(json_field(r#"{"data":{"msgId":"m-1"}}"#, "data.msgId").as_deref(), Some("m-1"));
        assert_eq!(json_field(r#"{"id":42}"#, "id").as_deref(), Some("42"));
        assert_eq!(json_field("not json", "id"), None);
        assert_eq!(json_field(r#"{"id":null}"#, "id"), None);
    }

    /// A minimal SMTP server: accepts one message and hands back what it was sent.
    async fn fake_smtp(listener: tokio::net::TcpListener) -> String {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 2.0.0 Ok: queued as Q123\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let reply: &[u8] = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                "EHLO" => b"250-fake\r\n250 8BITMIME\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            w.write_all(reply).await.unwrap();
        }
        data
    }

    #[tokio::test]
    async fn e_mail_goes_out_over_smtp() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(fake_smtp(listener));
        let cfg = NotifyArgs {
            email: Some("smtp".into()),
            smtp_host: Some("127.0.0.1".into()),
            smtp_port: Some(port),
            smtp_tls: Some("none".into()),
            smtp_from: Some("信访局 <xfj@example.gov.cn>".into()),
            ..Default::default()
        };
        let channels = Channels::from_config(&cfg).unwrap();
        assert_eq!(channels.describe(), "sms=log email=smtp");
        let msg = Outgoing {
            id: 7,
            channel: EMAIL.into(),
            recipient: "duty@example.gov.cn".into(),
            recipient_masked: "d***@example.gov.cn".into(),
            kind: "window_closing".into(),
            body: "事项 2026-000001 的期限将届满".into(),
            case_id: None,
            attempt: 1,
        };
        let d = channels.deliver(&msg).await.unwrap();
        assert_eq!(d.provider, "smtp");
        assert!(d.provider_message_id.unwrap_or_default().contains("Q123"));
        let data = server.await.unwrap();
        assert!(data.contains("To: duty@example.gov.cn"), "{data}");
    }

    #[test]
    fn bad_configuration_is_refused_with_the_option_to_fix() {
        let err = |n: NotifyArgs| Channels::from_config(&n).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(NotifyArgs { sms: Some("pigeon".into()), ..Default::default() }).contains("--notify-sms"));
        assert!(err(NotifyArgs { sms: Some("http".into()), ..Default::default() }).contains("--sms-url"));
        let bad_template = NotifyArgs {
            sms: Some("http".into()),
            sms_url: Some("http://gw/sms".into()),
            sms_template: Some("{phone".into()),
            ..Default::default()
        };
        assert!(err(bad_template).contains("JSON"));
        assert!(err(NotifyArgs { email: Some("smtp".into()), ..Default::default() }).contains("--smtp-host"));
    }
}

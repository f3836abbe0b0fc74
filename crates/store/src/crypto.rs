//! Personal data at rest: ID and phone numbers are encrypted (XChaCha20-Poly1305) and found
//! through a keyed hash (HMAC-SHA256 blind index), so a copy of the database alone reveals
//! neither. Both keys derive from one 32-byte master key given by configuration.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::StoreError;

type HmacSha256 = Hmac<Sha256>;

/// The keys for personal data.
#[derive(Clone)]
pub struct Vault {
    cipher: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Vault {
    pub fn from_master_key(master: &[u8; 32]) -> Vault {
        let enc = derive(master, b"xinfang personal-data encryption v1");
        Vault {
            cipher: XChaCha20Poly1305::new((&enc).into()),
            index_key: derive(master, b"xinfang personal-data blind index v1"),
        }
    }

    /// Parse a master key written as base64 (44 characters) or hex (64 characters).
    pub fn parse_master_key(text: &str) -> Result<[u8; 32], StoreError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            B64.decode(t).ok()
        };
        bytes.and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()).ok_or_else(|| {
            StoreError::Config("数据密钥无效：应为 32 字节，写成 base64（44 个字符）或十六进制（64 个字符）".into())
        })
    }

    /// A new random master key, base64.
    pub fn generate_master_key() -> String {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        B64.encode(k)
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self.cipher.encrypt(XNonce::from_slice(&nonce), plain.as_bytes()).expect("encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        format!("v1:{}", B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, StoreError> {
        let bad = || StoreError::Crypto("无法解密个人信息：数据密钥与加密时不一致，或数据已损坏".into());
        let raw = stored.strip_prefix("v1:").ok_or_else(bad)?;
        let bytes = B64.decode(raw).map_err(|_| bad())?;
        if bytes.len() < 24 {
            return Err(bad());
        }
        let (nonce, ct) = bytes.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), ct).map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// Blind index: equal values give equal indexes; the value cannot be read back.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index_key).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_index() {
        let v = Vault::from_master_key(&[7u8; 32]);
        let c1 = v.encrypt("11010519491231002X");
        let c2 = v.encrypt("11010519491231002X");
        assert_ne!(c1, c2, "random nonce");
        assert!(!c1.contains("1101051949"));
        assert_eq!(v.decrypt(&c1).unwrap(), "11010519491231002X");
        assert_eq!(v.blind_index("id", "x"), v.blind_index("id", "x"));
        assert_ne!(v.blind_index("id", "x"), v.blind_index("phone", "x"));
        let other = Vault::from_master_key(&[8u8; 32]);
        assert!(other.decrypt(&c1).is_err());
        assert_ne!(other.blind_index("id", "x"), v.blind_index("id", "x"));
    }

    #[test]
    fn master_key_formats() {
        let k = Vault::generate_master_key();
        assert!(Vault::parse_master_key(&k).is_ok());
        assert!(Vault::parse_master_key(&"ab".repeat(32)).is_ok());
        assert!(Vault::parse_master_key("short").is_err());
    }
}

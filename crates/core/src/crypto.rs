//! Field encryption at rest: XChaCha20-Poly1305 under a key derived from the deployment's
//! master key file (never stored in the database).
//!
//! Stored form: `v1:` + hex(nonce ‖ ciphertext ‖ tag). The 192-bit nonce is random per
//! value, so no nonce bookkeeping is needed. The associated data names the table, column
//! and row (`account.totp_secret|<id>`), so a value copied into another row or column
//! fails to decrypt instead of being accepted.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1:";

/// Encrypts and decrypts field values with one key.
#[derive(Clone)]
pub struct FieldCipher {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(redacted)")
    }
}

impl FieldCipher {
    /// A cipher under `key` (32 bytes).
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Encrypts `plaintext` bound to `aad` (which names where the value lives).
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> anyhow::Result<String> {
        use rand::RngCore;
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("field encryption failed"))?;
        let mut out = Vec::with_capacity(nonce.len() + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", hex::encode(out)))
    }

    /// Decrypts a value sealed with the same key and `aad`; an error when it was altered,
    /// moved to another row or column, or sealed under another key.
    pub fn open(&self, aad: &str, stored: &str) -> anyhow::Result<Vec<u8>> {
        let raw = stored
            .strip_prefix(PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| anyhow::anyhow!("stored value is not a sealed field"))?;
        if raw.len() < 24 + 16 {
            anyhow::bail!("sealed field too short");
        }
        let (nonce, ct) = raw.split_at(24);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                anyhow::anyhow!("sealed field does not decrypt (altered, moved or wrong key)")
            })
    }

    /// True when `stored` is in the sealed format.
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_place() {
        let c = FieldCipher::new(&[1u8; 32]);
        let s = c
            .seal("account.totp_secret|a", b"JBSWY3DPEHPK3PXP")
            .unwrap();
        assert!(FieldCipher::is_sealed(&s));
        assert!(!s.contains("JBSWY3DP"));
        assert_eq!(
            c.open("account.totp_secret|a", &s).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(
            c.open("account.totp_secret|b", &s).is_err(),
            "moved to another row"
        );
        assert!(
            FieldCipher::new(&[2u8; 32])
                .open("account.totp_secret|a", &s)
                .is_err(),
            "other key"
        );
        let mut tampered = s.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(
            c.open(
                "account.totp_secret|a",
                std::str::from_utf8(&tampered).unwrap()
            )
            .is_err()
        );
        assert_ne!(
            c.seal("x", b"same").unwrap(),
            c.seal("x", b"same").unwrap(),
            "random nonces"
        );
    }
}

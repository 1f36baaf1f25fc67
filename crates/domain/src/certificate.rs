//! Certificates of the training program as Open Badges 3.0 credentials (W3C Verifiable
//! Credentials 2.0) signed with a Data Integrity proof of the `eddsa-jcs-2022`
//! cryptosuite, plus the short public codes printed on certificates.
//!
//! Rules and limits:
//! - a code is 10 characters of Crockford base32 (50 random bits); when typed, case,
//!   spaces and dashes are ignored and `O`, `I`, `L` read as `0`, `1`, `1`;
//! - the credential never holds the person's name in the clear: the subject is a salted
//!   SHA-256 hash (`identityHash` = `sha256$` + hex of SHA-256(name ‖ salt));
//! - the issuer is the deployment's `did:key` (Ed25519 public key, multicodec `0xed01`,
//!   base58btc), so anyone can check a credential without asking this server;
//! - signing follows `eddsa-jcs-2022`: SHA-256 of the JCS form of the proof options
//!   (with the document's `@context`) followed by SHA-256 of the JCS form of the
//!   credential without `proof`, signed with Ed25519; `proofValue` is multibase
//!   base58btc (`z…`);
//! - [`jcs`] implements RFC 8785 for the values ATLAS writes: strings, integers,
//!   booleans, null, arrays and objects. Floating-point numbers are written as
//!   `serde_json` prints them, which differs from RFC 8785 for some values (exponents);
//!   credentials made here contain no numbers at all.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Length of a certificate code.
pub const CODE_LEN: usize = 10;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CONTEXT_VC: &str = "https://www.w3.org/ns/credentials/v2";
const CONTEXT_OB: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// A code from 7 random bytes (the first 50 bits are used).
pub fn code_from_bytes(b: [u8; 7]) -> String {
    let mut n = 0u64;
    for x in b {
        n = (n << 8) | u64::from(x);
    }
    (0..CODE_LEN)
        .map(|i| CROCKFORD[((n >> (51 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// A typed code in canonical form, or `None` when it cannot be one.
pub fn normalise_code(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (out.len() == CODE_LEN && out.bytes().all(|b| CROCKFORD.contains(&b))).then_some(out)
}

/// RFC 8785 (JCS) canonical form of `v`: object members sorted by the UTF-16 code units
/// of their names, no whitespace, strings escaped as ECMAScript `JSON.stringify` does.
pub fn jcs(v: &Value) -> String {
    let mut out = String::new();
    write_jcs(v, &mut out);
    out
}

fn write_jcs(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        // serde_json escapes `"`, `\` and control characters (short forms for \b \t \n
        // \f \r, lowercase \u00xx otherwise) and nothing else, like JCS.
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_jcs(x, out);
                }
            }
            out.push('}');
        }
    }
}

/// The Ed25519 key pair for a 32-byte seed (the deployment's signing key).
pub fn signing_key(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// The `did:key` of an Ed25519 public key.
pub fn did_key(public: &VerifyingKey) -> String {
    let mut b = vec![0xed, 0x01];
    b.extend_from_slice(public.as_bytes());
    format!("did:key:z{}", bs58::encode(b).into_string())
}

/// The verification method of a `did:key` (`did:key:z…#z…`).
pub fn verification_method(public: &VerifyingKey) -> String {
    let did = did_key(public);
    let frag = did.trim_start_matches("did:key:").to_owned();
    format!("{did}#{frag}")
}

/// `sha256$` + hex SHA-256 of the name followed by the salt (Open Badges identity hash).
pub fn identity_hash(name: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex::encode(h.finalize()))
}

/// What a certificate's credential states.
#[derive(Debug, Clone)]
pub struct CredentialFacts<'a> {
    /// Becomes `urn:uuid:…` of the credential.
    pub credential_id: uuid::Uuid,
    /// The course, as the achievement's `urn:uuid:…`.
    pub course_id: uuid::Uuid,
    pub course_title: &'a str,
    pub institution_name: &'a str,
    pub recipient_name: &'a str,
    /// Random salt of the identity hash (hex).
    pub salt: &'a str,
    /// RFC 3339 UTC instant, seconds precision.
    pub issued_at: &'a str,
    /// The deployment's public URL (`https://…`, no trailing slash) when configured:
    /// becomes the issuer profile's `url`.
    pub public_url: Option<&'a str>,
    /// The certificate's public verification page (absolute) when a public URL is
    /// configured: listed as the credential's `evidence`.
    pub verify_url: Option<&'a str>,
}

/// The unsigned Open Badges 3.0 credential.
pub fn credential(f: &CredentialFacts<'_>, public: &VerifyingKey) -> Value {
    json!({
        "@context": [CONTEXT_VC, CONTEXT_OB],
        "id": format!("urn:uuid:{}", f.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did_key(public), "type": ["Profile"], "name": f.institution_name},
        "validFrom": f.issued_at,
        "name": f.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": true,
                "identityHash": identity_hash(f.recipient_name, f.salt),
                "salt": f.salt
            }],
            "achievement": {
                "id": format!("urn:uuid:{}", f.course_id),
                "type": ["Achievement"],
                "name": f.course_title,
                "description": format!("Enforcement Training Program course given by {}.", f.institution_name),
                "criteria": {"narrative": "Attended the share of the course's sessions it requires and, where the course sets one, reached its post-test pass mark."}
            }
        }
    })
}

/// [`credential`] with the deployment's public addresses added when configured: the
/// issuer's `url` and the verification page as `evidence`.
pub fn credential_with_urls(f: &CredentialFacts<'_>, public: &VerifyingKey) -> Value {
    let mut c = credential(f, public);
    if let Some(u) = f.public_url {
        c["issuer"]["url"] = Value::String(u.to_owned());
    }
    if let Some(v) = f.verify_url {
        c["evidence"] = json!([{
            "id": v,
            "type": ["Evidence"],
            "name": "Public verification page"
        }]);
    }
    c
}

fn hash_data(doc: &Value, proof_config: &Value) -> Vec<u8> {
    let mut out = Sha256::digest(jcs(proof_config).as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(jcs(doc).as_bytes()));
    out
}

/// Adds an `eddsa-jcs-2022` Data Integrity proof to `doc` (which must have no `proof`).
pub fn sign(mut doc: Value, key: &SigningKey, created: &str) -> Value {
    let public = key.verifying_key();
    let mut proof = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": verification_method(&public),
        "proofPurpose": "assertionMethod"
    });
    if let Some(ctx) = doc.get("@context") {
        proof["@context"] = ctx.clone();
    }
    let sig = key.sign(&hash_data(&doc, &proof));
    proof["proofValue"] = Value::String(format!("z{}", bs58::encode(sig.to_bytes()).into_string()));
    if let Value::Object(m) = &mut doc {
        m.insert("proof".into(), proof);
    }
    doc
}

/// Why a credential does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a credential of the expected shape (no proof, wrong cryptosuite, bad encoding).
    Malformed,
    /// Signed by another key or naming another issuer than this deployment.
    UnknownIssuer,
    /// The signature does not match the content.
    BadSignature,
}

impl Invalid {
    /// Machine-readable reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::Malformed => "malformed",
            Invalid::UnknownIssuer => "unknown_issuer",
            Invalid::BadSignature => "bad_signature",
        }
    }
}

/// Checks the `eddsa-jcs-2022` proof of `secured` against this deployment's key: the
/// issuer and verification method must be ours and the signature must match the JCS
/// form of the credential and proof options. Any change to the JSON fails.
pub fn verify(secured: &Value, public: &VerifyingKey) -> Result<(), Invalid> {
    let Value::Object(m) = secured else {
        return Err(Invalid::Malformed);
    };
    let mut doc: Map<String, Value> = m.clone();
    let Some(Value::Object(mut proof)) = doc.remove("proof") else {
        return Err(Invalid::Malformed);
    };
    if proof.get("type").and_then(Value::as_str) != Some("DataIntegrityProof")
        || proof.get("cryptosuite").and_then(Value::as_str) != Some("eddsa-jcs-2022")
        || proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod")
    {
        return Err(Invalid::Malformed);
    }
    if proof.get("verificationMethod").and_then(Value::as_str)
        != Some(verification_method(public).as_str())
        || doc
            .get("issuer")
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            != Some(did_key(public).as_str())
    {
        return Err(Invalid::UnknownIssuer);
    }
    let Some(Value::String(pv)) = proof.remove("proofValue") else {
        return Err(Invalid::Malformed);
    };
    let sig = pv
        .strip_prefix('z')
        .and_then(|s| bs58::decode(s).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(Invalid::Malformed)?;
    if let Some(ctx) = proof.get("@context") {
        // The document's context must start with the proof's, in order.
        let ok = match (ctx, doc.get("@context")) {
            (Value::Array(p), Some(Value::Array(d))) => d.starts_with(p),
            (p, Some(d)) => p == d,
            _ => false,
        };
        if !ok {
            return Err(Invalid::BadSignature);
        }
        doc.insert("@context".into(), ctx.clone());
    }
    let data = hash_data(&Value::Object(doc), &Value::Object(proof));
    public
        .verify(&data, &sig)
        .map_err(|_| Invalid::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jcs_sorts_by_utf16_and_writes_no_whitespace() {
        let v = json!({"b": [1, "x\n\u{1}"], "a": {"é": true, "z": null}, "\u{10000}": 1, "\u{ffff}": 2});
        // U+10000 is a surrogate pair (D800…), which sorts before U+FFFF in UTF-16.
        assert_eq!(
            jcs(&v),
            "{\"a\":{\"z\":null,\"é\":true},\"b\":[1,\"x\\n\\u0001\"],\"\u{10000}\":1,\"\u{ffff}\":2}"
        );
    }

    #[test]
    fn codes_are_crockford_and_typed_codes_are_forgiving() {
        let c = code_from_bytes([0xff; 7]);
        assert_eq!(c, "ZZZZZZZZZZ");
        let c = code_from_bytes([1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(c.len(), CODE_LEN);
        assert_eq!(normalise_code(&c.to_lowercase()), Some(c.clone()));
        assert_eq!(normalise_code("o1il-ZZZZ ZZ"), Some("0111ZZZZZZ".into()));
        assert_eq!(normalise_code("UUUUUUUUUU"), None, "U is not Crockford");
        assert_eq!(normalise_code("123"), None);
    }

    #[test]
    fn a_signed_credential_verifies_and_any_change_fails() {
        let key = signing_key(&[7; 32]);
        let facts = CredentialFacts {
            credential_id: uuid::Uuid::from_u128(1),
            course_id: uuid::Uuid::from_u128(2),
            course_title: "Trata",
            institution_name: "IUPFA",
            recipient_name: "María",
            salt: "00ff",
            issued_at: "2026-03-02T09:00:00Z",
            public_url: None,
            verify_url: None,
        };
        let with = credential_with_urls(
            &CredentialFacts {
                public_url: Some("https://atlas.example.org"),
                verify_url: Some("https://atlas.example.org/verify/ABCDE12345"),
                ..facts.clone()
            },
            &key.verifying_key(),
        );
        assert_eq!(with["issuer"]["url"], "https://atlas.example.org");
        assert_eq!(
            with["evidence"][0]["id"],
            "https://atlas.example.org/verify/ABCDE12345"
        );
        let with = sign(with, &key, "2026-03-02T09:00:00Z");
        assert!(verify(&with, &key.verifying_key()).is_ok());
        let c = sign(
            credential(&facts, &key.verifying_key()),
            &key,
            "2026-03-02T09:00:00Z",
        );
        assert!(!c.to_string().contains("María"));
        assert!(
            c["issuer"]["id"]
                .as_str()
                .unwrap()
                .starts_with("did:key:z6Mk")
        );
        assert_eq!(verify(&c, &key.verifying_key()), Ok(()));
        let mut t = c.clone();
        t["credentialSubject"]["achievement"]["name"] = json!("Otra");
        assert_eq!(verify(&t, &key.verifying_key()), Err(Invalid::BadSignature));
        let other = signing_key(&[8; 32]);
        assert_eq!(
            verify(&c, &other.verifying_key()),
            Err(Invalid::UnknownIssuer)
        );
        let mut t = c.clone();
        t["proof"]["proofValue"] = json!("zzz");
        assert_eq!(verify(&t, &key.verifying_key()), Err(Invalid::Malformed));
    }
}

//! E-mail messages as bytes: the address rule, RFC 5322 headers with an RFC 2047
//! encoded subject, a UTF-8 plain-text body with CRLF line ends, and the dot-stuffing
//! SMTP's DATA needs. Pure; the client that sends them lives in `core::mail`.
//!
//! Invariants: an accepted address is ASCII with no space, control character, angle
//! bracket, quote or comma, so it can go into an SMTP command or a header as it is
//! (no header or command injection); every line of a built message ends in CRLF.

use time::OffsetDateTime;

/// Parses an e-mail address for accounts and the sender setting: one `@`, a local part
/// of at most 64 characters, a dotted domain of letters, digits and hyphens, at most
/// 254 characters in all, ASCII only. The domain is lower-cased.
pub fn parse_address(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 254 || !s.is_ascii() {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A plain-text message to one recipient.
#[derive(Debug, Clone)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub date: OffsetDateTime,
    /// Unique left part of the Message-ID (the right part is the sender's domain).
    pub id: String,
}

impl Message {
    /// The message as RFC 5322 bytes (CRLF line ends, not yet dot-stuffed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let date = self
            .date
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let domain = self.from.rsplit_once('@').map_or("localhost", |(_, d)| d);
        let mut out = String::new();
        for (name, value) in [
            ("From", self.from.clone()),
            ("To", self.to.clone()),
            ("Subject", encode_header(&self.subject)),
            ("Date", date),
            ("Message-ID", format!("<{}@{domain}>", self.id)),
            ("MIME-Version", "1.0".into()),
            ("Content-Type", "text/plain; charset=utf-8".into()),
            ("Content-Transfer-Encoding", "8bit".into()),
        ] {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(&value);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        for line in self.body.lines() {
            out.push_str(line.trim_end_matches('\r'));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }
}

/// A header value: printable ASCII as it is, anything else as RFC 2047 encoded words
/// (`=?utf-8?B?…?=`, each at most 75 characters, split on character boundaries and
/// folded onto continuation lines). Control characters are dropped.
pub fn encode_header(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) && !clean.contains("=?") {
        return clean;
    }
    // 45 bytes of UTF-8 make 60 base64 characters; with `=?utf-8?B?` and `?=` that is
    // 72, under the 75 the RFC allows.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in clean.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for g in bytes.chunks(3) {
        let n = (u32::from(g[0]) << 16)
            | (u32::from(*g.get(1).unwrap_or(&0)) << 8)
            | u32::from(*g.get(2).unwrap_or(&0));
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= g.len() {
                out.push(char::from(A[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SMTP dot-stuffing (RFC 5321 §4.5.2): a line starting with `.` gets a second one.
/// `data` has CRLF line ends; the result ends in CRLF and lacks the final `.` line.
pub fn dot_stuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    let mut at_line_start = true;
    for &b in data {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unbase64(s: &str) -> Vec<u8> {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.bytes().filter(|c| *c != b'=') {
            let v = A.iter().position(|x| *x == c).unwrap() as u32;
            bits = (bits << 6) | v;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        out
    }

    #[test]
    fn addresses_are_plain_ascii_without_injection() {
        assert_eq!(
            parse_address(" Ana.Perez@PRV.gba.gob.ar ").as_deref(),
            Some("Ana.Perez@prv.gba.gob.ar")
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@prv.org",
            "ana@prv",
            "ana@@prv.org",
            "ana perez@prv.org",
            "ana@prv.org\r\nBcc: x@y.org",
            "<ana@prv.org>",
            "ana@prv.org>",
            "añá@prv.org",
            "ana..b@prv.org",
            "ana@-prv.org",
            "ana,b@prv.org",
        ] {
            assert!(parse_address(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn non_ascii_subjects_become_short_encoded_words_that_decode_back() {
        let th = "มีการส่งต่อรอหน่วยงานของคุณใน ATLAS";
        let h = encode_header(th);
        assert!(h.is_ascii());
        let mut decoded = Vec::new();
        for w in h.split("\r\n ") {
            assert!(w.len() <= 75, "{w}");
            let inner = w
                .strip_prefix("=?utf-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap();
            decoded.extend(unbase64(inner));
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), th);
        assert_eq!(encode_header("Plain subject"), "Plain subject");
        assert_eq!(encode_header("a\r\nBcc: x"), "aBcc: x");
    }

    #[test]
    fn messages_have_the_headers_and_crlf_lines_and_dots_are_stuffed() {
        let m = Message {
            from: "atlas@example.org".into(),
            to: "ana@prv.org".into(),
            subject: "Una derivación".into(),
            body: "Hola\n.\n..x\nfin".into(),
            date: time::macros::datetime!(2026-03-02 09:00:00 UTC),
            id: "0190".into(),
        };
        let b = m.to_bytes();
        let s = String::from_utf8(b.clone()).unwrap();
        assert!(
            s.contains("Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"),
            "{s}"
        );
        assert!(s.contains("Message-ID: <0190@example.org>\r\n"));
        assert!(s.contains("Subject: =?utf-8?B?"));
        assert!(s.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        assert!(!s.replace("\r\n", "").contains('\n'));
        let d = String::from_utf8(dot_stuff(&b)).unwrap();
        assert!(d.ends_with("Hola\r\n..\r\n...x\r\nfin\r\n"), "{d}");
    }
}

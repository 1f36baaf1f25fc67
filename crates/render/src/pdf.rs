//! A one-page text PDF (PDF 1.4, the standard Helvetica font, WinAnsi encoding): enough
//! for the demo's handouts and for tests that need a real, well-formed PDF. Hand-written
//! because a PDF library is a large dependency for one page of text; when certificates
//! or reports need layout, a real PDF crate replaces this.
//!
//! Invariants: the cross-reference table holds the exact byte offset of every object;
//! characters outside Latin-1 print as `?`; `(`, `)` and `\` are escaped.

/// Escapes and encodes one line as a PDF literal string in WinAnsi (Latin-1 range).
fn literal(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                out.push(c as u8);
            }
            c if (c as u32) >= 0x20 && (c as u32) <= 0xFF && c != '\u{7F}' => {
                out.push(c as u32 as u8)
            }
            _ => out.push(b'?'),
        }
    }
    out.push(b')');
    out
}

/// An A4 page with a title (18 pt) and lines of text (11 pt), as PDF bytes. Lines that
/// do not fit on the page are dropped.
pub fn text_page(title: &str, lines: &[&str]) -> Vec<u8> {
    let mut content = Vec::new();
    content.extend_from_slice(b"BT /F1 18 Tf 56 780 Td ");
    content.extend_from_slice(&literal(title));
    content.extend_from_slice(b" Tj ET\nBT /F1 11 Tf 56 748 Td 15 TL\n");
    for (i, l) in lines.iter().take(44).enumerate() {
        if i > 0 {
            content.extend_from_slice(b"T* ");
        }
        content.extend_from_slice(&literal(l));
        content.extend_from_slice(b" Tj\n");
    }
    content.extend_from_slice(b"ET\n");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        {
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(&content);
            s.extend_from_slice(b"endstream");
            s
        },
    ];
    // The binary comment line tells transfer tools the file is binary.
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn offsets_in_the_xref_point_at_their_objects() {
        let pdf = text_page("Hoja (1)", &["Línea uno", "línea \\ dos", "日本"]);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[start..].starts_with(b"xref\n"));
        let table = &text[text.find("xref\n0 6\n").unwrap()..];
        for (n, line) in table.lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(pdf[off..].starts_with(format!("{} 0 obj", n + 1).as_bytes()));
        }
        assert!(pdf.windows(12).any(|w| w == b"(Hoja \\(1\\))"));
        assert!(pdf.windows(6).any(|w| w == b"(L\xEDnea"));
        assert!(pdf.windows(4).any(|w| w == b"(??)"));
    }
}

//! Material attached to the curriculum and to institutions' adaptations: which
//! files are accepted, decided from their bytes, and the parsed upload.
//!
//! Invariants:
//! - a file is accepted only when its **content** is one of the allowed kinds (magic
//!   bytes; for Office Open XML the `[Content_Types].xml` part, for OpenDocument the
//!   `mimetype` entry; for text valid UTF-8) **and** its extension names that same kind;
//!   an HTML page or a program renamed `.pdf` is refused, and so is a real PNG named
//!   `.pdf`. Macro-enabled Office files (a `vbaProject.bin` part, or the `macroEnabled`
//!   content types) are refused;
//! - the user's file name is kept for display and as the download name only: it is
//!   sanitised here (no path, no control or bidi-override characters, at most
//!   [`FILE_NAME_MAX`] characters) and never used as a path — files are stored under the
//!   material's id;
//! - every problem is reported on the field it concerns (`file`, `title`, `description`,
//!   `language`) and nothing is written.

use crate::directory::{optional_text, string_enum};
use crate::error::{Error, FieldErrors};
use crate::training::ModuleLanguage;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;

/// Default largest file accepted (25 MiB); `material_max_bytes` in the configuration.
pub const DEFAULT_MAX_BYTES: usize = 25 * 1024 * 1024;
/// Longest file name kept, in characters.
pub const FILE_NAME_MAX: usize = 150;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 2000;

string_enum!(
    /// What a piece of material is attached to: a master module or presentation, or an
    /// institution's adaptation (its own material, read only within the adaptation's
    /// scope).
    OwnerKind {
        Module = "module",
        Presentation = "presentation",
        Adaptation = "adaptation",
    }
);

string_enum!(
    /// The kinds of file accepted.
    MaterialKind {
        Pdf = "pdf",
        Pptx = "pptx",
        Docx = "docx",
        Xlsx = "xlsx",
        Odp = "odp",
        Odt = "odt",
        Png = "png",
        Jpeg = "jpeg",
        Mp4 = "mp4",
        Text = "txt",
        Markdown = "md",
    }
);

impl MaterialKind {
    /// The media type stored and served.
    pub fn media_type(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "application/pdf",
            MaterialKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MaterialKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MaterialKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            MaterialKind::Odp => "application/vnd.oasis.opendocument.presentation",
            MaterialKind::Odt => "application/vnd.oasis.opendocument.text",
            MaterialKind::Png => "image/png",
            MaterialKind::Jpeg => "image/jpeg",
            MaterialKind::Mp4 => "video/mp4",
            MaterialKind::Text => "text/plain",
            MaterialKind::Markdown => "text/markdown",
        }
    }

    /// The kind a stored media type stands for.
    pub fn from_media_type(m: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.media_type() == m)
    }

    /// The kind a (lower-case) file extension names.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "pdf" => MaterialKind::Pdf,
            "pptx" => MaterialKind::Pptx,
            "docx" => MaterialKind::Docx,
            "xlsx" => MaterialKind::Xlsx,
            "odp" => MaterialKind::Odp,
            "odt" => MaterialKind::Odt,
            "png" => MaterialKind::Png,
            "jpg" | "jpeg" => MaterialKind::Jpeg,
            "mp4" | "m4v" => MaterialKind::Mp4,
            "txt" => MaterialKind::Text,
            "md" | "markdown" => MaterialKind::Markdown,
            _ => return None,
        })
    }

    /// Short label shown in lists (PDF, DOCX, …).
    pub fn label(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "PDF",
            MaterialKind::Pptx => "PPTX",
            MaterialKind::Docx => "DOCX",
            MaterialKind::Xlsx => "XLSX",
            MaterialKind::Odp => "ODP",
            MaterialKind::Odt => "ODT",
            MaterialKind::Png => "PNG",
            MaterialKind::Jpeg => "JPEG",
            MaterialKind::Mp4 => "MP4",
            MaterialKind::Text => "TXT",
            MaterialKind::Markdown => "Markdown",
        }
    }

    /// The extensions the upload form's `accept` attribute offers.
    pub const ACCEPT: &'static str =
        ".pdf,.pptx,.docx,.xlsx,.odp,.odt,.png,.jpg,.jpeg,.mp4,.m4v,.txt,.md,.markdown";
}

/// Characters that reorder text when displayed (bidi overrides, isolates, marks): a name
/// such as `report\u{202E}fdp.exe` would otherwise *look* like `reportexe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The name a file is shown and downloaded under: the last path component of what the
/// browser sent, without control or bidi characters or characters that are invalid in
/// file names on common systems (replaced by `_`), without leading dots or surrounding
/// spaces, at most [`FILE_NAME_MAX`] characters (the extension kept). `None` when
/// nothing usable remains.
pub fn sanitize_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .map(|c| match c {
            '"' | '<' | '>' | ':' | '*' | '?' | '|' => '_',
            c => c,
        })
        .collect();
    let t = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() <= FILE_NAME_MAX {
        return Some(t.to_owned());
    }
    let (stem, ext) = match t.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 && !s.is_empty() => (s, Some(e)),
        _ => (t, None),
    };
    let room = FILE_NAME_MAX - ext.map_or(0, |e| e.chars().count() + 1);
    let mut out: String = stem.chars().take(room).collect();
    if let Some(e) = ext {
        out.push('.');
        out.push_str(e);
    }
    Some(out)
}

/// The lower-case extension of a file name (after the last dot), if any.
pub fn extension(name: &str) -> Option<String> {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext.to_lowercase()),
        _ => None,
    }
}

/// What the bytes of a file are, judged from their content alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the accepted binary kinds.
    Kind(MaterialKind),
    /// Valid UTF-8 without NUL bytes (plain text or Markdown).
    Text,
    /// Anything else (executables, HTML in a binary disguise, other archives, …).
    Unknown,
}

/// Largest part read from inside an archive to recognise it (zip bombs stay unread).
const PART_LIMIT: u64 = 1024 * 1024;

fn zip_part(z: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let f = z.by_name(name).ok()?;
    let mut out = Vec::new();
    f.take(PART_LIMIT).read_to_end(&mut out).ok()?;
    Some(out)
}

fn sniff_zip(bytes: &[u8]) -> Sniffed {
    let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Sniffed::Unknown;
    };
    // An unreadable entry name counts as suspicious.
    if z.file_names().any(|n| {
        n.map(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin"))
            .unwrap_or(true)
    }) {
        return Sniffed::Unknown;
    }
    if let Some(m) = zip_part(&mut z, "mimetype") {
        return match String::from_utf8_lossy(&m).trim() {
            "application/vnd.oasis.opendocument.text" => Sniffed::Kind(MaterialKind::Odt),
            "application/vnd.oasis.opendocument.presentation" => Sniffed::Kind(MaterialKind::Odp),
            _ => Sniffed::Unknown,
        };
    }
    if let Some(ct) = zip_part(&mut z, "[Content_Types].xml") {
        let ct = String::from_utf8_lossy(&ct);
        // The main part's content type says what the package is; macro-enabled and
        // template variants have other content types and are not accepted.
        for (needle, kind) in [
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                MaterialKind::Docx,
            ),
            (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                MaterialKind::Pptx,
            ),
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                MaterialKind::Xlsx,
            ),
        ] {
            if ct.contains(needle) {
                return Sniffed::Kind(kind);
            }
        }
    }
    Sniffed::Unknown
}

/// ISO base media brands of MP4 video (not QuickTime, not HEIF/AVIF still images).
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41",
    b"mp42", b"mp71", b"avc1", b"M4V ", b"dash", b"MSNV", b"f4v ",
];

fn sniff_mp4(b: &[u8]) -> bool {
    if b.len() < 16 || &b[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if size < 16 || size > b.len() || !size.is_multiple_of(4) {
        return false;
    }
    let major = &b[8..12];
    let compatible = b[16..size].chunks_exact(4);
    std::iter::once(major)
        .chain(compatible)
        .any(|brand| MP4_BRANDS.iter().any(|m| m.as_slice() == brand))
}

/// Recognises the content of a file from its bytes.
pub fn sniff(b: &[u8]) -> Sniffed {
    if b.starts_with(b"%PDF-") {
        Sniffed::Kind(MaterialKind::Pdf)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        Sniffed::Kind(MaterialKind::Png)
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Kind(MaterialKind::Jpeg)
    } else if sniff_mp4(b) {
        Sniffed::Kind(MaterialKind::Mp4)
    } else if b.starts_with(b"PK\x03\x04") {
        sniff_zip(b)
    } else if !b.contains(&0) && std::str::from_utf8(b).is_ok() {
        Sniffed::Text
    } else {
        Sniffed::Unknown
    }
}

/// Checks a file: a usable name with an accepted extension, not empty, at most
/// `max_bytes`, and content of the kind the extension names. Returns the sanitised name
/// and the kind, or the Fluent key of the problem (always reported on field `file`).
pub fn check_file(
    raw_name: &str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<(String, MaterialKind), &'static str> {
    let name = sanitize_file_name(raw_name).ok_or("material-file-missing")?;
    if bytes.is_empty() {
        return Err("material-file-empty");
    }
    if bytes.len() > max_bytes {
        return Err("material-file-too-large");
    }
    let kind = extension(&name)
        .and_then(|e| MaterialKind::from_extension(&e))
        .ok_or("material-file-type")?;
    let ok = match (kind, sniff(bytes)) {
        (MaterialKind::Text | MaterialKind::Markdown, Sniffed::Text) => true,
        (k, Sniffed::Kind(s)) => k == s,
        _ => false,
    };
    if ok {
        Ok((name, kind))
    } else {
        Err("material-file-mismatch")
    }
}

/// SHA-256 of the bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Raw form input accompanying an uploaded file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MaterialInput {
    pub title: String,
    pub description: String,
    pub language: String,
}

/// A parsed, checked upload.
#[derive(Debug, Clone)]
pub struct MaterialDraft {
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: ModuleLanguage,
    /// Sanitised original name (display and download name only).
    pub file_name: String,
    pub kind: MaterialKind,
    pub size: i64,
    pub sha256: String,
}

impl MaterialDraft {
    /// Parses the fields and checks the file (`None`: no file was sent), collecting one
    /// message per bad field.
    pub fn parse(
        i: &MaterialInput,
        file: Option<(&str, &[u8])>,
        max_bytes: usize,
    ) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let title = optional_text(&i.title, "title", TITLE_MAX, &mut e);
        let description =
            optional_multiline(&i.description, "description", DESCRIPTION_MAX, &mut e);
        let language = ModuleLanguage::parse(&i.language);
        if language.is_none() {
            e.add("language", "field-choice");
        }
        let checked = match file {
            None => Err("material-file-missing"),
            Some((name, bytes)) => check_file(name, bytes, max_bytes),
        };
        let (file_name, kind) = match checked {
            Ok(x) => Some(x),
            Err(k) => {
                e.add("file", k);
                None
            }
        }
        .unzip();
        match (language, file_name, kind, file) {
            (Some(language), Some(file_name), Some(kind), Some((_, bytes))) if e.is_empty() => {
                Ok(Self {
                    title,
                    description,
                    language,
                    file_name,
                    kind,
                    size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    sha256: sha256_hex(bytes),
                })
            }
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Optional text that may span lines (tabs and line breaks allowed, other control
/// characters refused).
fn optional_multiline(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > max {
        e.add(field, "field-too-long");
    } else if t
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c))
    {
        e.add(field, "field-control-chars");
    }
    Some(t.replace("\r\n", "\n"))
}

impl fmt::Display for MaterialDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {} bytes)", self.file_name, self.kind, self.size)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const DOCX_CT: &[u8] = br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

    #[test]
    fn content_decides_and_the_extension_must_agree() {
        let pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n";
        assert_eq!(
            check_file("a.pdf", pdf, 1000),
            Ok(("a.pdf".into(), MaterialKind::Pdf))
        );
        assert_eq!(check_file("A.PDF", pdf, 1000).unwrap().1, MaterialKind::Pdf);
        assert_eq!(
            check_file("a.png", pdf, 1000),
            Err("material-file-mismatch")
        );
        let html = b"<!doctype html><script>alert(1)</script>";
        assert_eq!(
            check_file("x.pdf", html, 1000),
            Err("material-file-mismatch")
        );
        assert_eq!(check_file("x.html", html, 1000), Err("material-file-type"));
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";
        assert_eq!(
            check_file("setup.pdf", exe, 1000),
            Err("material-file-mismatch")
        );
        assert_eq!(
            check_file("setup.exe", exe, 1000),
            Err("material-file-type")
        );
        assert_eq!(
            check_file("notes.md", b"# Hello", 1000).unwrap().1,
            MaterialKind::Markdown
        );
        assert_eq!(
            check_file("notes.txt", b"\xff\xfe", 1000),
            Err("material-file-mismatch")
        );
        assert_eq!(check_file("a.txt", b"", 1000), Err("material-file-empty"));
        assert_eq!(
            check_file("a.txt", b"12345", 4),
            Err("material-file-too-large")
        );
        assert_eq!(check_file("", b"x", 4), Err("material-file-missing"));
        assert_eq!(check_file("noext", b"x", 4), Err("material-file-type"));
    }

    #[test]
    fn office_and_opendocument_are_recognised_by_their_parts() {
        let docx = zip_of(&[
            ("[Content_Types].xml", DOCX_CT),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(sniff(&docx), Sniffed::Kind(MaterialKind::Docx));
        assert_eq!(
            check_file("d.xlsx", &docx, 1 << 20),
            Err("material-file-mismatch")
        );
        let macro_ = zip_of(&[
            ("[Content_Types].xml", DOCX_CT),
            ("word/vbaProject.bin", b"x"),
        ]);
        assert_eq!(sniff(&macro_), Sniffed::Unknown);
        let odt = zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
        assert_eq!(
            check_file("t.odt", &odt, 1 << 20).unwrap().1,
            MaterialKind::Odt
        );
        let plain = zip_of(&[("readme.txt", b"hi")]);
        assert_eq!(
            check_file("p.docx", &plain, 1 << 20),
            Err("material-file-mismatch")
        );
    }

    #[test]
    fn mp4_needs_a_video_brand() {
        let mut mp4 = Vec::new();
        mp4.extend_from_slice(&24u32.to_be_bytes());
        mp4.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
        assert_eq!(sniff(&mp4), Sniffed::Kind(MaterialKind::Mp4));
        let mut heic = Vec::new();
        heic.extend_from_slice(&16u32.to_be_bytes());
        heic.extend_from_slice(b"ftypheic\0\0\0\0");
        assert_ne!(sniff(&heic), Sniffed::Kind(MaterialKind::Mp4));
    }

    #[test]
    fn file_names_are_for_display_only() {
        assert_eq!(
            sanitize_file_name("C:\\Users\\ana\\x.pdf").unwrap(),
            "x.pdf"
        );
        assert_eq!(sanitize_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(sanitize_file_name("..").as_deref(), None);
        assert_eq!(sanitize_file_name(".hidden.pdf").unwrap(), "hidden.pdf");
        assert_eq!(sanitize_file_name("a\u{202E}fdp.exe").unwrap(), "afdp.exe");
        assert_eq!(sanitize_file_name("a\"b<c>.pdf").unwrap(), "a_b_c_.pdf");
        let long = format!("{}.pdf", "é".repeat(400));
        let s = sanitize_file_name(&long).unwrap();
        assert_eq!(s.chars().count(), FILE_NAME_MAX);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn a_draft_names_every_bad_field() {
        let i = MaterialInput {
            title: "t".repeat(300),
            description: "line\nline".into(),
            language: "xx".into(),
        };
        let Err(Error::Invalid(e)) = MaterialDraft::parse(&i, Some(("a.pdf", b"<html>")), 100)
        else {
            panic!("accepted");
        };
        assert_eq!(e.get("title"), Some("field-too-long"));
        assert_eq!(e.get("language"), Some("field-choice"));
        assert_eq!(e.get("file"), Some("material-file-mismatch"));
        assert_eq!(e.get("description"), None);
        let ok = MaterialDraft::parse(
            &MaterialInput {
                language: "es".into(),
                ..Default::default()
            },
            Some(("h.md", b"# Hoja")),
            100,
        )
        .unwrap();
        assert_eq!(ok.size, 6);
        assert_eq!(ok.sha256, sha256_hex(b"# Hoja"));
        assert_eq!(ok.title, None);
    }
}

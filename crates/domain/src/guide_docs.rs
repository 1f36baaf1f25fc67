//! Local Implementation Guide, second part: the protocol inventory the guide starts
//! from, the guide documents (ordered Markdown sections, versions, lifecycle) and their
//! review rounds. Pure rules, no I/O.
//!
//! Invariants and rules:
//! - a protocol (law, decree, protocol, internal policy) has a title, issuing body, date,
//!   scope, an optional http(s) link, and is in force or superseded (then by another
//!   protocol); it governs one or more of the seven [`ResponseStep`]s. [`coverage`]
//!   counts in-force protocols per step: none is a gap, two or more an overlap;
//! - a guide moves through [`Stage`] one step at a time ([`check_move`]): forward only
//!   to the next stage, backwards only with a reason;
//! - sections are numbered 1..n in the order written; a heading is required, bodies are
//!   Markdown rendered by [`render_markdown`], which never emits raw HTML and only links
//!   to http, https and mailto;
//! - a comment names a section and optionally quotes a passage of it (its anchor);
//!   [`anchor_holds`] tells whether the passage still appears in a later text;
//! - a declined comment needs a reason.

use crate::directory::{CountryCode, lenient, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use crate::guide::free_text;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

string_enum!(
    /// What kind of instrument a protocol is.
    ProtocolKind {
        Law = "law",
        Decree = "decree",
        Protocol = "protocol",
        InternalPolicy = "internal_policy",
    }
);

string_enum!(
    /// The level of government a protocol applies at.
    ProtocolScope {
        National = "national",
        Provincial = "provincial",
        Municipal = "municipal",
    }
);

string_enum!(
    /// Whether a protocol is still applied.
    ProtocolStatus {
        InForce = "in_force",
        /// Replaced by another protocol of the inventory.
        Superseded = "superseded",
    }
);

string_enum!(
    /// The steps of the response to a victim that protocols govern.
    ResponseStep {
        Detection = "detection",
        FirstContact = "first_contact",
        ImmediateProtection = "immediate_protection",
        Assistance = "assistance",
        LegalProcess = "legal_process",
        SocialInclusion = "social_inclusion",
        FollowUp = "follow_up",
    }
);

string_enum!(
    /// The lifecycle of a guide document, in order.
    Stage {
        Analysis = "analysis",
        Drafting = "drafting",
        InReview = "in_review",
        Refinement = "refinement",
        Final = "final",
        Institutionalised = "institutionalised",
    }
);

string_enum!(
    /// How an author resolved a review comment.
    Resolution {
        Accepted = "accepted",
        Declined = "declined",
    }
);

impl Stage {
    /// Position in the lifecycle, from 0.
    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
    /// The stage after this one, if any.
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self.index() + 1).copied()
    }
    /// True at final or institutionalised (a published guide).
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Final | Stage::Institutionalised)
    }
}

/// Checks a stage move: forward to the next stage only; backwards to any earlier stage
/// only with a reason; staying put is refused. Errors name the field `stage` or
/// `reason`.
pub fn check_move(from: Stage, to: Stage, reason: &str) -> Result<(), Error> {
    if to.index() == from.index() + 1 {
        return Ok(());
    }
    if to.index() < from.index() {
        return if reason.trim().is_empty() {
            Err(Error::Invalid(FieldErrors::single(
                "reason",
                "guidedoc-stage-back-reason",
            )))
        } else {
            Ok(())
        };
    }
    Err(Error::Invalid(FieldErrors::single(
        "stage",
        "guidedoc-stage-skip",
    )))
}

/// A date written `YYYY-MM-DD`.
pub fn parse_date(s: &str, field: &str, e: &mut FieldErrors) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s.trim(), &fmt) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(
                field,
                if s.trim().is_empty() {
                    "field-required"
                } else {
                    "guidedoc-date-invalid"
                },
            );
            None
        }
    }
}

/// True for a link the platform will show: http, https or mailto, no spaces.
pub fn safe_link(url: &str) -> bool {
    let l = url.trim().to_ascii_lowercase();
    (l.starts_with("http://") || l.starts_with("https://") || l.starts_with("mailto:"))
        && !url
            .trim()
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        && url.trim().len() > 7
}

/// Raw protocol input; `steps` is a comma list of step codes (checkbox group).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProtocolInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub issuing_body: String,
    #[serde(deserialize_with = "lenient")]
    pub issued_on: String,
    #[serde(deserialize_with = "lenient")]
    pub kind: String,
    #[serde(deserialize_with = "lenient")]
    pub scope: String,
    #[serde(deserialize_with = "lenient")]
    pub link: String,
    #[serde(deserialize_with = "lenient")]
    pub status: String,
    #[serde(deserialize_with = "lenient")]
    pub superseded_by: String,
    #[serde(deserialize_with = "lenient")]
    pub steps: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolDraft {
    pub country: CountryCode,
    pub title: String,
    pub issuing_body: String,
    pub issued_on: time::Date,
    pub kind: ProtocolKind,
    pub scope: ProtocolScope,
    pub link: Option<String>,
    pub status: ProtocolStatus,
    pub superseded_by: Option<Uuid>,
    pub steps: Vec<ResponseStep>,
}

impl ProtocolDraft {
    /// Parses every field, one message per bad field.
    pub fn parse(i: &ProtocolInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let country = CountryCode::parse(&i.country);
        if country.is_none() {
            e.add("country", "field-country-invalid");
        }
        let title = required_text(&i.title, "title", 300, &mut e);
        let issuing_body = required_text(&i.issuing_body, "issuing_body", 200, &mut e);
        let issued_on = parse_date(&i.issued_on, "issued_on", &mut e);
        let kind = ProtocolKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "field-choice");
        }
        let scope = ProtocolScope::parse(&i.scope);
        if scope.is_none() {
            e.add("scope", "field-choice");
        }
        let link = i.link.trim();
        let link = if link.is_empty() {
            None
        } else if safe_link(link) && !link.starts_with("mailto:") && link.len() <= 1000 {
            Some(link.to_owned())
        } else {
            e.add("link", "guidedoc-link-invalid");
            None
        };
        let status = ProtocolStatus::parse(&i.status);
        if status.is_none() {
            e.add("status", "field-choice");
        }
        let superseded_by = parse_optional_uuid(&i.superseded_by, "superseded_by", &mut e);
        let superseded = status == Some(ProtocolStatus::Superseded);
        if superseded && superseded_by.is_none() && e.get("superseded_by").is_none() {
            e.add("superseded_by", "guidedoc-superseded-by-required");
        } else if status == Some(ProtocolStatus::InForce) && superseded_by.is_some() {
            e.add("superseded_by", "guidedoc-superseded-in-force");
        }
        let mut steps = Vec::new();
        for c in i.steps.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match ResponseStep::parse(c) {
                Some(s) if !steps.contains(&s) => steps.push(s),
                Some(_) => {}
                None => {
                    e.add("steps", "field-choice");
                    break;
                }
            }
        }
        if steps.is_empty() && e.get("steps").is_none() {
            e.add("steps", "guidedoc-steps-required");
        }
        steps.sort_by_key(|s| ResponseStep::ALL.iter().position(|x| x == s));
        match (country, issued_on, kind, scope, status) {
            (Some(country), Some(issued_on), Some(kind), Some(scope), Some(status))
                if e.is_empty() =>
            {
                Ok(Self {
                    country,
                    title,
                    issuing_body,
                    issued_on,
                    kind,
                    scope,
                    link,
                    status,
                    superseded_by,
                    steps,
                })
            }
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// How well a response step is governed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Coverage {
    /// No protocol in force governs it.
    Gap,
    /// Exactly one does.
    Single,
    /// Two or more do: the guide has to reconcile them.
    Overlap,
}

impl Coverage {
    /// Stable code for templates and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Gap => "gap",
            Coverage::Single => "single",
            Coverage::Overlap => "overlap",
        }
    }
}

/// For every response step, how many in-force protocols govern it and the coverage.
/// `protocols` holds, per protocol, whether it is in force and the steps it governs.
pub fn coverage(protocols: &[(bool, Vec<ResponseStep>)]) -> Vec<(ResponseStep, usize, Coverage)> {
    ResponseStep::ALL
        .iter()
        .map(|step| {
            let n = protocols
                .iter()
                .filter(|(in_force, steps)| *in_force && steps.contains(step))
                .count();
            let c = match n {
                0 => Coverage::Gap,
                1 => Coverage::Single,
                _ => Coverage::Overlap,
            };
            (*step, n, c)
        })
        .collect()
}

/// Most sections in one guide.
pub const MAX_SECTIONS: usize = 60;
/// Longest section body, in characters.
pub const MAX_SECTION_BODY: usize = 40_000;

/// Raw guide input (creating a guide).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GuideInput {
    #[serde(deserialize_with = "lenient")]
    pub institution_id: String,
    #[serde(deserialize_with = "lenient")]
    pub area_id: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub language: String,
}

/// A parsed new guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideDraft {
    pub institution_id: Uuid,
    pub area_id: Uuid,
    pub title: String,
    /// `en`, `es` or `th`.
    pub language: String,
}

impl GuideDraft {
    /// Parses a new guide.
    pub fn parse(i: &GuideInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let institution_id = parse_optional_uuid(&i.institution_id, "institution_id", &mut e);
        if institution_id.is_none() && e.get("institution_id").is_none() {
            e.add("institution_id", "field-required");
        }
        let area_id = parse_optional_uuid(&i.area_id, "area_id", &mut e);
        if area_id.is_none() && e.get("area_id").is_none() {
            e.add("area_id", "field-required");
        }
        let title = required_text(&i.title, "title", 300, &mut e);
        let language = i.language.trim().to_owned();
        if !matches!(language.as_str(), "en" | "es" | "th") {
            e.add("language", "field-choice");
        }
        match (institution_id, area_id) {
            (Some(institution_id), Some(area_id)) if e.is_empty() => Ok(Self {
                institution_id,
                area_id,
                title,
                language,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// One submitted section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SectionInput {
    #[serde(deserialize_with = "lenient")]
    pub heading: String,
    #[serde(deserialize_with = "lenient")]
    pub body: String,
}

/// A parsed section; `position` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub position: i64,
    pub heading: String,
    pub body: String,
}

/// Parses the sections of a save: blank rows are skipped, the others numbered 1..n in
/// the order given; errors name `sections[N].field` after the submitted row.
pub fn parse_sections(rows: &[SectionInput]) -> Result<Vec<Section>, Error> {
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        if r.heading.trim().is_empty() && r.body.trim().is_empty() {
            continue;
        }
        let f = |k: &str| format!("sections[{}].{k}", n + 1);
        let heading = required_text(&r.heading, &f("heading"), 200, &mut e);
        let body = free_text(&r.body, &f("body"), MAX_SECTION_BODY, &mut e);
        out.push(Section {
            position: out.len() as i64 + 1,
            heading,
            body: body.replace("\r\n", "\n"),
        });
    }
    if out.is_empty() {
        e.add("sections", "guidedoc-sections-required");
    } else if out.len() > MAX_SECTIONS {
        e.add("sections", "guidedoc-sections-too-many");
    }
    e.into_result(out)
}

// ---------------------------------------------------------------------------------
// Markdown

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Renders inline Markdown: `**strong**`, `*em*` / `_em_`, `` `code` `` and
/// `[text](url)` links (only http, https and mailto; others stay as text). Every other
/// character is escaped, so raw HTML shows as text.
fn inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut o = String::new();
    let mut i = 0;
    let find = |from: usize, pat: &[char]| -> Option<usize> {
        (from..chars.len().saturating_sub(pat.len() - 1)).find(|&k| chars[k..].starts_with(pat))
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            if let Some(end) = find(i + 1, &['`']) {
                let t: String = chars[i + 1..end].iter().collect();
                o.push_str("<code>");
                o.push_str(&escape_html(&t));
                o.push_str("</code>");
                i = end + 1;
                continue;
            }
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            if let Some(end) = find(i + 2, &['*', '*']).filter(|e| *e > i + 2) {
                let t: String = chars[i + 2..end].iter().collect();
                o.push_str("<strong>");
                o.push_str(&inline(&t));
                o.push_str("</strong>");
                i = end + 2;
                continue;
            }
        } else if c == '*' || c == '_' {
            if let Some(end) = find(i + 1, &[c]).filter(|e| *e > i + 1) {
                let t: String = chars[i + 1..end].iter().collect();
                o.push_str("<em>");
                o.push_str(&inline(&t));
                o.push_str("</em>");
                i = end + 1;
                continue;
            }
        } else if c == '['
            && let Some(close) = find(i + 1, &[']', '('])
            && let Some(end) = find(close + 2, &[')'])
        {
            let text: String = chars[i + 1..close].iter().collect();
            let url: String = chars[close + 2..end].iter().collect();
            if safe_link(&url) && !url.contains('"') {
                o.push_str("<a href=\"");
                o.push_str(&escape_html(url.trim()));
                o.push_str("\" rel=\"nofollow noopener\">");
                o.push_str(&inline(&text));
                o.push_str("</a>");
            } else {
                o.push_str(&escape_html(&text));
            }
            i = end + 1;
            continue;
        }
        o.push_str(&escape_html(&c.to_string()));
        i += 1;
    }
    o
}

/// Renders a section body's Markdown to safe HTML: paragraphs, headings (`#`…, shown
/// one level below the section heading), bullet (`-`, `*`) and numbered (`1.`) lists,
/// and the inline forms of [`inline`]. Raw HTML is escaped, never passed through.
pub fn render_markdown(src: &str) -> String {
    #[derive(PartialEq)]
    enum Block {
        None,
        Para,
        Ul,
        Ol,
    }
    let mut o = String::new();
    let mut cur = Block::None;
    let mut para: Vec<String> = Vec::new();
    let close = |o: &mut String, cur: &mut Block, para: &mut Vec<String>| {
        match cur {
            Block::Para => {
                o.push_str("<p>");
                o.push_str(&inline(&para.join(" ")));
                o.push_str("</p>\n");
                para.clear();
            }
            Block::Ul => o.push_str("</ul>\n"),
            Block::Ol => o.push_str("</ol>\n"),
            Block::None => {}
        }
        *cur = Block::None;
    };
    for line in src.lines() {
        let t = line.trim();
        if t.is_empty() {
            close(&mut o, &mut cur, &mut para);
            continue;
        }
        let hashes = t.chars().take_while(|c| *c == '#').count();
        if (1..=4).contains(&hashes) && t[hashes..].starts_with(' ') {
            close(&mut o, &mut cur, &mut para);
            let level = (hashes + 2).min(6);
            o.push_str(&format!(
                "<h{level}>{}</h{level}>\n",
                inline(t[hashes..].trim())
            ));
            continue;
        }
        if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            if cur != Block::Ul {
                close(&mut o, &mut cur, &mut para);
                o.push_str("<ul>\n");
                cur = Block::Ul;
            }
            o.push_str(&format!("<li>{}</li>\n", inline(item.trim())));
            continue;
        }
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && digits < 4 && t[digits..].starts_with(". ") {
            if cur != Block::Ol {
                close(&mut o, &mut cur, &mut para);
                o.push_str("<ol>\n");
                cur = Block::Ol;
            }
            o.push_str(&format!("<li>{}</li>\n", inline(t[digits + 2..].trim())));
            continue;
        }
        if cur != Block::Para {
            close(&mut o, &mut cur, &mut para);
            cur = Block::Para;
        }
        para.push(t.to_owned());
    }
    close(&mut o, &mut cur, &mut para);
    o
}

// ---------------------------------------------------------------------------------
// Diff

/// What happened to one line between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

impl LineChange {
    /// Stable code for CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            LineChange::Same => "same",
            LineChange::Added => "added",
            LineChange::Removed => "removed",
        }
    }
}

/// A line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

/// Line-level diff of `a` to `b` by longest common subsequence (quadratic; sections are
/// short). Removed lines come before the added lines that replace them.
pub fn diff_lines(a: &str, b: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = LCS length of a[i..] and b[j..]
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (0, 0);
    let line = |change, t: &str| DiffLine {
        change,
        text: t.to_owned(),
    };
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(line(LineChange::Same, a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line(LineChange::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(LineChange::Added, b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|t| line(LineChange::Removed, t)));
    out.extend(b[j..].iter().map(|t| line(LineChange::Added, t)));
    out
}

/// The comparison of one section position between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionDiff {
    pub position: i64,
    pub old_heading: Option<String>,
    pub new_heading: Option<String>,
    pub lines: Vec<DiffLine>,
    /// True when the heading or any line differs.
    pub changed: bool,
}

/// Compares two versions section by section, pairing sections by position.
pub fn diff_sections(old: &[Section], new: &[Section]) -> Vec<SectionDiff> {
    let n = old.len().max(new.len());
    (0..n)
        .map(|k| {
            let o = old.get(k);
            let w = new.get(k);
            let lines = diff_lines(
                o.map(|s| s.body.as_str()).unwrap_or(""),
                w.map(|s| s.body.as_str()).unwrap_or(""),
            );
            let changed = o.map(|s| &s.heading) != w.map(|s| &s.heading)
                || lines.iter().any(|l| l.change != LineChange::Same);
            SectionDiff {
                position: k as i64 + 1,
                old_heading: o.map(|s| s.heading.clone()),
                new_heading: w.map(|s| s.heading.clone()),
                lines,
                changed,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Review

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when the quoted passage still appears in `text` (whitespace differences
/// ignored). An empty quote is a comment on the whole section and always holds.
pub fn anchor_holds(quote: &str, text: &str) -> bool {
    let q = squash(quote);
    q.is_empty() || squash(text).contains(&q)
}

/// Raw input of a review round.
#[derive(Debug, Clone, Default)]
pub struct RoundInput {
    pub deadline: String,
    /// Invited user ids.
    pub users: Vec<String>,
    /// Invited institution ids.
    pub institutions: Vec<String>,
}

/// A parsed round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDraft {
    pub deadline: time::Date,
    pub users: Vec<Uuid>,
    pub institutions: Vec<Uuid>,
}

fn uuids(v: &[String], field: &str, e: &mut FieldErrors) -> Vec<Uuid> {
    let mut out = Vec::new();
    for s in v.iter().filter(|s| !s.trim().is_empty()) {
        match Uuid::parse_str(s.trim()) {
            Ok(u) if !out.contains(&u) => out.push(u),
            Ok(_) => {}
            Err(_) => {
                e.add(field, "field-reference");
                break;
            }
        }
    }
    out
}

impl RoundDraft {
    /// Parses a round: a deadline not before `today` and at least one invitation.
    pub fn parse(i: &RoundInput, today: time::Date) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let deadline = parse_date(&i.deadline, "deadline", &mut e);
        if deadline.is_some_and(|d| d < today) {
            e.add("deadline", "guidedoc-deadline-past");
        }
        let users = uuids(&i.users, "users", &mut e);
        let institutions = uuids(&i.institutions, "institutions", &mut e);
        if users.is_empty() && institutions.is_empty() && e.is_empty() {
            e.add("users", "guidedoc-reviewers-required");
        }
        match deadline {
            Some(deadline) if e.is_empty() => Ok(Self {
                deadline,
                users,
                institutions,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw comment input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CommentInput {
    #[serde(deserialize_with = "lenient")]
    pub section: String,
    #[serde(deserialize_with = "lenient")]
    pub quote: String,
    #[serde(deserialize_with = "lenient")]
    pub body: String,
}

/// A parsed comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentDraft {
    pub position: i64,
    pub quote: String,
    pub body: String,
}

impl CommentDraft {
    /// Parses a comment against the sections of the reviewed version: the section must
    /// exist and a quote must appear in it.
    pub fn parse(i: &CommentInput, sections: &[Section]) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let position = i.section.trim().parse::<i64>().ok();
        let section = position.and_then(|p| sections.iter().find(|s| s.position == p));
        if section.is_none() {
            e.add("section", "guidedoc-section-missing");
        }
        let quote = free_text(&i.quote, "quote", 1000, &mut e);
        if let Some(s) = section
            && !anchor_holds(&quote, &s.body)
            && !anchor_holds(&quote, &s.heading)
        {
            e.add("quote", "guidedoc-quote-not-found");
        }
        let body = required_text_multiline(&i.body, "body", 4000, &mut e);
        match section {
            Some(s) if e.is_empty() => Ok(Self {
                position: s.position,
                quote: squash(&quote),
                body,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Like [`free_text`] but required.
pub fn required_text_multiline(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> String {
    if s.trim().is_empty() {
        e.add(field, "field-required");
        return String::new();
    }
    free_text(s, field, max, e)
}

/// Parses an author's resolution: accepted, or declined with a reason.
pub fn parse_resolution(resolution: &str, reason: &str) -> Result<(Resolution, String), Error> {
    let mut e = FieldErrors::new();
    let r = Resolution::parse(resolution);
    if r.is_none() {
        e.add("resolution", "field-choice");
    }
    let reason = free_text(reason, "reason", 2000, &mut e);
    if r == Some(Resolution::Declined) && reason.is_empty() {
        e.add("reason", "guidedoc-decline-reason");
    }
    match r {
        Some(r) if e.is_empty() => Ok((r, reason)),
        _ => Err(Error::Invalid(e)),
    }
}

/// Raw consultation meeting input.
#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    pub held_on: String,
    pub institutions: Vec<String>,
    pub minutes: String,
    pub decisions: String,
}

/// A parsed meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    pub held_on: time::Date,
    pub institutions: Vec<Uuid>,
    pub minutes: String,
    pub decisions: String,
}

impl MeetingDraft {
    /// Parses a meeting: a date, at least one institution present, minutes.
    pub fn parse(i: &MeetingInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let held_on = parse_date(&i.held_on, "held_on", &mut e);
        let institutions = uuids(&i.institutions, "institutions", &mut e);
        if institutions.is_empty() && e.get("institutions").is_none() {
            e.add("institutions", "guidedoc-institutions-required");
        }
        let minutes = required_text_multiline(&i.minutes, "minutes", 20_000, &mut e);
        let decisions = free_text(&i.decisions, "decisions", 10_000, &mut e);
        match held_on {
            Some(held_on) if e.is_empty() => Ok(Self {
                held_on,
                institutions,
                minutes,
                decisions,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_move_one_step_forward_or_back_with_a_reason() {
        assert!(check_move(Stage::Analysis, Stage::Drafting, "").is_ok());
        let Err(Error::Invalid(e)) = check_move(Stage::Drafting, Stage::Final, "") else {
            panic!("a skip must be refused")
        };
        assert_eq!(e.get("stage"), Some("guidedoc-stage-skip"));
        assert!(check_move(Stage::Drafting, Stage::Drafting, "x").is_err());
        let Err(Error::Invalid(e)) = check_move(Stage::InReview, Stage::Drafting, " ") else {
            panic!("backwards needs a reason")
        };
        assert_eq!(e.get("reason"), Some("guidedoc-stage-back-reason"));
        assert!(check_move(Stage::InReview, Stage::Drafting, "More input needed").is_ok());
        assert_eq!(Stage::Final.next(), Some(Stage::Institutionalised));
        assert_eq!(Stage::Institutionalised.next(), None);
    }

    #[test]
    fn hostile_markdown_is_inert() {
        let h = render_markdown(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
             [click](javascript:alert(3)) [ok](https://example.org/a?b=1&c=2) \
             [mail](mailto:prv@example.org) [data](data:text/html;base64,PHN)\n\n\
             **bold** and *em* and `<b>code</b>`\n\n- one\n- two\n\n1. first\n\n## Sub",
        );
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(!h.contains("data:text"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("<a href=\"https://example.org/a?b=1&amp;c=2\""));
        assert!(h.contains("<a href=\"mailto:prv@example.org\""));
        assert!(h.contains("<strong>bold</strong>"));
        assert!(h.contains("<em>em</em>"));
        assert!(h.contains("<code>&lt;b&gt;code&lt;/b&gt;</code>"));
        assert!(h.contains("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"));
        assert!(h.contains("<ol>\n<li>first</li>\n</ol>"));
        assert!(h.contains("<h4>Sub</h4>"));
        // An attribute break-out attempt inside a link target.
        let h = render_markdown("[x](https://e.org/\"onmouseover=\"alert(1))");
        assert!(!h.contains("onmouseover=\""), "{h}");
    }

    #[test]
    fn the_diff_marks_changed_lines_only() {
        let d = diff_lines("a\nb\nc", "a\nB\nc\nd");
        let got: Vec<(LineChange, &str)> = d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (LineChange::Same, "a"),
                (LineChange::Removed, "b"),
                (LineChange::Added, "B"),
                (LineChange::Same, "c"),
                (LineChange::Added, "d"),
            ]
        );
        let s = |p, h: &str, b: &str| Section {
            position: p,
            heading: h.into(),
            body: b.into(),
        };
        let ds = diff_sections(&[s(1, "A", "x"), s(2, "B", "y")], &[s(1, "A", "x")]);
        assert!(!ds[0].changed);
        assert!(ds[1].changed);
        assert_eq!(ds[1].new_heading, None);
    }

    #[test]
    fn coverage_finds_gaps_and_overlaps_among_protocols_in_force() {
        use ResponseStep::*;
        let c = coverage(&[
            (true, vec![Detection, FirstContact]),
            (true, vec![Detection]),
            (false, vec![FollowUp, Assistance]),
            (true, vec![Assistance]),
        ]);
        let of = |s| c.iter().find(|(x, _, _)| *x == s).map(|(_, n, c)| (*n, *c));
        assert_eq!(of(Detection), Some((2, Coverage::Overlap)));
        assert_eq!(of(FirstContact), Some((1, Coverage::Single)));
        assert_eq!(of(FollowUp), Some((0, Coverage::Gap)));
        assert_eq!(of(Assistance), Some((1, Coverage::Single)));
    }

    #[test]
    fn comments_anchor_on_a_passage_of_an_existing_section() {
        let secs = vec![Section {
            position: 1,
            heading: "Detection".into(),
            body: "Call the 145 line\nimmediately.".into(),
        }];
        let ok = CommentDraft::parse(
            &CommentInput {
                section: "1".into(),
                quote: "145 line  immediately".into(),
                body: "Say who calls.".into(),
            },
            &secs,
        )
        .unwrap();
        assert_eq!(ok.quote, "145 line immediately");
        assert!(anchor_holds(
            &ok.quote,
            "Call the 145 line immediately, day or night."
        ));
        assert!(!anchor_holds(&ok.quote, "Call the hotline."));
        let Err(Error::Invalid(e)) = CommentDraft::parse(
            &CommentInput {
                section: "2".into(),
                quote: String::new(),
                body: "x".into(),
            },
            &secs,
        ) else {
            panic!("no such section")
        };
        assert_eq!(e.get("section"), Some("guidedoc-section-missing"));
        assert!(parse_resolution("declined", "  ").is_err());
        assert!(parse_resolution("declined", "Out of scope").is_ok());
        assert!(parse_resolution("accepted", "").is_ok());
    }

    #[test]
    fn a_protocol_needs_steps_and_a_successor_when_superseded() {
        let i = ProtocolInput {
            country: "AR".into(),
            title: "Ley 26.364".into(),
            issuing_body: "Congreso".into(),
            issued_on: "2008-04-29".into(),
            kind: "law".into(),
            scope: "national".into(),
            link: "javascript:alert(1)".into(),
            status: "superseded".into(),
            steps: String::new(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = ProtocolDraft::parse(&i) else {
            panic!("invalid")
        };
        assert_eq!(e.get("link"), Some("guidedoc-link-invalid"));
        assert_eq!(
            e.get("superseded_by"),
            Some("guidedoc-superseded-by-required")
        );
        assert_eq!(e.get("steps"), Some("guidedoc-steps-required"));
        let ok = ProtocolDraft::parse(&ProtocolInput {
            link: "https://www.argentina.gob.ar/normativa".into(),
            status: "in_force".into(),
            steps: "legal_process,detection".into(),
            ..i
        })
        .unwrap();
        assert_eq!(
            ok.steps,
            vec![ResponseStep::Detection, ResponseStep::LegalProcess]
        );
    }
}

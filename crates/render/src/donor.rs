//! Donor exports of a country's results framework for one reporting period, all three
//! written from the same [`Table`] so they never disagree:
//!
//! - an XLSX workbook with one sheet per outcome (indicators of the outcome and of its
//!   outputs; indicators at objective level get their own sheet), numbers as number
//!   cells and text as string cells (never formulas);
//! - a CSV with an HXL hashtag row under the header (HXL 1.1: `#indicator+code`,
//!   `#country+code`, `#adm1+name`, `#reached`, `#reached+f`, …): one row per indicator
//!   with its sex, age band and role parts as columns, then one row per province and per
//!   institution part (the same column layout, only `#adm1` or `#org` filled);
//! - IATI 2.03 activity XML holding the `result` elements (result type 1 output,
//!   2 outcome, 3 impact for objectives; indicator measure 1 unit, 2 percentage; one
//!   `period` with `target` and `actual`, and one more `actual` per part carrying a
//!   `dimension`).

use std::fmt::Write as _;

/// One indicator's line of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The framework node the indicator belongs to: code, level and title.
    pub node_code: String,
    pub node_level: String,
    pub node_title: String,
    pub indicator_id: String,
    pub title: String,
    pub definition: String,
    /// `number` or `percent`.
    pub unit: String,
    /// True when higher is better.
    pub ascending: bool,
    pub baseline: Option<i64>,
    /// The year the baseline refers to (IATI needs one).
    pub baseline_year: i32,
    pub target: Option<i64>,
    pub actual: Option<i64>,
    pub cumulative: Option<i64>,
    /// Parts of the actual: (dimension code, category code, value).
    pub parts: Vec<(String, String, i64)>,
}

/// A group of rows on one sheet: an outcome (or an objective) and what hangs under it.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub code: String,
    pub title: String,
    pub rows: Vec<Row>,
}

/// The values of a country's framework for one period.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub country: String,
    pub period_code: String,
    /// First and last day, `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    pub groups: Vec<Group>,
}

/// Column headings in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub result_code: String,
    pub result: String,
    pub indicator: String,
    pub unit: String,
    pub baseline: String,
    pub target: String,
    pub actual: String,
    pub cumulative: String,
    pub country: String,
    pub province: String,
    pub institution: String,
    pub period_start: String,
    pub period_end: String,
    /// Label of a part column from (dimension, category), e.g. "Sex: female".
    pub part: std::collections::BTreeMap<(String, String), String>,
}

impl Labels {
    fn part(&self, dim: &str, cat: &str) -> String {
        self.part
            .get(&(dim.to_owned(), cat.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("{dim}: {cat}"))
    }
}

/// The (dimension, category) columns the rows have, in first-seen order, for the
/// dimensions shown as columns (sex, age band, role).
fn part_columns<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<(String, String)> {
    let mut cols: Vec<(String, String)> = Vec::new();
    for r in rows {
        for (d, c, _) in &r.parts {
            if matches!(d.as_str(), "sex" | "age_band" | "role")
                && !cols.iter().any(|(a, b)| a == d && b == c)
            {
                cols.push((d.clone(), c.clone()));
            }
        }
    }
    cols
}

fn part_of(r: &Row, d: &str, c: &str) -> Option<i64> {
    r.parts
        .iter()
        .find(|(a, b, _)| a == d && b == c)
        .map(|p| p.2)
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(code: &str, title: &str, taken: &mut Vec<String>) -> String {
    let raw: String = format!("{code} {title}")
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => ' ',
            c => c,
        })
        .collect();
    let mut name: String = raw.trim().chars().take(31).collect();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" ({n})");
        name = raw.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The XLSX workbook: one sheet per group.
pub fn xlsx(t: &Table, l: &Labels) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut taken = Vec::new();
    for g in &t.groups {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&g.code, &g.title, &mut taken))?;
        let cols = part_columns(g.rows.iter());
        let mut header: Vec<String> = vec![
            l.result_code.clone(),
            l.result.clone(),
            l.indicator.clone(),
            l.unit.clone(),
            l.baseline.clone(),
            format!("{} {}", l.target, t.period_code),
            format!("{} {}", l.actual, t.period_code),
            l.cumulative.clone(),
        ];
        header.extend(cols.iter().map(|(d, c)| l.part(d, c)));
        header.push(l.province.clone());
        header.push(l.institution.clone());
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (i, r) in g.rows.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, &r.node_code)?;
            ws.write_string(row, 1, &r.node_title)?;
            ws.write_string(row, 2, &r.title)?;
            ws.write_string(row, 3, &r.unit)?;
            for (c, v) in [
                (4u16, r.baseline),
                (5, r.target),
                (6, r.actual),
                (7, r.cumulative),
            ] {
                if let Some(v) = v {
                    ws.write_number(row, c, v as f64)?;
                }
            }
            for (k, (d, c)) in cols.iter().enumerate() {
                if let Some(v) = part_of(r, d, c) {
                    ws.write_number(row, 8 + k as u16, v as f64)?;
                }
            }
            let listed = |dim: &str| {
                r.parts
                    .iter()
                    .filter(|p| p.0 == dim)
                    .map(|p| format!("{}: {}", p.1, p.2))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let base = 8 + cols.len() as u16;
            ws.write_string(row, base, listed("province"))?;
            ws.write_string(row, base + 1, listed("institution"))?;
        }
    }
    if t.groups.is_empty() {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, &l.indicator)?;
    }
    wb.save_to_buffer()
}

/// The HXL attribute of a part column: `+f`/`+m` for sex, `+age18_24` for age bands,
/// `+labour_inspector` for roles (HXL attributes are lower-case letters, digits and `_`).
fn hxl_attribute(dim: &str, cat: &str) -> String {
    let clean: String = cat
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    match (dim, cat) {
        ("sex", "female") => "+f".into(),
        ("sex", "male") => "+m".into(),
        ("sex", _) => format!("+sex_{clean}"),
        ("age_band", _) => format!("+age{clean}"),
        _ => format!("+{clean}"),
    }
}

/// The HXL CSV: a header row, a hashtag row, then the values.
pub fn hxl_csv(t: &Table, l: &Labels) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<&Row> = t.groups.iter().flat_map(|g| g.rows.iter()).collect();
    let cols = part_columns(rows.iter().copied());
    let mut header: Vec<String> = vec![
        l.result_code.clone(),
        l.indicator.clone(),
        l.indicator.clone(),
        l.unit.clone(),
        l.country.clone(),
        l.province.clone(),
        l.institution.clone(),
        l.period_start.clone(),
        l.period_end.clone(),
        l.baseline.clone(),
        l.target.clone(),
        l.actual.clone(),
        l.cumulative.clone(),
    ];
    header.extend(cols.iter().map(|(d, c)| l.part(d, c)));
    let mut tags: Vec<String> = [
        "#output+code",
        "#indicator+code",
        "#indicator+name",
        "#indicator+unit",
        "#country+code",
        "#adm1+name",
        "#org+acronym",
        "#date+start",
        "#date+end",
        "#indicator+baseline+num",
        "#targeted+num",
        "#reached+num",
        "#reached+cumulative+num",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    tags.extend(
        cols.iter()
            .map(|(d, c)| format!("#reached{}+num", hxl_attribute(d, c))),
    );
    let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut lines: Vec<Vec<String>> = vec![tags];
    for r in &rows {
        let mut line = vec![
            r.node_code.clone(),
            r.indicator_id.clone(),
            r.title.clone(),
            r.unit.clone(),
            t.country.clone(),
            String::new(),
            String::new(),
            t.period_start.clone(),
            t.period_end.clone(),
            num(r.baseline),
            num(r.target),
            num(r.actual),
            num(r.cumulative),
        ];
        line.extend(cols.iter().map(|(d, c)| num(part_of(r, d, c))));
        lines.push(line);
        for (d, c, v) in &r.parts {
            let slot = match d.as_str() {
                "province" => 5,
                "institution" => 6,
                _ => continue,
            };
            let mut line = vec![String::new(); 13 + cols.len()];
            line[0].clone_from(&r.node_code);
            line[1].clone_from(&r.indicator_id);
            line[2].clone_from(&r.title);
            line[3].clone_from(&r.unit);
            line[4].clone_from(&t.country);
            line[slot].clone_from(c);
            line[7].clone_from(&t.period_start);
            line[8].clone_from(&t.period_end);
            line[11] = v.to_string();
            lines.push(line);
        }
    }
    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    crate::csv_safe::write(&head, lines)
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// Who publishes the IATI activity.
#[derive(Debug, Clone, Default)]
pub struct IatiActivity {
    /// The activity's IATI identifier (reporting organisation reference + own id).
    pub identifier: String,
    /// The reporting organisation's IATI reference.
    pub reporting_org: String,
    /// The activity's title.
    pub title: String,
    /// Language of the narratives (`en`, `es`, `th`).
    pub lang: String,
    /// Generation time, ISO 8601.
    pub generated: String,
}

/// The IATI 2.03 activity XML with one `result` per framework node that has indicators.
pub fn iati_xml(t: &Table, a: &IatiActivity) -> String {
    let e = xml_escape;
    let mut o = String::new();
    let _ = write!(
        o,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"{}\">\n \
         <iati-activity last-updated-datetime=\"{}\" xml:lang=\"{}\">\n  \
         <iati-identifier>{}</iati-identifier>\n  \
         <reporting-org ref=\"{}\" type=\"21\"><narrative>{}</narrative></reporting-org>\n  \
         <title><narrative>{}</narrative></title>\n",
        e(&a.generated),
        e(&a.generated),
        e(&a.lang),
        e(&a.identifier),
        e(&a.reporting_org),
        e(&a.reporting_org),
        e(&a.title),
    );
    let mut nodes: Vec<(&str, &str, &str, Vec<&Row>)> = Vec::new();
    for r in t.groups.iter().flat_map(|g| g.rows.iter()) {
        match nodes.iter_mut().find(|n| n.0 == r.node_code) {
            Some(n) => n.3.push(r),
            None => nodes.push((&r.node_code, &r.node_level, &r.node_title, vec![r])),
        }
    }
    for (_, level, title, rows) in nodes {
        let kind = match level {
            "output" => 1,
            "outcome" => 2,
            _ => 3,
        };
        let _ = write!(
            o,
            "  <result type=\"{kind}\" aggregation-status=\"1\">\n   <title><narrative>{}</narrative></title>\n",
            e(title)
        );
        for r in rows {
            let measure = if r.unit == "percent" { 2 } else { 1 };
            let _ = write!(
                o,
                "   <indicator measure=\"{measure}\" ascending=\"{}\">\n    <title><narrative>{}</narrative></title>\n",
                u8::from(r.ascending),
                e(&r.title)
            );
            if !r.definition.is_empty() {
                let _ = writeln!(
                    o,
                    "    <description><narrative>{}</narrative></description>",
                    e(&r.definition)
                );
            }
            if let Some(b) = r.baseline {
                let _ = writeln!(
                    o,
                    "    <baseline year=\"{}\" value=\"{b}\"/>",
                    r.baseline_year
                );
            }
            let _ = write!(
                o,
                "    <period>\n     <period-start iso-date=\"{}\"/>\n     <period-end iso-date=\"{}\"/>\n",
                e(&t.period_start),
                e(&t.period_end)
            );
            if let Some(v) = r.target {
                let _ = writeln!(o, "     <target value=\"{v}\"/>");
            }
            if let Some(v) = r.actual {
                let _ = writeln!(o, "     <actual value=\"{v}\"/>");
                for (d, c, v) in &r.parts {
                    let _ = writeln!(
                        o,
                        "     <actual value=\"{v}\"><dimension name=\"{}\" value=\"{}\"/></actual>",
                        e(d),
                        e(c)
                    );
                }
            }
            o.push_str("    </period>\n   </indicator>\n");
        }
        o.push_str("  </result>\n");
    }
    o.push_str(" </iati-activity>\n</iati-activities>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        let mut taken = Vec::new();
        let a = sheet_name(
            "1.1",
            "A very long outcome title: with [brackets] and more",
            &mut taken,
        );
        assert!(a.chars().count() <= 31);
        assert!(!a.contains(['[', ']', ':']));
        let b = sheet_name(
            "1.1",
            "A very long outcome title: with [brackets] and more",
            &mut taken,
        );
        assert_ne!(a, b);
        assert!(b.chars().count() <= 31);
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}

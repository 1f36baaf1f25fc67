//! Attendance lists imported from a file: CSV (UTF-8, comma or semicolon, optional BOM)
//! or XLSX (first sheet). Pure: bytes in, typed rows or a list of problems out.
//!
//! Shape of a file: a header row naming the columns (any order, case-insensitive, English
//! or Spanish names, see [`COLUMNS`]), then one row per person and session date of the
//! course. Blank rows are skipped.
//!
//! Rules:
//! - every problem is reported, each with its row (the line or sheet row, header = 1) and
//!   column as written in the file, so a user can fix the whole file in one pass; a file
//!   with any problem is refused whole (the caller writes nothing);
//! - the session date must be a session of the course, the institution an acronym of the
//!   course's country, the codes known values (see [`parse_code`] for the accepted
//!   spellings);
//! - the same person twice for the same session is a problem (which mark would win?);
//! - a person is identified by [`PersonKey`]: the normalised national id when given,
//!   otherwise the normalised full name and the institution.

use crate::training::{
    AgeBand, AttendanceStatus, Occupation, Sex, normalise_national_id, parse_date,
};
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// The default largest file accepted (20 MiB).
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;

/// A column of an attendance list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    FullName,
    Sex,
    AgeBand,
    Occupation,
    Institution,
    NationalId,
    SessionDate,
    Status,
}

/// Every column with its canonical header (first) and accepted aliases, and whether it
/// is required. The canonical headers are what the template and the exports write.
pub const COLUMNS: &[(Column, &[&str], bool)] = &[
    (
        Column::FullName,
        &["full_name", "nombre", "nombre_completo", "name"],
        true,
    ),
    (Column::Sex, &["sex", "sexo"], true),
    (
        Column::AgeBand,
        &["age_band", "edad", "rango_edad", "age"],
        true,
    ),
    (
        Column::Occupation,
        &["occupation", "ocupacion", "ocupación"],
        true,
    ),
    (
        Column::Institution,
        &["institution", "institucion", "institución"],
        true,
    ),
    (
        Column::NationalId,
        &["national_id", "dni", "documento"],
        false,
    ),
    (
        Column::SessionDate,
        &["session_date", "fecha", "date"],
        true,
    ),
    (Column::Status, &["status", "asistencia", "estado"], true),
];

/// The canonical header of a column.
pub fn header_of(c: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|x| x.0 == c)
        .and_then(|x| x.1.first().copied())
        .unwrap_or("")
}

/// The file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// The format of a file by its name (`.csv`, `.xlsx`), else by its first bytes (an
    /// XLSX file is a ZIP archive starting with `PK`), else CSV.
    pub fn detect(file_name: &str, bytes: &[u8]) -> FileKind {
        let n = file_name.to_lowercase();
        if n.ends_with(".xlsx") || (!n.ends_with(".csv") && bytes.starts_with(b"PK\x03\x04")) {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        }
    }
}

/// One problem of an imported file. `row` 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Row of the file (header = 1), 0 for the whole file.
    pub row: usize,
    /// Column as written in the file's header (or the canonical name when missing).
    pub column: String,
    /// Fluent id of the message.
    pub key: &'static str,
}

impl Problem {
    fn file(key: &'static str) -> Self {
        Self {
            row: 0,
            column: String::new(),
            key,
        }
    }
}

/// The cells of a file, row by row, with each row's number in the file.
pub type Grid = Vec<(usize, Vec<String>)>;

/// Decodes a file into rows of text cells. Fails with one file-level problem for a file
/// that is not UTF-8 (`import-encoding`), not a readable XLSX (`import-xlsx`), or not
/// readable CSV (`import-csv`).
pub fn read_grid(kind: FileKind, bytes: &[u8]) -> Result<Grid, Problem> {
    match kind {
        FileKind::Csv => read_csv(bytes),
        FileKind::Xlsx => read_xlsx(bytes),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Grid, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| Problem::file("import-encoding"))?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    // The csv reader skips blank lines without counting them; keep them as empty
    // records so row numbers match what the user sees in an editor.
    let filled: String = text
        .split('\n')
        .map(|l| {
            if l.trim().is_empty() {
                (delimiter as char).to_string()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(filled.as_bytes());
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|_| Problem::file("import-csv"))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        out.push((line, rec.iter().map(|c| c.trim().to_owned()).collect()));
    }
    Ok(out)
}

/// An Excel serial day number (1900 date system) as a date.
fn excel_date(serial: f64) -> Option<Date> {
    let epoch = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    epoch.checked_add(time::Duration::days(serial.floor() as i64))
}

fn read_xlsx(bytes: &[u8]) -> Result<Grid, Problem> {
    use calamine::{Data, Reader, Xlsx};
    let bad = || Problem::file("import-xlsx");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|_| bad())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(bad)?
        .map_err(|_| bad())?;
    let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let col0 = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut out = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![String::new(); col0];
        cells.extend(row.iter().map(|c| {
            match c {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_owned(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Float(f) => f.to_string(),
                Data::Int(n) => n.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => excel_date(d.as_f64())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| d.as_f64().to_string()),
                Data::DateTimeIso(s) => s.chars().take(10).collect(),
                Data::DurationIso(s) => s.clone(),
                Data::Error(_) => "#ERROR".to_owned(),
            }
        }));
        out.push((start + i + 1, cells));
    }
    Ok(out)
}

/// Who a row is about, for de-duplication within the file and against stored people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonKey {
    /// The normalised national id.
    NationalId(String),
    /// The normalised full name and the institution.
    Name(String, Uuid),
}

/// Lower-cases, drops accents of the common Latin letters and collapses spaces, so
/// `  José  PÉREZ` and `jose perez` are the same name.
pub fn normalise_name(s: &str) -> String {
    let folded: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One valid row: a person and their mark at one session of the course.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// Row of the file (header = 1).
    pub row: usize,
    pub full_name: String,
    pub sex: Sex,
    pub age_band: AgeBand,
    pub occupation: Occupation,
    pub institution_id: Uuid,
    /// Normalised national id, when given.
    pub national_id: Option<String>,
    pub session_id: Uuid,
    pub held_on: Date,
    pub status: AttendanceStatus,
    /// The header of the status column, for problems found later (enrolment dates).
    pub status_column: String,
}

impl ImportRow {
    /// Who this row is about.
    pub fn person(&self) -> PersonKey {
        match &self.national_id {
            Some(n) => PersonKey::NationalId(n.clone()),
            None => PersonKey::Name(normalise_name(&self.full_name), self.institution_id),
        }
    }
}

/// Parses a code of `T`, also accepting upper case, hyphens for underscores and the
/// Spanish words people type (`femenino`, `presente`, `policía`, `55+`).
pub fn parse_code<T>(s: &str, parse: fn(&str) -> Option<T>, aliases: &[(&str, &str)]) -> Option<T> {
    let t = s.trim().to_lowercase().replace(['-', ' '], "_");
    let folded = normalise_name(&t);
    parse(&t).or_else(|| {
        aliases
            .iter()
            .find(|(a, _)| *a == folded)
            .and_then(|(_, code)| parse(code))
    })
}

const SEX_ALIASES: &[(&str, &str)] = &[
    ("f", "female"),
    ("femenino", "female"),
    ("mujer", "female"),
    ("m", "male"),
    ("masculino", "male"),
    ("varon", "male"),
    ("hombre", "male"),
    ("otro", "other"),
    ("x", "other"),
    ("desconocido", "unknown"),
    ("ns/nc", "unknown"),
];
const AGE_ALIASES: &[(&str, &str)] = &[
    ("55+", "55_plus"),
    ("55_o_mas", "55_plus"),
    ("desconocido", "unknown"),
    ("desconocida", "unknown"),
];
const OCCUPATION_ALIASES: &[(&str, &str)] = &[
    ("inspector_laboral", "labour_inspector"),
    ("inspector_de_trabajo", "labour_inspector"),
    ("policia", "police"),
    ("fiscal", "prosecutor"),
    ("juez", "judge"),
    ("jueza", "judge"),
    ("trabajador_social", "social_worker"),
    ("trabajadora_social", "social_worker"),
    ("otro", "other"),
    ("otra", "other"),
];
const STATUS_ALIASES: &[(&str, &str)] = &[
    ("presente", "present"),
    ("p", "present"),
    ("tarde", "late"),
    ("t", "late"),
    ("justificado", "excused"),
    ("justificada", "excused"),
    ("j", "excused"),
    ("ausente", "absent"),
    ("a", "absent"),
];

/// Parses a session date: `YYYY-MM-DD` (ISO, what XLSX dates become) or `DD/MM/YYYY`
/// (how Argentina, Paraguay and Thailand write dates by hand).
pub fn parse_session_date(s: &str) -> Option<Date> {
    parse_date(s).or_else(|| {
        let f = time::macros::format_description!("[day padding:none]/[month padding:none]/[year]");
        Date::parse(s.trim(), &f).ok()
    })
}

/// What a file is checked against: the course's sessions and the institutions (by
/// acronym) of the course's country.
#[derive(Debug, Clone, Default)]
pub struct ImportContext {
    /// Session dates of the course and their ids.
    pub sessions: Vec<(Date, Uuid)>,
    /// Institution acronyms (any case) and their ids.
    pub institutions: Vec<(String, Uuid)>,
}

/// Parses a decoded file: the header, then every row. Returns every valid row, or every
/// problem found (a missing required column stops before the rows).
pub fn parse_rows(grid: &Grid, ctx: &ImportContext) -> Result<Vec<ImportRow>, Vec<Problem>> {
    let mut rows = grid
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_row, header)) = rows.next() else {
        return Err(vec![Problem::file("import-empty")]);
    };
    let mut at: HashMap<Column, (usize, String)> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = normalise_name(h.trim_start_matches('\u{feff}')).replace(' ', "_");
        if let Some((c, _, _)) = COLUMNS.iter().find(|(_, names, _)| {
            names
                .iter()
                .any(|n| normalise_name(n) == name || *n == name)
        }) {
            at.entry(*c).or_insert((i, h.trim().to_owned()));
        }
    }
    let missing: Vec<Problem> = COLUMNS
        .iter()
        .filter(|(c, _, required)| *required && !at.contains_key(c))
        .map(|(c, _, _)| Problem {
            row: *header_row,
            column: header_of(*c).to_owned(),
            key: "import-column-missing",
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let sessions: HashMap<Date, Uuid> = ctx.sessions.iter().copied().collect();
    let institutions: HashMap<String, Uuid> = ctx
        .institutions
        .iter()
        .map(|(a, id)| (a.trim().to_lowercase(), *id))
        .collect();
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(PersonKey, Date), usize> = HashMap::new();
    let mut any = false;
    for (row, cells) in rows {
        any = true;
        let row = *row;
        let mut bad = |c: Column, key: &'static str| {
            let column = at.get(&c).map(|x| x.1.clone()).unwrap_or_default();
            problems.push(Problem { row, column, key });
        };
        let cell = |c: Column| -> &str {
            at.get(&c)
                .and_then(|(i, _)| cells.get(*i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let full_name = cell(Column::FullName)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if full_name.is_empty() {
            bad(Column::FullName, "field-required");
        } else if full_name.chars().count() > 200 {
            bad(Column::FullName, "field-too-long");
        }
        let mut choice = |c: Column, v: Option<()>| {
            if v.is_none() {
                let key = if cell(c).is_empty() {
                    "field-required"
                } else {
                    "import-choice"
                };
                bad(c, key);
            }
        };
        let sex = parse_code(cell(Column::Sex), Sex::parse, SEX_ALIASES);
        choice(Column::Sex, sex.map(|_| ()));
        let age_band = parse_code(cell(Column::AgeBand), AgeBand::parse, AGE_ALIASES);
        choice(Column::AgeBand, age_band.map(|_| ()));
        let occupation = parse_code(
            cell(Column::Occupation),
            Occupation::parse,
            OCCUPATION_ALIASES,
        );
        choice(Column::Occupation, occupation.map(|_| ()));
        let status = parse_code(
            cell(Column::Status),
            AttendanceStatus::parse,
            STATUS_ALIASES,
        );
        choice(Column::Status, status.map(|_| ()));
        let inst = cell(Column::Institution);
        let institution_id = institutions.get(&inst.to_lowercase()).copied();
        if institution_id.is_none() {
            bad(
                Column::Institution,
                if inst.is_empty() {
                    "field-required"
                } else {
                    "import-institution-unknown"
                },
            );
        }
        let raw_id = cell(Column::NationalId);
        let national_id = if raw_id.is_empty() {
            None
        } else {
            let n = normalise_national_id(raw_id);
            if n.len() < 4 || n.len() > 40 {
                bad(Column::NationalId, "participant-national-id-format");
            }
            Some(n)
        };
        let raw_date = cell(Column::SessionDate);
        let held_on = parse_session_date(raw_date);
        let session_id = match held_on {
            None if raw_date.is_empty() => {
                bad(Column::SessionDate, "field-required");
                None
            }
            None => {
                bad(Column::SessionDate, "import-date");
                None
            }
            Some(d) => {
                let s = sessions.get(&d).copied();
                if s.is_none() {
                    bad(Column::SessionDate, "import-session-unknown");
                }
                s
            }
        };
        if let (
            Some(sex),
            Some(age_band),
            Some(occupation),
            Some(status),
            Some(institution_id),
            Some(held_on),
            Some(session_id),
        ) = (
            sex,
            age_band,
            occupation,
            status,
            institution_id,
            held_on,
            session_id,
        ) {
            let r = ImportRow {
                row,
                full_name,
                sex,
                age_band,
                occupation,
                institution_id,
                national_id,
                session_id,
                held_on,
                status,
                status_column: at
                    .get(&Column::Status)
                    .map(|x| x.1.clone())
                    .unwrap_or_default(),
            };
            if seen.insert((r.person(), held_on), row).is_some() {
                bad(Column::SessionDate, "import-duplicate-mark");
            }
            out.push(r);
        }
    }
    if !any {
        problems.push(Problem::file("import-empty"));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

/// Decodes and parses a file in one step.
pub fn parse_file(
    kind: FileKind,
    bytes: &[u8],
    ctx: &ImportContext,
) -> Result<Vec<ImportRow>, Vec<Problem>> {
    let grid = read_grid(kind, bytes).map_err(|p| vec![p])?;
    parse_rows(&grid, ctx)
}

/// The header of the import template (and of the attendance export).
pub fn template_header() -> Vec<&'static str> {
    COLUMNS.iter().map(|(c, _, _)| header_of(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ctx() -> ImportContext {
        ImportContext {
            sessions: vec![
                (date!(2026 - 03 - 02), Uuid::from_u128(10)),
                (date!(2026 - 03 - 09), Uuid::from_u128(11)),
            ],
            institutions: vec![("IUPFA".into(), Uuid::from_u128(1))],
        }
    }

    #[test]
    fn a_valid_csv_with_spanish_headers_bom_and_semicolons_parses() {
        let f = "\u{feff}Nombre;Sexo;Edad;Ocupación;Institución;DNI;Fecha;Asistencia\n\
                 José Pérez;M;25-34;Policía;iupfa;12.345.678;02/03/2026;Presente\n\
                 \n\
                 Ana Gómez;femenino;55+;fiscal;IUPFA;;2026-03-09;tarde\n";
        let rows = parse_file(FileKind::Csv, f.as_bytes(), &ctx()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].sex, Sex::Male);
        assert_eq!(rows[0].national_id.as_deref(), Some("12345678"));
        assert_eq!(rows[0].session_id, Uuid::from_u128(10));
        assert_eq!(rows[1].age_band, AgeBand::From55);
        assert_eq!(rows[1].status, AttendanceStatus::Late);
        assert_eq!(rows[1].row, 4, "rows are numbered as in the file");
        assert_eq!(
            rows[1].person(),
            PersonKey::Name("ana gomez".into(), Uuid::from_u128(1))
        );
    }

    #[test]
    fn every_bad_row_and_column_is_reported() {
        let f = "full_name,sex,age_band,occupation,institution,national_id,session_date,status\n\
                 Ana,female,25_34,police,IUPFA,,2026-03-02,present\n\
                 Bea,robot,25_34,police,XXX,,2026-02-30,present\n\
                 Caro,female,25_34,astronaut,IUPFA,,2026-04-01,maybe\n";
        let p = parse_file(FileKind::Csv, f.as_bytes(), &ctx()).unwrap_err();
        let got: Vec<(usize, &str, &str)> = p
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.key))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "sex", "import-choice"),
                (3, "institution", "import-institution-unknown"),
                (3, "session_date", "import-date"),
                (4, "occupation", "import-choice"),
                (4, "status", "import-choice"),
                (4, "session_date", "import-session-unknown"),
            ]
        );
    }

    #[test]
    fn missing_columns_bad_encoding_duplicates_and_bad_xlsx_are_refused() {
        let p = parse_file(FileKind::Csv, b"nombre,sexo\nAna,f\n", &ctx()).unwrap_err();
        assert!(
            p.iter()
                .all(|p| p.key == "import-column-missing" && p.row == 1)
        );
        assert_eq!(p.len(), 5);
        let p = parse_file(FileKind::Csv, b"nombre\n\xff\xfe\n", &ctx()).unwrap_err();
        assert_eq!(p, vec![Problem::file("import-encoding")]);
        let p = parse_file(FileKind::Xlsx, b"PK\x03\x04 not a zip", &ctx()).unwrap_err();
        assert_eq!(p, vec![Problem::file("import-xlsx")]);
        let f = "full_name,sex,age_band,occupation,institution,national_id,session_date,status\n\
                 Ana,female,25_34,police,IUPFA,1234567,2026-03-02,present\n\
                 Ana B,female,25_34,police,IUPFA,1.234.567,2026-03-02,late\n";
        let p = parse_file(FileKind::Csv, f.as_bytes(), &ctx()).unwrap_err();
        assert_eq!(p[0].key, "import-duplicate-mark");
        assert_eq!(p[0].row, 3);
        let p = parse_file(FileKind::Csv, b"", &ctx()).unwrap_err();
        assert_eq!(p[0].key, "import-empty");
    }

    #[test]
    fn xlsx_first_sheet_is_read_with_dates() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (i, h) in template_header().iter().enumerate() {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        let row = ["Ana", "female", "25_34", "police", "IUPFA", "30111222"];
        for (i, v) in row.iter().enumerate() {
            ws.write_string(1, i as u16, *v).unwrap();
        }
        let d = ExcelDateTime::from_ymd(2026, 3, 9).unwrap();
        ws.write_datetime_with_format(1, 6, &d, &Format::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
        ws.write_string(1, 7, "present").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert_eq!(FileKind::detect("lista", &bytes), FileKind::Xlsx);
        let rows = parse_file(FileKind::Xlsx, &bytes, &ctx()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].held_on, date!(2026 - 03 - 09));
        assert_eq!(rows[0].row, 2);
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalise_name("  José   PÉREZ "), "jose perez");
    }
}

//! Attendance lists imported from CSV or XLSX, and a course's participants and
//! attendance exported as CSV or XLSX.
//!
//! Import: the actor must reach the course as a manager or as one of its attendance
//! takers (a facilitator only for courses they facilitate); anything else is not found.
//! The file is parsed by `domain::training_import`; then, in one transaction, people are
//! matched against the country's participants (national id fingerprint, else normalised
//! name and institution), created when new, enrolled when not yet enrolled (enrolled on
//! the first session date of the file for them), and every mark is checked with
//! `check_mark` and upserted. Any problem anywhere rolls the whole file back and returns
//! every problem. One audit event, `training.attendance.import`, with counts only.
//!
//! Export: names leave the system only for those who manage the course; audited as
//! `training.export` with the format and the row count.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::Error as RuleError;
use atlas_domain::audit::NewEvent;
use atlas_domain::training::{check_mark, national_id_hash, parse_date};
use atlas_domain::training_import::{
    FileKind, ImportContext, PersonKey, Problem, normalise_name, parse_file, template_header,
};
use atlas_store::audit as st_audit;
use atlas_store::training as st;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// What an accepted file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Data rows read.
    pub rows: usize,
    /// People new to the country's participants.
    pub participants_created: usize,
    /// People recognised as participants already known.
    pub participants_reused: usize,
    /// People enrolled in the course by this file.
    pub enrolled: usize,
    /// Attendance marks recorded or replaced.
    pub marks: usize,
}

/// Reports progress of a long import: (marks written, marks to write).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// One row per enrolled person.
    Participants,
    /// One row per attendance mark, in the columns of the import file.
    Attendance,
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// The code used in URLs and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// An export file.
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    /// Data rows written (header excluded).
    pub rows: usize,
}

impl App {
    /// Imports an attendance list for a course. `Ok(Err(problems))` when the file is
    /// refused (nothing written); errors are for access and internal faults.
    pub async fn import_attendance(
        &self,
        by: By<'_>,
        course: Uuid,
        kind: FileKind,
        bytes: &[u8],
        progress: Progress<'_>,
    ) -> Result<std::result::Result<ImportSummary, Vec<Problem>>> {
        let acc = self.course(by, course).await?;
        let c = acc.course;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut sessions = Vec::new();
        for s in st::list_sessions_tx(&mut tx, course).await? {
            sessions.push((
                parse_date(&s.held_on).context("stored session date")?,
                s.training_session_id,
            ));
        }
        let ctx = ImportContext {
            sessions,
            institutions: st::institution_acronyms_tx(&mut tx, &c.country_code).await?,
        };
        let rows = match parse_file(kind, bytes, &ctx) {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        let mut by_hash: HashMap<String, Uuid> = HashMap::new();
        let mut by_name: HashMap<(String, Uuid), Uuid> = HashMap::new();
        for p in st::participant_keys_tx(&mut tx, &c.country_code).await? {
            if let Some(h) = p.national_id_hash {
                by_hash.insert(h, p.participant_id);
            }
            by_name
                .entry((normalise_name(&p.full_name), p.institution_id))
                .or_insert(p.participant_id);
        }
        let mut enrolled: HashMap<Uuid, Date> = HashMap::new();
        for (pid, on) in st::enrolments_tx(&mut tx, course).await? {
            enrolled.insert(pid, parse_date(&on).context("stored enrolment date")?);
        }
        // First session date in the file per person: their enrolment date when new.
        let mut first: HashMap<PersonKey, Date> = HashMap::new();
        for r in &rows {
            let e = first.entry(r.person()).or_insert(r.held_on);
            *e = (*e).min(r.held_on);
        }
        let mut sum = ImportSummary {
            rows: rows.len(),
            ..Default::default()
        };
        let mut resolved: HashMap<PersonKey, Uuid> = HashMap::new();
        let mut problems = Vec::new();
        let mut marks = Vec::with_capacity(rows.len());
        let mut marked = std::collections::HashSet::new();
        for r in &rows {
            let key = r.person();
            let pid = match resolved.get(&key) {
                Some(p) => *p,
                None => {
                    let hash = r
                        .national_id
                        .as_deref()
                        .map(|n| national_id_hash(&self.settings.index_key, &c.country_code, n));
                    let known = match (&key, &hash) {
                        (PersonKey::NationalId(_), Some(h)) => by_hash.get(h).copied(),
                        (PersonKey::Name(n, i), _) => by_name.get(&(n.clone(), *i)).copied(),
                        _ => None,
                    };
                    let pid = match known {
                        Some(p) => {
                            sum.participants_reused += 1;
                            p
                        }
                        None => {
                            let p = st::ParticipantRow {
                                participant_id: Uuid::now_v7(),
                                full_name: r.full_name.clone(),
                                sex: r.sex.as_str().to_owned(),
                                age_band: r.age_band.as_str().to_owned(),
                                occupation: r.occupation.as_str().to_owned(),
                                institution_id: r.institution_id,
                                country_code: c.country_code.clone(),
                                national_id_hash: hash,
                                contact: None,
                                created_at: now,
                                updated_at: now,
                                version: 1,
                            };
                            st::insert_participant(&mut tx, &p).await?;
                            sum.participants_created += 1;
                            p.participant_id
                        }
                    };
                    if let std::collections::hash_map::Entry::Vacant(v) = enrolled.entry(pid) {
                        let on = first.get(&key).copied().unwrap_or(r.held_on);
                        st::insert_enrolment(
                            &mut tx,
                            Uuid::now_v7(),
                            course,
                            pid,
                            &on.to_string(),
                            now,
                        )
                        .await?;
                        v.insert(on);
                        sum.enrolled += 1;
                    }
                    resolved.insert(key, pid);
                    pid
                }
            };
            let on = enrolled.get(&pid).copied().unwrap_or(r.held_on);
            // Two spellings of one stored person (an id on one row, only the name on
            // another) may meet at the same session: which mark would win?
            if !marked.insert((r.session_id, pid)) {
                problems.push(Problem {
                    row: r.row,
                    column: r.status_column.clone(),
                    key: "import-duplicate-mark",
                });
                continue;
            }
            match check_mark(course, course, r.held_on, on, r.status) {
                Ok(()) => marks.push((r.session_id, pid, r.status.as_str())),
                Err(k) => problems.push(Problem {
                    row: r.row,
                    column: r.status_column.clone(),
                    key: k,
                }),
            }
        }
        if enrolled.len() as i64 > c.capacity {
            problems.push(Problem {
                row: 0,
                column: String::new(),
                key: "import-course-full",
            });
        }
        if !problems.is_empty() {
            // Dropping the transaction rolls back the people and enrolments written.
            return Ok(Err(problems));
        }
        let taken_by = by.audit_actor().map(|a| a.0);
        let total = marks.len();
        let mut done = 0;
        for chunk in marks.chunks(5000) {
            st::write_marks(&mut tx, chunk, taken_by, now).await?;
            done += chunk.len();
            progress(done, total);
        }
        st::recount_course(&mut tx, course).await?;
        sum.marks = total;
        let ev = NewEvent::new(
            by.audit_actor(),
            "training.attendance.import",
            "training_course",
            course,
            format!(
                "rows={} created={} reused={} enrolled={} marks={}",
                sum.rows,
                sum.participants_created,
                sum.participants_reused,
                sum.enrolled,
                sum.marks
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(Ok(sum))
    }

    /// The import template: the header row and one example row for the course (its
    /// first session date and institution, or placeholders).
    pub async fn import_template(&self, by: By<'_>, course: Uuid) -> Result<Vec<u8>> {
        let acc = self.course(by, course).await?;
        let sessions = st::list_sessions(&self.db, course).await?;
        let date = sessions
            .first()
            .map(|s| s.held_on.clone())
            .unwrap_or_else(|| self.now().date().to_string());
        let example = vec![
            "Ana Pérez".to_owned(),
            "female".to_owned(),
            "25_34".to_owned(),
            "police".to_owned(),
            acc.course.institution_acronym,
            String::new(),
            date,
            "present".to_owned(),
        ];
        Ok(atlas_render::csv_safe::write(&template_header(), [example])
            .context("write template")?)
    }

    /// Exports a course's participants or attendance. Only for those who manage the
    /// course (names leave the system); anyone else gets "not found".
    pub async fn export_course(
        &self,
        by: By<'_>,
        course: Uuid,
        kind: ExportKind,
        format: ExportFormat,
    ) -> Result<Export> {
        let acc = self.course(by, course).await?;
        if !acc.manage {
            return Err(RuleError::NotFound.into());
        }
        let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match kind {
            ExportKind::Participants => (
                vec![
                    "full_name",
                    "sex",
                    "age_band",
                    "occupation",
                    "institution",
                    "enrolled_on",
                    "sessions_attended",
                ],
                st::export_participants(&self.db, course)
                    .await?
                    .into_iter()
                    .map(|p| {
                        vec![
                            p.full_name,
                            p.sex,
                            p.age_band,
                            p.occupation,
                            p.institution_acronym,
                            p.enrolled_on,
                            p.attended.to_string(),
                        ]
                    })
                    .collect(),
            ),
            ExportKind::Attendance => (
                template_header(),
                st::export_marks(&self.db, course)
                    .await?
                    .into_iter()
                    .map(|m| {
                        // The national id is never stored, so never exported.
                        vec![
                            m.full_name,
                            m.sex,
                            m.age_band,
                            m.occupation,
                            m.institution_acronym,
                            String::new(),
                            m.held_on,
                            m.status,
                        ]
                    })
                    .collect(),
            ),
        };
        let n = rows.len();
        let bytes = match format {
            ExportFormat::Csv => {
                atlas_render::csv_safe::write(&header, rows).context("write csv export")?
            }
            ExportFormat::Xlsx => {
                let sheet = match kind {
                    ExportKind::Participants => "participants",
                    ExportKind::Attendance => "attendance",
                };
                atlas_render::xlsx::write(sheet, &header, rows).context("write xlsx export")?
            }
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let what = match kind {
            ExportKind::Participants => "participants",
            ExportKind::Attendance => "attendance",
        };
        let ev = NewEvent::new(
            by.audit_actor(),
            "training.export",
            "training_course",
            course,
            format!("kind={what} format={} rows={n}", format.as_str()),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(Export { bytes, rows: n })
    }
}

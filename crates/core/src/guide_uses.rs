//! Where a guide is used: the training courses that use its sections.
//!
//! A use is recorded, listed and removed by the guide's editors (`EditGuides` over the
//! guide's institution, like editing its text); anyone who may not read the guide gets
//! 404. Uses are recorded and shown only while the guide is final or institutionalised:
//! a draft is not used yet. A guide moved back keeps its uses, hidden until it is final
//! again. The course must be of the guide's country; the section is named by its
//! position in the current text, and its heading is kept as it was then.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize};
use atlas_domain::directory::{CountryCode, parse_optional_uuid};
use atlas_domain::guide_docs::Stage;
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::guide_docs::{self as st_docs, DocumentRow};
use atlas_store::guide_uses::{self as st, UseListRow, UseRow};
use atlas_store::training::{self as st_training, CourseFilter};
use uuid::Uuid;

/// A use as submitted: course id, section position and a note.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UseInput {
    #[serde(default)]
    pub course: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub note: String,
}

/// What a guide's page shows of its uses.
#[derive(Debug, Clone, Default)]
pub struct GuideUses {
    /// False before the guide is final: nothing is shown then.
    pub shown: bool,
    pub uses: Vec<UseListRow>,
    /// For editors of a final guide: the country's courses (id, title, institution).
    pub courses: Vec<(Uuid, String, String)>,
    pub may_edit: bool,
}

fn owner(d: &DocumentRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: Some(d.institution_id),
        country: CountryCode::parse(&d.country_code).context("unknown country stored")?,
    })
}

fn check(by: By<'_>, action: Action, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, action, Some(owner))?),
        By::Operator => Ok(()),
    }
}

fn is_final(d: &DocumentRow) -> Result<bool> {
    Ok(Stage::parse(&d.stage)
        .context("unknown stage stored")?
        .is_final())
}

impl App {
    /// The uses of a guide for its page: empty (and not shown) before it is final.
    pub async fn guide_uses(&self, actor: &Actor, id: Uuid) -> Result<GuideUses> {
        let d = st_docs::get_document(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let o = owner(&d.doc)?;
        authorize(actor, Action::ReadGuideDocuments, Some(&o))?;
        if !is_final(&d.doc)? {
            return Ok(GuideUses::default());
        }
        let may_edit = authorize(actor, Action::EditGuides, Some(&o)).is_ok();
        let courses = if may_edit {
            st_training::list_courses(
                &self.db,
                &CourseFilter {
                    country: Some(d.doc.country_code.clone()),
                    ..Default::default()
                },
            )
            .await?
            .into_iter()
            .map(|c| (c.training_course_id, c.title, c.institution_acronym))
            .collect()
        } else {
            Vec::new()
        };
        Ok(GuideUses {
            shown: true,
            uses: st::uses_of(&self.db, id).await?,
            courses,
            may_edit,
        })
    }

    /// Records that a course uses a section of a final or institutionalised guide.
    pub async fn add_guide_use(&self, by: By<'_>, id: Uuid, input: &UseInput) -> Result<UseRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let doc = st_docs::get_document_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let o = owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &o)?;
        check(by, Action::EditGuides, &o)?;
        if !is_final(&doc)? {
            return Err(
                RuleError::Invalid(FieldErrors::single("stage", "guideuse-not-final")).into(),
            );
        }
        let mut e = FieldErrors::new();
        let course = parse_optional_uuid(&input.course, "course", &mut FieldErrors::new());
        if course.is_none() {
            e.add("course", "guideuse-bad-course");
        }
        let position = match input.section.trim() {
            "" => {
                e.add("section", "guideuse-bad-section");
                None
            }
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.add("section", "guideuse-bad-section");
                    None
                }
            },
        };
        let note = atlas_domain::guide::free_text(&input.note, "note", 500, &mut e);
        let course = match course {
            Some(c) => match st_training::get_course_tx(&mut tx, c).await? {
                Some(row) if row.country_code == doc.country_code => Some(row),
                _ => {
                    e.add("course", "guideuse-bad-course");
                    None
                }
            },
            None => None,
        };
        let section = match position {
            Some(n) => {
                let found = st_docs::sections_of_tx(&mut tx, id, doc.current_version)
                    .await?
                    .into_iter()
                    .find(|s| s.position == n);
                if found.is_none() {
                    e.add("section", "guideuse-bad-section");
                }
                found
            }
            None => None,
        };
        e.into_result(())?;
        let (Some(course), Some(section)) = (course, section) else {
            return Err(
                RuleError::Invalid(FieldErrors::single("course", "guideuse-bad-course")).into(),
            );
        };
        if st::use_exists_tx(&mut tx, id, section.position, course.training_course_id).await? {
            return Err(
                RuleError::Invalid(FieldErrors::single("section", "guideuse-duplicate")).into(),
            );
        }
        let row = UseRow {
            guide_use_id: Uuid::now_v7(),
            guide_document_id: id,
            section_position: section.position,
            section_title: section.heading,
            training_course_id: course.training_course_id,
            note,
            created_by: match by {
                By::User(a) => Some(a.user_id),
                By::Operator => None,
            },
            created_at: now,
        };
        st::insert_use(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.use.add",
                "guide_use",
                row.guide_use_id,
                format!(
                    "document={id} course={} section={}",
                    row.training_course_id, row.section_position
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a recorded use of `id`'s sections; a use of another guide is 404.
    pub async fn remove_guide_use(&self, by: By<'_>, id: Uuid, use_id: Uuid) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let doc = st_docs::get_document_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let o = owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &o)?;
        check(by, Action::EditGuides, &o)?;
        let row = match st::get_use_tx(&mut tx, use_id).await? {
            Some(r) if r.guide_document_id == id => r,
            _ => return Err(RuleError::NotFound.into()),
        };
        st::delete_use(&mut tx, use_id).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.use.remove",
                "guide_use",
                use_id,
                format!(
                    "document={id} course={} section={}",
                    row.training_course_id, row.section_position
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

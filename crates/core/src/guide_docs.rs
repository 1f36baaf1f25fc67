//! Guide use cases, second part: the protocol inventory and its steps × protocols
//! matrix, guide documents (versions, lifecycle, comparison, the printable page) and
//! review rounds (invitations, anchored comments, resolutions, meetings).
//!
//! Reading needs `ReadGuideDocuments` over the record's country (program staff,
//! observers and admins read every country); writing needs `EditGuides` — over the
//! country for the inventory, over the guide's institution for a guide. A reviewer may
//! comment only when invited, personally or through their institution, and only while
//! the round is open. A round closes only when every comment is resolved.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize, authorize_create};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::guide_docs::{
    CommentDraft, CommentInput, Coverage, GuideDraft, GuideInput, MeetingDraft, MeetingInput,
    ProtocolDraft, ProtocolInput, ProtocolStatus, ResponseStep, RoundDraft, RoundInput, Section,
    SectionDiff, SectionInput, Stage, anchor_holds, check_move, coverage, diff_sections,
    parse_resolution, parse_sections,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::auth as st_auth;
use atlas_store::directory as st_dir;
use atlas_store::guide_docs::{
    self as st, CommentListRow, CommentRow, DocumentListRow, DocumentRow, MeetingRow, ProtocolRow,
    RoundRow, SectionRow, StageMoveRow, VersionRow,
};
use uuid::Uuid;

fn country_of(code: &str) -> Result<CountryCode> {
    Ok(CountryCode::parse(code).context("unknown country stored")?)
}

fn country_owner(code: &str) -> Result<Owner> {
    Ok(Owner {
        institution_id: None,
        country: country_of(code)?,
    })
}

fn doc_owner(d: &DocumentRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: Some(d.institution_id),
        country: country_of(&d.country_code)?,
    })
}

fn check(by: By<'_>, action: Action, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, action, Some(owner))?),
        By::Operator => Ok(()),
    }
}

fn user_id(by: By<'_>) -> Option<Uuid> {
    match by {
        By::User(a) => Some(a.user_id),
        By::Operator => None,
    }
}

fn sections(rows: Vec<SectionRow>) -> Vec<Section> {
    rows.into_iter()
        .map(|r| Section {
            position: r.position,
            heading: r.heading,
            body: r.body,
        })
        .collect()
}

fn stage_of(s: &str) -> Result<Stage> {
    Ok(Stage::parse(s).context("unknown stage stored")?)
}

/// The inventory of a country: each protocol with its steps, and the coverage of each
/// response step by the protocols in force.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub country: CountryCode,
    pub protocols: Vec<(ProtocolRow, Vec<ResponseStep>)>,
    pub coverage: Vec<(ResponseStep, usize, Coverage)>,
    pub may_edit: bool,
}

/// A guide with its history.
#[derive(Debug, Clone)]
pub struct GuideView {
    pub doc: DocumentListRow,
    /// The sections of the current version (empty before the first save).
    pub sections: Vec<Section>,
    pub versions: Vec<VersionRow>,
    pub moves: Vec<StageMoveRow>,
    /// Rounds with their count of unresolved comments.
    pub rounds: Vec<(RoundRow, i64)>,
    pub may_edit: bool,
}

/// A comment as a round shows it.
#[derive(Debug, Clone)]
pub struct CommentView {
    pub row: CommentListRow,
    /// True when the quoted passage (or the section) is no longer in the current text.
    pub outdated: bool,
}

/// A review round with everything its page shows.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: RoundRow,
    pub doc: DocumentListRow,
    /// The sections of the reviewed version.
    pub sections: Vec<Section>,
    pub comments: Vec<CommentView>,
    /// (kind, id, name)
    pub invites: Vec<(String, Uuid, String)>,
    /// Meetings with the names of the institutions present.
    pub meetings: Vec<(MeetingRow, Vec<String>)>,
    pub may_comment: bool,
    pub may_resolve: bool,
}

fn may(actor: &Actor, action: Action, owner: &Owner) -> bool {
    authorize(actor, action, Some(owner)).is_ok()
}

impl App {
    // ---- protocol inventory ----------------------------------------------------

    /// The protocol inventory of `country` with its coverage of the response steps.
    pub async fn protocol_inventory(
        &self,
        actor: &Actor,
        country: &CountryCode,
    ) -> Result<Inventory> {
        let owner = country_owner(country.as_str())?;
        authorize(actor, Action::ReadGuideDocuments, Some(&owner))?;
        let rows = st::list_protocols(&self.db, country.as_str()).await?;
        let pairs = st::protocol_steps(&self.db, country.as_str()).await?;
        let protocols: Vec<(ProtocolRow, Vec<ResponseStep>)> = rows
            .into_iter()
            .map(|p| {
                let mut steps: Vec<ResponseStep> = pairs
                    .iter()
                    .filter(|(id, _)| *id == p.guide_protocol_id)
                    .filter_map(|(_, s)| ResponseStep::parse(s))
                    .collect();
                steps.sort_by_key(|s| ResponseStep::ALL.iter().position(|x| x == s));
                (p, steps)
            })
            .collect();
        let cov = coverage(
            &protocols
                .iter()
                .map(|(p, s)| (p.status == ProtocolStatus::InForce.as_str(), s.clone()))
                .collect::<Vec<_>>(),
        );
        Ok(Inventory {
            country: country.clone(),
            may_edit: may(actor, Action::EditGuides, &owner),
            protocols,
            coverage: cov,
        })
    }

    /// One protocol with its step codes.
    pub async fn protocol(&self, actor: &Actor, id: Uuid) -> Result<(ProtocolRow, Vec<String>)> {
        let p = st::get_protocol(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(
            actor,
            Action::ReadGuideDocuments,
            Some(&country_owner(&p.country_code)?),
        )?;
        let steps = st::protocol_steps(&self.db, &p.country_code)
            .await?
            .into_iter()
            .filter(|(pid, _)| *pid == id)
            .map(|(_, s)| s)
            .collect();
        Ok((p, steps))
    }

    async fn check_successor(
        &self,
        tx: &mut atlas_store::Tx,
        d: &ProtocolDraft,
        this: Option<Uuid>,
    ) -> Result<()> {
        if let Some(s) = d.superseded_by {
            match st::get_protocol_tx(tx, s).await? {
                Some(p) if p.country_code == d.country.as_str() && Some(s) != this => {}
                _ => {
                    return Err(RuleError::Invalid(FieldErrors::single(
                        "superseded_by",
                        "field-reference",
                    ))
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Adds a protocol to a country's inventory.
    pub async fn create_protocol(&self, by: By<'_>, input: &ProtocolInput) -> Result<ProtocolRow> {
        let d = ProtocolDraft::parse(input)?;
        if let By::User(a) = by {
            authorize_create(a, Action::EditGuides, &country_owner(d.country.as_str())?)?;
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.check_successor(&mut tx, &d, None).await?;
        let row = ProtocolRow {
            guide_protocol_id: Uuid::now_v7(),
            country_code: d.country.as_str().to_owned(),
            title: d.title,
            issuing_body: d.issuing_body,
            issued_on: d.issued_on.to_string(),
            kind: d.kind.as_str().to_owned(),
            scope: d.scope.as_str().to_owned(),
            link: d.link,
            status: d.status.as_str().to_owned(),
            superseded_by: d.superseded_by,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_protocol(&mut tx, &row).await?;
        let steps: Vec<&str> = d.steps.iter().map(|s| s.as_str()).collect();
        st::set_protocol_steps(&mut tx, row.guide_protocol_id, &steps).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.protocol.create",
                "guide_protocol",
                row.guide_protocol_id,
                format!("country={} steps={}", row.country_code, steps.join(",")),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a protocol (its country is fixed); a stale version is refused.
    pub async fn update_protocol(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &ProtocolInput,
    ) -> Result<ProtocolRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_protocol_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = country_owner(&cur.country_code)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let d = ProtocolDraft::parse(&ProtocolInput {
            country: cur.country_code.clone(),
            ..input.clone()
        })?;
        let version = parse_version(&input.version)?;
        self.check_successor(&mut tx, &d, Some(id)).await?;
        let row = ProtocolRow {
            title: d.title,
            issuing_body: d.issuing_body,
            issued_on: d.issued_on.to_string(),
            kind: d.kind.as_str().to_owned(),
            scope: d.scope.as_str().to_owned(),
            link: d.link,
            status: d.status.as_str().to_owned(),
            superseded_by: d.superseded_by,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_protocol(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        let steps: Vec<&str> = d.steps.iter().map(|s| s.as_str()).collect();
        st::set_protocol_steps(&mut tx, id, &steps).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.protocol.update",
                "guide_protocol",
                id,
                format!("version={} status={}", row.version, row.status),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    // ---- guide documents -------------------------------------------------------

    /// The guides of `country`.
    pub async fn guide_documents(
        &self,
        actor: &Actor,
        country: &CountryCode,
    ) -> Result<Vec<DocumentListRow>> {
        authorize(
            actor,
            Action::ReadGuideDocuments,
            Some(&country_owner(country.as_str())?),
        )?;
        Ok(st::list_documents(&self.db, Some(country.as_str())).await?)
    }

    /// Starts a guide for an institution and area, at the analysis stage, without text.
    pub async fn create_guide_document(
        &self,
        by: By<'_>,
        input: &GuideInput,
    ) -> Result<DocumentRow> {
        let d = GuideDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inst = st_dir::get_institution_tx(&mut tx, d.institution_id).await?;
        let Some(inst) = inst else {
            return Err(RuleError::Invalid(FieldErrors::single(
                "institution_id",
                "field-reference",
            ))
            .into());
        };
        if let By::User(a) = by {
            authorize_create(
                a,
                Action::EditGuides,
                &Owner {
                    institution_id: Some(inst.institution_id),
                    country: country_of(&inst.country_code)?,
                },
            )?;
        }
        match st_dir::get_area_tx(&mut tx, d.area_id).await? {
            Some(a) if a.country_code == inst.country_code => {}
            _ => {
                return Err(
                    RuleError::Invalid(FieldErrors::single("area_id", "field-reference")).into(),
                );
            }
        }
        let row = DocumentRow {
            guide_document_id: Uuid::now_v7(),
            country_code: inst.country_code.clone(),
            institution_id: inst.institution_id,
            area_id: d.area_id,
            title: d.title,
            language: d.language,
            stage: Stage::Analysis.as_str().to_owned(),
            current_version: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_document(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.document.create",
                "guide_document",
                row.guide_document_id,
                format!("institution={} area={}", row.institution_id, row.area_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn readable_doc(&self, actor: &Actor, id: Uuid) -> Result<DocumentListRow> {
        let d = st::get_document(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(actor, Action::ReadGuideDocuments, Some(&doc_owner(&d.doc)?))?;
        Ok(d)
    }

    /// A guide with its current text, versions, lifecycle moves and rounds.
    pub async fn guide_document(&self, actor: &Actor, id: Uuid) -> Result<GuideView> {
        let doc = self.readable_doc(actor, id).await?;
        let secs = sections(st::sections_of(&self.db, id, doc.doc.current_version).await?);
        let mut rounds = Vec::new();
        for r in st::rounds_of(&self.db, id).await? {
            let open = st::comments_of(&self.db, r.guide_review_round_id)
                .await?
                .iter()
                .filter(|c| c.c.resolution.is_none())
                .count() as i64;
            rounds.push((r, open));
        }
        Ok(GuideView {
            may_edit: may(actor, Action::EditGuides, &doc_owner(&doc.doc)?),
            sections: secs,
            versions: st::versions_of(&self.db, id).await?,
            moves: st::stage_moves(&self.db, id).await?,
            rounds,
            doc,
        })
    }

    /// The sections of one version of a guide.
    pub async fn guide_version(
        &self,
        actor: &Actor,
        id: Uuid,
        version_no: i64,
    ) -> Result<(DocumentListRow, Vec<Section>)> {
        let doc = self.readable_doc(actor, id).await?;
        if version_no < 1 || version_no > doc.doc.current_version {
            return Err(RuleError::NotFound.into());
        }
        let secs = sections(st::sections_of(&self.db, id, version_no).await?);
        Ok((doc, secs))
    }

    /// Compares two versions of a guide section by section.
    pub async fn compare_guide_versions(
        &self,
        actor: &Actor,
        id: Uuid,
        a: i64,
        b: i64,
    ) -> Result<(DocumentListRow, Vec<SectionDiff>)> {
        let (doc, old) = self.guide_version(actor, id, a).await?;
        let (_, new) = self.guide_version(actor, id, b).await?;
        Ok((doc, diff_sections(&old, &new)))
    }

    /// Saves the whole text of a guide as a new version. Refused once the guide is
    /// final; a stale version is refused.
    pub async fn save_guide_text(
        &self,
        by: By<'_>,
        id: Uuid,
        rows: &[SectionInput],
        note: &str,
        version: &str,
    ) -> Result<DocumentRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_document_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&cur)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let secs = parse_sections(rows)?;
        let mut e = FieldErrors::new();
        let note = atlas_domain::guide::free_text(note, "note", 500, &mut e);
        e.into_result(())?;
        let expected = parse_version(version)?;
        if stage_of(&cur.stage)?.is_final() {
            return Err(
                RuleError::Invalid(FieldErrors::single("stage", "guidedoc-text-locked")).into(),
            );
        }
        let next = cur.current_version + 1;
        if !st::update_document(&mut tx, id, &cur.stage, next, now, expected).await? {
            return Err(RuleError::Stale.into());
        }
        let stored: Vec<(i64, String, String)> = secs
            .iter()
            .map(|s| (s.position, s.heading.clone(), s.body.clone()))
            .collect();
        st::insert_version(&mut tx, id, next, &note, user_id(by), now, &stored).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.document.save",
                "guide_document",
                id,
                format!("text_version={next} sections={}", secs.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(DocumentRow {
            current_version: next,
            updated_at: now,
            version: expected + 1,
            ..cur
        })
    }

    /// Moves a guide to another stage ([`check_move`]); records who and when.
    pub async fn move_guide(
        &self,
        by: By<'_>,
        id: Uuid,
        to: &str,
        reason: &str,
        version: &str,
    ) -> Result<DocumentRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_document_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&cur)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let Some(to) = Stage::parse(to) else {
            return Err(RuleError::Invalid(FieldErrors::single("stage", "field-choice")).into());
        };
        let from = stage_of(&cur.stage)?;
        check_move(from, to, reason)?;
        let mut e = FieldErrors::new();
        let reason = atlas_domain::guide::free_text(reason, "reason", 1000, &mut e);
        e.into_result(())?;
        if to.index() > Stage::Analysis.index() + 1 && cur.current_version == 0 {
            return Err(
                RuleError::Invalid(FieldErrors::single("stage", "guidedoc-no-text-yet")).into(),
            );
        }
        let expected = parse_version(version)?;
        if !st::update_document(&mut tx, id, to.as_str(), cur.current_version, now, expected)
            .await?
        {
            return Err(RuleError::Stale.into());
        }
        st::insert_stage_move(
            &mut tx,
            id,
            from.as_str(),
            to.as_str(),
            &reason,
            user_id(by),
            now,
        )
        .await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.document.stage",
                "guide_document",
                id,
                format!("from={} to={}", from.as_str(), to.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(DocumentRow {
            stage: to.as_str().to_owned(),
            updated_at: now,
            version: expected + 1,
            ..cur
        })
    }

    // ---- review rounds ---------------------------------------------------------

    /// Opens a review round on the guide's current version.
    pub async fn open_review_round(
        &self,
        by: By<'_>,
        doc_id: Uuid,
        input: &RoundInput,
    ) -> Result<RoundRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let doc = st::get_document_tx(&mut tx, doc_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let d = RoundDraft::parse(input, now.date())?;
        if doc.current_version == 0 {
            return Err(
                RuleError::Invalid(FieldErrors::single("version", "guidedoc-no-text-yet")).into(),
            );
        }
        let mut e = FieldErrors::new();
        for u in &d.users {
            if st_auth::account_tx(&mut tx, *u).await?.is_none() {
                e.add("users", "field-reference");
            }
        }
        for i in &d.institutions {
            if st_dir::get_institution_tx(&mut tx, *i).await?.is_none() {
                e.add("institutions", "field-reference");
            }
        }
        e.into_result(())?;
        let row = RoundRow {
            guide_review_round_id: Uuid::now_v7(),
            guide_document_id: doc_id,
            version_no: doc.current_version,
            deadline: d.deadline.to_string(),
            status: "open".into(),
            opened_by: user_id(by),
            opened_at: now,
            closed_by: None,
            closed_at: None,
        };
        let invites: Vec<(&str, Uuid)> = d
            .users
            .iter()
            .map(|u| ("user", *u))
            .chain(d.institutions.iter().map(|i| ("institution", *i)))
            .collect();
        st::insert_round(&mut tx, &row, &invites).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.round.open",
                "guide_review_round",
                row.guide_review_round_id,
                format!(
                    "document={doc_id} text_version={} invited={}",
                    row.version_no,
                    invites.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn is_invited(&self, actor: &Actor, round: Uuid) -> Result<bool> {
        Ok(st::is_invited(&self.db, round, actor.user_id, actor.institution_id).await?)
    }

    /// A review round: the reviewed text, comments (marked outdated when their passage
    /// is gone from the current text), invitations and meetings. Readable by those who
    /// read the guide and by invited reviewers.
    pub async fn review_round(&self, actor: &Actor, round_id: Uuid) -> Result<RoundView> {
        let round = st::get_round(&self.db, round_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let doc = st::get_document(&self.db, round.guide_document_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&doc.doc)?;
        let invited = self.is_invited(actor, round_id).await?;
        if !invited {
            authorize(actor, Action::ReadGuideDocuments, Some(&owner))?;
        }
        let reviewed =
            sections(st::sections_of(&self.db, doc.doc.guide_document_id, round.version_no).await?);
        let current = sections(
            st::sections_of(&self.db, doc.doc.guide_document_id, doc.doc.current_version).await?,
        );
        let comments = st::comments_of(&self.db, round_id)
            .await?
            .into_iter()
            .map(|row| {
                let outdated = match current.iter().find(|s| s.position == row.c.position) {
                    Some(s) => {
                        !(anchor_holds(&row.c.quote, &s.body)
                            || anchor_holds(&row.c.quote, &s.heading))
                    }
                    None => true,
                };
                CommentView { row, outdated }
            })
            .collect();
        let mut meetings = Vec::new();
        for m in st::meetings_of(&self.db, round_id).await? {
            let mut names = Vec::new();
            for id in m
                .institutions
                .split(',')
                .filter_map(|s| Uuid::parse_str(s).ok())
            {
                if let Some(i) = st_dir::get_institution(&self.db, id).await? {
                    names.push(i.acronym);
                }
            }
            meetings.push((m, names));
        }
        let open = round.status == "open";
        Ok(RoundView {
            may_comment: open && invited,
            may_resolve: may(actor, Action::EditGuides, &owner),
            invites: st::invites_of(&self.db, round_id).await?,
            sections: reviewed,
            comments,
            meetings,
            round,
            doc,
        })
    }

    /// A reviewer's comment on a section (optionally on a quoted passage of it) of the
    /// reviewed version. Only invited reviewers, only while the round is open.
    pub async fn comment_on_round(
        &self,
        by: By<'_>,
        round_id: Uuid,
        input: &CommentInput,
    ) -> Result<CommentRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let round = st::get_round_tx(&mut tx, round_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let doc = st::get_document_tx(&mut tx, round.guide_document_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        if let By::User(a) = by
            && !st::is_invited_tx(&mut tx, round_id, a.user_id, a.institution_id).await?
        {
            // Someone who may read the guide learns they are not invited; anyone
            // else does not learn the round exists.
            authorize(a, Action::ReadGuideDocuments, Some(&doc_owner(&doc)?))?;
            return Err(RuleError::Forbidden.into());
        }
        if round.status != "open" {
            return Err(
                RuleError::Invalid(FieldErrors::single("round", "guidedoc-round-closed")).into(),
            );
        }
        let secs =
            sections(st::sections_of_tx(&mut tx, doc.guide_document_id, round.version_no).await?);
        let d = CommentDraft::parse(input, &secs)?;
        let row = CommentRow {
            guide_review_comment_id: Uuid::now_v7(),
            guide_review_round_id: round_id,
            position: d.position,
            quote: d.quote,
            body: d.body,
            author_id: user_id(by),
            created_at: now,
            resolution: None,
            reason: String::new(),
            resolved_by: None,
            resolved_at: None,
            version: 1,
        };
        st::insert_comment(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.round.comment",
                "guide_review_comment",
                row.guide_review_comment_id,
                format!(
                    "round={round_id} section={} anchored={}",
                    row.position,
                    !row.quote.is_empty()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The author's resolution of a comment: accepted, or declined with a reason.
    pub async fn resolve_review_comment(
        &self,
        by: By<'_>,
        comment_id: Uuid,
        resolution: &str,
        reason: &str,
        version: &str,
    ) -> Result<CommentRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let c = st::get_comment_tx(&mut tx, comment_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let round = st::get_round_tx(&mut tx, c.guide_review_round_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let doc = st::get_document_tx(&mut tx, round.guide_document_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let (r, reason) = parse_resolution(resolution, reason)?;
        if round.status != "open" {
            return Err(
                RuleError::Invalid(FieldErrors::single("round", "guidedoc-round-closed")).into(),
            );
        }
        let expected = parse_version(version)?;
        if !st::resolve_comment(
            &mut tx,
            comment_id,
            r.as_str(),
            &reason,
            user_id(by),
            now,
            expected,
        )
        .await?
        {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.round.resolve",
                "guide_review_comment",
                comment_id,
                format!("resolution={}", r.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(CommentRow {
            resolution: Some(r.as_str().to_owned()),
            reason,
            resolved_by: user_id(by),
            resolved_at: Some(now),
            version: expected + 1,
            ..c
        })
    }

    /// Closes a round; refused while any comment is unresolved.
    pub async fn close_review_round(&self, by: By<'_>, round_id: Uuid) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let round = st::get_round_tx(&mut tx, round_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let doc = st::get_document_tx(&mut tx, round.guide_document_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let open = st::open_comments_tx(&mut tx, round_id).await?;
        if open > 0 {
            return Err(RuleError::Invalid(FieldErrors::single(
                "comments",
                "guidedoc-round-open-comments",
            ))
            .into());
        }
        if !st::close_round(&mut tx, round_id, user_id(by), now).await? {
            return Err(
                RuleError::Invalid(FieldErrors::single("round", "guidedoc-round-closed")).into(),
            );
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.round.close",
                "guide_review_round",
                round_id,
                format!("document={}", doc.guide_document_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a consultation meeting of a round.
    pub async fn add_guide_meeting(
        &self,
        by: By<'_>,
        round_id: Uuid,
        input: &MeetingInput,
    ) -> Result<MeetingRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let round = st::get_round_tx(&mut tx, round_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let doc = st::get_document_tx(&mut tx, round.guide_document_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = doc_owner(&doc)?;
        check(by, Action::ReadGuideDocuments, &owner)?;
        check(by, Action::EditGuides, &owner)?;
        let d = MeetingDraft::parse(input)?;
        for i in &d.institutions {
            if st_dir::get_institution_tx(&mut tx, *i).await?.is_none() {
                return Err(RuleError::Invalid(FieldErrors::single(
                    "institutions",
                    "field-reference",
                ))
                .into());
            }
        }
        let row = MeetingRow {
            guide_meeting_id: Uuid::now_v7(),
            guide_review_round_id: round_id,
            held_on: d.held_on.to_string(),
            institutions: d
                .institutions
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(","),
            minutes: d.minutes,
            decisions: d.decisions,
            created_by: user_id(by),
            created_at: now,
        };
        st::insert_meeting(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.meeting.create",
                "guide_meeting",
                row.guide_meeting_id,
                format!("round={round_id} institutions={}", d.institutions.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Active accounts of `country` a guide's author may invite to review, as (id,
    /// "name (institution)"). Only offered to those who edit the guide.
    pub async fn guide_reviewer_choices(
        &self,
        country: &CountryCode,
    ) -> Result<Vec<(Uuid, String)>> {
        Ok(st_auth::list_accounts(&self.db, None, 2000)
            .await?
            .into_iter()
            .filter(|a| a.country_code == country.as_str() && a.disabled_at.is_none())
            .map(|a| {
                (
                    a.account_id,
                    format!("{} ({})", a.display_name, a.institution_acronym),
                )
            })
            .collect())
    }

    /// Guides of `country` at final or institutionalised (for the results module).
    pub async fn count_guides_final(&self, country: &CountryCode) -> Result<i64> {
        Ok(st::count_guides_final(&self.db, country.as_str()).await?)
    }
}

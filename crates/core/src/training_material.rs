//! Material attached to the master curriculum (modules and presentations) and
//! institutions' own material attached to their adaptations: upload, list, download and
//! removal, with the files on disk under `<data_dir>/material/`.
//!
//! Invariants and the order of writes:
//! - a file is stored under its material id (`<data_dir>/material/<uuid>`), never under
//!   the user's file name, so no upload can choose a path;
//! - an upload is checked whole (type from content, extension, size — `domain::
//!   training_material`) before anything is written; then the file is written to a
//!   temporary name in the same folder, flushed to disk, renamed to its id and the
//!   folder flushed, and only then is the row inserted and the audit event appended in
//!   one transaction. If the transaction fails the file is removed. A crash between the
//!   rename and the commit leaves a file no row names: never served (downloads start
//!   from the row) and harmless. Never the other way round: a committed row always has
//!   its file, so a backup of the folder taken after the database backup holds every
//!   file the database backup names;
//! - removal keeps the row (`removed_at`, `removed_by`: name, type, size and SHA-256
//!   stay in the record) and deletes the file after the commit — removed material is
//!   withdrawn, not archived; a failed deletion is logged and the file stays unreachable;
//! - downloads check the stored SHA-256, so a file changed on disk is never served;
//! - material carries no personal data: uploads and removals are audited (the owner kind
//!   and id in the summary), downloads are not. Every signed-in role reads the
//!   curriculum, so every signed-in role lists and downloads master material; only
//!   curriculum editors attach and remove it. An adaptation's material is read by those
//!   who read the adaptation (`ReadAdaptations`) and attached and removed by those who
//!   manage it (`ManageAdaptations` over its institution); for anyone else the
//!   adaptation, its material and every download or removal by id are "not found".
//!   Every path by id (download, removal) starts from the stored row's owner, so the
//!   owner's rule is applied whatever URL names the material.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::Error as RuleError;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, authorize};
use atlas_domain::training_material::{MaterialDraft, MaterialInput, OwnerKind};
use atlas_store::audit as st_audit;
use atlas_store::training as st_training;
use atlas_store::training_adaptation as st_adaptation;
use atlas_store::training_material::{self as st, MaterialRow};
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub use atlas_store::training_material::MaterialView as Material;

/// What material is attached to: a kind and the id of the owning record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaterialOwner {
    pub kind: OwnerKind,
    pub id: Uuid,
}

impl MaterialOwner {
    /// A module's material.
    pub fn module(id: Uuid) -> Self {
        Self {
            kind: OwnerKind::Module,
            id,
        }
    }
    /// A presentation's material.
    pub fn presentation(id: Uuid) -> Self {
        Self {
            kind: OwnerKind::Presentation,
            id,
        }
    }
    /// An institution's own material on its adaptation.
    pub fn adaptation(id: Uuid) -> Self {
        Self {
            kind: OwnerKind::Adaptation,
            id,
        }
    }
}

/// Creates the data folder (and its `material/` folder) if missing, private to the
/// server's user (mode 0700 on unix). Called at start-up so a wrong path fails at once.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    for d in [dir.to_path_buf(), dir.join("material")] {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&d).with_context(|| {
            format!(
                "cannot create the data folder {} (set data_dir to a writable folder)",
                d.display()
            )
        })?;
    }
    Ok(())
}

/// Writes `bytes` as `<dir>/<id>`: temporary file, flush, rename, flush of the folder.
pub(crate) fn write_file(dir: &Path, id: Uuid, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    let tmp = dir.join(format!(".upload-{id}"));
    let path = dir.join(id.to_string());
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &path)?;
        // The rename itself must reach the disk before the row is committed.
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(
            anyhow::Error::new(e).context(format!("cannot store material in {}", dir.display()))
        );
    }
    Ok(path)
}

fn curriculum_editor(by: By<'_>) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, Action::EditCurriculum, None)?),
        By::Operator => Ok(()),
    }
}

impl App {
    /// The folder material files live in.
    pub fn material_dir(&self) -> PathBuf {
        self.settings.data_dir.join("material")
    }

    /// Checks that `owner` exists and that the actor may read its material (`write`
    /// false) or attach and remove material (`write` true). Each owner kind is one arm.
    async fn check_owner(&self, by: By<'_>, owner: MaterialOwner, write: bool) -> Result<()> {
        match owner.kind {
            OwnerKind::Module | OwnerKind::Presentation => {
                // The curriculum: everyone reads it, editors change it (others 403, as
                // for module edits: nothing about the record is secret).
                if write {
                    curriculum_editor(by)?;
                } else if let By::User(a) = by {
                    authorize(a, Action::ReadTrainingFigures, None)?;
                }
                let exists = if owner.kind == OwnerKind::Module {
                    st_training::get_module(&self.db, owner.id).await?.is_some()
                } else {
                    st::get_presentation(&self.db, owner.id).await?.is_some()
                };
                if exists {
                    Ok(())
                } else {
                    Err(RuleError::NotFound.into())
                }
            }
            OwnerKind::Adaptation => {
                // An institution's own material: read like the adaptation itself
                // (`ReadAdaptations` on it), changed by those who manage it
                // (`ManageAdaptations` on its institution). Anything else is not found,
                // as for the adaptation page: not even its existence is told.
                let a = st_adaptation::get_adaptation(&self.db, owner.id)
                    .await?
                    .ok_or(RuleError::NotFound)?;
                if let By::User(actor) = by {
                    let o = crate::training_adaptation::owner(&a)?;
                    authorize(actor, Action::ReadAdaptations, Some(&o))?;
                    if write {
                        authorize(actor, Action::ManageAdaptations, Some(&o))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether the actor may attach material to `owner` (existing, and the actor an
    /// editor); lets the web layer refuse before reading an upload.
    pub async fn may_attach_material(&self, by: By<'_>, owner: MaterialOwner) -> Result<()> {
        self.check_owner(by, owner, true).await
    }

    /// Attaches a file to `owner`. `file` is the browser's file name and the bytes
    /// (`None`: no file sent). Checked whole first; see the module notes for the order
    /// of writes.
    pub async fn upload_material(
        &self,
        by: By<'_>,
        owner: MaterialOwner,
        input: &MaterialInput,
        file: Option<(&str, &[u8])>,
    ) -> Result<MaterialRow> {
        self.check_owner(by, owner, true).await?;
        let d = MaterialDraft::parse(input, file, self.settings.material_max_bytes)?;
        let Some((_, bytes)) = file else {
            return Err(RuleError::Invalid(atlas_domain::FieldErrors::single(
                "file",
                "material-file-missing",
            ))
            .into());
        };
        let now = self.now();
        let id = Uuid::now_v7();
        let dir = self.material_dir();
        ensure_data_dir(&self.settings.data_dir)?;
        let path = {
            let dir = dir.clone();
            let bytes = bytes.to_vec();
            tokio::task::spawn_blocking(move || write_file(&dir, id, &bytes))
                .await
                .context("material writer stopped")??
        };
        let row = MaterialRow {
            training_material_id: id,
            owner_kind: owner.kind.as_str().to_owned(),
            owner_id: owner.id,
            file_name: d.file_name,
            media_type: d.kind.media_type().to_owned(),
            size_bytes: d.size,
            sha256: d.sha256,
            title: d.title,
            description: d.description,
            language: d.language.as_str().to_owned(),
            uploaded_by: by.audit_actor().map(|a| a.0),
            created_at: now,
            removed_at: None,
            removed_by: None,
        };
        let committed = async {
            let mut tx = self.db.begin().await?;
            st::insert(&mut tx, &row).await?;
            let ev = NewEvent::new(
                by.audit_actor(),
                "training.material.upload",
                "training_material",
                id,
                format!(
                    "owner={}:{} type={} size={} sha256={}",
                    row.owner_kind, row.owner_id, d.kind, row.size_bytes, row.sha256
                ),
            );
            st_audit::append(&mut tx, now, &ev).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = committed {
            if let Err(rm) = std::fs::remove_file(&path) {
                tracing::warn!(material = %id, error = %rm, "cannot remove the file of a failed upload");
            }
            return Err(e.into());
        }
        Ok(row)
    }

    /// Current material of `owner`, oldest first.
    pub async fn material_of(&self, by: By<'_>, owner: MaterialOwner) -> Result<Vec<Material>> {
        self.check_owner(by, owner, false).await?;
        Ok(st::list_for(&self.db, owner.kind.as_str(), owner.id).await?)
    }

    /// Current material of a module and of its presentations (the API's list).
    pub async fn module_material(&self, by: By<'_>, module: Uuid) -> Result<Vec<Material>> {
        self.check_owner(by, MaterialOwner::module(module), false)
            .await?;
        Ok(st::list_for_module(&self.db, module).await?)
    }

    /// One piece of current material the actor may read.
    pub async fn material(&self, by: By<'_>, id: Uuid) -> Result<Material> {
        let m = st::get(&self.db, id).await?.ok_or(RuleError::NotFound)?;
        self.check_owner(by, owner_of(&m.row)?, false).await?;
        Ok(m)
    }

    /// The material and its bytes, for download. A file missing or changed on disk is an
    /// internal error (logged), never served.
    pub async fn material_file(&self, by: By<'_>, id: Uuid) -> Result<(Material, Vec<u8>)> {
        let m = self.material(by, id).await?;
        let path = self.material_dir().join(id.to_string());
        let expected = m.row.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            let b = std::fs::read(&path)
                .with_context(|| format!("cannot read material file {}", path.display()))?;
            anyhow::ensure!(
                atlas_domain::training_material::sha256_hex(&b) == expected,
                "material file {} does not match its SHA-256",
                path.display()
            );
            Ok(b)
        })
        .await
        .context("material reader stopped")??;
        Ok((m, bytes))
    }

    /// Removes material: the row stays (who and when), the file is deleted after the
    /// commit. Returns the removed row (its owner tells where to go back to).
    pub async fn remove_material(&self, by: By<'_>, id: Uuid) -> Result<MaterialRow> {
        let m = st::get(&self.db, id).await?.ok_or(RuleError::NotFound)?;
        self.check_owner(by, owner_of(&m.row)?, true).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let row = st::get_tx(&mut tx, id).await?.ok_or(RuleError::NotFound)?;
        let who = by.audit_actor().map(|a| a.0);
        if !st::mark_removed(&mut tx, id, who, now).await? {
            return Err(RuleError::NotFound.into());
        }
        let ev = NewEvent::new(
            by.audit_actor(),
            "training.material.remove",
            "training_material",
            id,
            format!(
                "owner={}:{} sha256={}",
                row.owner_kind, row.owner_id, row.sha256
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        let path = self.material_dir().join(id.to_string());
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(material = %id, error = %e, "removed material: cannot delete its file");
        }
        Ok(row)
    }
}

/// The owner a stored row names.
fn owner_of(m: &MaterialRow) -> Result<MaterialOwner> {
    Ok(MaterialOwner {
        kind: OwnerKind::parse(&m.owner_kind).context("unknown material owner kind stored")?,
        id: m.owner_id,
    })
}

/// Demo material: a Markdown handout and a one-page PDF on the first module, and a PDF
/// on its first presentation (generated here, so the demo needs no files).
pub async fn seed_demo(app: &App) -> Result<()> {
    let modules = st_training::list_modules(&app.db).await?;
    let Some(first) = modules.first() else {
        return Ok(());
    };
    let handout = "# Indicadores de trabajo forzoso (OIT)\n\n\
        Guía breve para la inspección y el primer contacto.\n\n\
        1. Abuso de vulnerabilidad\n2. Engaño sobre las condiciones\n3. Restricción de movimiento\n\
        4. Aislamiento\n5. Violencia física o sexual\n6. Intimidación y amenazas\n\
        7. Retención de documentos de identidad\n8. Retención de salarios\n\
        9. Servidumbre por deudas\n10. Condiciones de trabajo y de vida abusivas\n11. Horas extraordinarias excesivas\n\n\
        Ante un indicador: registrar, no confrontar, y activar la derivación a protección social.\n";
    let pdf = atlas_render::pdf::text_page(
        "Lista de verificación: primera entrevista",
        &[
            "1. Asegurar un lugar tranquilo y privado.",
            "2. Presentarse y explicar el propósito de la entrevista.",
            "3. Ofrecer intérprete si hace falta.",
            "4. Preguntar con calma; no presionar ni culpar.",
            "5. No prometer lo que no se puede cumplir.",
            "6. Registrar los indicadores observados.",
            "7. Derivar a protección social según la guía local.",
        ],
    );
    let es = |title: &str, description: &str| MaterialInput {
        title: title.into(),
        description: description.into(),
        language: "es".into(),
    };
    let m = MaterialOwner::module(first.training_module_id);
    app.upload_material(
        By::Operator,
        m,
        &es(
            "Indicadores de trabajo forzoso",
            "Hoja de consulta para entregar a los participantes.",
        ),
        Some(("indicadores-trabajo-forzoso.md", handout.as_bytes())),
    )
    .await?;
    app.upload_material(
        By::Operator,
        m,
        &es("Lista de verificación de la primera entrevista", ""),
        Some(("primera-entrevista.pdf", &pdf)),
    )
    .await?;
    if let Some(p) = st_training::list_presentations(&app.db)
        .await?
        .into_iter()
        .filter(|p| p.training_module_id == first.training_module_id)
        .min_by_key(|p| p.ordinal)
    {
        let pdf = atlas_render::pdf::text_page(
            &p.title,
            &[
                "Ley 26.364 de prevención y sanción de la trata de personas.",
                "Convenio 29 de la OIT sobre el trabajo forzoso.",
                "Convenio 138 de la OIT sobre la edad mínima.",
                "Convenio 182 de la OIT sobre las peores formas de trabajo infantil.",
            ],
        );
        app.upload_material(
            By::Operator,
            MaterialOwner::presentation(p.training_presentation_id),
            &es("Normas citadas", ""),
            Some(("normas.pdf", &pdf)),
        )
        .await?;
    }
    Ok(())
}

//! Donor exports of a country's results framework for a period
//! (`/results/export?country=AR&period=FY2026-H1&format=xlsx|csv|xml`): the XLSX
//! workbook, the HXL CSV and the IATI 2.03 result XML, all written by
//! `atlas_render::donor` from the one table `App::donor_table` builds. Headings and part
//! labels are in the reader's language. The IATI file needs the activity's identifier
//! and the reporting organisation's reference (`activity`, `org`): a missing or
//! malformed one is a 422 naming the field.
//!
//! Also the labels of disaggregations and their categories, shared with the dashboard
//! and the indicator page.

use super::err;
use super::training_import::{CSV, XLSX, download};
use crate::AppState;
use crate::extract::{Params, UserCtx};
use crate::i18n::I18n;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::directory::CountryCode;
use atlas_domain::results::Period;
use atlas_domain::results_disagg::Disaggregation;
use atlas_render::donor;
use axum::extract::State;
use axum::response::Response;

/// The label of a dimension.
pub fn dimension_label(i: &I18n, d: Disaggregation) -> String {
    i.code("disagg", d.as_str())
}

/// The label of a category of a dimension (directory categories are shown as stored).
pub fn category_label(i: &I18n, d: Disaggregation, category: &str) -> String {
    match d {
        Disaggregation::Sex => i.code("sex", category),
        Disaggregation::AgeBand => i.code("age-band", category),
        Disaggregation::Role => i.code("occupation", category),
        Disaggregation::Province if category == atlas_core::results_export::NO_PROVINCE => {
            i.t("disagg-no-province")
        }
        Disaggregation::Institution | Disaggregation::Province => category.to_owned(),
    }
}

fn labels(i: &I18n, t: &donor::Table) -> donor::Labels {
    let mut part = std::collections::BTreeMap::new();
    for r in t.groups.iter().flat_map(|g| g.rows.iter()) {
        for (d, c, _) in &r.parts {
            if let Some(dim) = Disaggregation::parse(d) {
                part.insert(
                    (d.clone(), c.clone()),
                    format!("{}: {}", dimension_label(i, dim), category_label(i, dim, c)),
                );
            }
        }
    }
    donor::Labels {
        result_code: i.t("donor-result-code"),
        result: i.t("donor-result"),
        indicator: i.t("donor-indicator"),
        unit: i.t("indicator-unit"),
        baseline: i.t("indicator-baseline"),
        target: i.t("indicator-target"),
        actual: i.t("indicator-actual"),
        cumulative: i.t("donor-cumulative"),
        country: i.t("field-country"),
        province: i.code("disagg", "province"),
        institution: i.code("disagg", "institution"),
        period_start: i.t("donor-period-start"),
        period_end: i.t("donor-period-end"),
        part,
    }
}

/// An IATI identifier or organisation reference: 1–150 characters, no white space and
/// none of `/ & | ?` (IATI's rules for identifiers).
fn iati_ref(p: &Params, field: &str, e: &mut FieldErrors) -> String {
    let v = p.get(field).unwrap_or("").trim();
    if v.is_empty() {
        e.add(field, "field-required");
    } else if v.chars().count() > 150
        || v.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '&' | '|' | '?'))
    {
        e.add(field, "donor-iati-ref");
    }
    v.to_owned()
}

/// GET /results/export?country=&period=&format=xlsx|csv|xml[&activity=&org=]
pub async fn export(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let mut e = FieldErrors::new();
    let country = CountryCode::parse(p.get("country").unwrap_or(""));
    if country.is_none() {
        e.add("country", "field-choice");
    }
    let period = Period::parse(p.get("period").unwrap_or(""));
    if period.is_none() {
        e.add("period", "period-unknown");
    }
    let format = p.get("format").unwrap_or("");
    if !matches!(format, "xlsx" | "csv" | "xml") {
        e.add("format", "field-choice");
    }
    let (activity, org) = if format == "xml" {
        (
            iati_ref(&p, "activity", &mut e),
            iati_ref(&p, "org", &mut e),
        )
    } else {
        Default::default()
    };
    let (Some(country), Some(period)) = (country, period) else {
        return err(RuleError::Invalid(e));
    };
    if !e.is_empty() {
        return err(RuleError::Invalid(e));
    }
    let t = match state
        .app
        .donor_table(u.actor(), &country, period, format)
        .await
    {
        Ok(t) => t,
        Err(x) => return err(x),
    };
    let i = &u.ctx.i18n;
    let name = format!("atlas-results-{}-{}", t.country, t.period_code);
    let bytes = match format {
        "xlsx" => donor::xlsx(&t, &labels(i, &t)).map_err(|x| anyhow::anyhow!("xlsx: {x}")),
        "csv" => donor::hxl_csv(&t, &labels(i, &t)).map_err(|x| anyhow::anyhow!("csv: {x}")),
        _ => Ok(donor::iati_xml(
            &t,
            &donor::IatiActivity {
                identifier: activity,
                reporting_org: org,
                title: i.t1(
                    "donor-iati-title",
                    "country",
                    &i.code("country", &t.country),
                ),
                lang: i.lang_code().to_owned(),
                generated: state
                    .app
                    .now()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            },
        )
        .into_bytes()),
    };
    match (bytes, format) {
        (Ok(b), "xlsx") => download(b, XLSX, &format!("{name}.xlsx")),
        (Ok(b), "csv") => download(b, CSV, &format!("{name}-hxl.csv")),
        (Ok(b), _) => download(
            b,
            "application/xml; charset=utf-8",
            &format!("{name}-iati.xml"),
        ),
        (Err(x), _) => err(atlas_core::Error::from(x)),
    }
}

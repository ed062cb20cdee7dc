//! The catalog as an Excel workbook: items with their standards and criteria, the negative list,
//! and the qualified providers of every item (the three catalogs' source in one file).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use gongzhi_platform::i18n::tr;
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::web::{Path, Query};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::web::api::{VersionQuery, load};
use crate::domain::{AdmissionCriteria, ItemDef};
use crate::service::qualify::{self, Which};
use crate::service::today;

fn xl(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(e.into())
}

fn row(ws: &mut Worksheet, r: u32, cells: &[String], format: Option<&Format>) -> AppResult<()> {
    for (c, v) in cells.iter().enumerate() {
        match format {
            Some(f) => ws.write_string_with_format(r, c as u16, v, f),
            None => ws.write_string(r, c as u16, v),
        }
        .map_err(xl)?;
    }
    Ok(())
}

/// A price in yuan as shown and as typed back into a form (`Money` parses its own display).
pub fn yuan(fen: Option<i64>) -> String {
    fen.map(|f| gongzhi_kernel::Money::from_fen(f).to_string())
        .unwrap_or_default()
}

/// The criteria in words, one per line (as the public item page shows them).
pub fn criteria_lines(c: &AdmissionCriteria) -> Vec<String> {
    let mut out = Vec::new();
    let labels = |prefix: &str, v: &[String]| {
        v.iter()
            .map(|x| tr(&format!("{prefix}.{x}"), &[]))
            .collect::<Vec<_>>()
            .join("、")
    };
    if !c.legal_forms.is_empty() {
        let v = labels("org.form", &c.legal_forms);
        out.push(tr("catalog.crit.legal_forms", &[("v", v)]));
    }
    if !c.tiers.is_empty() {
        let v = labels("org.tier", &c.tiers);
        out.push(tr("catalog.crit.tiers", &[("v", v)]));
    }
    if let Some(y) = c.min_years {
        out.push(tr("catalog.crit.min_years", &[("v", y.to_string())]));
    }
    if let Some(g) = c.min_grade {
        out.push(tr("catalog.crit.min_grade", &[("v", format!("{g}A"))]));
    }
    if let Some(n) = c.min_social_workers {
        out.push(tr(
            "catalog.crit.min_social_workers",
            &[("v", n.to_string())],
        ));
    }
    if !c.licences.is_empty() {
        let v = labels("catalog.licence", &c.licences);
        out.push(tr("catalog.crit.licences", &[("v", v)]));
    }
    if let Some(y) = c.no_poor_years {
        out.push(tr("catalog.crit.no_poor_years", &[("v", y.to_string())]));
    }
    out.push(tr(
        if c.abnormal_blocks {
            "catalog.crit.abnormal_blocks"
        } else {
            "catalog.crit.abnormal_warns"
        },
        &[],
    ));
    if !c.notes.is_empty() {
        out.push(c.notes.clone());
    }
    out
}

fn item_cells(i: &ItemDef) -> Vec<String> {
    vec![
        i.code.clone(),
        i.category.clone(),
        i.name.clone(),
        tr(&format!("catalog.tier.{}", i.tier), &[]),
        tr(
            if i.purchasable {
                "catalog.yes"
            } else {
                "catalog.no"
            },
            &[],
        ),
        i.unit.clone(),
        yuan(i.price_min_fen),
        yuan(i.price_max_fen),
        i.service_standard.clone(),
        i.indicators
            .iter()
            .map(|x| format!("{} {}", x.name, x.target))
            .collect::<Vec<_>>()
            .join("\n"),
        criteria_lines(&i.criteria).join("\n"),
    ]
}

/// The workbook of a version (the one in force when none is named).
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}/export.xlsx", tag = "catalog",
    params(("district" = String, Path), VersionQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn export_xlsx(
    State(state): State<AppState>,
    Path(district): Path<String>,
    Query(q): Query<VersionQuery>,
) -> AppResult<impl IntoResponse> {
    let l = load(&state, &district, q.version).await?;
    let v = l.version.as_ref().ok_or(AppError::NotFound)?;
    let on = today();
    let providers = qualify::providers(
        &state.db.read,
        Which::District(&l.district.district_code, None),
        on,
    )
    .await?;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();

    let ws = wb.add_worksheet();
    ws.set_name(tr("catalog.sheet.items", &[])).map_err(xl)?;
    let heads: Vec<String> = [
        "catalog.code",
        "catalog.category",
        "catalog.name",
        "catalog.tier",
        "catalog.purchasable",
        "catalog.unit",
        "catalog.price_min",
        "catalog.price_max",
        "catalog.service_standard",
        "catalog.indicators",
        "catalog.criteria",
    ]
    .iter()
    .map(|k| tr(k, &[]))
    .collect();
    row(ws, 0, &heads, Some(&bold))?;
    for (n, i) in l.snap.items.values().enumerate() {
        row(ws, n as u32 + 1, &item_cells(i), None)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(tr("catalog.sheet.negatives", &[]))
        .map_err(xl)?;
    let heads: Vec<String> = [
        "catalog.code",
        "catalog.negative_category",
        "catalog.title",
        "catalog.description",
        "catalog.terms",
        "catalog.basis",
    ]
    .iter()
    .map(|k| tr(k, &[]))
    .collect();
    row(ws, 0, &heads, Some(&bold))?;
    for (n, e) in l.snap.negatives.values().enumerate() {
        let cells = vec![
            e.code.clone(),
            tr(&format!("catalog.negative.{}", e.category), &[]),
            e.title.clone(),
            e.description.clone(),
            e.terms.join("、"),
            e.basis.clone(),
        ];
        row(ws, n as u32 + 1, &cells, None)?;
    }

    // One row per organization with the items it qualifies for: at most one row per
    // organization, so the sheet stays within Excel's rows however large the district.
    let ws = wb.add_worksheet();
    ws.set_name(tr("catalog.sheet.providers", &[]))
        .map_err(xl)?;
    let heads: Vec<String> = [
        "catalog.provider",
        "catalog.grade",
        "catalog.qualified_items",
        "catalog.warned_items",
    ]
    .iter()
    .map(|k| tr(k, &[]))
    .collect();
    row(ws, 0, &heads, Some(&bold))?;
    let mut providers = providers;
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut r = 1;
    for p in &providers {
        let (mut ok, mut warned) = (Vec::new(), Vec::new());
        for i in l.snap.items.values() {
            match i.criteria.admits(&p.facts, on) {
                Some(false) => ok.push(i.code.as_str()),
                Some(true) => warned.push(i.code.as_str()),
                None => {}
            }
        }
        if ok.is_empty() && warned.is_empty() {
            continue;
        }
        let cells = vec![
            p.name.clone(),
            p.facts.grade.map(|g| format!("{g}A")).unwrap_or_default(),
            ok.join(" "),
            warned.join(" "),
        ];
        row(ws, r, &cells, None)?;
        r += 1;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    let name = format!("catalog-{}-v{}.xlsx", l.district.code, v.number);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}

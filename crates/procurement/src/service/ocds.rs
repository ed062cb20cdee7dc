//! Open data in the Open Contracting Data Standard 1.1: one `ocid` per purchase process, a
//! release at each stage (planning at approval, tender at the notice, tenderUpdate when it is
//! opened, fails or is cancelled, award, contract, implementationUpdate at each payment,
//! implementation at the evaluation,
//! contractTermination), kept as published and never changed; release packages per process and
//! per year, record packages with the compiled release. Organizations with a unified social
//! credit code are identified with the `CN-USCI` scheme; codes come from the closed codelists;
//! the catalog scope check and the performance evaluation travel in our documented extension
//! (served at `/api/v1/public/ocds/extension.json`).

use chrono::{DateTime, Datelike, Utc};
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use gongzhi_platform::web::{AppError, AppResult};
use serde_json::{Value, json};

use crate::domain::Method;
use crate::store::entity::{bid, contract, evaluation, milestone, payment, project, release};
use crate::domain::{BidState, ContractState, MilestoneState, ProjectState};

/// The publisher's OCID prefix. A deployment registers its own with the Open Contracting
/// Partnership; this one marks data from Gongzhi installations that have not.
pub const OCID_PREFIX: &str = "ocds-gongzh";
/// Where our extension for the fields OCDS lacks is described.
pub const EXTENSION: &str = "/api/v1/public/ocds/extension.json";

pub fn ocid(p: &project::Model) -> String {
    format!("{OCID_PREFIX}-{}", p.number)
}

fn money(fen: i64) -> Value {
    json!({"amount": fen as f64 / 100.0, "currency": "CNY"})
}

fn org_id(uscc: &str, org: uuid::Uuid) -> String {
    if uscc.is_empty() {
        format!("GZ-ORG-{org}")
    } else {
        format!("CN-USCI-{uscc}")
    }
}

/// Everything a release is built from, read at the moment of publication.
pub struct Snapshot {
    pub project: project::Model,
    pub buyer: String,
    pub bids: Vec<bid::Model>,
    pub contract: Option<contract::Model>,
    pub milestones: Vec<milestone::Model>,
    pub payments: Vec<payment::Model>,
    pub evaluation: Option<evaluation::Model>,
}

pub async fn snapshot(conn: &impl ConnectionTrait, project_id: uuid::Uuid) -> AppResult<Snapshot> {
    let p = crate::service::projects::reread(conn, project_id).await?;
    let buyer = territory::Entity::find_by_id(p.node_code.clone())
        .one(conn)
        .await?
        .map(|n| n.name)
        .unwrap_or_default();
    let bids = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::State.is_in([BidState::VALID, BidState::INVALID]))
        .order_by_asc(bid::Column::Seq)
        .all(conn)
        .await?;
    let contract = contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(p.id))
        .one(conn)
        .await?;
    let (milestones, payments, evaluation) = match &contract {
        Some(c) => (
            milestone::Entity::find()
                .filter(milestone::Column::ContractId.eq(c.id))
                .order_by_asc(milestone::Column::Seq)
                .all(conn)
                .await?,
            payment::Entity::find()
                .filter(payment::Column::ContractId.eq(c.id))
                .order_by_asc(payment::Column::CreatedAt)
                .all(conn)
                .await?,
            evaluation::Entity::find()
                .filter(evaluation::Column::ContractId.eq(c.id))
                .one(conn)
                .await?,
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    Ok(Snapshot {
        project: p,
        buyer,
        bids,
        contract,
        milestones,
        payments,
        evaluation,
    })
}

/// `tender.status` from the closed codelist.
pub fn tender_status(state: &str) -> &'static str {
    match state {
        ProjectState::DRAFT | ProjectState::SUBMITTED | ProjectState::APPROVED => "planned",
        ProjectState::TENDERING | ProjectState::EVALUATING => "active",
        ProjectState::FAILED => "unsuccessful",
        ProjectState::CANCELLED => "cancelled",
        _ => "complete",
    }
}

/// `contracts[].status` from the closed codelist: a contract that has run its course or was
/// ended early has come to a close (`terminated`).
pub fn contract_status(state: &str) -> &'static str {
    match state {
        ContractState::IN_FORCE | ContractState::ACCEPTED => "active",
        _ => "terminated",
    }
}

/// The release of a process as it stands, with `tag`, published at `date`.
pub fn build(s: &Snapshot, tag: &str, id: &str, date: DateTime<Utc>) -> Value {
    let p = &s.project;
    let method = Method::parse(&p.method).unwrap_or(Method::OpenTender);
    let buyer_id = format!("GZ-NODE-{}", p.node_code);
    let mut parties = vec![json!({
        "id": buyer_id, "name": s.buyer, "roles": ["buyer", "procuringEntity"],
    })];
    let awarded = p.awarded_bid_id;
    for b in &s.bids {
        let mut roles = vec!["tenderer"];
        if Some(b.id) == awarded {
            roles.push("supplier");
        }
        let mut party =
            json!({"id": org_id(&b.org_uscc, b.org_id), "name": b.org_name, "roles": roles});
        if !b.org_uscc.is_empty() {
            party["identifier"] =
                json!({"scheme": "CN-USCI", "id": b.org_uscc, "legalName": b.org_name});
        }
        parties.push(party);
    }
    let targets = crate::service::projects::targets_of(p);
    let pre: crate::domain::PreAssessment =
        serde_json::from_str(&p.pre_assessment).unwrap_or_default();
    let mut tender = json!({
        "id": p.number,
        "title": p.title,
        "description": p.scope,
        "status": tender_status(&p.state),
        "procurementMethod": method.ocds(),
        "procurementMethodDetails": method.details(),
        "mainProcurementCategory": "services",
        "value": money(p.budget_fen),
        "items": [{
            "id": "1",
            "description": p.item_name,
            "classification": {"scheme": "X-GONGZHI-CATALOG", "id": p.item_code, "description": p.item_name},
            "quantity": p.quantity,
            "unit": {"name": p.unit},
        }],
        "awardCriteria": "ratedCriteria",
        "scopeCheck": {
            "catalogDistrict": p.district,
            "catalogItem": p.item_code,
            "catalogVersion": p.catalog_version,
            "negativeListChecked": true,
        },
    });
    if !p.justification.is_empty() {
        tender["procurementMethodRationale"] = json!(p.justification);
    }
    if let (Some(at), Some(until)) = (p.notice_at, p.submit_until) {
        tender["tenderPeriod"] = json!({"startDate": at, "endDate": until});
        if let Some(e) = p.enquiry_until {
            tender["enquiryPeriod"] = json!({
                "startDate": at,
                "endDate": e.and_hms_opt(15, 59, 59).map(|d| d.and_utc()),
            });
        }
    }
    let opened = !matches!(
        p.state.as_str(),
        ProjectState::DRAFT
            | ProjectState::SUBMITTED
            | ProjectState::APPROVED
            | ProjectState::TENDERING
    );
    if opened {
        tender["numberOfTenderers"] = json!(s.bids.len());
        tender["tenderers"] = json!(
            s.bids
                .iter()
                .map(|b| json!({"id": org_id(&b.org_uscc, b.org_id), "name": b.org_name}))
                .collect::<Vec<_>>()
        );
    }
    let mut r = json!({
        "ocid": ocid(p),
        "id": id,
        "date": date,
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": {"id": buyer_id, "name": s.buyer},
        "planning": {
            "rationale": pre.necessity,
            "budget": {
                "description": format!("{} {}", p.year, p.title),
                "amount": money(p.budget_fen),
            },
        },
        "tender": tender,
    });
    if let Some(winner) = s.bids.iter().find(|b| Some(b.id) == awarded) {
        let status = if p.state == ProjectState::FAILED {
            "cancelled"
        } else {
            "active"
        };
        r["awards"] = json!([{
            "id": format!("{}-A", p.number),
            "title": p.title,
            "status": status,
            "date": p.award_on.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()),
            "value": money(winner.price_fen),
            "suppliers": [{"id": org_id(&winner.org_uscc, winner.org_id), "name": winner.org_name}],
        }]);
    }
    if let Some(c) = &s.contract {
        let supplier_id = s
            .bids
            .iter()
            .find(|b| b.id == c.bid_id)
            .map(|b| org_id(&b.org_uscc, b.org_id))
            .unwrap_or_else(|| format!("GZ-ORG-{}", c.org_id));
        let milestones: Vec<Value> = s
            .milestones
            .iter()
            .map(|m| {
                let mut v = json!({
                    "id": format!("M{}", m.seq),
                    "title": m.title,
                    "description": m.deliverables,
                    "type": "delivery",
                    "dueDate": m.due_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
                    "status": if m.state == MilestoneState::ACCEPTED { "met" } else { "scheduled" },
                    "value": money(m.share_fen),
                });
                if let Some(on) = m.accepted_on {
                    v["dateMet"] = json!(on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()));
                }
                v
            })
            .collect();
        let transactions: Vec<Value> = s
            .payments
            .iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "date": t.paid_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
                    "value": money(t.amount_fen),
                    "payer": {"id": buyer_id, "name": s.buyer},
                    "payee": {"id": supplier_id, "name": c.org_name},
                })
            })
            .collect();
        let mut k = json!({
            "id": c.number,
            "awardID": format!("{}-A", p.number),
            "title": p.title,
            "description": c.content,
            "status": contract_status(&c.state),
            "period": {
                "startDate": c.starts_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
                "endDate": c.ends_on.and_hms_opt(23, 59, 59).map(|d| d.and_utc()),
            },
            "value": money(c.price_fen),
            "dateSigned": c.signed_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
            "milestones": milestones,
            "implementation": {"transactions": transactions},
        });
        if let Some(e) = &s.evaluation {
            k["performanceEvaluation"] = json!({
                "date": e.evaluated_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
                "evaluatorType": e.evaluator_kind,
                "targets": targets.iter().map(|t| json!({"name": t.name, "target": t.target})).collect::<Vec<_>>(),
                "targetsScore": e.targets_score as f64 / 100.0,
                "satisfactionScore": e.satisfaction_score.map(|x| x as f64 / 100.0),
                "satisfactionResponses": e.responses,
                "satisfactionWeight": e.satisfaction_pct,
                "score": e.score as f64 / 100.0,
                "grade": e.grade,
            });
        }
        if c.state == ContractState::TERMINATED {
            k["terminationReason"] = json!(c.termination_reason);
        }
        r["contracts"] = json!([k]);
    }
    prune(&mut r);
    r
}

/// A stored release as published now: releases stored before empty fields were dropped lose
/// them on the way out.
pub fn stored(payload: &str) -> Value {
    let mut v = serde_json::from_str(payload).unwrap_or(Value::Null);
    prune(&mut v);
    v
}

/// Drop what holds nothing (null, "", [], {}): OCDS publishes a field only when it has a value
/// (an empty `transactions` list before the first payment, no `tenderers` after an opening
/// with no bids), and the Data Review Tool flags empty fields.
pub fn prune(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for x in map.values_mut() {
                prune(x);
            }
            map.retain(|_, x| !is_empty(x));
        }
        Value::Array(items) => {
            for x in items.iter_mut() {
                prune(x);
            }
            items.retain(|x| !is_empty(x));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Publish a release of the process at this stage (in the caller's transaction).
pub async fn publish(
    conn: &impl ConnectionTrait,
    project_id: uuid::Uuid,
    tag: &str,
) -> AppResult<release::Model> {
    let s = snapshot(conn, project_id).await?;
    let ocid = ocid(&s.project);
    let seq = release::Entity::find()
        .filter(release::Column::Ocid.eq(&ocid))
        .count(conn)
        .await?
        + 1;
    let id = format!("{ocid}-{seq:02}-{tag}");
    let date = gongzhi_platform::audit::now();
    let body = build(&s, tag, &id, date);
    Ok(release::ActiveModel {
        id: Set(id),
        ocid: Set(ocid),
        project_id: Set(s.project.id),
        district: Set(s.project.district.clone()),
        year: Set(date.year()),
        tag: Set(tag.into()),
        date: Set(date),
        payload: Set(body.to_string()),
    }
    .insert(conn)
    .await?)
}

/// A process's releases, oldest first.
pub async fn releases_of(conn: &impl ConnectionTrait, ocid: &str) -> AppResult<Vec<Value>> {
    let rows = release::Entity::find()
        .filter(release::Column::Ocid.eq(ocid))
        .order_by_asc(release::Column::Date)
        .order_by_asc(release::Column::Id)
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(rows.iter().map(|r| stored(&r.payload)).collect())
}

fn package_meta(uri: &str, published: DateTime<Utc>) -> Value {
    json!({
        "uri": uri,
        "version": "1.1",
        "extensions": [EXTENSION],
        "publishedDate": published,
        "publisher": {"name": "共治平台 Gongzhi"},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": "https://gongzhi.example/ocds/publication-policy",
    })
}

/// A release package of `releases`.
pub fn release_package(base: &str, uri: &str, releases: Vec<Value>) -> Value {
    let published = releases
        .iter()
        .filter_map(|r| r["date"].as_str())
        .filter_map(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
        .max()
        .unwrap_or_else(Utc::now);
    let mut p = package_meta(&format!("{base}{uri}"), published);
    p["extensions"] = json!([format!("{base}{EXTENSION}")]);
    p["releases"] = json!(releases);
    p
}

/// A record package for one process: its releases and the compiled release. Each release
/// carries the whole process as it stood, so the compiled release is the latest one,
/// re-tagged.
pub fn record_package(base: &str, uri: &str, ocid: &str, releases: Vec<Value>) -> Value {
    let mut compiled = releases.last().cloned().unwrap_or(Value::Null);
    compiled["tag"] = json!(["compiled"]);
    compiled["id"] = json!(format!("{ocid}-compiled"));
    let published = compiled["date"].clone();
    let mut p = package_meta(&format!("{base}{uri}"), gongzhi_platform::clock::now());
    p["publishedDate"] = published;
    p["extensions"] = json!([format!("{base}{EXTENSION}")]);
    p["records"] = json!([{
        "ocid": ocid,
        "releases": releases,
        "compiledRelease": compiled,
    }]);
    p
}

/// A district's releases of a year, in publication order, `limit` from after `cursor`.
pub async fn year(
    conn: &impl ConnectionTrait,
    district: &str,
    year: i32,
    after: Option<(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<Vec<release::Model>> {
    let mut s = release::Entity::find()
        .filter(release::Column::District.eq(district))
        .filter(release::Column::Year.eq(year));
    if let Some((at, id)) = after {
        s = s.filter(
            gongzhi_platform::sea_orm::Condition::any()
                .add(release::Column::Date.gt(at))
                .add(
                    gongzhi_platform::sea_orm::Condition::all()
                        .add(release::Column::Date.eq(at))
                        .add(release::Column::Id.gt(id)),
                ),
        );
    }
    Ok(s.order_by_asc(release::Column::Date)
        .order_by_asc(release::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The extension's metadata in the OCDS extension format: its schema patch is the file named
/// in `schemas`, served beside it.
pub fn extension() -> Value {
    json!({
        "name": {"en": "Gongzhi purchase of services", "zh": "共治政府购买服务扩展"},
        "description": {
            "en": "Fields of Chinese government purchase of services that OCDS lacks: the service-catalog scope check of a tender (catalog, item, version, negative list), the value of a contract's payment milestone, and the performance evaluation and termination reason of a contract.",
            "zh": "OCDS 未包含的政府购买服务字段：采购项目的目录范围审查（指导性目录、事项、版本、负面清单）、合同付款节点的金额、合同的绩效评价（绩效目标、满意度、得分、等级）和解除原因。"
        },
        "documentationUrl": {"en": "https://gongzhi.example/docs/ocds-extension"},
        "compatibility": ["1.1"],
        "schemas": ["release-schema.json"],
    })
}

/// The extension's patch to the release schema (JSON Merge Patch, as extensions are).
pub fn extension_release_schema() -> Value {
    json!({
        "definitions": {
            "Tender": {"properties": {"scopeCheck": {
                "title": "Scope check",
                "description": "The purchase's item in the district's service catalog and the negative-list check it passed before approval.",
                "type": "object",
                "properties": {
                    "catalogDistrict": {"title": "Catalog district", "description": "The district whose service catalog the item belongs to.", "type": "string"},
                    "catalogItem": {"title": "Catalog item", "description": "The item's code in that catalog.", "type": "string"},
                    "catalogVersion": {"title": "Catalog version", "description": "The catalog version in force when the purchase was drawn up.", "type": "integer"},
                    "negativeListChecked": {"title": "Negative list checked", "description": "The purchase was checked against the negative list (财政部令第102号) before approval.", "type": "boolean"}
                }
            }}},
            "Milestone": {"properties": {"value": {
                "title": "Value",
                "description": "The share of the contract's price paid when this milestone is met.",
                "$ref": "#/definitions/Value"
            }}},
            "Contract": {"properties": {
                "performanceEvaluation": {
                    "title": "Performance evaluation",
                    "description": "绩效评价: targets' score and service users' satisfaction weighted as the district configured; grade excellent (优 90–100), good (良 80–89), fair (中 60–79), poor (差 0–59).",
                    "type": "object",
                    "properties": {
                        "date": {"title": "Date", "description": "When the evaluation was made.", "type": "string", "format": "date-time"},
                        "evaluatorType": {"title": "Evaluator type", "description": "The street itself, or a third-party evaluator it assigned.", "type": "string", "enum": ["street", "third_party"]},
                        "targets": {
                            "title": "Targets",
                            "description": "The performance targets of the purchase.",
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"title": "Name", "description": "The indicator.", "type": "string"},
                                    "target": {"title": "Target", "description": "The value aimed at.", "type": "string"}
                                }
                            }
                        },
                        "targetsScore": {"title": "Targets score", "description": "The targets' score, 0–100.", "type": "number"},
                        "satisfactionScore": {"title": "Satisfaction score", "description": "Service users' satisfaction from the survey, 0–100; absent without answers.", "type": "number"},
                        "satisfactionResponses": {"title": "Satisfaction responses", "description": "How many survey answers were counted.", "type": "integer"},
                        "satisfactionWeight": {"title": "Satisfaction weight", "description": "The weight of satisfaction in the score, in percent.", "type": "integer"},
                        "score": {"title": "Score", "description": "The weighted score, 0–100.", "type": "number"},
                        "grade": {"title": "Grade", "description": "The grade the score earns.", "type": "string", "enum": ["excellent", "good", "fair", "poor"]}
                    }
                },
                "terminationReason": {"title": "Termination reason", "description": "Why the contract was terminated for breach.", "type": "string"}
            }}
        }
    })
}

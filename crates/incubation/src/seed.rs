//! Demo incubation, dated relative to today so it is always in progress: the district's
//! incubator (run by a registered organization whose staff mentor) with a graduated cohort, a
//! cohort in progress and an open call; a street incubator with a cohort in progress; this
//! year's "103090" targets.

use chrono::{Duration, NaiveDate};
use gongzhi_kernel::authz::Role;
use gongzhi_orgs::face::{self as registry, Find, OrgCard, Order};
use gongzhi_platform::AppState;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::{hub, territory, user};
use gongzhi_platform::module::DemoAccounts;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;

use crate::domain;
use crate::store::entity::{
    alumni_service, application, assessment, checkin, cohort, incubation, incubator, plan_item,
    target,
};
use crate::service::log;

/// (username, role, display name): a mentor on the staff of the district incubator's operator.
pub const DEMO_ACCOUNTS: [(&str, Role, &str); 1] =
    [("dudao.mentor", Role::OrgMember, "孵化基地督导")];

struct Ctx<'a, C: ConnectionTrait> {
    conn: &'a C,
    who: &'a AuditActor,
    today: NaiveDate,
}

impl<C: ConnectionTrait> Ctx<'_, C> {
    fn day(&self, offset: i64) -> NaiveDate {
        self.today + Duration::days(offset)
    }

    async fn incubator(
        &self,
        h: &hub::Model,
        level: &str,
        name: &str,
        capacity: i32,
        operator: Option<uuid::Uuid>,
        description: &str,
    ) -> anyhow::Result<incubator::Model> {
        let now = gongzhi_platform::audit::now();
        let m = incubator::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            hub_id: Set(h.id),
            name: Set(name.into()),
            level: Set(level.into()),
            territory_code: Set(h.territory_code.clone()),
            path: Set(h.path.clone()),
            capacity: Set(capacity),
            review_days: Set(10),
            operator_org_id: Set(operator),
            description: Set(description.into()),
            plan: Set(serde_json::to_string(&domain::default_plan())?),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(self.conn)
        .await?;
        log(
            self.conn,
            self.who,
            "incubator.create",
            "incubator",
            m.id,
            &m.path,
            json!({"name": name, "demo": true}),
        )
        .await?;
        Ok(m)
    }

    /// A cohort whose call opened `opens` days from today, incubating from `starts` for a year.
    async fn cohort(
        &self,
        i: &incubator::Model,
        name: &str,
        opens: i64,
        starts: i64,
        seats: i32,
        text: &str,
    ) -> anyhow::Result<cohort::Model> {
        Ok(cohort::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubator_id: Set(i.id),
            name: Set(name.into()),
            call_text: Set(text.into()),
            opens_on: Set(self.day(opens)),
            closes_on: Set(self.day(opens + 30)),
            starts_on: Set(self.day(starts)),
            ends_on: Set(self.day(starts + 364)),
            seats: Set(seats),
            created_at: Set(gongzhi_platform::audit::now()),
            version: Set(1),
        }
        .insert(self.conn)
        .await?)
    }

    async fn application(
        &self,
        i: &incubator::Model,
        c: &cohort::Model,
        o: &OrgCard,
        state: &str,
        submitted: i64,
    ) -> anyhow::Result<application::Model> {
        let now = gongzhi_platform::audit::now();
        let submitted_on = self.day(submitted);
        let a = application::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            cohort_id: Set(c.id),
            incubator_id: Set(i.id),
            org_id: Set(o.id),
            path: Set(i.path.clone()),
            plan: Set(format!(
                "{}希望在孵化期内完善内部治理，打造一个社区品牌服务项目，并培养骨干志愿者。",
                o.name
            )),
            needs: Set("活动场地、财务规范培训、项目策划督导".into()),
            state: Set(state.into()),
            submitted_on: Set(submitted_on),
            review_due_on: Set(submitted_on + Duration::days(14)),
            reviewed_on: Set((state != "submitted").then(|| submitted_on + Duration::days(5))),
            created_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(self.conn)
        .await?;
        log(
            self.conn,
            self.who,
            "incubation_application.submit",
            "incubation_application",
            a.id,
            &a.path,
            json!({"org": o.id, "demo": true}),
        )
        .await?;
        Ok(a)
    }

    /// An admitted organization's stay with its plan: items due before `done_until` days from
    /// today are done, and a check-in records each.
    #[allow(clippy::too_many_arguments)]
    async fn stay(
        &self,
        i: &incubator::Model,
        c: &cohort::Model,
        o: &OrgCard,
        stage: &str,
        mentor: Option<uuid::Uuid>,
        done_until: i64,
        ended: Option<(&str, i64)>,
    ) -> anyhow::Result<incubation::Model> {
        let a = self
            .application(
                i,
                c,
                o,
                "admitted",
                (c.opens_on - self.today).num_days() + 3,
            )
            .await?;
        let now = gongzhi_platform::audit::now();
        let s = incubation::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubator_id: Set(i.id),
            cohort_id: Set(c.id),
            application_id: Set(a.id),
            org_id: Set(o.id),
            path: Set(i.path.clone()),
            stage: Set(stage.into()),
            stage_since: Set(c.starts_on + Duration::days(60)),
            mentor_id: Set(mentor),
            agreement_signed_on: Set(c.starts_on - Duration::days(3)),
            agreement_terms: Set(
                "基地提供办公工位、活动场地与督导陪伴；组织按计划参加培训、按时提交工作记录。"
                    .into(),
            ),
            starts_on: Set(c.starts_on),
            ends_on: Set(c.ends_on),
            state: Set(ended.map(|(s, _)| s).unwrap_or("in_incubation").into()),
            ended_on: Set(ended.map(|(_, d)| self.day(d))),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(self.conn)
        .await?;
        log(
            self.conn,
            self.who,
            "incubation.agreement_sign",
            "incubation",
            s.id,
            &s.path,
            json!({"org": o.id, "demo": true}),
        )
        .await?;
        let last_done = self.day(done_until);
        for (n, item) in domain::default_plan().iter().enumerate() {
            let due = c.starts_on + Duration::days(item.due_after_days.into());
            let done = (due <= last_done).then(|| due - Duration::days(2));
            let p = plan_item::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                incubation_id: Set(s.id),
                position: Set(n as i32 + 1),
                title: Set(item.title.clone()),
                due_on: Set(due),
                done_on: Set(done),
                done_note: Set(if done.is_some() {
                    "已完成并存档".into()
                } else {
                    String::new()
                }),
                done_by: Set(mentor),
                version: Set(if done.is_some() { 2 } else { 1 }),
            }
            .insert(self.conn)
            .await?;
            if let Some(d) = done {
                checkin::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    incubation_id: Set(s.id),
                    mentor_id: Set(mentor),
                    met_on: Set(d - Duration::days(5)),
                    mode: Set(["visit", "online", "phone"][n % 3].into()),
                    minutes: Set(60 + 30 * (n as i32 % 3)),
                    notes: Set(format!(
                        "围绕“{}”与负责人逐项梳理，明确下一步分工。",
                        p.title
                    )),
                    plan_item_id: Set(Some(p.id)),
                    created_at: Set(now),
                }
                .insert(self.conn)
                .await?;
            }
        }
        Ok(s)
    }

    async fn assess(
        &self,
        s: &incubation::Model,
        kind: &str,
        on: NaiveDate,
        base: i32,
    ) -> anyhow::Result<()> {
        let scores: std::collections::BTreeMap<String, i32> = domain::DIMENSIONS
            .iter()
            .map(|(k, max)| (k.to_string(), (max * base / 100).min(*max)))
            .collect();
        let (total, passed) = domain::assess(&scores).map_err(|e| anyhow::anyhow!("{e}"))?;
        assessment::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubation_id: Set(s.id),
            kind: Set(kind.into()),
            assessed_on: Set(on),
            scores: Set(serde_json::to_string(&scores)?),
            total: Set(total),
            passed: Set(passed),
            notes: Set("现场查看台账并访谈服务对象。".into()),
            assessor_id: Set(None),
            created_at: Set(gongzhi_platform::audit::now()),
        }
        .insert(self.conn)
        .await?;
        Ok(())
    }
}

pub async fn demo(state: &AppState, demo: &mut DemoAccounts) -> anyhow::Result<()> {
    let who = AuditActor::system("demo");
    let today = gongzhi_platform::clock::today();
    let db = &state.db.read;
    let Some(district) = territory::Entity::find()
        .filter(territory::Column::Level.eq("district"))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let hubs = hub::Entity::find()
        .order_by_asc(hub::Column::Path)
        .all(db)
        .await?;
    let Some(center) = hubs.iter().find(|h| h.kind == "cultivation_center") else {
        return Ok(());
    };
    let Some(station) = hubs
        .iter()
        .find(|h| h.kind == "social_work_station" && h.territory_code == "440308002000")
    else {
        return Ok(());
    };
    let operator = registry::find(
        db,
        Find {
            territory_code: Some(&district.code),
            states: &["active"],
            order: Order::Age,
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?
    .pop();
    // Filed community organizations, by street, to incubate.
    let filed = registry::find(
        db,
        Find {
            states: &["filed"],
            legal_forms: &["community_org"],
            order: Order::PathThenAge,
            ..Default::default()
        },
    )
    .await?;
    let demo_org = filed
        .iter()
        .find(|o| o.name == registry::DEMO_ORG)
        .cloned();
    let mut pool = filed
        .iter()
        .filter(|o| Some(o.id) != demo_org.as_ref().map(|d| d.id))
        .cloned();
    let mut take = |n: usize| -> Vec<OrgCard> { pool.by_ref().take(n).collect() };
    let haishan: Vec<OrgCard> = filed
        .iter()
        .filter(|o| o.path.starts_with(station.path.as_str()))
        .filter(|o| Some(o.id) != demo_org.as_ref().map(|d| d.id))
        .rev()
        .take(3)
        .cloned()
        .collect();
    let street_mentor = user::Entity::find()
        .filter(user::Column::Username.eq("tiandong.admin"))
        .one(db)
        .await?
        .map(|u| u.id);

    let txn = state.db.write.begin().await?;
    let ctx = Ctx {
        conn: &txn,
        who: &who,
        today,
    };
    let mentor = match &operator {
        Some(op) => {
            let (username, role, display) = DEMO_ACCOUNTS[0];
            let hash = gongzhi_platform::identity::hash_password(demo.password.clone()).await?;
            let now = gongzhi_platform::audit::now();
            let u = user::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                username: Set(username.into()),
                phone: Set(None),
                display_name: Set(display.into()),
                password_hash: Set(hash),
                status: Set("active".into()),
                must_change_password: Set(false),
                home_code: Set(op.territory_code.clone()),
                home_path: Set(op.path.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&txn)
            .await?;
            registry::grant_org_role(&txn, &who, u.id, op, role).await?;
            demo.accounts
                .push((username.into(), role.as_str().into(), op.name.clone()));
            Some(u.id)
        }
        None => None,
    };

    // The district incubator: a graduated cohort, one in progress, an open call.
    let hq = ctx
        .incubator(
            center,
            "district",
            "盐田区社会组织孵化基地",
            20,
            operator.as_ref().map(|o| o.id),
            "区级孵化基地，提供办公工位、能力建设培训、项目督导和资源对接，“5个1”督导陪伴。",
        )
        .await?;
    let past = ctx
        .cohort(
            &hq,
            "第一期",
            -560,
            -520,
            10,
            "面向全区社区社会组织招募首批入驻。",
        )
        .await?;
    for (n, o) in take(3).iter().enumerate() {
        let graduated = n < 2;
        let s = ctx
            .stay(
                &hq,
                &past,
                o,
                if graduated { "growing" } else { "startup" },
                mentor,
                -150,
                Some(if graduated {
                    ("graduated", -150)
                } else {
                    ("exited", -300)
                }),
            )
            .await?;
        ctx.assess(&s, "midterm", past.starts_on + Duration::days(180), 70)
            .await?;
        if graduated {
            ctx.assess(&s, "graduation", ctx.day(-160), 82).await?;
            for (k, d, note) in [
                ("contact", -120, "出壳回访，了解项目运营情况。"),
                ("resource_link", -60, "对接区社区基金会小额资助。"),
                ("public_support", -20, "推荐参加区公益创投大赛。"),
            ] {
                alumni_service::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    incubation_id: Set(s.id),
                    org_id: Set(o.id),
                    kind: Set(k.into()),
                    served_on: Set(ctx.day(d)),
                    note: Set(note.into()),
                    recorded_by: Set(mentor),
                    created_at: Set(gongzhi_platform::audit::now()),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let current = ctx
        .cohort(
            &hq,
            "第二期",
            -240,
            -200,
            12,
            "重点培育为老服务、儿童关爱、矛盾调解类社区社会组织。",
        )
        .await?;
    for (n, o) in take(6).iter().enumerate() {
        let s = ctx
            .stay(
                &hq,
                &current,
                o,
                domain::STAGES[n % 3],
                if n < 5 { mentor } else { None },
                -20,
                None,
            )
            .await?;
        if n < 3 {
            ctx.assess(&s, "midterm", ctx.day(-30), 55 + 10 * n as i32)
                .await?;
        }
    }
    let open = ctx
        .cohort(
            &hq,
            "第三期",
            -10,
            40,
            8,
            "招募有志于参与社区治理的社区社会组织，入驻期一年。",
        )
        .await?;
    if let Some(d) = &demo_org {
        ctx.application(&hq, &open, d, "submitted", -3).await?;
    }
    for (n, o) in take(3).iter().enumerate() {
        ctx.application(
            &hq,
            &open,
            o,
            ["submitted", "accepted", "returned"][n],
            -9 + n as i64,
        )
        .await?;
    }

    // The street incubator at 海山街道社会工作服务站.
    let street = ctx
        .incubator(
            station,
            "street",
            "海山街道社会组织培育基地",
            8,
            None,
            "街道级培育基地，依托社工站为社区社会组织提供场地和陪伴式指导。",
        )
        .await?;
    let cohort = ctx
        .cohort(
            &street,
            "2026年度",
            -200,
            -150,
            6,
            "面向海山街道各社区招募。",
        )
        .await?;
    for (n, o) in haishan.iter().enumerate() {
        ctx.stay(
            &street,
            &cohort,
            o,
            ["budding", "startup", "budding"][n % 3],
            street_mentor,
            -60,
            None,
        )
        .await?;
    }

    // "103090" for this year, set by the district.
    let year = chrono::Datelike::year(&today);
    for (level, n) in [("district", 10), ("street", 30), ("community", 90)] {
        target::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            year: Set(year),
            level: Set(level.into()),
            territory_code: Set(district.code.clone()),
            path: Set(district.path.clone()),
            target: Set(n),
            note: Set("“103090”年度培育目标".into()),
            updated_at: Set(gongzhi_platform::audit::now()),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

//! Pure rules of the registry: legal forms, management tiers, what a valid organization record
//! is, and the filing workflow.

pub mod standing;
pub mod state;

pub use state::{ChangeState, GradeStatus, OrgState};

use chrono::NaiveDate;
use gongzhi_kernel::codes::SocialOrgForm;
use gongzhi_kernel::workflow::{ReasonRule, TransitionDef, WorkflowDef};
use gongzhi_kernel::{FieldError, IdCardNumber, PhoneNumber, Uscc, ValidationErrors};

use crate::{ORG_DECIDE, ORG_REVIEW, ORG_SUBMIT};

/// 社会团体 / 社会服务机构 / 基金会 (registered, with a USCC), or a community organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalForm {
    Association,
    ServiceAgency,
    Foundation,
    CommunityOrg,
}

impl LegalForm {
    pub const ALL: [LegalForm; 4] = [
        Self::Association,
        Self::ServiceAgency,
        Self::Foundation,
        Self::CommunityOrg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Association => "association",
            Self::ServiceAgency => "service_agency",
            Self::Foundation => "foundation",
            Self::CommunityOrg => "community_org",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The USCC type a registered form must carry (51 / 52 / 53).
    pub fn uscc_form(self) -> Option<SocialOrgForm> {
        match self {
            Self::Association => Some(SocialOrgForm::Association),
            Self::ServiceAgency => Some(SocialOrgForm::ServiceAgency),
            Self::Foundation => Some(SocialOrgForm::Foundation),
            Self::CommunityOrg => None,
        }
    }
}

/// 登记 / 街道备案 / 社区指导 (民发〔2017〕191号).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Registered,
    Filed,
    Guided,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Self::Registered, Self::Filed, Self::Guided];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Filed => "filed",
            Self::Guided => "guided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The record as submitted, fields still text.
#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct OrgInput {
    pub name: String,
    /// association / service_agency / foundation / community_org
    pub legal_form: String,
    /// registered / filed / guided
    pub tier: String,
    /// Required for registered organizations; its type (51/52/53) must agree with the legal form.
    pub uscc: Option<String>,
    /// Territory code of the community (or street) the organization belongs to.
    pub territory: String,
    /// Category codes (see GET /api/v1/org-categories).
    #[serde(default)]
    pub categories: Vec<String>,
    pub founded_on: Option<NaiveDate>,
    pub registered_on: Option<NaiveDate>,
    pub service_areas: Option<String>,
    pub target_groups: Option<String>,
    pub supervising_unit: Option<String>,
    pub person_in_charge: Option<String>,
    /// ID card number of the person in charge; stored, shown masked.
    pub person_in_charge_id: Option<String>,
    pub contact_phone: Option<String>,
    pub staff_count: Option<i32>,
    pub social_worker_count: Option<i32>,
    /// none / independent / joint / instructor (party organization status)
    pub party_org: Option<String>,
}

/// A checked record.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOrg {
    pub name: String,
    pub legal_form: LegalForm,
    pub tier: Tier,
    pub uscc: Option<Uscc>,
    pub territory: String,
    pub categories: Vec<String>,
    pub founded_on: Option<NaiveDate>,
    pub registered_on: Option<NaiveDate>,
    pub service_areas: String,
    pub target_groups: String,
    pub supervising_unit: String,
    pub person_in_charge: String,
    pub person_in_charge_id: Option<IdCardNumber>,
    pub contact_phone: Option<PhoneNumber>,
    pub staff_count: i32,
    pub social_worker_count: i32,
    pub party_org: String,
}

pub const PARTY_ORG: [&str; 4] = ["none", "independent", "joint", "instructor"];

fn text(v: &Option<String>, max: usize, field: &str, errors: &mut ValidationErrors) -> String {
    let s = v.as_deref().unwrap_or("").trim().to_string();
    if s.chars().count() > max {
        errors.push(FieldError::new(field, "org.too_long").arg("max", max));
    }
    s
}

/// Check a record against the registry's rules. `known_categories` is the configured code list.
pub fn validate(
    input: &OrgInput,
    today: NaiveDate,
    known_categories: &[String],
) -> Result<ValidOrg, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = input.name.trim().to_string();
    let n = name.chars().count();
    if !(2..=100).contains(&n) {
        e.add("name", "org.name_length");
    }
    let legal_form = LegalForm::parse(input.legal_form.trim());
    if legal_form.is_none() {
        e.add("legal_form", "org.legal_form_unknown");
    }
    let tier = Tier::parse(input.tier.trim());
    if tier.is_none() {
        e.add("tier", "org.tier_unknown");
    }
    let uscc = match input
        .uscc
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => e.check("uscc", Uscc::parse(s)),
        None => None,
    };
    if let (Some(form), Some(tier)) = (legal_form, tier) {
        match (tier, form.uscc_form()) {
            (Tier::Registered, Some(expected)) => match &uscc {
                None if input.uscc.as_deref().is_none_or(|s| s.trim().is_empty()) => {
                    e.add("uscc", "org.uscc_required")
                }
                Some(code) if code.social_org_form() != Some(expected) => e.push(
                    FieldError::new("uscc", "org.uscc_form_mismatch")
                        .arg("prefix", code.org_type())
                        .arg("expected", expected.prefix()),
                ),
                _ => {}
            },
            (Tier::Registered, None) => e.add("tier", "org.community_not_registered"),
            (_, Some(_)) => e.add("tier", "org.registered_form_needs_registration"),
            (_, None) => {}
        }
    }
    if input.founded_on.is_some_and(|d| d > today) {
        e.add("founded_on", "org.date_in_future");
    }
    if input.registered_on.is_some_and(|d| d > today) {
        e.add("registered_on", "org.date_in_future");
    }
    if let (Some(f), Some(r)) = (input.founded_on, input.registered_on)
        && r < f
    {
        e.add("registered_on", "org.registered_before_founded");
    }
    if tier == Some(Tier::Registered) && input.registered_on.is_none() {
        e.add("registered_on", "org.registered_on_required");
    }
    let mut categories: Vec<String> = input
        .categories
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    categories.sort();
    categories.dedup();
    if categories.is_empty() {
        e.add("categories", "org.category_required");
    }
    if let Some(bad) = categories.iter().find(|c| !known_categories.contains(c)) {
        e.push(FieldError::new("categories", "org.category_unknown").arg("code", bad));
    }
    let person_in_charge_id = match input
        .person_in_charge_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => e.check("person_in_charge_id", IdCardNumber::parse_on(s, today)),
        None => None,
    };
    let contact_phone = match input
        .contact_phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => e.check("contact_phone", PhoneNumber::parse(s)),
        None => None,
    };
    let staff_count = input.staff_count.unwrap_or(0);
    let social_worker_count = input.social_worker_count.unwrap_or(0);
    if !(0..=MAX_STAFF).contains(&staff_count) {
        e.add("staff_count", "org.count_range");
    }
    if !(0..=MAX_STAFF).contains(&social_worker_count) {
        e.add("social_worker_count", "org.count_range");
    } else if social_worker_count > staff_count.max(0) {
        e.add("social_worker_count", "org.social_workers_exceed_staff");
    }
    let party_org = input
        .party_org
        .as_deref()
        .unwrap_or("none")
        .trim()
        .to_string();
    if !PARTY_ORG.contains(&party_org.as_str()) {
        e.add("party_org", "org.party_org_unknown");
    }
    let service_areas = text(&input.service_areas, 500, "service_areas", &mut e);
    let target_groups = text(&input.target_groups, 500, "target_groups", &mut e);
    let supervising_unit = text(&input.supervising_unit, 100, "supervising_unit", &mut e);
    let person_in_charge = text(&input.person_in_charge, 50, "person_in_charge", &mut e);
    if input.territory.trim().is_empty() {
        e.add("territory", "territory.not_found");
    }
    e.clone().into_result()?;
    Ok(ValidOrg {
        name,
        legal_form: legal_form.expect("checked"),
        tier: tier.expect("checked"),
        uscc,
        territory: input.territory.trim().to_string(),
        categories,
        founded_on: input.founded_on,
        registered_on: input.registered_on,
        service_areas,
        target_groups,
        supervising_unit,
        person_in_charge,
        person_in_charge_id,
        contact_phone,
        staff_count,
        social_worker_count,
        party_org,
    })
}

/// What the filing guards look at.
pub struct FilingCtx {
    pub has_person_in_charge: bool,
}

fn complete(c: &FilingCtx) -> Result<(), gongzhi_kernel::CodeError> {
    if c.has_person_in_charge {
        Ok(())
    } else {
        Err(gongzhi_kernel::CodeError::new(
            "org.person_in_charge_required",
        ))
    }
}

/// 备案: the applicant submits, the community reviews, the street decides. A filed or registered
/// organization ends by deregistration or revocation, never by deletion.
pub static LIFECYCLE: WorkflowDef<FilingCtx> = WorkflowDef {
    name: "org",
    states: &[
        OrgState::DRAFT,
        OrgState::SUBMITTED,
        OrgState::COMMUNITY_REVIEWED,
        OrgState::RETURNED,
        OrgState::FILED,
        OrgState::REJECTED,
        OrgState::ACTIVE,
        OrgState::DEREGISTERED,
        OrgState::REVOKED,
    ],
    initial: OrgState::DRAFT,
    terminal: &[OrgState::REJECTED, OrgState::DEREGISTERED, OrgState::REVOKED],
    transitions: &[
        TransitionDef {
            name: "submit",
            from: &[OrgState::DRAFT, OrgState::RETURNED],
            to: OrgState::SUBMITTED,
            permission: ORG_SUBMIT,
            reason: ReasonRule::None,
            guard: Some(complete),
        },
        TransitionDef {
            name: "forward",
            from: &[OrgState::SUBMITTED],
            to: OrgState::COMMUNITY_REVIEWED,
            permission: ORG_REVIEW,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "send_back",
            from: &[OrgState::SUBMITTED],
            to: OrgState::RETURNED,
            permission: ORG_REVIEW,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "approve",
            from: &[OrgState::COMMUNITY_REVIEWED],
            to: OrgState::FILED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "return",
            from: &[OrgState::COMMUNITY_REVIEWED],
            to: OrgState::RETURNED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "reject",
            from: &[OrgState::COMMUNITY_REVIEWED],
            to: OrgState::REJECTED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
        // A registered organization is entered by the street or district as `active`.
        TransitionDef {
            name: "activate",
            from: &[OrgState::DRAFT],
            to: OrgState::ACTIVE,
            permission: crate::ORG_REGISTER,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "deregister",
            from: &[OrgState::FILED, OrgState::ACTIVE],
            to: OrgState::DEREGISTERED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "revoke",
            from: &[OrgState::FILED, OrgState::ACTIVE],
            to: OrgState::REVOKED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// What the key-fact change guards look at.
pub struct ChangeCtx {
    /// Community organizations' changes pass the community first; registered ones go straight
    /// to the street or district.
    pub needs_community_review: bool,
    pub state: String,
}

fn reviewed_if_needed(c: &ChangeCtx) -> Result<(), gongzhi_kernel::CodeError> {
    if c.needs_community_review && c.state == ChangeState::SUBMITTED {
        Err(gongzhi_kernel::CodeError::new(
            "org.change_needs_community_review",
        ))
    } else {
        Ok(())
    }
}

/// A change of key facts (name, USCC, person in charge, territory) goes through the same
/// review as a filing; only an approval changes the record.
pub static KEY_FACT_CHANGE: WorkflowDef<ChangeCtx> = WorkflowDef {
    name: "org_change",
    states: &[
        ChangeState::SUBMITTED,
        ChangeState::COMMUNITY_REVIEWED,
        ChangeState::APPROVED,
        ChangeState::RETURNED,
        ChangeState::REJECTED,
        ChangeState::WITHDRAWN,
    ],
    initial: ChangeState::SUBMITTED,
    terminal: &[ChangeState::APPROVED, ChangeState::RETURNED, ChangeState::REJECTED, ChangeState::WITHDRAWN],
    transitions: &[
        TransitionDef {
            name: "forward",
            from: &[ChangeState::SUBMITTED],
            to: ChangeState::COMMUNITY_REVIEWED,
            permission: ORG_REVIEW,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "approve",
            from: &[ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED],
            to: ChangeState::APPROVED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Optional,
            guard: Some(reviewed_if_needed),
        },
        TransitionDef {
            name: "send_back",
            from: &[ChangeState::SUBMITTED],
            to: ChangeState::RETURNED,
            permission: ORG_REVIEW,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "return",
            from: &[ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED],
            to: ChangeState::RETURNED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: Some(reviewed_if_needed),
        },
        TransitionDef {
            name: "reject",
            from: &[ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED],
            to: ChangeState::REJECTED,
            permission: ORG_DECIDE,
            reason: ReasonRule::Required,
            guard: Some(reviewed_if_needed),
        },
        TransitionDef {
            name: "withdraw",
            from: &[ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED],
            to: ChangeState::WITHDRAWN,
            permission: ORG_SUBMIT,
            reason: ReasonRule::None,
            guard: None,
        },
    ],
};

/// More staff than any social organization has.
pub const MAX_STAFF: i32 = 100_000;

/// The key facts a change may propose; absent ones stay as they are.
#[derive(
    Debug, Clone, Default, serde::Serialize, serde::Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct KeyFacts {
    pub name: Option<String>,
    pub uscc: Option<String>,
    pub person_in_charge: Option<String>,
    /// Stored for the review, shown masked.
    pub person_in_charge_id: Option<String>,
    /// Territory code (moving to another community).
    pub territory: Option<String>,
}

impl KeyFacts {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.uscc.is_none()
            && self.person_in_charge.is_none()
            && self.person_in_charge_id.is_none()
            && self.territory.is_none()
    }

    /// Only the facts that differ from the record as stored (`before`), compared as the record
    /// would store them: blank means "unchanged", codes ignore case, and the person's ID number
    /// resent in its masked form (`masked_id`, as the API shows it) is no change.
    pub fn changed_from(&self, before: &OrgInput, masked_id: Option<&str>) -> KeyFacts {
        fn differs(new: &Option<String>, old: Option<&str>, fold: bool) -> Option<String> {
            let v = new.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            let same = match old.map(str::trim) {
                Some(o) if fold => o.eq_ignore_ascii_case(v),
                Some(o) => o == v,
                None => false,
            };
            (!same).then(|| v.to_string())
        }
        let id = differs(
            &self.person_in_charge_id,
            before.person_in_charge_id.as_deref(),
            true,
        )
        .filter(|v| Some(v.as_str()) != masked_id);
        KeyFacts {
            name: differs(&self.name, Some(&before.name), false),
            uscc: differs(&self.uscc, before.uscc.as_deref(), true),
            person_in_charge: differs(
                &self.person_in_charge,
                before.person_in_charge.as_deref(),
                false,
            ),
            person_in_charge_id: id,
            territory: differs(&self.territory, Some(&before.territory), false),
        }
    }

    /// The names of the facts this holds, in order.
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("name", &self.name),
            ("uscc", &self.uscc),
            ("person_in_charge", &self.person_in_charge),
            ("person_in_charge_id", &self.person_in_charge_id),
            ("territory", &self.territory),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect()
    }

    /// The record with these facts applied.
    pub fn apply(&self, mut input: OrgInput) -> OrgInput {
        let set = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        if let Some(v) = set(&self.name) {
            input.name = v;
        }
        if let Some(v) = set(&self.uscc) {
            input.uscc = Some(v);
        }
        if let Some(v) = set(&self.person_in_charge) {
            input.person_in_charge = Some(v);
        }
        if let Some(v) = set(&self.person_in_charge_id) {
            input.person_in_charge_id = Some(v);
        }
        if let Some(v) = set(&self.territory) {
            input.territory = v;
        }
        input
    }
}

/// States in which an organization appears in the public directory.
pub const PUBLIC_STATES: [&str; 2] = [OrgState::FILED, OrgState::ACTIVE];

/// The two-character pieces of a name the directory's name index holds, lower-cased and
/// without whitespace: a search for 爱心 finds its organizations through the piece 爱心
/// instead of reading every name. A one-character search has no piece and reads names.
pub fn name_grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut grams: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    grams.sort();
    grams.dedup();
    grams
}

/// States that end a record (kept, never deleted).
pub const ENDED_STATES: [&str; 2] = [OrgState::DEREGISTERED, OrgState::REVOKED];

/// 枢纽型社会组织 / 联合会: organizations the street or district recognizes as gathering others.
pub const HUB_KINDS: [&str; 2] = ["hub_org", "federation"];

/// What a recognition looks at: the organization and the territory it is to gather.
pub struct Designation<'a> {
    pub kind: &'a str,
    pub legal_form: &'a str,
    pub state: &'a str,
    pub org_path: &'a str,
    /// The node whose organizations it gathers (a street federation of community
    /// organizations sits in one community but gathers the street's).
    pub reach_path: &'a str,
}

/// Whether an organization may be recognized. It must stand in the directory (filed or
/// active) and lie within its reach; a federation gathers members, which the non-membership
/// forms (foundations and service agencies) cannot have.
pub fn check_designation(d: &Designation) -> Result<(), FieldError> {
    if !HUB_KINDS.contains(&d.kind) {
        return Err(FieldError::new("kind", "org.hub_kind_unknown"));
    }
    if !PUBLIC_STATES.contains(&d.state) {
        return Err(FieldError::new("kind", "org.hub_not_active"));
    }
    if d.kind == "federation" && matches!(d.legal_form, "foundation" | "service_agency") {
        return Err(FieldError::new("kind", "org.federation_needs_members"));
    }
    if !d.org_path.starts_with(d.reach_path) {
        return Err(FieldError::new("reach", "org.hub_reach_outside"));
    }
    Ok(())
}

/// The two organizations of a membership, as the rules see them.
pub struct MemberSide<'a> {
    pub id: uuid::Uuid,
    pub path: &'a str,
    pub state: &'a str,
}

/// Whether `member` may join `hub` on `joined_on`: another organization in the directory,
/// within the hub's territory, joining on a day that has come.
pub fn check_joining(
    hub: &MemberSide,
    member: &MemberSide,
    joined_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if member.id == hub.id {
        e.add("member", "org.member_is_hub");
    } else if !PUBLIC_STATES.contains(&member.state) {
        e.add("member", "org.member_not_active");
    } else if !member.path.starts_with(hub.path) {
        e.add("member", "org.member_outside_hub");
    }
    if joined_on > today {
        e.add("joined_on", "org.date_in_future");
    }
    e.into_result()
}

/// Whether a membership may end on `left_on`.
pub fn check_leaving(
    joined_on: NaiveDate,
    left_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if left_on > today {
        e.add("left_on", "org.date_in_future");
    } else if left_on < joined_on {
        e.add("left_on", "org.left_before_joined");
    }
    e.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats() -> Vec<String> {
        vec!["191.service".into(), "gz.charity".into()]
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn base() -> OrgInput {
        OrgInput {
            name: "爱心互助会".into(),
            legal_form: "community_org".into(),
            tier: "filed".into(),
            territory: "440308002001".into(),
            categories: vec!["191.service".into()],
            person_in_charge: Some("张三".into()),
            person_in_charge_id: Some("11010519491231002X".into()),
            ..Default::default()
        }
    }

    fn codes(r: Result<ValidOrg, ValidationErrors>) -> Vec<(String, &'static str)> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| (f.field, f.key)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn names_break_into_pieces_of_two() {
        assert_eq!(
            name_grams("爱心 互助会"),
            vec!["互助", "助会", "心互", "爱心"]
        );
        assert_eq!(name_grams("ABab"), vec!["ab", "ba"]);
        assert!(name_grams("爱").is_empty());
    }

    #[test]
    fn hubs_federations_and_their_members() {
        let d = |kind, legal_form, state, reach_path| {
            check_designation(&Designation {
                kind,
                legal_form,
                state,
                org_path: "/440308/002/001/",
                reach_path,
            })
            .err()
            .map(|e| e.key)
        };
        assert_eq!(d("hub_org", "service_agency", "active", "/440308/"), None);
        assert_eq!(
            d("federation", "association", "active", "/440308/002/001/"),
            None
        );
        assert_eq!(
            d("federation", "community_org", "filed", "/440308/002/"),
            None
        );
        assert_eq!(
            d("federation", "foundation", "active", "/440308/002/"),
            Some("org.federation_needs_members")
        );
        assert_eq!(
            d("hub_org", "association", "deregistered", "/440308/002/"),
            Some("org.hub_not_active")
        );
        assert_eq!(
            d("club", "association", "active", "/440308/002/"),
            Some("org.hub_kind_unknown")
        );
        assert_eq!(
            d("hub_org", "association", "active", "/440308/001/"),
            Some("org.hub_reach_outside")
        );
        let hub = MemberSide {
            id: uuid::Uuid::from_u128(1),
            path: "/440308/002/",
            state: "active",
        };
        let member = |id: u128, path: &'static str, state: &'static str| MemberSide {
            id: uuid::Uuid::from_u128(id),
            path,
            state,
        };
        let keys = |r: Result<(), ValidationErrors>| -> Vec<&'static str> {
            r.err()
                .map(|e| e.0.into_iter().map(|f| f.key).collect())
                .unwrap_or_default()
        };
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert!(
            check_joining(
                &hub,
                &member(2, "/440308/002/001/", "filed"),
                day(1),
                today()
            )
            .is_ok()
        );
        assert_eq!(
            keys(check_joining(
                &hub,
                &member(1, "/440308/002/", "active"),
                day(1),
                today()
            )),
            vec!["org.member_is_hub"]
        );
        assert_eq!(
            keys(check_joining(
                &hub,
                &member(3, "/440308/001/001/", "active"),
                day(23),
                today()
            )),
            vec!["org.member_outside_hub", "org.date_in_future"]
        );
        assert_eq!(
            keys(check_joining(
                &hub,
                &member(4, "/440308/002/001/", "submitted"),
                day(1),
                today()
            )),
            vec!["org.member_not_active"]
        );
        assert!(check_leaving(day(1), day(1), today()).is_ok());
        assert_eq!(
            keys(check_leaving(day(2), day(1), today())),
            vec!["org.left_before_joined"]
        );
        assert_eq!(
            keys(check_leaving(day(2), day(23), today())),
            vec!["org.date_in_future"]
        );
    }

    #[test]
    fn lifecycle_is_well_formed() {
        LIFECYCLE.validate().unwrap();
        KEY_FACT_CHANGE.validate().unwrap();
    }

    #[test]
    fn a_community_organizations_change_passes_the_community_first() {
        let ctx = |needs: bool, state: &str| ChangeCtx {
            needs_community_review: needs,
            state: state.into(),
        };
        assert!(reviewed_if_needed(&ctx(true, "submitted")).is_err());
        assert!(reviewed_if_needed(&ctx(true, "community_reviewed")).is_ok());
        assert!(reviewed_if_needed(&ctx(false, "submitted")).is_ok());
        let facts = KeyFacts {
            name: Some("新名字".into()),
            territory: Some(" ".into()),
            ..Default::default()
        };
        let applied = facts.apply(base());
        assert_eq!(applied.name, "新名字");
        assert_eq!(applied.territory, "440308002001", "blank means unchanged");
    }

    #[test]
    fn a_community_org_needs_no_uscc() {
        let v = validate(&base(), today(), &cats()).unwrap();
        assert_eq!(v.tier, Tier::Filed);
        assert_eq!(
            v.person_in_charge_id.unwrap().masked(),
            "1101**********002X"
        );
    }

    #[test]
    fn registered_forms_need_a_matching_uscc() {
        let mut i = base();
        i.legal_form = "service_agency".into();
        i.tier = "registered".into();
        i.registered_on = NaiveDate::from_ymd_opt(2020, 1, 1);
        assert_eq!(
            codes(validate(&i, today(), &cats())),
            vec![("uscc".to_string(), "org.uscc_required")]
        );
        i.uscc = Some("53100000500021676K".into());
        assert_eq!(
            codes(validate(&i, today(), &cats())),
            vec![("uscc".to_string(), "org.uscc_form_mismatch")]
        );
        i.legal_form = "foundation".into();
        assert!(validate(&i, today(), &cats()).is_ok());
        i.uscc = Some("53100000500021676X".into());
        assert_eq!(
            codes(validate(&i, today(), &cats())),
            vec![("uscc".to_string(), "uscc.check")]
        );
    }

    #[test]
    fn tiers_and_forms_must_agree() {
        let mut i = base();
        i.tier = "registered".into();
        assert!(
            codes(validate(&i, today(), &cats()))
                .iter()
                .any(|(_, k)| *k == "org.community_not_registered")
        );
        let mut i = base();
        i.legal_form = "association".into();
        assert!(
            codes(validate(&i, today(), &cats()))
                .iter()
                .any(|(_, k)| *k == "org.registered_form_needs_registration")
        );
    }

    #[test]
    fn dates_counts_categories_and_ids_are_checked() {
        let mut i = base();
        i.founded_on = NaiveDate::from_ymd_opt(2027, 1, 1);
        i.categories = vec!["nope".into()];
        i.person_in_charge_id = Some("110105194912310021".into());
        i.staff_count = Some(2);
        i.social_worker_count = Some(3);
        i.contact_phone = Some("12345".into());
        let mut got: Vec<&str> = codes(validate(&i, today(), &cats()))
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                "id_card.check",
                "org.category_unknown",
                "org.date_in_future",
                "org.social_workers_exceed_staff",
                "phone.invalid"
            ]
        );
    }
}

//! The route walk's records, declared by each module (`Module::walk`): the walk tests every
//! route against records of street B (海山) and needs no per-module fixture code of its own.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use gongzhi_kernel::authz::Role;

use super::TestApp;
use crate::module::Module;

/// The test district: 盐田区 with two streets (A = 沙头角 001, B = 海山 002) and a community in
/// each. The walk's records all lie in street B; its foreign user works in street A.
pub const DISTRICT: &str = "440308000000";
pub const STREET_A: &str = "440308001000";
pub const COMMUNITY_A: &str = "440308001001";
pub const STREET_B: &str = "440308002000";
pub const COMMUNITY_B: &str = "440308002001";

/// Values for the placeholders of route paths and probes (`{org_id}` → an id), and `as:<role>`
/// → the username of a user holding that role where the records are.
pub type WalkValues = HashMap<&'static str, String>;

pub type WalkFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// One batch of records a module adds for the walk.
pub struct WalkStage {
    /// Unique across modules, named in other stages' `after`.
    pub name: &'static str,
    /// Stages whose records (and values) this one builds on; built first.
    pub after: &'static [&'static str],
    /// The values it adds. A stage is built only when a route names one of them, so costly
    /// records (a contract's whole history) are made only for the routes that need them.
    pub provides: &'static [&'static str],
    /// Path prefixes whose routes need these records though they name none of the values (a
    /// form that picks from the catalog in force).
    pub serves: &'static [&'static str],
    pub build: for<'a> fn(&'a TestApp, &'a mut WalkValues) -> WalkFuture<'a>,
}

/// The value that names a user of `role` in the walk's records.
pub fn as_role(role: Role) -> String {
    format!("as:{}", role.as_str())
}

impl TestApp {
    /// A fresh database with the test district's territory.
    pub async fn with_district(modules: Vec<Arc<dyn Module>>) -> TestApp {
        let app = TestApp::new(modules).await;
        app.node(DISTRICT, "盐田区", "district").await;
        app.node(STREET_A, "沙头角街道", "street").await;
        app.node(COMMUNITY_A, "中英街社区", "community").await;
        app.node(STREET_B, "海山街道", "street").await;
        app.node(COMMUNITY_B, "田东社区", "community").await;
        app
    }

    /// Build the stages of `modules` a route at `path` needs, given the values it names
    /// (`None`: every stage), each once and after what it builds on; return their values.
    pub async fn walk(
        &self,
        modules: &[Arc<dyn Module>],
        wanted: Option<(&str, &[String])>,
    ) -> WalkValues {
        let stages: Vec<WalkStage> = modules.iter().flat_map(|m| m.walk()).collect();
        let mut order = Vec::new();
        for s in &stages {
            let want = match wanted {
                None => true,
                Some((path, names)) => {
                    s.provides.iter().any(|p| names.iter().any(|x| x == p))
                        || s.serves.iter().any(|prefix| path.starts_with(prefix))
                }
            };
            if want {
                plan(&stages, s.name, &mut order, &mut Vec::new());
            }
        }
        let mut values = WalkValues::new();
        for name in order {
            let s = stages.iter().find(|s| s.name == name).unwrap();
            (s.build)(self, &mut values).await;
            for p in s.provides {
                assert!(
                    values.contains_key(p),
                    "walk stage {} says it provides {p} but did not add it",
                    s.name
                );
            }
        }
        values
    }
}

/// The district's administrator, signed in with a token.
pub async fn district_admin(app: &TestApp) -> super::TestClient {
    app.user("qu.admin", &[(Role::DistrictAdmin, DISTRICT)])
        .await
}

/// Street A's administrator, signed in with a token.
pub async fn street_admin_a(app: &TestApp) -> super::TestClient {
    app.user("a.admin", &[(Role::StreetAdmin, STREET_A)]).await
}

/// Depth-first: what `name` builds on, then `name`; refuses unknown names and cycles.
fn plan(
    stages: &[WalkStage],
    name: &'static str,
    order: &mut Vec<&'static str>,
    path: &mut Vec<&'static str>,
) {
    if order.contains(&name) {
        return;
    }
    assert!(
        !path.contains(&name),
        "walk stages in a circle: {path:?} → {name}"
    );
    let s = stages
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no walk stage named {name}"));
    path.push(name);
    for a in s.after {
        plan(stages, a, order, path);
    }
    path.pop();
    order.push(name);
}

/// Every value the stages of `modules` declare, once: no two stages may provide the same one.
pub fn provided(modules: &[Arc<dyn Module>]) -> HashSet<&'static str> {
    let mut seen = HashSet::new();
    for s in modules.iter().flat_map(|m| m.walk()) {
        for p in s.provides {
            assert!(seen.insert(*p), "two walk stages provide {p}");
        }
    }
    seen
}

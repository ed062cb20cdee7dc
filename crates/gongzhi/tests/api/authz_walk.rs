//! Walk every route the router has (from the route registry, so new routes are covered without
//! editing this test) and prove: anonymous → 401; a user of another street → 403 or 404, for
//! reads and writes alike; and, so that the refusals mean something, the district admin's same
//! request is not refused.

use axum::http::{Method, StatusCode};
use gongzhi_kernel::authz::Role;
use gongzhi_platform::testing::{TestApp, TestClient, WalkValues, as_role, provided};
use gongzhi_platform::web::{Access, RouteDef};
use serde_json::{Value, json};

use super::fixture::*;

/// The placeholders a route's path and probe name (`{org_id}` → `org_id`).
fn names(route: &RouteDef) -> Vec<String> {
    let text = format!(
        "{} {} {}",
        route.path,
        route.probe.map(|p| p.query).unwrap_or(""),
        route.probe.and_then(|p| p.body).unwrap_or("")
    );
    let mut out = Vec::new();
    for (i, _) in text.match_indices('{') {
        let rest = &text[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() && rest[name.len()..].starts_with('}') && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The walk's records a route needs: those its placeholders name and, when the district admin
/// may not make its request, a user of a role that may. Only these are built, so a route's
/// probe runs on a small database.
async fn values_for(app: &TestApp, route: &RouteDef) -> WalkValues {
    let mut wanted = names(route);
    if let Access::Permission(p) = route.access
        && !app.state.policy.role_has(Role::DistrictAdmin, p)
    {
        wanted.extend(
            Role::ALL
                .into_iter()
                .filter(|r| app.state.policy.role_has(*r, p))
                .map(as_role),
        );
    }
    app.walk(&gongzhi::modules(), Some((route.path, &wanted)))
        .await
}

fn fill(template: &str, values: &WalkValues, route: &RouteDef) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    // Any `{name}` left is a path parameter or placeholder the fixture does not know yet.
    for (i, _) in out.match_indices('{') {
        let rest = &out[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        assert!(
            name.is_empty() || !rest[name.len()..].starts_with('}'),
            "{} {}: no walk stage gave {{{name}}} (see the module's testing::walk)",
            route.method,
            route.path
        );
    }
    out
}

fn is_page(route: &RouteDef) -> bool {
    !route.path.starts_with("/api/")
}

async fn call(client: &TestClient, route: &RouteDef, values: &WalkValues) -> (StatusCode, String) {
    let path = fill(route.path, values, route);
    let (query, body) = match &route.probe {
        Some(p) => (
            fill(p.query, values, route),
            p.body
                .map(|b| (p.content_type, fill(b, values, route).into_bytes())),
        ),
        None => (String::new(), None),
    };
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let body = match (body, route.method.clone()) {
        (Some(b), _) => Some(b),
        (None, m) if m != Method::GET => Some(("application/json", b"{}".to_vec())),
        _ => None,
    };
    let r = client.send(route.method.clone(), &uri, body).await;
    let location = r
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (r.status, format!("{location} {}", r.text()))
}

fn guarded(route: &RouteDef) -> bool {
    route.access != Access::Public
}

/// Routes that act only on the caller's own things and name no record.
fn own_only(route: &RouteDef) -> bool {
    route.access == Access::SignedIn && !route.path.contains('{')
}

#[tokio::test]
async fn every_route_refuses_anonymous_and_foreign_users() {
    let app = app().await;
    // Every placeholder a route names is given by exactly one module's walk stage.
    let modules = gongzhi::modules();
    let known = provided(&modules);
    for route in app.state.routes.iter().filter(|r| guarded(r)) {
        for name in names(route) {
            assert!(
                known.contains(name.as_str()),
                "{} {}: no walk stage provides {{{name}}}; add it to the module's testing::walk",
                route.method,
                route.path
            );
        }
    }
    let values = app.walk(&modules, None).await;
    // A user holding every territory role in street A.
    let foreigner = app
        .user(
            "a.everything",
            &[
                (Role::StreetAdmin, STREET_A),
                (Role::Supervisor, STREET_A),
                (Role::Reviewer, STREET_A),
                (Role::Evaluator, STREET_A),
                (Role::CommunityAdmin, COMMUNITY_A),
                (Role::Resident, COMMUNITY_A),
                (Role::Volunteer, COMMUNITY_A),
                (Role::PartyMember, COMMUNITY_A),
                (Role::Merchant, COMMUNITY_A),
                (Role::CommunityLeader, COMMUNITY_A),
            ],
        )
        .await;
    let anon = app.anon();
    let routes = app.state.routes.clone();
    assert!(
        routes.len() >= 20,
        "expected the whole router, got {} routes",
        routes.len()
    );
    let mut checked = 0;
    for route in routes.iter().filter(|r| guarded(r)) {
        let (status, body) = call(&anon, route, &values).await;
        if is_page(route) {
            assert!(
                status == StatusCode::SEE_OTHER && body.starts_with("/login?next="),
                "anonymous page {} {} must go to sign-in, got {status}: {body}",
                route.method,
                route.path
            );
        } else {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "anonymous {} {}: {body}",
                route.method,
                route.path
            );
        }
        if !own_only(route) {
            let (status, body) = call(&foreigner, route, &values).await;
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                "street A user on street B's {} {} got {status}: {body}",
                route.method,
                route.path
            );
        }
        checked += 1;
    }
    assert!(checked >= 15);
}

/// Who may make a route's probe: the district admin; for what only another role does
/// (a reviewer's scores, an organization's bid), the walk's user of that role.
async fn rightful(app: &TestApp, route: &RouteDef, values: &WalkValues) -> TestClient {
    let Access::Permission(p) = route.access else {
        panic!("{} {} is not a permission route", route.method, route.path)
    };
    if app.state.policy.role_has(Role::DistrictAdmin, p) {
        return district_admin(app).await;
    }
    let who = Role::ALL
        .into_iter()
        .filter(|r| app.state.policy.role_has(*r, p))
        .find_map(|r| values.get(as_role(r).as_str()))
        .unwrap_or_else(|| {
            panic!(
                "{} {}: no walk stage provides a user of a role holding {}; add as:<role> to one",
                route.method, route.path, p.0
            )
        });
    app.login(who).await
}

#[tokio::test]
async fn probes_succeed_for_their_rightful_user() {
    // Each on a fresh database, so one route's change cannot hide another's refusal.
    let routes = TestApp::new(gongzhi::modules()).await.state.routes.clone();
    for route in routes
        .iter()
        .filter(|r| matches!(r.access, Access::Permission(_)))
    {
        let app = app().await;
        let values = values_for(&app, route).await;
        let admin = rightful(&app, route, &values).await;
        let (status, body) = call(&admin, route, &values).await;
        assert!(
            (status.is_success() || (is_page(route) && status == StatusCode::SEE_OTHER)),
            "district admin on {} {} got {status} (the route's probe must describe a request that succeeds): {body}",
            route.method,
            route.path
        );
    }
    // Every page and answer above found its messages, including keys built at run time.
    let missing = gongzhi_platform::i18n::missing_keys();
    assert!(
        missing.is_empty(),
        "messages asked for and in no catalog: {missing:?}"
    );
}

/// Where an operation's request body carries money: `_fen` integers and yuan strings
/// (`price_min`, `price_max`), as paths of object keys with `*` for array items.
fn money_fields(doc: &Value, schema: &Value, at: &[String], out: &mut Vec<Vec<String>>) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    for variant in ["allOf", "oneOf", "anyOf"] {
        for s in schema[variant].as_array().into_iter().flatten() {
            money_fields(doc, s, at, out);
        }
    }
    if let Some(items) = schema.get("items") {
        let mut here = at.to_vec();
        here.push("*".into());
        money_fields(doc, items, &here, out);
    }
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        let mut here = at.to_vec();
        here.push(name.clone());
        if name.ends_with("_fen") || name == "price_min" || name == "price_max" {
            out.push(here.clone());
        }
        money_fields(doc, prop, &here, out);
    }
}

/// Set every value at `path` (`*` = each item) to `v`; false when the body has none there.
fn set_at(body: &mut Value, path: &[String], v: &Value) -> bool {
    let Some((head, rest)) = path.split_first() else {
        *body = v.clone();
        return true;
    };
    match (head.as_str(), body) {
        ("*", Value::Array(items)) => {
            let mut any = false;
            for x in items.iter_mut() {
                any |= set_at(x, rest, v);
            }
            any
        }
        (k, Value::Object(map)) => map.get_mut(k).is_some_and(|x| set_at(x, rest, v)),
        _ => false,
    }
}

/// Amounts no input may take: beyond i64, at its ends, negative, zero, past every ceiling,
/// fractions of a fen, text; and random integers at or below zero or past every ceiling.
fn extremes(yuan_text: bool) -> Vec<Value> {
    // Random on every run (set PROPTEST_RNG_SEED to repeat one).
    let mut runner = proptest::test_runner::TestRunner::default();
    use proptest::strategy::{Strategy, ValueTree};
    // Zero or less, or past the largest ceiling (a budget line's ¥10,000,000,000).
    let invalid = proptest::prop_oneof![i64::MIN..=0i64, 1_000_000_000_001i64..=i64::MAX];
    let random: Vec<i64> = (0..4)
        .map(|_| invalid.new_tree(&mut runner).unwrap().current())
        .collect();
    if yuan_text {
        let mut v: Vec<Value> = [
            "92233720368547758.07",
            "92,233,720,368,547,758.08",
            "-1",
            "1e30",
            "100000000000",
            "0.001",
        ]
        .iter()
        .map(|s| json!(s))
        .collect();
        v.extend(
            random
                .iter()
                .map(|n| json!(format!("{}.{:02}", n / 100, (n % 100).abs()))),
        );
        return v;
    }
    let mut v = vec![
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        // One fen over the largest ceiling (a budget line, ¥10,000,000,000).
        json!(1_000_000_000_001i64),
        json!(1.5),
        json!(1e300),
        json!("100"),
    ];
    v.extend(random.iter().map(|n| json!(n)));
    v
}

#[tokio::test]
async fn every_money_input_refuses_extremes_and_changes_nothing() {
    let base = TestApp::new(gongzhi::modules()).await;
    let doc: Value = serde_json::from_slice(&base.state.openapi).unwrap();
    let routes = base.state.routes.clone();
    drop(base);
    let mut exercised = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]
                .get("application/json")
                .map(|c| &c["schema"])
            else {
                continue;
            };
            let mut fields = Vec::new();
            money_fields(&doc, schema, &[], &mut fields);
            if fields.is_empty() {
                continue;
            }
            let route = routes
                .iter()
                .find(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method))
                .unwrap();
            let probe = route.probe.and_then(|p| p.body).unwrap_or_else(|| {
                panic!(
                    "{method} {path} takes money: give it a JSON probe that carries every amount"
                )
            });
            let app = app().await;
            let values = values_for(&app, route).await;
            let user = rightful(&app, route, &values).await;
            let body: Value = serde_json::from_str(&fill(probe, &values, route)).unwrap();
            let uri = fill(route.path, &values, route);
            let before = app.count("audit_entries").await;
            for field in &fields {
                let mut probe_has_it = body.clone();
                assert!(
                    set_at(&mut probe_has_it, field, &Value::Null),
                    "{method} {path}: the probe must carry {}",
                    field.join(".")
                );
                let yuan = field.last().is_some_and(|f| !f.ends_with("_fen"));
                for extreme in extremes(yuan) {
                    let mut b = body.clone();
                    set_at(&mut b, field, &extreme);
                    let r = user
                        .send(
                            route.method.clone(),
                            &uri,
                            Some(("application/json", b.to_string().into_bytes())),
                        )
                        .await;
                    assert_eq!(
                        r.status,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "{method} {path} with {} = {extreme}: {}",
                        field.join("."),
                        r.text()
                    );
                    let named = field.iter().rfind(|s| *s != "*").unwrap();
                    assert!(
                        r.error_fields().iter().any(|f| f.contains(named.as_str())),
                        "{method} {path} with {} = {extreme} names the field: {}",
                        field.join("."),
                        r.text()
                    );
                }
                exercised += 1;
                println!("money input {method} {path} {}", field.join("."));
            }
            assert_eq!(
                app.count("audit_entries").await,
                before,
                "{method} {path}: a refused amount changed something"
            );
            // The desks that summed unbounded amounts answer, and the plain probe still works.
            let street = app.user("b.desk", &[(Role::StreetAdmin, STREET_B)]).await;
            let district = app
                .user("qu.desk", &[(Role::DistrictAdmin, DISTRICT)])
                .await;
            for who in [street, district] {
                let q = who.get("/api/v1/purchase-queue").await;
                assert_eq!(q.status, StatusCode::OK, "{}", q.text());
            }
            let (status, text) = call(&user, route, &values).await;
            assert!(
                status.is_success(),
                "{method} {path}: the probe itself: {status} {text}"
            );
        }
    }
    assert!(exercised >= 12, "only {exercised} money inputs found");
}

//! The OpenAPI document, made exact from what the router knows. Modules describe their
//! operations with utoipa; here every operation gets the error answers the platform gives
//! (problem+json, as `AppError` renders them), public routes are marked as needing no
//! credentials, and two modules naming different schemas alike is refused.

use serde_json::{Map, Value, json};

use super::{Access, RouteDef};

/// Merge the modules' documents; a schema name two modules define differently is an error
/// (the merge would silently keep one and describe the other's answers wrongly).
pub fn merge(docs: Vec<utoipa::openapi::OpenApi>) -> anyhow::Result<Value> {
    let mut merged: Option<Value> = None;
    for doc in docs {
        let doc = serde_json::to_value(doc)?;
        let Some(m) = merged.as_mut() else {
            merged = Some(doc);
            continue;
        };
        // Operations by path and method; schemas by name.
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let ours = m["paths"][path.as_str()]
                .as_object_mut()
                .map(std::mem::take)
                .unwrap_or_default();
            let mut ours = ours;
            for (method, op) in item.as_object().into_iter().flatten() {
                anyhow::ensure!(
                    !ours.contains_key(method),
                    "OpenAPI operation {method} {path} is described by two modules"
                );
                ours.insert(method.clone(), op.clone());
            }
            m["paths"][path.as_str()] = Value::Object(ours);
        }
        for (name, schema) in doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
        {
            match m["components"]["schemas"].get(name) {
                Some(existing) if existing != schema => anyhow::bail!(
                    "OpenAPI schema `{name}` is defined twice, differently: give one a distinct name (#[schema(as = …)])"
                ),
                Some(_) => {}
                None => m["components"]["schemas"][name.as_str()] = schema.clone(),
            }
        }
        for t in doc["tags"].as_array().into_iter().flatten() {
            if !m["tags"].as_array().is_some_and(|all| all.contains(t)) {
                match m["tags"].as_array_mut() {
                    Some(all) => all.push(t.clone()),
                    None => m["tags"] = json!([t]),
                }
            }
        }
    }
    Ok(merged.unwrap_or_else(|| json!({"openapi": "3.1.0", "paths": {}})))
}

const PROBLEM: &str = "application/problem+json";

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// Complete every operation: errors as problem documents, the statuses the platform can answer
/// for that kind of route, and `security` as the route's access says.
/// An operation no route serves is an error: the document must describe the server.
pub fn finish(doc: &mut Value, routes: &[RouteDef]) -> anyhow::Result<()> {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for (method, op) in item.iter_mut() {
            let Value::Object(op) = op else { continue };
            let route = routes
                .iter()
                .find(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method))
                .ok_or_else(|| {
                    anyhow::anyhow!("OpenAPI describes {method} {path}, which no route serves")
                })?;
            finish_operation(path, op, route.access);
        }
    }
    Ok(())
}

fn finish_operation(path: &str, op: &mut Map<String, Value>, access: Access) {
    // Every body the API takes is required (a JSON input, a file, a table).
    if let Some(Value::Object(body)) = op.get_mut("requestBody") {
        body.insert("required".into(), json!(true));
    }
    let has_body = op.contains_key("requestBody");
    let has_params = path.contains('{')
        || op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty());
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses object");
    // Errors are problem documents, whatever the module wrote.
    for (status, r) in responses.iter_mut() {
        let is_error = status == "default" || status.starts_with('4') || status.starts_with('5');
        if !is_error {
            continue;
        }
        if let Some(Value::Object(content)) = r.get_mut("content")
            && let Some(schema) = content.remove("application/json")
        {
            content.insert(PROBLEM.into(), schema);
        }
    }
    let mut add = |status: &str, why: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(why));
    };
    if has_body {
        add(
            "400",
            "The body is not valid JSON, or the request cannot be read",
        );
        add("413", "The body is too large");
        add("415", "The body is not of the documented content type");
    }
    if has_body || has_params {
        add(
            "422",
            "A field is missing, of the wrong type, or fails a rule; `errors` names each field",
        );
    }
    if path.contains('{') {
        add(
            "404",
            "No such record, or a path parameter that names nothing",
        );
    }
    if access != Access::Public {
        add("401", "Not signed in (bearer token or session cookie)");
        add(
            "403",
            "Signed in, but without the permission for this record's scope",
        );
    }
    add("default", "Any other error, as a problem document");
    if access == Access::Public {
        // Anyone may call it: credentials are optional.
        op.insert("security".into(), json!([{}]));
    }
}

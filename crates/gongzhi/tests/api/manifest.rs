//! What every module brings through its manifest, checked over the module list as a whole: the
//! message catalogs against the source that asks for messages, templates free of Chinese text,
//! and the workflows (a property test over every registered definition). Nothing here names a
//! module: a new one is checked by being in `gongzhi::modules()`.

use std::path::{Path, PathBuf};

use gongzhi_platform::i18n;

/// Every crate of the workspace (`crates/*`).
fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("crates dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    out.sort();
    out
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn register_all() {
    for m in gongzhi::modules() {
        i18n::register(m.name(), m.messages()).unwrap();
    }
}

/// Scan the source for message keys (string literals passed to the calls that produce
/// messages) and require each in some catalog, so a typo or a forgotten message fails here. A
/// key built at run time (`format!("catalog.kind.{}", …)`) needs at least one key under its
/// fixed prefix here; the route walk then fails on any key asked for and not found.
#[test]
fn every_key_used_in_code_is_in_a_catalog() {
    register_all();
    let keys = i18n::keys();
    let calls = [
        "field(",
        "FieldError::new(",
        ".add(",
        "Conflict(",
        "BadRequest(",
        "CodeError::new(",
        "c.t(",
        "t_args(",
        "tr(",
        "tr_in(",
        "send(",
    ];
    let keyish = |lit: &str| {
        let parts: Vec<&str> = lit.split('.').collect();
        parts.len() >= 2
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    };
    let mut missing = Vec::new();
    let mut built = 0;
    for krate in crates() {
        for path in files(&krate.join("src"))
            .into_iter()
            .chain(files(&krate.join("templates")))
        {
            let text = std::fs::read_to_string(&path).expect("read");
            // Unit tests (at the end of a file) use keys of their own.
            let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
            for call in calls {
                for (at, _) in text.match_indices(call) {
                    // The call's arguments: up to the first `)` (keys are plain literals).
                    let args = &text[at + call.len()..];
                    let args = &args[..args.find(')').unwrap_or(args.len()).min(200)];
                    // `field("a.b", key)` and `FieldError::new("a.b", key)` name a field
                    // first (a nested one looks like a key): skip that literal.
                    let names_field = matches!(call, "field(" | "FieldError::new(");
                    if names_field && args.trim_start().starts_with("&format!(") {
                        continue;
                    }
                    let names_field = names_field && args.trim_start().starts_with('"');
                    let skip = if names_field { 1 } else { 0 };
                    for lit in args.split('"').skip(1).step_by(2).skip(skip) {
                        if keyish(lit) && !keys.contains(lit) {
                            missing.push(format!("{}: {lit}", path.display()));
                        }
                    }
                    // `&format!("prefix.{…}"`: a key built at run time.
                    if let Some(rest) = args.trim_start().strip_prefix("&format!(\"") {
                        let prefix = &rest[..rest.find('{').unwrap_or(0)];
                        if prefix.ends_with('.') && keyish(&format!("{prefix}x")) {
                            built += 1;
                            if !keys.iter().any(|k| k.starts_with(prefix)) {
                                missing.push(format!("{}: {prefix}…", path.display()));
                            }
                        }
                    }
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "keys in no catalog: {missing:#?}");
    assert!(built > 50, "the scan saw {built} keys built at run time");
}

/// Templates hold no Chinese text of their own: every visible string goes through a catalog.
#[test]
fn templates_contain_no_chinese_text() {
    let mut seen = 0;
    for krate in crates() {
        for path in files(&krate.join("templates")) {
            seen += 1;
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                let cjk = line.chars().find(|c| {
                    matches!(*c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
                });
                assert!(
                    cjk.is_none(),
                    "{}:{}: Chinese text outside the catalog: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
    assert!(seen > 20, "saw only {seen} templates");
}

/// Over every workflow the modules register: random walks from the initial state take only
/// declared transitions into declared states, under permissions some module declares, and stop
/// only in a declared terminal state; and from every state a terminal one can still be reached.
#[test]
fn every_registered_workflow_walks_only_where_it_declares() {
    use proptest::prelude::*;
    let modules = gongzhi::modules();
    let policy = gongzhi_kernel::authz::Policy::new(modules.iter().flat_map(|m| m.permissions()));
    let flows: Vec<_> = modules.iter().flat_map(|m| m.workflows()).collect();
    assert!(
        flows.len() >= 10,
        "only {} workflows registered",
        flows.len()
    );
    for w in &flows {
        w.validate().unwrap();
        let edges = w.edges();
        let out_of = |s: &str| -> Vec<_> { edges.iter().filter(|e| e.from.contains(&s)).collect() };
        // From every state some terminal state is reachable (no trap without a way out).
        for s in w.states() {
            let mut seen = std::collections::BTreeSet::from([*s]);
            let mut todo = vec![*s];
            while let Some(x) = todo.pop() {
                for e in out_of(x) {
                    if seen.insert(e.to) {
                        todo.push(e.to);
                    }
                }
            }
            assert!(
                seen.iter().any(|x| w.terminal().contains(x)) || w.terminal().is_empty(),
                "{}: no terminal state can be reached from {s}",
                w.name()
            );
        }
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&proptest::collection::vec(any::<usize>(), 0..60), |picks| {
                let mut at = w.initial();
                for pick in picks {
                    let next = out_of(at);
                    if next.is_empty() {
                        prop_assert!(
                            w.terminal().contains(&at),
                            "{}: stuck in {at}, which is not terminal",
                            w.name()
                        );
                        break;
                    }
                    let e = next[pick % next.len()];
                    prop_assert!(w.states().contains(&e.to));
                    prop_assert!(policy.is_known(e.permission), "{}: {}", w.name(), e.name);
                    prop_assert!(!w.terminal().contains(&at));
                    at = e.to;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", w.name()));
    }
}

/// A module uses another only through its face (and the manifest and permissions at its crate
/// root): the compiler refuses the insides in a normal build, and this scan refuses them in a
/// test build too, where the binary's tests turn the feature `testing` on for every module.
#[test]
fn no_module_reaches_into_another() {
    let modules: Vec<(String, PathBuf)> = crates()
        .into_iter()
        .filter(|c| {
            std::fs::read_to_string(c.join("src/lib.rs"))
                .is_ok_and(|t| t.contains("gongzhi_platform::insides!("))
        })
        .map(|c| {
            let name = c.file_name().unwrap().to_string_lossy().replace('-', "_");
            (format!("gongzhi_{name}"), c)
        })
        .collect();
    assert!(modules.len() >= 4, "found {} module crates", modules.len());
    let allowed = |item: &str| item == "face" || item.starts_with(|c: char| c.is_uppercase());
    let mut bad = Vec::new();
    for (me, dir) in &modules {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        for line in manifest.lines() {
            // A module's own `testing` feature may forward to its dependencies' (test builds
            // only), and its own tests may open its insides and the platform's harness; no
            // dependency line may switch another module's insides on.
            if line.contains("gongzhi-")
                && line.contains("testing")
                && !line.starts_with("testing = [")
                && !line.starts_with(&format!("{} = {{ path = \".\"", me.replace('_', "-")))
                && !line.starts_with("gongzhi-platform =")
            {
                bad.push(format!("{}: {line}", dir.join("Cargo.toml").display()));
            }
        }
        let mut sources = files(&dir.join("src"));
        sources.extend(files(&dir.join("tests")));
        for path in sources {
            let text = std::fs::read_to_string(&path).unwrap();
            // Fixtures (and the module's own tests) build on other modules' fixtures.
            let allowed = |item: &str| {
                allowed(item)
                    || (item == "testing"
                        && (path.ends_with("src/testing.rs")
                            || path.starts_with(dir.join("tests"))))
            };
            for (other, _) in modules.iter().filter(|(o, _)| o != me) {
                let at = format!("{other}::");
                for (i, _) in text.match_indices(&at) {
                    let rest = &text[i + at.len()..];
                    let items: Vec<&str> = match rest.strip_prefix('{') {
                        Some(group) => group[..group.find('}').unwrap_or(0)]
                            .split(',')
                            .map(|s| s.trim().split("::").next().unwrap_or("").trim())
                            .filter(|s| !s.is_empty())
                            .collect(),
                        None => vec![
                            &rest[..rest
                                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .unwrap_or(rest.len())],
                        ],
                    };
                    for item in items.into_iter().filter(|i| !allowed(i)) {
                        bad.push(format!("{}: {other}::{item}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "modules reaching into another's insides: {bad:#?}"
    );
}

/// Workflow states are named once, in each module's `domain/state.rs`: no service, query or page
/// compares a record's state with a literal (seeds and fixtures, which write history, may).
#[test]
fn states_are_compared_by_name_not_by_literal() {
    let patterns = [
        ".state == \"",
        ".state != \"",
        "State.eq(\"",
        "State.ne(\"",
        "State.is_in([\"",
        "State.is_not_in([\"",
        "state.as_str(), \"",
        "Column::State, Expr::value(\"",
    ];
    let mut found = Vec::new();
    for dir in crates() {
        for path in files(&dir.join("src")) {
            let name = path.file_name().unwrap().to_string_lossy();
            if name == "seed.rs"
                || name == "testing.rs"
                || path.extension().is_none_or(|e| e != "rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if patterns.iter().any(|p| line.contains(p)) {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "compare states with the module's named states (domain/state.rs): {found:#?}"
    );
}

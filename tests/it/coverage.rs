//! Coverage of the GitLab v4 surface: every manager, attribute table, list
//! filter, wire type, sub-resource and custom action in the reference
//! (`tests/fixtures/gitlab-api-surface.json`, a copy of
//! `../shared/reference/gitlab-api-surface.json`) must be in the schema.
//!
//! The catalogue is the same JSON that `gitlab-codegen dump --format json`
//! prints (both come from `Catalogue::to_json`).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Action arguments python-gitlab's CLI requires that GitLab's API documents as
/// optional (object, action, argument); the schema keeps them optional and says so
/// in a comment, because the emulator and the Rust API follow GitLab.
const OPTIONAL_IN_GITLAB: &[(&str, &str, &str)] = &[("Namespace", "exists", "parent_id")];

/// python-gitlab arguments that name a local file it reads itself; GitLab takes
/// the content under another name (our `FilePart`/body argument).
const LOCAL_FILE_ARGS: &[(&str, &str, &[&str], &str)] = &[
    ("Project", "upload", &["filename", "filepath"], "file"),
    ("ProjectWiki", "upload", &["filename", "filepath"], "file"),
    ("GenericPackage", "upload", &["path"], "data"),
];

#[derive(Default)]
struct Tally {
    found: usize,
    total: usize,
}

struct Report {
    tallies: BTreeMap<&'static str, Tally>,
    missing: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn check(&mut self, kind: &'static str, ok: bool, what: impl FnOnce() -> String) {
        let t = self.tallies.entry(kind).or_default();
        t.total += 1;
        if ok {
            t.found += 1;
        } else {
            self.missing.push(format!("{kind}: {}", what()));
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn wire_type(reference: &str) -> &str {
    match reference {
        "array" => "array",
        "comma_separated" => "comma_separated",
        // Our `comma_separated` is a JSON array in bodies; a value that is one
        // comma-separated string everywhere is a plain string.
        "CommaSeparatedStringAttribute" => "string",
        "image" | "file" => "file",
        "JsonAttribute" => "json",
        "lowercase_string" => "lowercase",
        other => other,
    }
}

fn arg(a: &str) -> &str {
    // `from` is a Python keyword, so python-gitlab spells GitLab's `from` as `from_`.
    if a == "from_" {
        "from"
    } else {
        a
    }
}

#[test]
fn schema_covers_the_reference_surface() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("fixtures/gitlab-api-surface.json"))
            .expect("reference JSON"),
    )
    .expect("reference parses");
    let cat = codegen::load_dir(&root.join("../schema"))
        .unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    let dump: Value = serde_json::from_str(&cat.to_json()).expect("dump parses");

    let ours: BTreeMap<String, &Value> = dump["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| (r["manager"].as_str().unwrap_or_default().to_string(), r))
        .collect();
    let by_name: BTreeMap<String, &Value> = ours
        .values()
        .map(|r| (r["name"].as_str().unwrap_or_default().to_string(), *r))
        .collect();

    let mut rep = Report {
        tallies: BTreeMap::new(),
        missing: Vec::new(),
        notes: Vec::new(),
    };
    let managers = reference["managers"].as_object().expect("managers");
    let objects = reference["objects"].as_object().expect("objects");

    for (mname, m) in managers {
        let Some(r) = ours.get(mname) else {
            rep.check("resources", false, || {
                format!("{mname} has no schema entry")
            });
            continue;
        };
        rep.check("resources", true, String::new);
        let rpath = m["path"].as_str().unwrap_or_default().trim_end_matches('/');
        // Listings python-gitlab sends elsewhere than the manager's path (it
        // overrides `list()`); the schema's `create_path` keeps the other one.
        let rpath = match mname.as_str() {
            "UserProjectManager" => "/users/{user_id}/projects",
            _ => rpath,
        };
        rep.check("paths", r["path"].as_str() == Some(rpath), || {
            format!("{mname}: path {} vs reference {rpath}", r["path"])
        });
        let ops = strings(&r["operations"]);
        let ref_ops = strings(&m["operations"]);
        for op in &ref_ops {
            rep.check("operations", ops.contains(op), || {
                format!("{mname}: operation {op}")
            });
        }
        for table in ["create", "update"] {
            let t = &m[table];
            let has_any = ["required", "optional", "exclusive"]
                .iter()
                .any(|k| !strings(&t[*k]).is_empty());
            if !ref_ops.iter().any(|o| o == table) {
                if has_any {
                    rep.notes.push(format!(
                        "{mname}: the reference lists {table} attributes but no {table} operation (noted in the YAML)"
                    ));
                }
                continue;
            }
            let kind = if table == "create" {
                "create attrs"
            } else {
                "update attrs"
            };
            let o = &r[table];
            let o_req = strings(&o["required"]);
            let o_any: BTreeSet<String> = ["required", "optional", "exclusive"]
                .iter()
                .flat_map(|k| strings(&o[*k]))
                .collect();
            for a in strings(&t["required"]) {
                rep.check(kind, o_req.contains(&a), || {
                    format!("{mname}: required {table} attribute {a}")
                });
            }
            for a in strings(&t["optional"]) {
                rep.check(kind, o_any.contains(&a), || {
                    format!("{mname}: optional {table} attribute {a}")
                });
            }
            for a in strings(&t["exclusive"]) {
                rep.check(kind, strings(&o["exclusive"]).contains(&a), || {
                    format!("{mname}: exclusive {table} attribute {a}")
                });
            }
            if table == "update" {
                let want = m["update_method"].as_str().unwrap_or("PUT");
                rep.check(
                    "update methods",
                    r["update_method"].as_str() == Some(want),
                    || format!("{mname}: update_method {} vs {want}", r["update_method"]),
                );
            }
        }
        let filters = strings(&r["list_filters"]);
        for f in strings(&m["list_filters"]) {
            rep.check("list filters", filters.contains(&f), || {
                format!("{mname}: list filter {f}")
            });
        }
        let mentioned: BTreeSet<String> = ["create", "update"]
            .iter()
            .flat_map(|t| {
                ["required", "optional", "exclusive"]
                    .iter()
                    .flat_map(move |k| strings(&r[*t][*k]))
            })
            .chain(filters.iter().cloned())
            .chain(r["actions"].as_array().into_iter().flatten().flat_map(|a| {
                strings(&a["required"])
                    .into_iter()
                    .chain(strings(&a["optional"]))
            }))
            .collect();
        for (attr, t) in m["attr_types"].as_object().into_iter().flatten() {
            let want = wire_type(t.as_str().unwrap_or_default());
            if !mentioned.contains(attr) {
                // python-gitlab types an attribute that none of its tables use (e.g. the
                // typo `tasks_to_be_dones`); there is nothing to send it with.
                rep.notes.push(format!("{mname}: type for unused attribute '{attr}' not carried over (noted in the YAML)"));
                continue;
            }
            rep.check(
                "attr types",
                r["attr_types"][attr].as_str() == Some(want),
                || {
                    format!(
                        "{mname}: {attr} should be {want}, is {}",
                        r["attr_types"][attr]
                    )
                },
            );
        }
    }

    for (oname, o) in objects {
        let Some(r) = by_name.get(oname) else {
            let has = o["sub_managers"].as_object().is_some_and(|s| !s.is_empty())
                || o["cli_custom_actions"]
                    .as_object()
                    .is_some_and(|s| !s.is_empty());
            if has {
                rep.check("objects", false, || {
                    format!("{oname} has sub-resources or actions but no resource")
                });
            }
            continue;
        };
        for (acc, mgr) in o["sub_managers"].as_object().into_iter().flatten() {
            let want = mgr.as_str().unwrap_or_default().trim_end_matches("Manager");
            // Our accessors split python-gitlab's run-together names into words
            // (`mergerequests` -> `merge_requests`); the same name without underscores.
            let ours = r["sub_resources"]
                .as_object()
                .into_iter()
                .flatten()
                .find(|(k, _)| k.replace('_', "") == acc.replace('_', ""))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            rep.check("sub-resources", ours.as_str() == Some(want), || {
                format!("{oname}.{acc} -> {want} (have {ours})")
            });
        }
        let actions = r["actions"].as_array().cloned().unwrap_or_default();
        for (cli, a) in o["cli_custom_actions"].as_object().into_iter().flatten() {
            let found = actions.iter().find(|x| {
                x["cli_name"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x["name"].as_str().unwrap_or_default().replace('_', "-"))
                    == *cli
            });
            let Some(x) = found else {
                rep.check("actions", false, || format!("{oname}: action {cli}"));
                continue;
            };
            let mut problems = Vec::new();
            if let Some(http) = a["http"]
                .as_array()
                .and_then(|h| h.first())
                .and_then(Value::as_str)
            {
                let (method, list) = match http {
                    "list" => ("GET", true),
                    other => (other, false),
                };
                if !x["method"]
                    .as_str()
                    .unwrap_or_default()
                    .eq_ignore_ascii_case(method)
                {
                    problems.push(format!("method {} vs {method}", x["method"]));
                }
                if list && x["returns"].as_str() != Some("list") {
                    problems.push("should return a paginated list".to_string());
                }
            }
            if let Some(p) = a["path"].as_str() {
                // {manager_path}: the collection path of the resource named after the object.
                let mgr_path = r["path"].as_str().unwrap_or_default();
                let want = p
                    .replace("{manager_path}", mgr_path)
                    .replace("{from_}", "{from}");
                if x["path"].as_str() != Some(want.as_str()) {
                    problems.push(format!("path {} vs {want}", x["path"]));
                }
            }
            let ours_req = strings(&x["required"]);
            let ours_all: Vec<String> = ours_req
                .iter()
                .cloned()
                .chain(strings(&x["optional"]))
                .collect();
            let local = LOCAL_FILE_ARGS
                .iter()
                .find(|(o, n, _, _)| o == oname && n == cli);
            for a in strings(&a["required"]) {
                if let Some((_, _, args, to)) = local {
                    if args.contains(&a.as_str()) {
                        if !ours_req.iter().any(|r| r == to) {
                            problems
                                .push(format!("file argument {a} should map to required '{to}'"));
                        }
                        continue;
                    }
                }
                let optional_in_gitlab = OPTIONAL_IN_GITLAB
                    .iter()
                    .any(|(o, n, x)| o == oname && n == cli && *x == a);
                if optional_in_gitlab && ours_all.iter().any(|r| r == arg(&a)) {
                    continue;
                }
                if !ours_req.iter().any(|r| r == arg(&a)) {
                    problems.push(format!("required argument {a}"));
                }
            }
            for a in strings(&a["optional"]) {
                if !ours_all.iter().any(|r| r == arg(&a)) {
                    problems.push(format!("optional argument {a}"));
                }
            }
            rep.check("actions", problems.is_empty(), || {
                format!("{oname}.{cli}: {}", problems.join(", "))
            });
        }
    }

    let line = rep
        .tallies
        .iter()
        .map(|(k, t)| format!("{k} {}/{}", t.found, t.total))
        .collect::<Vec<_>>()
        .join(", ");
    println!("coverage: {line}");
    for n in &rep.notes {
        println!("note: {n}");
    }
    assert!(
        rep.missing.is_empty(),
        "coverage: {line}\n{} gaps:\n{}",
        rep.missing.len(),
        rep.missing.join("\n")
    );
    let resources = &rep.tallies["resources"];
    assert_eq!(resources.total, 240, "the reference has 240 managers");
    let actions = &rep.tallies["actions"];
    assert_eq!(actions.total, 153, "the reference has 153 custom actions");
}

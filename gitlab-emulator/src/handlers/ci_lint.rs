//! `/projects/:id/ci/lint`: a real check of CI/CD YAML, with GitLab's messages
//! for the mistakes it catches (content that is not a mapping, jobs without
//! `script:`, unknown job keys, stages that do not exist, a bad `script:`).
//! Local includes are read from the repository and `extends:` is expanded, so
//! `merged_yaml` is the configuration GitLab would run; other include kinds
//! cannot be fetched here and are left out.

use super::repo::resolve_sha;
use super::Ctx;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::Verb;
use crate::state::State;
use serde_json::{json, Value};
use serde_yaml::{Mapping, Value as Yaml};

/// Top-level keywords that are not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "spec",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// Keywords a job may use.
const JOB_KEYWORDS: &[&str] = &[
    "after_script",
    "allow_failure",
    "artifacts",
    "before_script",
    "cache",
    "coverage",
    "dast_configuration",
    "dependencies",
    "environment",
    "except",
    "extends",
    "hooks",
    "id_tokens",
    "identity",
    "image",
    "inherit",
    "interruptible",
    "manual_confirmation",
    "needs",
    "only",
    "pages",
    "parallel",
    "publish",
    "release",
    "resource_group",
    "retry",
    "rules",
    "run",
    "script",
    "secrets",
    "services",
    "stage",
    "start_in",
    "tags",
    "timeout",
    "trigger",
    "variables",
    "when",
];

/// GitLab's limit on `extends:` nesting.
const MAX_EXTENDS_DEPTH: usize = 11;
/// GitLab's limit on the number of included files.
const MAX_INCLUDES: usize = 150;

/// The linter's verdict, in GitLab's shape.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The configuration after includes and `extends:`, when it could be loaded.
    pub merged: Option<Mapping>,
    /// Files pulled in by `include: local`.
    pub includes: Vec<String>,
}

impl Verdict {
    fn error(e: impl Into<String>) -> Verdict {
        Verdict {
            errors: vec![e.into()],
            ..Verdict::default()
        }
    }
}

/// `GET` lints the project's own CI file on its default branch (or `sha`/`ref`);
/// `POST` lints `content`. Both answer 200, as GitLab does.
pub(super) fn handle(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let project = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let default = project.str("default_branch").unwrap_or("main").to_string();
    let ci_path = project
        .str("ci_config_path")
        .filter(|s| !s.is_empty())
        .unwrap_or(".gitlab-ci.yml")
        .to_string();
    let reference = p
        .nonblank("sha")
        .or_else(|| p.nonblank("content_ref"))
        .or_else(|| p.nonblank("ref"))
        .unwrap_or(default);
    let tree = resolve_sha(st, pid, &reference)
        .and_then(|sha| {
            st.repos
                .get(&pid)?
                .commits
                .get(&sha)
                .map(|c| c.tree.clone())
        })
        .unwrap_or_default();
    let read = |path: &str| {
        tree.get(path.trim_start_matches('/'))
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let content = if ctx.req.verb == Verb::Post {
        Some(p.required("content")?)
    } else {
        read(&ci_path)
    };
    let v = lint(content.as_deref(), &read);
    let mut out = json!({
        "valid": v.errors.is_empty(),
        "errors": v.errors,
        "warnings": v.warnings,
        "merged_yaml": v.merged.as_ref().map(dump),
        "includes": v.merged.as_ref().map(|_| {
            v.includes
                .iter()
                .map(|f| json!({"type": "local", "location": f, "blob": null, "raw": null,
                                "extra": {}, "context_project": null, "context_sha": null}))
                .collect::<Vec<_>>()
        }),
    });
    if p.bool("include_jobs")? == Some(true) {
        out["jobs"] = Value::Array(v.merged.as_ref().map(jobs_json).unwrap_or_default());
    }
    Ok(Reply::json(200, &out))
}

/// Lints `content`; `read` gives the text of a repository file for `include: local`.
pub(crate) fn lint(content: Option<&str>, read: &dyn Fn(&str) -> Option<String>) -> Verdict {
    let Some(content) = content.filter(|c| !c.trim().is_empty()) else {
        return Verdict::error("Please provide content of .gitlab-ci.yml");
    };
    let mut root = match load(content) {
        Ok(m) => m,
        Err(e) => return Verdict::error(e),
    };
    let mut v = Verdict::default();
    let mut unresolved = false;
    if let Err(e) = merge_includes(&mut root, read, &mut v.includes, &mut unresolved) {
        return Verdict::error(e);
    }
    if let Err(e) = expand_extends(&mut root) {
        return Verdict::error(e);
    }
    check(&root, unresolved, &mut v.errors);
    v.merged = Some(root);
    v
}

/// Parses one YAML document into a mapping with plain string keys (a Ruby
/// symbol key such as `:script` is `script`, as GitLab's loader reads it).
fn load(text: &str) -> Result<Mapping, String> {
    let mut y: Yaml = serde_yaml::from_str(text).map_err(|e| format!("(<unknown>): {e}"))?;
    y.apply_merge().map_err(|e| format!("(<unknown>): {e}"))?;
    match unsymbolize(y) {
        Yaml::Mapping(m) => Ok(m),
        _ => Err("Invalid configuration format".into()),
    }
}

fn unsymbolize(y: Yaml) -> Yaml {
    match y {
        Yaml::Mapping(m) => Yaml::Mapping(
            m.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Yaml::String(s) if s.len() > 1 && s.starts_with(':') => {
                            Yaml::String(s[1..].to_string())
                        }
                        other => other,
                    };
                    (k, unsymbolize(v))
                })
                .collect(),
        ),
        Yaml::Sequence(s) => Yaml::Sequence(s.into_iter().map(unsymbolize).collect()),
        Yaml::Tagged(t) => unsymbolize(t.value),
        other => other,
    }
}

/// The `local` files named by an `include:` value (a string, a `{local:}`
/// mapping, or a list of either); `unresolved` is set for other kinds.
fn local_includes(inc: &Yaml, unresolved: &mut bool) -> Vec<String> {
    match inc {
        Yaml::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            *unresolved = true;
            Vec::new()
        }
        Yaml::String(s) => vec![s.clone()],
        Yaml::Mapping(m) => match m.get("local").and_then(Yaml::as_str) {
            Some(s) => vec![s.to_string()],
            None => {
                *unresolved = true;
                Vec::new()
            }
        },
        Yaml::Sequence(items) => items
            .iter()
            .flat_map(|i| local_includes(i, unresolved))
            .collect(),
        _ => Vec::new(),
    }
}

/// Merges `include: local` files into `root` (the including file wins on a
/// clash, as in GitLab), following nested includes up to GitLab's file limit.
fn merge_includes(
    root: &mut Mapping,
    read: &dyn Fn(&str) -> Option<String>,
    seen: &mut Vec<String>,
    unresolved: &mut bool,
) -> Result<(), String> {
    let Some(inc) = root.remove("include") else {
        return Ok(());
    };
    for file in local_includes(&inc, unresolved) {
        if seen.contains(&file) {
            continue;
        }
        if seen.len() >= MAX_INCLUDES {
            return Err(format!(
                "Maximum of {MAX_INCLUDES} nested includes are allowed!"
            ));
        }
        seen.push(file.clone());
        let text = read(&file).ok_or_else(|| format!("Local file `{file}` does not exist!"))?;
        let mut included = load(&text)
            .map_err(|e| format!("Included file `{file}` does not have valid YAML syntax! {e}"))?;
        merge_includes(&mut included, read, seen, unresolved)?;
        for (k, v) in included {
            match (root.get_mut(&k), v) {
                (Some(Yaml::Mapping(mine)), Yaml::Mapping(theirs)) => {
                    *mine = deep_merge(theirs, std::mem::take(mine));
                }
                (Some(_), _) => {}
                (None, v) => {
                    root.insert(k, v);
                }
            }
        }
    }
    Ok(())
}

/// `over` merged onto `base`, mappings key by key (GitLab's deep merge).
fn deep_merge(base: Mapping, over: Mapping) -> Mapping {
    let mut out = base;
    for (k, v) in over {
        let merged = match (out.remove(&k), v) {
            (Some(Yaml::Mapping(b)), Yaml::Mapping(o)) => Yaml::Mapping(deep_merge(b, o)),
            (_, v) => v,
        };
        out.insert(k, merged);
    }
    out
}

/// Replaces each job's `extends:` with the jobs it names, merged underneath it.
fn expand_extends(root: &mut Mapping) -> Result<(), String> {
    let names: Vec<String> = root
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    for name in names {
        let expanded = resolve_job(root, &name, 0)?;
        if let Some(job) = expanded {
            root.insert(Yaml::String(name), Yaml::Mapping(job));
        }
    }
    Ok(())
}

fn resolve_job(root: &Mapping, name: &str, depth: usize) -> Result<Option<Mapping>, String> {
    let Some(Yaml::Mapping(job)) = root.get(name) else {
        return Ok(None);
    };
    let Some(ext) = job.get("extends") else {
        return Ok(Some(job.clone()));
    };
    if depth >= MAX_EXTENDS_DEPTH {
        return Err(format!("{name}: nesting too deep"));
    }
    let parents: Vec<String> = match ext {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => return Err(format!("{name}: invalid extends value")),
    };
    let mut base = Mapping::new();
    for parent in parents {
        if parent == name {
            return Err(format!("{name}: circular dependency detected in `extends`"));
        }
        let Some(p) = resolve_job(root, &parent, depth + 1)? else {
            return Err(format!("{name}: unknown key in `extends` ({parent})"));
        };
        base = deep_merge(base, p);
    }
    let mut own = job.clone();
    own.remove("extends");
    Ok(Some(deep_merge(base, own)))
}

/// The configuration's stages: `.pre`, the declared ones (or GitLab's
/// defaults), `.post`.
fn stages(root: &Mapping) -> Vec<String> {
    let declared: Vec<String> = match root.get("stages") {
        Some(Yaml::Sequence(s)) => s
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => vec!["build".into(), "test".into(), "deploy".into()],
    };
    let mut out = vec![".pre".to_string()];
    out.extend(declared.into_iter().filter(|s| s != ".pre" && s != ".post"));
    out.push(".post".into());
    out
}

/// The jobs of a configuration: every top-level key that is not a global keyword.
fn jobs(root: &Mapping) -> impl Iterator<Item = (&str, &Yaml)> {
    root.iter().filter_map(|(k, v)| {
        let k = k.as_str()?;
        (!GLOBAL_KEYWORDS.contains(&k)).then_some((k, v))
    })
}

/// A `script:` is a string or a list of strings nested up to 10 levels.
fn script_ok(y: &Yaml, depth: usize) -> bool {
    match y {
        Yaml::String(_) => true,
        Yaml::Sequence(items) if depth < 10 => items.iter().all(|i| script_ok(i, depth + 1)),
        _ => false,
    }
}

fn check(root: &Mapping, unresolved: bool, errors: &mut Vec<String>) {
    let stages = stages(root);
    let mut visible = 0;
    let mut unmatched = Vec::new();
    for (name, job) in jobs(root) {
        if name.starts_with('.') {
            continue;
        }
        let Yaml::Mapping(m) = job else {
            unmatched.push(name);
            continue;
        };
        if !["script", "run", "trigger"]
            .iter()
            .any(|k| m.contains_key(*k))
        {
            unmatched.push(name);
            continue;
        }
        visible += 1;
        let unknown: Vec<&str> = m
            .keys()
            .filter_map(Yaml::as_str)
            .filter(|k| !JOB_KEYWORDS.contains(k))
            .collect();
        if !unknown.is_empty() {
            errors.push(format!(
                "jobs:{name} config contains unknown keys: {}",
                unknown.join(", ")
            ));
        }
        if let Some(s) = m.get("script") {
            if !script_ok(s, 0) {
                errors.push(format!(
                    "jobs:{name}:script config should be a string or a nested array of strings up to 10 levels deep"
                ));
            }
        }
        let stage = m.get("stage").and_then(Yaml::as_str).unwrap_or("test");
        if !stages.iter().any(|s| s == stage) {
            errors.push(format!(
                "{name} job: chosen stage {stage} does not exist; available stages are {}",
                stages.join(", ")
            ));
        }
    }
    for name in unmatched {
        errors.push(format!(
            "jobs {name} config should implement the script:, run:, or trigger: keyword"
        ));
    }
    if visible == 0 && !unresolved {
        errors.push("jobs config should contain at least one visible job".into());
    }
}

/// The configuration as GitLab's `merged_yaml` writes it.
fn dump(m: &Mapping) -> String {
    let body = serde_yaml::to_string(m).unwrap_or_default();
    format!("---\n{body}")
}

fn to_json(y: &Yaml) -> Value {
    serde_json::to_value(y).unwrap_or(Value::Null)
}

/// A script-like value as a list of lines.
fn lines(y: Option<&Yaml>) -> Value {
    match y {
        Some(Yaml::String(s)) => json!([s]),
        Some(Yaml::Sequence(_)) => y.map(to_json).unwrap_or(Value::Null),
        _ => json!([]),
    }
}

/// `include_jobs=true`: each visible job as GitLab's lint lists it.
fn jobs_json(root: &Mapping) -> Vec<Value> {
    let default = match root.get("default") {
        Some(Yaml::Mapping(d)) => d.clone(),
        _ => Mapping::new(),
    };
    jobs(root)
        .filter(|(name, _)| !name.starts_with('.'))
        .filter_map(|(name, job)| {
            let Yaml::Mapping(m) = job else { return None };
            let inherited = |k: &str| m.get(k).or_else(|| default.get(k)).or_else(|| root.get(k));
            let rules = m.contains_key("rules");
            Some(json!({
                "name": name,
                "stage": m.get("stage").and_then(Yaml::as_str).unwrap_or("test"),
                "before_script": lines(inherited("before_script")),
                "script": lines(m.get("script")),
                "after_script": lines(inherited("after_script")),
                "tag_list": m.get("tags").map(to_json).unwrap_or_else(|| json!([])),
                "environment": m.get("environment").map(|e| match e {
                    Yaml::Mapping(em) => em.get("name").map(to_json).unwrap_or(Value::Null),
                    other => to_json(other),
                }),
                "when": m.get("when").and_then(Yaml::as_str).unwrap_or("on_success"),
                "allow_failure": m.get("allow_failure").and_then(Yaml::as_bool).unwrap_or(false),
                "only": if rules { Value::Null } else {
                    m.get("only").map(to_json).unwrap_or_else(|| json!({"refs": ["branches", "tags"]}))
                },
                "except": m.get("except").map(to_json),
                "needs": m.get("needs").map(to_json),
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Option<String> {
        None
    }

    fn errors(text: &str) -> Vec<String> {
        lint(Some(text), &no_files).errors
    }

    #[test]
    fn symbol_keys_and_plain_jobs_are_valid() {
        let v = lint(Some("---\n:test_job:\n  :script: echo 1\n"), &no_files);
        assert_eq!(v.errors, Vec::<String>::new());
        assert_eq!(
            dump(v.merged.as_ref().unwrap()),
            "---\ntest_job:\n  script: echo 1\n"
        );
    }

    #[test]
    fn content_that_is_not_a_mapping_is_an_invalid_format() {
        assert_eq!(errors("invalid"), ["Invalid configuration format"]);
        assert_eq!(errors("- a\n- b\n"), ["Invalid configuration format"]);
        assert!(lint(Some("invalid"), &no_files).merged.is_none());
        assert!(errors("a: [\n")[0].starts_with("(<unknown>): "));
        assert_eq!(
            lint(None, &no_files).errors,
            ["Please provide content of .gitlab-ci.yml"]
        );
    }

    #[test]
    fn job_mistakes_use_gitlabs_messages() {
        assert_eq!(
            errors("build:\n  stage: build\n"),
            [
                "jobs build config should implement the script:, run:, or trigger: keyword",
                "jobs config should contain at least one visible job"
            ]
        );
        assert_eq!(
            errors("t:\n  script: x\n  scriptt: y\n"),
            ["jobs:t config contains unknown keys: scriptt"]
        );
        assert_eq!(
            errors("stages: [build]\nt:\n  stage: test\n  script: x\n"),
            ["t job: chosen stage test does not exist; available stages are .pre, build, .post"]
        );
        assert_eq!(
            errors("t:\n  script: {a: 1}\n"),
            ["jobs:t:script config should be a string or a nested array of strings up to 10 levels deep"]
        );
    }

    #[test]
    fn extends_anchors_and_local_includes_are_expanded() {
        let text = "include: ci/base.yml\n.tpl: &tpl\n  script: [a]\nt:\n  extends: .base\nu:\n  <<: *tpl\n";
        let read = |p: &str| (p == "ci/base.yml").then(|| ".base:\n  script: make\n".to_string());
        let v = lint(Some(text), &read);
        assert_eq!(v.errors, Vec::<String>::new());
        assert_eq!(v.includes, ["ci/base.yml"]);
        let merged = v.merged.unwrap();
        assert_eq!(
            merged.get("t").unwrap().get("script").unwrap().as_str(),
            Some("make")
        );
        assert!(
            lint(Some("t:\n  extends: t\n  script: x\n"), &no_files).errors[0].contains("circular")
        );
        assert_eq!(
            lint(Some("include: missing.yml\nt:\n  script: x\n"), &no_files).errors,
            ["Local file `missing.yml` does not exist!"]
        );
    }
}

//! `gitlab-codegen import --reference FILE`: seeds and refreshes attribute
//! types, response fields, enums, object types and documentation URLs from a
//! reference shaped like `gitlab-api-types.json` (GitLab's endpoints with
//! typed parameters and responses).
//!
//! The YAML stays the source of truth: the importer only *adds* what is
//! missing (an attribute without a type, a field not listed, a resource or
//! action without `docs_url`, an enum or object type not declared) and never
//! rewrites a line a person wrote. It edits the files as text, so comments and
//! layout survive. What it cannot place is reported.

use crate::catalogue::{Action, Catalogue, Resource};
use crate::model::{HttpMethod, Operation};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// File the importer declares new enums and object types in, below the schema directory.
pub const TYPES_FILE: &str = "types.yaml";

/// What an import did and what it could not do.
#[derive(Debug, Default)]
pub struct Report {
    /// Attribute types added, per resource.
    pub attributes_added: usize,
    pub fields_added: usize,
    pub docs_urls_added: usize,
    pub enums_added: usize,
    pub objects_added: usize,
    /// `Resource.attr (where)`: attributes the reference has no type for and
    /// whose name says nothing either.
    pub untyped: Vec<String>,
    /// Resources whose responses the reference does not describe.
    pub no_fields: Vec<String>,
    /// Resources whose fields came from endpoints with the same last path segment.
    pub fields_by_suffix: Vec<String>,
    /// Resources and actions without a documentation URL in the reference.
    pub no_docs_url: Vec<String>,
    /// Files changed (or that would change, without `write`).
    pub files: Vec<PathBuf>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "added: {} attribute types, {} fields, {} docs URLs, {} enums, {} object types; {} files",
            self.attributes_added,
            self.fields_added,
            self.docs_urls_added,
            self.enums_added,
            self.objects_added,
            self.files.len()
        )?;
        for (title, list) in [
            ("attributes the reference does not type", &self.untyped),
            (
                "resources whose response the reference does not describe",
                &self.no_fields,
            ),
            (
                "fields taken from endpoints ending like ours",
                &self.fields_by_suffix,
            ),
            (
                "resources and actions without a docs URL in the reference",
                &self.no_docs_url,
            ),
        ] {
            if !list.is_empty() {
                writeln!(f, "{title} ({}):", list.len())?;
                for x in list {
                    writeln!(f, "  {x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Runs the import against the schema in `dir`; writes the files when `write`.
pub fn import(dir: &Path, reference: &Path, write: bool) -> Result<Report, String> {
    let cat = crate::load_dir(dir).map_err(|d| d.to_string())?;
    let text = std::fs::read_to_string(reference)
        .map_err(|e| format!("cannot read {}: {e}", reference.display()))?;
    let r: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not JSON: {e}", reference.display()))?;
    let refs = Reference::new(&r)?;
    let mut report = Report::default();
    let mut types = TypeImports::new(&cat, &refs);
    let label = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Each file is read once: its text, and the edits planned on it.
    let mut files: BTreeMap<PathBuf, (String, Vec<Edit>)> = BTreeMap::new();
    for res in &cat.resources {
        let rel = res
            .file
            .strip_prefix(&format!("{label}/"))
            .unwrap_or(&res.file);
        let file = dir.join(rel);
        if !files.contains_key(&file) {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            files.insert(file.clone(), (text, Vec::new()));
        }
        let Some((text, edits)) = files.get_mut(&file) else {
            continue;
        };
        let Some(block) = resource_block(text, &res.name) else {
            return Err(format!(
                "{}: cannot find resource {}",
                file.display(),
                res.name
            ));
        };
        edits.extend(plan_resource(
            res,
            &refs,
            &mut types,
            &mut report,
            text,
            &block,
        ));
    }
    for (file, (text, mut e)) in files {
        if e.is_empty() {
            continue;
        }
        let new = apply(&text, &mut e);
        if write {
            std::fs::write(&file, new)
                .map_err(|er| format!("cannot write {}: {er}", file.display()))?;
        }
        report.files.push(file);
    }
    // New types last, onto the types file as the edits above left it.
    let (enum_lines, object_lines) = types.render(&mut report);
    let types_path = dir.join(TYPES_FILE);
    if !enum_lines.is_empty() || !object_lines.is_empty() {
        let old = std::fs::read_to_string(&types_path).unwrap_or_default();
        let new = append_types(&old, &enum_lines, &object_lines);
        if write {
            std::fs::write(&types_path, new)
                .map_err(|e| format!("cannot write {}: {e}", types_path.display()))?;
        }
        report.files.push(types_path);
    }
    if write {
        // What was written must still be a valid schema.
        crate::load_dir(dir).map_err(|d| format!("the import produced an invalid schema:\n{d}"))?;
    }
    Ok(report)
}

/// The reference's endpoints by method and normalised path, and its types and enums.
struct Reference<'a> {
    endpoints: HashMap<(String, String), Vec<&'a Value>>,
    types: &'a serde_json::Map<String, Value>,
    enums: &'a serde_json::Map<String, Value>,
}

impl<'a> Reference<'a> {
    fn new(r: &'a Value) -> Result<Reference<'a>, String> {
        let shape = "the reference must be an object with 'endpoints' (a list), 'types' and 'enums' (objects)";
        let list = r.get("endpoints").and_then(Value::as_array).ok_or(shape)?;
        let types = r.get("types").and_then(Value::as_object).ok_or(shape)?;
        let enums = r.get("enums").and_then(Value::as_object).ok_or(shape)?;
        let mut endpoints: HashMap<(String, String), Vec<&Value>> = HashMap::new();
        for e in list {
            let (Some(m), Some(p)) = (
                e.get("method").and_then(Value::as_str),
                e.get("path_norm").and_then(Value::as_str),
            ) else {
                continue;
            };
            endpoints
                .entry((m.to_string(), p.to_string()))
                .or_default()
                .push(e);
        }
        Ok(Reference {
            endpoints,
            types,
            enums,
        })
    }

    fn endpoint(&self, method: HttpMethod, path: &str) -> Option<&'a Value> {
        self.endpoints
            .get(&(method.as_str().to_string(), norm(path)))
            .and_then(|v| v.first().copied())
    }
}

/// `/projects/{project_id}/issues/{id}` → `projects/{}/issues/{}`.
fn norm(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.trim_start_matches('/').chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

/// The endpoints behind a resource's operations, with what each serves.
fn resource_endpoints<'a>(res: &Resource, refs: &Reference<'a>) -> Vec<(&'static str, &'a Value)> {
    let one = format!("{}/{{id}}", res.path);
    let item = if res.id_attr.is_some() {
        &one
    } else {
        &res.path
    };
    let mut out = Vec::new();
    for op in &res.operations {
        let found = match op {
            Operation::List => refs
                .endpoint(HttpMethod::Get, &res.path)
                .map(|e| ("list", e)),
            Operation::Get => refs.endpoint(HttpMethod::Get, item).map(|e| ("get", e)),
            Operation::GetWithoutId => refs
                .endpoint(HttpMethod::Get, &res.path)
                .map(|e| ("get", e)),
            Operation::Create => refs
                .endpoint(
                    HttpMethod::Post,
                    res.create_path.as_deref().unwrap_or(&res.path),
                )
                .map(|e| ("create", e)),
            Operation::Update => refs
                .endpoint(res.update_method.unwrap_or(HttpMethod::Put), item)
                .map(|e| ("update", e)),
            Operation::Delete => refs
                .endpoint(HttpMethod::Delete, item)
                .map(|e| ("delete", e)),
            Operation::Set => refs.endpoint(HttpMethod::Put, &one).map(|e| ("set", e)),
        };
        out.extend(found);
    }
    out
}

/// A parameter's reference type by wire name (`iids[]` matches `iids`).
fn param_type<'a>(endpoint: &'a Value, name: &str) -> Option<&'a str> {
    endpoint
        .get("params")?
        .as_array()?
        .iter()
        .find(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.trim_end_matches("[]") == name)
        })?
        .get("type")?
        .as_str()
}

/// Enums and object types the imported types refer to, with our names.
struct TypeImports<'a> {
    refs: &'a Reference<'a>,
    /// Declared in the schema already.
    known: BTreeSet<String>,
    /// reference name → our name, for everything referred to so far.
    names: BTreeMap<String, String>,
    /// Ours to declare, in the order first met.
    new_enums: Vec<(String, &'a Value)>,
    /// With the nesting depth they were first met at.
    new_objects: Vec<(String, &'a Value, usize)>,
}

impl<'a> TypeImports<'a> {
    fn new(cat: &Catalogue, refs: &'a Reference<'a>) -> Self {
        let known = cat
            .enums
            .iter()
            .map(|e| e.name.clone())
            .chain(cat.objects.iter().map(|o| o.name.clone()))
            .collect();
        TypeImports {
            refs,
            known,
            names: BTreeMap::new(),
            new_enums: Vec::new(),
            new_objects: Vec::new(),
        }
    }

    /// Our spelling of a reference type for a request parameter, or `None` when it has no counterpart.
    fn request(&mut self, t: &str) -> Option<String> {
        let t = t.trim();
        if let Some(inner) = t.strip_prefix("array<").and_then(|x| x.strip_suffix('>')) {
            return Some(format!("array<{}>", self.request(inner)?));
        }
        if t.starts_with("object:") || t.starts_with("map<") {
            return Some("hash".into());
        }
        if let Some(e) = t.strip_prefix("enum:") {
            return self.enum_name(e).map(|n| format!("enum:{n}"));
        }
        scalar(t)
    }

    /// Our spelling of a reference type for a response field.
    fn response(&mut self, t: &str, depth: usize) -> Option<String> {
        let t = t.trim();
        if let Some(inner) = t.strip_prefix("array<").and_then(|x| x.strip_suffix('>')) {
            return Some(format!("array<{}>", self.response(inner, depth)?));
        }
        if t.starts_with("map<") {
            return Some("json".into());
        }
        if let Some(e) = t.strip_prefix("enum:") {
            return self.enum_name(e).map(|n| format!("enum:{n}"));
        }
        if let Some(o) = t.strip_prefix("object:") {
            return Some(match self.object_name(o, depth) {
                Some(n) => format!("object:{n}"),
                None => "json".into(),
            });
        }
        match t {
            "file" | "hash" => Some("json".into()),
            other => scalar(other),
        }
    }

    fn enum_name(&mut self, reference: &str) -> Option<String> {
        if let Some(n) = self.names.get(reference) {
            return Some(n.clone());
        }
        let def = self.refs.enums.get(reference)?;
        let ours = reference
            .strip_suffix("Value")
            .filter(|s| !s.is_empty())
            .unwrap_or(reference)
            .to_string();
        self.names.insert(reference.to_string(), ours.clone());
        if !self.known.contains(&ours) {
            self.known.insert(ours.clone());
            self.new_enums.push((ours.clone(), def));
        }
        Some(ours)
    }

    /// Object types are imported to a few levels of nesting; deeper ones stay `json`.
    fn object_name(&mut self, reference: &str, depth: usize) -> Option<String> {
        if let Some(n) = self.names.get(reference) {
            return Some(n.clone());
        }
        if depth >= 3 {
            return None;
        }
        let def = self.refs.types.get(reference)?;
        let ours: String = reference
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if ours.is_empty() || !ours.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        self.names.insert(reference.to_string(), ours.clone());
        if !self.known.contains(&ours) {
            self.known.insert(ours.clone());
            self.new_objects.push((ours.clone(), def, depth));
            // Declare the nested types it refers to as well.
            for f in fields_of(def) {
                if let Some(t) = f.get("type").and_then(Value::as_str) {
                    self.response(t, depth + 1);
                }
            }
        }
        Some(ours)
    }

    /// YAML lines for the new enums and objects.
    fn render(&mut self, report: &mut Report) -> (Vec<String>, Vec<String>) {
        let mut enums = Vec::new();
        for (name, def) in &self.new_enums {
            let integer = def.get("base").and_then(Value::as_str) == Some("integer");
            let values = def
                .get("values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            enums.push(format!("  {name}:"));
            if integer {
                let names = def
                    .get("go_consts")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                enums.push("    values:".into());
                for (i, v) in values.iter().enumerate() {
                    let n = names
                        .get(i)
                        .and_then(Value::as_str)
                        .map(value_name_from_const)
                        .unwrap_or_else(|| format!("value_{v}"));
                    enums.push(format!("      {n}: {v}"));
                }
            } else {
                let vs: Vec<String> = values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(yaml_scalar)
                    .collect();
                enums.push(format!("    values: [{}]", vs.join(", ")));
            }
            report.enums_added += 1;
        }
        let mut objects = Vec::new();
        // Rendering may meet nested types not declared yet: they join the list.
        let mut i = 0;
        while i < self.new_objects.len() {
            let (name, def, depth) = self.new_objects[i].clone();
            i += 1;
            objects.push(format!("  {name}:"));
            objects.push("    fields:".into());
            let mut seen = BTreeSet::new();
            for f in fields_of(def) {
                if let Some((n, t)) = self.field_line(f, depth + 1) {
                    if seen.insert(n.clone()) {
                        objects.push(format!("      {n}: {t}"));
                    }
                }
            }
            report.objects_added += 1;
        }
        (enums, objects)
    }

    /// `name` and `type` (with `?` when nullable) of a reference field we can use.
    fn field_line(&mut self, f: &Value, depth: usize) -> Option<(String, String)> {
        if f.get("go_synthesized").is_some() {
            return None;
        }
        let name = f.get("name").and_then(Value::as_str)?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let t = self.response(f.get("type").and_then(Value::as_str)?, depth)?;
        let nullable = f.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        Some((name.to_string(), if nullable { format!("{t}?") } else { t }))
    }
}

fn fields_of(def: &Value) -> impl Iterator<Item = &Value> {
    def.get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// A type for an attribute the reference does not type, from GitLab's naming
/// conventions (`*_id` numbers, `*_ids` lists of them, `*_at` times,
/// `with_*`/`include_*`/`*_enabled` flags). Written with a comment saying so.
pub fn type_by_name(name: &str) -> Option<&'static str> {
    let flag_prefixes = [
        "with_",
        "include_",
        "skip_",
        "is_",
        "allow_",
        "only_allow_",
        "show_",
    ];
    let flags = [
        "managed",
        "enabled",
        "public",
        "archived",
        "simple",
        "owned",
        "membership",
        "starred",
        "statistics",
        "auditors",
        "confidential",
        "recursive",
        "all",
    ];
    let strings = [
        "order_by",
        "sort",
        "search",
        "scope",
        "name",
        "state",
        "description",
        "context",
        "target_url",
        "color",
        "path",
        "format",
        "sha",
        "ref",
        "ref_name",
        "content",
        "key",
        "title",
        "body",
        "provider",
        "namespace",
        "environment",
        "submodule",
        "wiki",
        "in",
        "rule_type",
        "entity_type",
        "package_version",
        "package_name",
        "file_name",
        "job_token",
        "invite_source",
        "new_name",
        "shared_secret",
        "status",
        "domain_whitelist",
        "domain_blacklist",
        "order",
    ];
    Some(match name {
        n if n == "id" || n.ends_with("_id") || n.ends_with("_iid") => "integer",
        "min_access_level" => "integer",
        n if n.ends_with("_ids") => "array<integer>",
        n if n.ends_with("_usernames") || n == "usernames" || n == "tasks_to_be_done" => {
            "array<string>"
        }
        n if n.ends_with("_at") || n.ends_with("_after") || n.ends_with("_before") => "datetime",
        n if n.ends_with("_date") => "date",
        n if n.ends_with("_enabled") || n.ends_with("_disabled") || n.ends_with("_private") => {
            "boolean"
        }
        n if flag_prefixes.iter().any(|p| n.starts_with(p)) || flags.contains(&n) => "boolean",
        n if n.ends_with("_path") || n.ends_with("_pattern") || strings.contains(&n) => "string",
        n if n.ends_with("_level") || n.ends_with("_for_push") || n.ends_with("_for_delete") => {
            "string"
        }
        "coverage" => "number",
        "approvals_required" => "integer",
        "not" | "position" => "hash",
        "data" => "file",
        _ => return None,
    })
}

/// The comment on attribute lines typed by [`type_by_name`].
pub const BY_NAME: &str = "# by name: the reference has no type";

fn scalar(t: &str) -> Option<String> {
    match t {
        "integer" | "number" | "string" | "boolean" | "date" | "datetime" | "file" | "json" => {
            Some(t.to_string())
        }
        _ => None,
    }
}

/// `GuestPermissions` → `guest`, `MinimalAccessPermissions` → `minimal_access`.
fn value_name_from_const(c: &str) -> String {
    let base = c
        .strip_suffix("Permissions")
        .filter(|s| !s.is_empty())
        .unwrap_or(c);
    let mut out = String::new();
    for (i, ch) in base.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch);
        }
    }
    out
}

/// A string as a YAML flow scalar: plain when safe, else double-quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !matches!(
            s,
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        )
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

/// Lines of one resource in its file: the `- name:` line and the end (exclusive).
#[derive(Debug, Clone, Copy)]
struct Block {
    start: usize,
    end: usize,
}

fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn resource_block(text: &str, name: &str) -> Option<Block> {
    let ls = lines(text);
    let start = ls
        .iter()
        .position(|l| l.trim_start().strip_prefix("- name:").map(str::trim) == Some(name))?;
    let ind = indent(ls[start]);
    let mut end = ls.len();
    for (i, l) in ls.iter().enumerate().skip(start + 1) {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if indent(l) <= ind {
            end = i;
            break;
        }
    }
    // Leave trailing blank and comment lines to what follows.
    while end > start + 1 && {
        let t = ls[end - 1].trim();
        t.is_empty() || t.starts_with('#')
    } {
        end -= 1;
    }
    Some(Block { start, end })
}

/// One text edit: insert `lines` before line `at` (0-based).
#[derive(Debug)]
struct Edit {
    at: usize,
    lines: Vec<String>,
}

fn apply(text: &str, edits: &mut [Edit]) -> String {
    let mut ls: Vec<String> = lines(text).into_iter().map(str::to_string).collect();
    // Bottom-up, so earlier line numbers stay valid. Edits at the same line
    // keep the order they were planned in: the later one goes in first, and
    // each earlier one lands above it.
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((edits[i].at, i)));
    for e in order.into_iter().map(|i| &edits[i]) {
        let at = e.at.min(ls.len());
        for (k, l) in e.lines.iter().enumerate() {
            ls.insert(at + k, l.clone());
        }
    }
    ls.join("\n")
}

/// Where the block-style mapping `key:` of a resource ends, or `None` when absent.
/// `Err` when the key is written in flow style (`key: {..}`), which is left alone.
fn key_block(
    ls: &[&str],
    b: Block,
    key: &str,
    key_indent: usize,
) -> Result<Option<(usize, usize)>, ()> {
    for i in b.start + 1..b.end {
        let l = ls[i];
        if indent(l) != key_indent {
            continue;
        }
        let Some(rest) = l.trim_start().strip_prefix(&format!("{key}:")) else {
            continue;
        };
        if !rest.trim().is_empty() && !rest.trim().starts_with('#') {
            return Err(());
        }
        let mut end = i + 1;
        while end < b.end && (indent(ls[end]) > key_indent || ls[end].trim().is_empty()) {
            end += 1;
        }
        while end > i + 1 && ls[end - 1].trim().is_empty() {
            end -= 1;
        }
        return Ok(Some((i, end)));
    }
    Ok(None)
}

/// Names already under a block mapping (`      name: type`).
fn names_in(ls: &[&str], from: usize, to: usize) -> BTreeSet<String> {
    ls[from..to]
        .iter()
        .filter_map(|l| {
            let t = l.trim_start();
            if t.starts_with('#') {
                return None;
            }
            t.split(':').next().map(|k| k.trim().to_string())
        })
        .collect()
}

fn plan_resource(
    res: &Resource,
    refs: &Reference<'_>,
    types: &mut TypeImports<'_>,
    report: &mut Report,
    text: &str,
    b: &Block,
) -> Vec<Edit> {
    let ls = lines(text);
    let key_indent = indent(ls[b.start]) + 2;
    let pad = " ".repeat(key_indent);
    let mut edits = Vec::new();
    let endpoints = resource_endpoints(res, refs);

    // docs_url of the resource: its list or get page, without the anchor.
    if res.docs_url.is_none() {
        let url = endpoints
            .iter()
            .find_map(|(_, e)| e.get("docs_url").and_then(Value::as_str))
            .map(|u| u.split('#').next().unwrap_or(u).to_string());
        match url {
            Some(u) => {
                edits.push(Edit {
                    at: b.start + 1,
                    lines: vec![format!("{pad}docs_url: {u}")],
                });
                report.docs_urls_added += 1;
            }
            None => report.no_docs_url.push(res.name.clone()),
        }
    }

    // Attribute types: each attribute of a table, filter or action argument without one.
    let typed: BTreeSet<&str> = res.attributes.iter().map(|(k, _)| k.as_str()).collect();
    let mut wanted: Vec<(String, Vec<&Value>)> = Vec::new();
    let mut want = |name: &str, eps: Vec<&'static str>| {
        if typed.contains(name) {
            return;
        }
        let chosen: Vec<&Value> = endpoints
            .iter()
            .filter(|(k, _)| eps.contains(k))
            .map(|(_, e)| *e)
            .collect();
        match wanted.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.extend(chosen),
            None => wanted.push((name.to_string(), chosen)),
        }
    };
    for t in res.create.iter() {
        for a in t.required.iter().chain(&t.optional).chain(&t.exclusive) {
            want(a, vec!["create"]);
        }
    }
    for t in res.update.iter() {
        for a in t.required.iter().chain(&t.optional).chain(&t.exclusive) {
            want(a, vec!["update", "set"]);
        }
    }
    for f in &res.list_filters {
        want(f, vec!["list", "get"]);
    }
    let action_eps: Vec<(&Action, Option<&Value>)> = res
        .actions
        .iter()
        .map(|a| (a, refs.endpoint(a.method, &a.path)))
        .collect();
    let mut action_types: Vec<(String, String)> = Vec::new();
    let mut untyped_here = Vec::new();
    for (a, ep) in &action_eps {
        for arg in a.required.iter().chain(&a.optional) {
            if typed.contains(arg.as_str()) || a.attributes.iter().any(|(k, _)| k == arg) {
                continue;
            }
            let t = ep
                .and_then(|e| param_type(e, arg))
                .and_then(|t| types.request(t));
            match t {
                Some(t) => action_types.push((arg.clone(), t)),
                None => match type_by_name(arg) {
                    Some(t) => action_types.push((arg.clone(), format!("{t} {BY_NAME}"))),
                    None => untyped_here.push(format!("{}.{} (action {})", res.name, arg, a.name)),
                },
            }
        }
    }
    let mut new_attrs: Vec<(String, String)> = Vec::new();
    for (name, eps) in &wanted {
        let from_own = eps.iter().find_map(|e| param_type(e, name));
        // Else any endpoint of the resource (the reference may list it on another operation).
        let from_any = || {
            endpoints
                .iter()
                .map(|(_, e)| *e)
                .chain(action_eps.iter().filter_map(|(_, e)| *e))
                .find_map(|e| param_type(e, name))
        };
        match from_own.or_else(from_any).and_then(|t| types.request(t)) {
            Some(t) => new_attrs.push((name.clone(), t)),
            None => match type_by_name(name) {
                Some(t) => new_attrs.push((name.clone(), format!("{t} {BY_NAME}"))),
                None => untyped_here.push(format!("{}.{}", res.name, name)),
            },
        }
    }
    // Action arguments share the resource's attribute map unless their types differ.
    for (arg, t) in action_types {
        match new_attrs.iter().find(|(k, _)| *k == arg) {
            Some(_) => {}
            None => new_attrs.push((arg, t)),
        }
    }
    report.untyped.extend(untyped_here);
    match merge_entries(&ls, *b, "attributes", key_indent, &new_attrs) {
        Err(()) => report.untyped.push(format!(
            "{}: 'attributes' is in flow style; not merged",
            res.name
        )),
        Ok((edit, n)) => {
            report.attributes_added += n;
            edits.extend(edit);
        }
    }

    // Response fields: the get response, else the list item, else what create answers.
    let response = ["get", "list", "create", "update"].iter().find_map(|want| {
        endpoints
            .iter()
            .find(|(k, _)| k == want)
            .and_then(|(_, e)| e.get("response").and_then(Value::as_str))
            .and_then(|t| {
                let t = t
                    .strip_prefix("array<")
                    .and_then(|x| x.strip_suffix('>'))
                    .unwrap_or(t);
                refs.types.get(t)
            })
    });
    // No endpoint of ours in the reference: GitLab serves the same kind of
    // object under other parents (award emoji of epics like those of issues),
    // so take the response most GET endpoints ending in our last segment give.
    let response = response.or_else(|| {
        // The last segment, with the one before it when that is literal too
        // (`templates/issues` must not match every `…/issues`).
        let segs: Vec<&str> = res.path.trim_start_matches('/').split('/').collect();
        let n = segs.len();
        let last = match (n, segs.last()) {
            (_, Some(l)) if l.starts_with('{') => return None,
            (2.., Some(l)) if !segs[n - 2].starts_with('{') => format!("{}/{l}", segs[n - 2]),
            (_, Some(l)) => l.to_string(),
            _ => return None,
        };
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for ((m, p), eps) in &refs.endpoints {
            if m != "GET" || !(*p == last || p.ends_with(&format!("/{last}"))) {
                continue;
            }
            for e in eps {
                if let Some(t) = e.get("response").and_then(Value::as_str) {
                    let t = t
                        .strip_prefix("array<")
                        .and_then(|x| x.strip_suffix('>'))
                        .unwrap_or(t);
                    if refs.types.contains_key(t) {
                        *counts.entry(t).or_default() += 1;
                    }
                }
            }
        }
        let best = counts
            .iter()
            .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))?;
        report
            .fields_by_suffix
            .push(format!("{} from {} (…/{last})", res.name, best.0));
        refs.types.get(*best.0)
    });
    let listed_or_got =
        res.has(Operation::List) || res.has(Operation::Get) || res.has(Operation::GetWithoutId);
    match response {
        None if listed_or_got && res.fields.is_empty() => report.no_fields.push(res.name.clone()),
        None => {}
        Some(def) => {
            let have: BTreeSet<&str> = res.fields.iter().map(|f| f.name.as_str()).collect();
            let mut add = Vec::new();
            let mut seen = BTreeSet::new();
            for f in fields_of(def) {
                if let Some((n, t)) = types.field_line(f, 0) {
                    if !have.contains(n.as_str()) && seen.insert(n.clone()) {
                        add.push((n, t));
                    }
                }
            }
            match merge_entries(&ls, *b, "fields", key_indent, &add) {
                Err(()) => report.no_fields.push(format!(
                    "{}: 'fields' is in flow style; not merged",
                    res.name
                )),
                Ok((edit, n)) => {
                    report.fields_added += n;
                    edits.extend(edit);
                }
            }
        }
    }

    // docs_url of each action, right after its `- name:` line.
    for (a, ep) in &action_eps {
        if a.docs_url.is_some() {
            continue;
        }
        let Some(url) = ep.and_then(|e| e.get("docs_url")).and_then(Value::as_str) else {
            report.no_docs_url.push(format!("{}.{}", res.name, a.name));
            continue;
        };
        let line = (b.start + 1..b.end).find(|&i| {
            ls[i].trim_start().strip_prefix("- name:").map(str::trim) == Some(a.name.as_str())
        });
        if let Some(i) = line {
            let pad = " ".repeat(indent(ls[i]) + 2);
            edits.push(Edit {
                at: i + 1,
                lines: vec![format!("{pad}docs_url: {url}")],
            });
            report.docs_urls_added += 1;
        }
    }
    edits
}

/// The edit adding `entries` (name, type) under the block mapping `key` of a
/// resource (creating the key when absent), skipping names already there,
/// and how many it adds. `Err` when the key is in flow style.
fn merge_entries(
    ls: &[&str],
    b: Block,
    key: &str,
    key_indent: usize,
    entries: &[(String, String)],
) -> Result<(Option<Edit>, usize), ()> {
    if entries.is_empty() {
        return Ok((None, 0));
    }
    let pad = " ".repeat(key_indent);
    let found = key_block(ls, b, key, key_indent)?;
    let existing = found
        .map(|(s, e)| names_in(ls, s + 1, e))
        .unwrap_or_default();
    let add: Vec<String> = entries
        .iter()
        .filter(|(k, _)| !existing.contains(k))
        .map(|(k, t)| format!("{pad}  {k}: {t}"))
        .collect();
    let n = add.len();
    if add.is_empty() {
        return Ok((None, 0));
    }
    Ok((
        Some(match found {
            Some((_, end)) => Edit {
                at: end,
                lines: add,
            },
            None => {
                let mut l = vec![format!("{pad}{key}:")];
                l.extend(add);
                Edit {
                    at: b.end,
                    lines: l,
                }
            }
        }),
        n,
    ))
}

/// The types file with new enums and objects appended to their sections.
fn append_types(old: &str, enums: &[String], objects: &[String]) -> String {
    let mut text = if old.trim().is_empty() {
        "# Enums and object types shared by the schema's resources. Seeded by\n\
         # `gitlab-codegen import` from the reference; edit freely: the importer only adds.\n"
            .to_string()
    } else {
        old.trim_end().to_string() + "\n"
    };
    let mut ls: Vec<String> = text.lines().map(str::to_string).collect();
    let section = |ls: &mut Vec<String>, name: &str, new: &[String]| {
        if new.is_empty() {
            return;
        }
        match ls.iter().position(|l| l.trim_end() == format!("{name}:")) {
            Some(i) => {
                let mut end = i + 1;
                while end < ls.len() && (ls[end].starts_with(' ') || ls[end].trim().is_empty()) {
                    end += 1;
                }
                for (k, l) in new.iter().enumerate() {
                    ls.insert(end + k, l.clone());
                }
            }
            None => {
                ls.push(format!("{name}:"));
                ls.extend(new.iter().cloned());
            }
        }
    };
    section(&mut ls, "enums", enums);
    section(&mut ls, "objects", objects);
    text.clear();
    for l in ls {
        let _ = writeln!(text, "{l}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_like_the_reference() {
        assert_eq!(
            norm("/projects/{project_id}/issues/{id}"),
            "projects/{}/issues/{}"
        );
        assert_eq!(norm("/user"), "user");
    }

    #[test]
    fn constant_names_become_value_names() {
        assert_eq!(value_name_from_const("GuestPermissions"), "guest");
        assert_eq!(
            value_name_from_const("MinimalAccessPermissions"),
            "minimal_access"
        );
        assert_eq!(value_name_from_const("StateIDOpen"), "state_i_d_open");
    }

    #[test]
    fn edits_insert_below_existing_entries_and_keep_comments() {
        let text = "resources:\n  - name: A\n    path: /a\n    # a comment\n    attributes:\n      x: integer\n  - name: B\n    path: /b\n";
        let b = resource_block(text, "A").expect("block");
        let ls = lines(text);
        let (s, e) = key_block(&ls, b, "attributes", 4)
            .expect("block style")
            .expect("present");
        assert_eq!(names_in(&ls, s + 1, e), ["x".to_string()].into());
        let mut edits = vec![Edit {
            at: e,
            lines: vec!["      y: string".into()],
        }];
        let out = apply(text, &mut edits);
        assert!(
            out.contains(
                "    # a comment\n    attributes:\n      x: integer\n      y: string\n  - name: B"
            ),
            "{out}"
        );
        let flow = "resources:\n  - name: A\n    attributes: {x: integer}\n";
        let b = resource_block(flow, "A").expect("block");
        assert!(key_block(&lines(flow), b, "attributes", 4).is_err());
    }

    #[test]
    fn types_are_appended_to_their_sections() {
        let out = append_types(
            "",
            &["  E:".into(), "    values: [a]".into()],
            &["  O:".into()],
        );
        assert!(
            out.contains("enums:\n  E:\n    values: [a]\nobjects:\n  O:\n"),
            "{out}"
        );
        let again = append_types(&out, &["  F:".into(), "    values: [b]".into()], &[]);
        assert!(
            again.contains("    values: [a]\n  F:\n    values: [b]\nobjects:"),
            "{again}"
        );
    }
}

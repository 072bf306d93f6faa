//! The validated, resolved catalogue of resources, and the loader that builds it.
//!
//! Loading never stops at the first problem in a file's *meaning*: every rule
//! violation becomes a [`Diagnostic`] with `file:line:col`, and the caller gets
//! them all at once. (A file that is not valid YAML, or has the wrong shape, can
//! only report its first such error: that is where the parser stops.)

use crate::locate::{key, locate, Pos, Seg};
use crate::model::{
    ActionTarget, AttrType, EnumValues, HttpMethod, Operation, OrderedMap, RawAction, RawAttrTable,
    RawResource, Returns, SchemaFile, ValueType,
};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Every resource of every schema file, in file order then YAML order.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    pub resources: Vec<Resource>,
    /// Named value sets (`enum:Name`), from every file.
    #[serde(serialize_with = "named_map")]
    pub enums: Vec<EnumDef>,
    /// Named object types of response fields (`object:Name`), from every file.
    #[serde(serialize_with = "named_map")]
    pub objects: Vec<ObjectDef>,
    /// Schema files read, relative to the schema directory, with their module names.
    #[serde(skip)]
    pub files: Vec<SchemaFileInfo>,
}

#[derive(Debug, Clone)]
pub struct SchemaFileInfo {
    /// Path shown in messages, e.g. `schema/projects.yaml`.
    pub display: String,
    /// Path on disk.
    pub path: PathBuf,
    /// Rust module the file's resources are generated into, e.g. `projects`.
    pub module: String,
}

/// A named value set.
#[derive(Debug, Clone, Serialize)]
pub struct EnumDef {
    #[serde(skip)]
    pub name: String,
    pub doc: Option<String>,
    /// `string` or `integer`: how the values travel.
    pub base: &'static str,
    /// The values, with Rust-friendly names (`opened` → `opened`; numbers keep their schema names).
    #[serde(serialize_with = "as_map")]
    pub values: Vec<(String, serde_json::Value)>,
    pub file: String,
}

/// A named object type.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectDef {
    #[serde(skip)]
    pub name: String,
    pub doc: Option<String>,
    #[serde(serialize_with = "fields_map")]
    pub fields: Vec<Field>,
    pub file: String,
}

/// A response field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    #[serde(skip)]
    pub name: String,
    /// The type as the schema writes it (`integer`, `object:UserBasic`).
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether GitLab may send `null` for it.
    pub nullable: bool,
    /// GitLab's value when the creator leaves the field out (`field_defaults`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

trait Named {
    fn name(&self) -> &str;
}
impl Named for EnumDef {
    fn name(&self) -> &str {
        &self.name
    }
}
impl Named for ObjectDef {
    fn name(&self) -> &str {
        &self.name
    }
}

fn named_map<S: Serializer, V: Serialize + Named>(v: &[V], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(v.len()))?;
    for x in v {
        m.serialize_entry(x.name(), x)?;
    }
    m.end()
}

fn fields_map<S: Serializer>(v: &[Field], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(v.len()))?;
    for f in v {
        m.serialize_entry(&f.name, f)?;
    }
    m.end()
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub name: String,
    pub manager: String,
    pub path: String,
    pub doc: Option<String>,
    pub docs_url: Option<String>,
    /// Value type of every attribute of create, update, list filters and action arguments that has one.
    #[serde(serialize_with = "as_map")]
    pub attributes: Vec<(String, String)>,
    /// Response fields.
    #[serde(serialize_with = "fields_map")]
    pub fields: Vec<Field>,
    pub operations: Vec<Operation>,
    pub create: Option<AttrTable>,
    pub update: Option<AttrTable>,
    pub update_method: Option<HttpMethod>,
    /// Full template `create` posts to, when not the collection path.
    pub create_path: Option<String>,
    pub list_filters: Vec<String>,
    pub keyset: Option<crate::model::Keyset>,
    #[serde(serialize_with = "as_map")]
    pub attr_types: Vec<(String, AttrType)>,
    #[serde(serialize_with = "as_map")]
    pub sub_resources: Vec<(String, String)>,
    pub actions: Vec<Action>,
    // Extra keys beyond the documented dump shape.
    pub id_attr: Option<String>,
    #[serde(serialize_with = "as_map")]
    pub from_parent: Vec<(String, String)>,
    pub accessor: Option<String>,
    pub file: String,
    #[serde(skip)]
    pub module: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AttrTable {
    pub required: Vec<String>,
    pub optional: Vec<String>,
    pub exclusive: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub name: String,
    /// Name in the command line and in python-gitlab, when it differs from `name`
    /// (which must not clash with the runtime's own methods).
    pub cli_name: Option<String>,
    pub method: HttpMethod,
    /// Full path template, e.g. `/projects/{project_id}/issues/{id}/move`.
    pub path: String,
    pub required: Vec<String>,
    pub optional: Vec<String>,
    pub returns: Returns,
    pub on: ActionTarget,
    pub doc: Option<String>,
    pub docs_url: Option<String>,
    /// Value type of each argument that has one (the action's own, else the resource's).
    #[serde(serialize_with = "as_map")]
    pub attributes: Vec<(String, String)>,
    /// Argument → JSON text of the value sent when none is given.
    #[serde(serialize_with = "as_map")]
    pub defaults: Vec<(String, String)>,
    /// Argument → name on the wire.
    #[serde(serialize_with = "as_map")]
    pub wire: Vec<(String, String)>,
}

fn as_map<S: Serializer, V: Serialize>(v: &[(String, V)], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, val) in v {
        m.serialize_entry(k, val)?;
    }
    m.end()
}

impl Catalogue {
    pub fn get(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The catalogue as pretty JSON (`gitlab-codegen dump --format json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

impl Resource {
    pub fn has(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }
}

/// One located problem in a schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.column, self.message
        )
    }
}

/// All problems found while loading; `Display` prints one per line.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

// Inherent methods of the runtime types that generated methods are added to;
// a schema action or sub-resource may not take these names (nor `<name>_with`
// for actions with optional arguments). `tests/reserved_names.rs` checks each
// list against the runtime's sources, so a new runtime method cannot be missed.

/// Methods of `Object<R>` (objects get sub-resource accessors and object actions).
pub const RESERVED_OBJECT_METHODS: &[&str] = &[
    "action",
    "action_update_self",
    "attr",
    "call_options",
    "child",
    "core",
    "delete",
    "download_to",
    "deserialize",
    "from_core",
    "get",
    "id",
    "into_core",
    "is_lazy",
    "refresh",
    "resource",
    "retry_writes",
    "save",
    "set",
    "set_unchecked",
    "sudo",
    "timeout",
    "to_json",
    "unsaved_changes",
    "without_sudo",
    // `blocking::Object`'s own.
    "as_async",
    "into_async",
];
/// Methods of `Manager<R>` (managers get manager actions).
pub const RESERVED_MANAGER_METHODS: &[&str] = &[
    "list",
    "get",
    "get_lazy",
    "create",
    "update",
    "delete",
    "download_to",
    "set",
    "fetch",
    "sudo",
    "query_param",
    "timeout",
    "path",
    "get_create_attrs",
    "get_update_attrs",
    "meta",
    "with_parent",
    "update_current",
    "action",
    "delete_current",
    "fetch_as",
    "fetch_with",
    "from_core",
    "into_dyn",
    "new",
    "retry_writes",
    "checked_update",
    // `blocking::Manager`'s own.
    "as_async",
];
/// Methods of `Gitlab` (the client gets top-level accessors).
pub const RESERVED_CLIENT_METHODS: &[&str] = &[
    "auth",
    "version",
    "builder",
    "new",
    "url",
    "http_get",
    "http_post",
    "http_put",
    "http_delete",
    "http_list",
    "http_get_raw",
    "http_get_to",
    "anonymous",
    "attempt",
    "from_config",
    "note_rate_limit",
    "per_page",
    "raw",
    "raw_json",
    "follow_link",
    "send",
    "wait_for_throttle",
    "send_to",
    "stream_body",
    "send_in_span",
    "graphql",
    "graphql_pages",
    "graphql_stream",
    // `blocking::Gitlab`'s own.
    "from_async",
    "as_async",
    "manager",
];

/// Reads every `*.yaml` file below `dir` (sorted, recursively) into one catalogue.
pub fn load_dir(dir: &Path) -> Result<Catalogue, Diagnostics> {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    collect_yaml(dir, &mut files, &mut diags);
    files.sort();
    let label = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let mut sources = Vec::new();
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        let display = format!("{label}/{rel_str}");
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push((display, path.clone(), module_name(&rel_str), text)),
                Err(e) => diags.push(not_utf8(display, e.as_bytes(), e.utf8_error())),
            },
            Err(e) => diags.push(Diagnostic {
                file: display,
                pos: Pos { line: 1, column: 1 },
                message: format!("cannot read schema file: {e}"),
            }),
        }
    }
    if sources.is_empty() && diags.is_empty() {
        diags.push(Diagnostic {
            file: dir.display().to_string(),
            pos: Pos { line: 1, column: 1 },
            message: "no schema files (*.yaml) in this directory: the client needs at least \
                      the resources its runtime uses (CurrentUser)"
                .into(),
        });
    }
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(d, _, _, t)| (d.as_str(), t.as_str()))
        .collect();
    let mut cat = match load_sources(&refs) {
        Ok(c) => c,
        Err(Diagnostics(mut more)) => {
            diags.append(&mut more);
            return Err(Diagnostics(diags));
        }
    };
    runtime_requirements(&cat, &sources, &label, &mut diags);
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    cat.files = sources
        .into_iter()
        .map(|(display, path, module, _)| SchemaFileInfo {
            display,
            path,
            module,
        })
        .collect();
    Ok(cat)
}

/// A file that is not UTF-8, located at its first invalid byte.
fn not_utf8(file: String, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..e.valid_up_to()];
    // The prefix is valid UTF-8 by definition of `valid_up_to`.
    let prefix = std::str::from_utf8(valid).unwrap_or_default();
    let pos = crate::yaml::position_of(prefix, prefix.len());
    let bad = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
    Diagnostic {
        file,
        pos,
        message: format!("not UTF-8: byte 0x{bad:02x} here; schema files must be UTF-8 text"),
    }
}

/// What the hand-written runtime uses by name (`Gitlab::auth` returns
/// `crate::resources::CurrentUser` from `gl.user().fetch()`): without it the
/// client does not compile, so `check` must say so first.
fn runtime_requirements(
    cat: &Catalogue,
    sources: &[(String, PathBuf, String, String)],
    dir_label: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let text_of = |file: &str| {
        sources
            .iter()
            .find(|(d, ..)| d == file)
            .map_or("", |(.., t)| t.as_str())
    };
    let index_in_file = |r: &Resource| {
        cat.resources
            .iter()
            .filter(|x| x.file == r.file)
            .position(|x| std::ptr::eq(x, r))
            .unwrap_or(0)
    };
    let at = |r: &Resource, k: &str| {
        locate(
            text_of(&r.file),
            &[key("resources"), Seg::Index(index_in_file(r)), key(k)],
        )
    };
    let Some(r) = cat.get("CurrentUser") else {
        let (file, pos) = match cat
            .resources
            .iter()
            .find(|r| r.accessor.as_deref() == Some("user") || r.path == "/user")
        {
            Some(r) => (r.file.clone(), at(r, "name")),
            None => (dir_label.to_string(), Pos { line: 1, column: 1 }),
        };
        diags.push(Diagnostic {
            file,
            pos,
            message: "the runtime needs a resource named CurrentUser (path /user, accessor user, \
                      operations [get_without_id]): Gitlab::auth returns it; no schema file declares it"
                .into(),
        });
        return;
    };
    if r.accessor.as_deref() != Some("user") {
        diags.push(Diagnostic {
            file: r.file.clone(),
            pos: at(
                r,
                if r.accessor.is_some() {
                    "accessor"
                } else {
                    "name"
                },
            ),
            message: format!(
                "CurrentUser needs `accessor: user` (Gitlab::auth calls gl.user()), not {}",
                r.accessor
                    .as_deref()
                    .map_or("none".to_string(), |a| format!("'{a}'"))
            ),
        });
    }
    if !r.has(Operation::GetWithoutId) {
        diags.push(Diagnostic {
            file: r.file.clone(),
            pos: at(r, "operations"),
            message: "CurrentUser needs the get_without_id operation (Gitlab::auth fetches it)"
                .into(),
        });
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic {
                file: dir.display().to_string(),
                pos: Pos { line: 1, column: 1 },
                message: format!("cannot read schema directory: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect_yaml(&p, out, diags);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

/// `projects/issues.yaml` → `projects_issues`.
pub fn module_name(rel: &str) -> String {
    let stem = rel.trim_end_matches(".yaml").trim_end_matches(".yml");
    let mut m: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if m.starts_with(|c: char| c.is_ascii_digit()) {
        m.insert(0, '_');
    }
    m
}

/// Module name for a display path such as `schema/projects/issues.yaml`.
fn module_of(display: &str) -> String {
    module_name(display.split_once('/').map_or(display, |(_, rest)| rest))
}

/// Loads schema text already in memory: `(display name, contents)` pairs. Used by tests.
pub fn load_sources(sources: &[(&str, &str)]) -> Result<Catalogue, Diagnostics> {
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    // Names written in files that failed to parse, read off the text, so they do
    // not also show up as "unknown resource" wherever they are referenced.
    let mut unparsed_names = Vec::new();
    let results = crate::par::map(sources, |(_, text)| {
        crate::yaml::from_str::<SchemaFile>(text)
    });
    for ((file, text), result) in sources.iter().zip(results) {
        match result {
            Ok(f) => parsed.push((*file, *text, f)),
            Err(e) => {
                diags.push(shape_error(file, text, e));
                unparsed_names.extend(text.lines().filter_map(|l| {
                    let v = l.trim_start().strip_prefix("- name:")?.trim();
                    is_type_name(v).then(|| v.to_string())
                }));
            }
        }
    }
    // Type names first: any file may use the enums and objects of any other.
    let names = TypeNames {
        enums: parsed
            .iter()
            .flat_map(|(_, _, f)| f.enums.0.iter().map(|(n, _)| n.clone()))
            .collect(),
        objects: parsed
            .iter()
            .flat_map(|(_, _, f)| f.objects.0.iter().map(|(n, _)| n.clone()))
            .collect(),
    };
    let mut enums = Vec::new();
    let mut objects = Vec::new();
    for (file, text, f) in &parsed {
        let cx = Cx {
            file,
            text,
            names: &names,
            enums: &[],
        };
        cx.types(f, &mut enums, &mut objects, &mut diags);
    }
    type_cross_checks(&enums, &objects, &parsed, &mut diags);
    let mut resources: Vec<(Resource, &str, &str, usize)> = Vec::new();
    for (file, text, f) in &parsed {
        let cx = Cx {
            file,
            text,
            names: &names,
            enums: &enums,
        };
        for (i, raw) in f.resources.iter().enumerate() {
            if let Some(r) = cx.resource(i, raw, &mut diags) {
                resources.push((r, file, text, i));
            }
        }
    }
    let all_names: Vec<String> = parsed
        .iter()
        .flat_map(|(_, _, f)| f.resources.iter().filter_map(|r| r.name.clone()))
        .chain(unparsed_names)
        .collect();
    cross_checks(&resources, &all_names, &mut diags);
    if !diags.is_empty() {
        diags.sort_by(|a, b| (a.file.as_str(), a.pos).cmp(&(b.file.as_str(), b.pos)));
        diags.dedup();
        return Err(Diagnostics(diags));
    }
    let files = sources
        .iter()
        .map(|(d, _)| SchemaFileInfo {
            display: d.to_string(),
            path: PathBuf::from(d),
            module: module_of(d),
        })
        .collect();
    Ok(Catalogue {
        resources: resources.into_iter().map(|(r, ..)| r).collect(),
        enums,
        objects,
        files,
    })
}

/// Rewords a serde/YAML error into the schema's language, with the resource it sits in.
fn shape_error(file: &str, text: &str, e: crate::yaml::YamlError) -> Diagnostic {
    let pos = Pos {
        line: e.line.unwrap_or(1),
        column: e.column.unwrap_or(1),
    };
    // serde_yaml prefixes the YAML path: "resources[0].create: unknown field ...".
    let (ypath, msg) = match e.message.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (Some(p.to_string()), m.to_string()),
        _ => (None, e.message.clone()),
    };
    let context = ypath
        .as_deref()
        .and_then(resource_index)
        .and_then(|i| resource_name_in_text(text, i))
        .map(|n| format!(" in resource {n}"))
        .unwrap_or_default();
    let message = if let Some((got, expected)) = parse_unknown(&msg, "unknown field") {
        format!("unknown key '{got}'{context}{}", suggest(&got, &expected))
    } else if let Some((got, expected)) = parse_unknown(&msg, "unknown variant") {
        let mut m = format!("unknown value '{got}'{context}{}", suggest(&got, &expected));
        if strsim_best(&got, &expected).is_none() {
            m = format!(
                "unknown value '{got}'{context}; expected one of: {}",
                expected.join(", ")
            );
        }
        m
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("missing key {}{context}", rest.replace('`', "'"))
    } else {
        format!("{}{context}", msg.replace('`', "'"))
    };
    Diagnostic {
        file: file.to_string(),
        pos,
        message,
    }
}

fn resource_index(ypath: &str) -> Option<usize> {
    let rest = ypath.strip_prefix("resources[")?;
    rest[..rest.find(']')?].parse().ok()
}

fn resource_name_in_text(text: &str, i: usize) -> Option<String> {
    let p = locate(text, &[key("resources"), Seg::Index(i), key("name")]);
    let line = text.lines().nth(p.line - 1)?;
    let v = line.get(p.column - 1..)?.split_once(':')?.1.trim();
    (!v.is_empty()).then(|| v.trim_matches(|c| c == '"' || c == '\'').to_string())
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn parse_unknown(msg: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix(prefix)?.trim_start();
    let mut parts = rest.split('`');
    parts.next();
    let got = parts.next()?.to_string();
    let expected = parts.skip(1).step_by(2).map(str::to_string).collect();
    Some((got, expected))
}

fn strsim_best<'a>(got: &str, options: &'a [String]) -> Option<&'a str> {
    options
        .iter()
        .map(|o| (strsim::damerau_levenshtein(got, o), o))
        .filter(|(d, o)| *d <= 2.max(o.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o.as_str())
}

/// A JSON scalar as a person writes it: a string without its quotes.
pub(crate) fn plain_text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// ` (did you mean 'x'?)` when one option is close, else nothing.
fn did_you_mean(got: &str, options: &[String]) -> String {
    strsim_best(got, options)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

fn suggest(got: &str, options: &[String]) -> String {
    match strsim_best(got, options) {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None if !options.is_empty() => format!("; expected one of: {}", options.join(", ")),
        None => String::new(),
    }
}

/// The enum and object type names declared anywhere in the schema.
struct TypeNames {
    enums: Vec<String>,
    objects: Vec<String>,
}

/// Duplicate enum/object names across files, and names used for both.
fn type_cross_checks(
    enums: &[EnumDef],
    objects: &[ObjectDef],
    parsed: &[(&str, &str, SchemaFile)],
    diags: &mut Vec<Diagnostic>,
) {
    let text_of = |file: &str| {
        parsed
            .iter()
            .find(|(f, _, _)| *f == file)
            .map_or("", |(_, t, _)| *t)
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let all = enums
        .iter()
        .map(|e| (e.name.as_str(), e.file.as_str(), "enums"))
        .chain(
            objects
                .iter()
                .map(|o| (o.name.as_str(), o.file.as_str(), "objects")),
        );
    for (name, file, section) in all {
        if let Some(first) = seen.insert(name, file) {
            diags.push(Diagnostic {
                file: file.to_string(),
                pos: locate(text_of(file), &[key(section), key(name)]),
                message: format!("type name '{name}' is declared twice (also in {first}); enums and objects share one namespace"),
            });
        }
    }
}

/// Checks one file's resources, with the file's text at hand to locate problems.
struct Cx<'a> {
    file: &'a str,
    text: &'a str,
    names: &'a TypeNames,
    /// Every file's enums, once they are read (empty while reading them).
    enums: &'a [EnumDef],
}

impl Cx<'_> {
    /// The file's `enums:` and `objects:`, validated.
    fn types(
        &self,
        f: &SchemaFile,
        enums: &mut Vec<EnumDef>,
        objects: &mut Vec<ObjectDef>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for (name, raw) in &f.enums.0 {
            let p = [key("enums"), key(name)];
            if !is_type_name(name) {
                self.err(
                    diags,
                    &p,
                    format!("enum name '{name}' must be UpperCamelCase letters and digits"),
                );
            }
            let values: Vec<(String, serde_json::Value)> = match &raw.values {
                None => {
                    self.err(diags, &p, format!("enum {name} has no 'values'"));
                    continue;
                }
                Some(EnumValues::Strings(v)) => v
                    .iter()
                    .map(|s| (s.clone(), serde_json::Value::from(s.as_str())))
                    .collect(),
                Some(EnumValues::Numbers(v)) => {
                    for (k, _) in v {
                        if !is_attr_name(k) {
                            self.err(
                                diags,
                                &[key("enums"), key(name), key("values"), key(k)],
                                format!("value name '{k}' of enum {name} must be snake_case"),
                            );
                        }
                    }
                    v.iter()
                        .map(|(k, n)| (k.clone(), serde_json::Value::from(*n)))
                        .collect()
                }
            };
            if values.is_empty() {
                self.err(diags, &p, format!("enum {name} has no values"));
            }
            let mut seen = BTreeSet::new();
            for (k, v) in &values {
                if !seen.insert(v.to_string()) {
                    self.err(
                        diags,
                        &p,
                        format!("value '{k}' listed twice in enum {name}"),
                    );
                }
            }
            let base = match raw.values {
                Some(EnumValues::Numbers(_)) => "integer",
                _ => "string",
            };
            enums.push(EnumDef {
                name: name.clone(),
                doc: raw.doc.clone(),
                base,
                values,
                file: self.file.to_string(),
            });
        }
        for (name, raw) in &f.objects.0 {
            if !is_type_name(name) {
                self.err(
                    diags,
                    &[key("objects"), key(name)],
                    format!("object name '{name}' must be UpperCamelCase letters and digits"),
                );
            }
            let ctx = format!("in object {name}");
            let fields = self.fields(
                diags,
                &[key("objects"), key(name), key("fields")],
                &raw.fields,
                &ctx,
            );
            objects.push(ObjectDef {
                name: name.clone(),
                doc: raw.doc.clone(),
                fields,
                file: self.file.to_string(),
            });
        }
    }

    /// Parses and checks one type spelling; `None` (with a diagnostic) when it is wrong.
    fn value_type(
        &self,
        diags: &mut Vec<Diagnostic>,
        p: &[Seg],
        spelled: &str,
        what: &str,
        request: bool,
    ) -> Option<ValueType> {
        let t = match ValueType::parse(spelled) {
            Ok(t) => t,
            Err(m) => {
                self.err(diags, p, format!("{what}: {m}"));
                return None;
            }
        };
        match t.element() {
            ValueType::Enum(n) if !self.names.enums.contains(n) => {
                let hint = did_you_mean(n, &self.names.enums);
                self.err(diags, p, format!("{what}: undeclared enum '{n}'{hint}; declare it under 'enums:' in any schema file"));
                return None;
            }
            ValueType::Object(n) if request => {
                self.err(diags, p, format!("{what}: object:{n} cannot be sent; use 'hash' for GitLab's key[sub]=value parameters or 'json'"));
                return None;
            }
            ValueType::Object(n) if !self.names.objects.contains(n) => {
                let hint = did_you_mean(n, &self.names.objects);
                self.err(diags, p, format!("{what}: undeclared object type '{n}'{hint}; declare it under 'objects:' in any schema file"));
                return None;
            }
            ValueType::Scalar(crate::model::Scalar::File | crate::model::Scalar::Hash)
                if !request =>
            {
                self.err(diags, p, format!("{what}: '{spelled}' is a request type; a response field is json, an object or a scalar"));
                return None;
            }
            _ => {}
        }
        Some(t)
    }

    /// Response fields: `name: type`, with a trailing `?` for nullable ones.
    fn fields(
        &self,
        diags: &mut Vec<Diagnostic>,
        p: &[Seg],
        raw: &OrderedMap<String>,
        ctx: &str,
    ) -> Vec<Field> {
        let mut out = Vec::new();
        for (name, spelled) in &raw.0 {
            let mut fp = p.to_vec();
            fp.push(key(name));
            if !is_field_name(name) {
                self.err(
                    diags,
                    &fp,
                    format!(
                        "field name '{name}' {ctx} is not a valid name (letters, digits and '_')"
                    ),
                );
                continue;
            }
            let (ty, nullable) = match spelled.trim().strip_suffix('?') {
                Some(t) => (t.trim(), true),
                None => (spelled.trim(), false),
            };
            if let Some(t) =
                self.value_type(diags, &fp, ty, &format!("field '{name}' {ctx}"), false)
            {
                out.push(Field {
                    name: name.clone(),
                    ty: t.to_string(),
                    nullable,
                    default: None,
                });
            }
        }
        out
    }

    /// `field_defaults`: each names a declared field and fits its type; the
    /// value is kept on the field.
    fn field_defaults(
        &self,
        diags: &mut Vec<Diagnostic>,
        p: &[Seg],
        raw: &OrderedMap<serde_json::Value>,
        fields: &mut [Field],
        ctx: &str,
    ) {
        for (name, v) in &raw.0 {
            let mut fp = p.to_vec();
            fp.push(key(name));
            let Some(f) = fields.iter_mut().find(|f| &f.name == name) else {
                let known: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                let hint = did_you_mean(name, &known);
                self.err(diags, &fp, format!("field_defaults names '{name}', which is not a field {ctx}{hint}; declare it under 'fields:'"));
                continue;
            };
            // The field's type was checked when it was read.
            let Ok(t) = ValueType::parse(&f.ty) else {
                continue;
            };
            match self.fits(&t, v) {
                Ok(()) => f.default = Some(v.clone()),
                Err(m) => self.err(diags, &fp, format!("default of field '{name}' {ctx}: {m}")),
            }
        }
    }

    /// Whether a YAML value is one of type `t`; the error says why not.
    fn fits(&self, t: &ValueType, v: &serde_json::Value) -> Result<(), String> {
        use crate::model::Scalar as S;
        use serde_json::Value as J;
        let ok = match (t, v) {
            (_, J::Null) => return Err(
                "null is what a field without a default gets; give a value or leave the field out"
                    .into(),
            ),
            (ValueType::Scalar(S::Json), _) => true,
            (ValueType::Scalar(S::Integer), J::Number(n)) => n.is_i64() || n.is_u64(),
            (ValueType::Scalar(S::Number), J::Number(_)) => true,
            (ValueType::Scalar(S::Boolean), J::Bool(_)) => true,
            (ValueType::Scalar(S::String | S::Datetime), J::String(_)) => true,
            (ValueType::Scalar(S::Date), J::String(s)) => {
                s.len() == 10 && gitlab_vocab::calendar_date(s).is_some()
            }
            (ValueType::Scalar(S::Id), J::Number(_) | J::String(_)) => true,
            (ValueType::Object(_), J::Object(_)) => true,
            (ValueType::Array(inner), J::Array(items)) => {
                return items.iter().try_for_each(|x| self.fits(inner, x));
            }
            (ValueType::Enum(n), _) => {
                // An undeclared enum was reported where the field names it.
                let Some(e) = self.enums.iter().find(|e| &e.name == n) else {
                    return Ok(());
                };
                if e.values.iter().any(|(_, w)| w == v) {
                    return Ok(());
                }
                let wire: Vec<String> = e.values.iter().map(|(_, w)| plain_text(w)).collect();
                let got = plain_text(v);
                return Err(format!(
                    "'{got}' is not a value of enum {n}{}",
                    suggest(&got, &wire)
                ));
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{v} is not a value of type {t}"))
        }
    }

    /// A `docs_url`: an https URL, or nothing.
    fn docs_url(
        &self,
        diags: &mut Vec<Diagnostic>,
        p: &[Seg],
        url: &Option<String>,
        ctx: &str,
    ) -> Option<String> {
        let u = url.as_ref()?;
        if !u.starts_with("https://") || u.contains(char::is_whitespace) {
            self.err(
                diags,
                p,
                format!("docs_url '{u}' {ctx} must be an https:// URL"),
            );
            return None;
        }
        Some(u.clone())
    }
    fn err(&self, diags: &mut Vec<Diagnostic>, path: &[Seg], message: String) {
        diags.push(Diagnostic {
            file: self.file.to_string(),
            pos: locate(self.text, path),
            message,
        });
    }

    fn resource(
        &self,
        i: usize,
        raw: &RawResource,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Resource> {
        let at = |rest: &[Seg]| {
            let mut p = vec![key("resources"), Seg::Index(i)];
            p.extend_from_slice(rest);
            p
        };
        let before = diags.len();
        let Some(name) = raw.name.clone() else {
            self.err(
                diags,
                &at(&[]),
                format!("resource #{} has no 'name'", i + 1),
            );
            return None;
        };
        if !is_type_name(&name) {
            self.err(
                diags,
                &at(&[key("name")]),
                format!("resource name '{name}' must be UpperCamelCase letters and digits, e.g. ProjectIssue"),
            );
        }
        let ctx = format!("in resource {name}");
        let path = match &raw.path {
            Some(p) => p.clone(),
            None => {
                self.err(diags, &at(&[]), format!("missing key 'path' {ctx}: the collection path, e.g. /projects/{{project_id}}/issues"));
                String::new()
            }
        };
        if !path.is_empty() && !path.starts_with('/') {
            self.err(
                diags,
                &at(&[key("path")]),
                format!("path '{path}' {ctx} must start with '/'"),
            );
        }
        let placeholders = match path_placeholders(&path) {
            Ok(p) => p,
            Err(m) => {
                self.err(diags, &at(&[key("path")]), format!("{m} {ctx}"));
                Vec::new()
            }
        };
        for ph in &placeholders {
            if !raw.from_parent.0.iter().any(|(k, _)| k == ph) {
                self.err(
                    diags,
                    &at(&[key("path")]),
                    format!("placeholder '{{{ph}}}' in path of {name} is not filled by any parent: add '{ph}: <parent attribute>' under from_parent"),
                );
            }
        }
        for (k, v) in &raw.from_parent.0 {
            if !placeholders.contains(k) {
                self.err(
                    diags,
                    &at(&[key("from_parent"), key(k)]),
                    format!("from_parent key '{k}' {ctx} names no placeholder of path '{path}'"),
                );
            }
            if !is_attr_name(v) {
                self.err(
                    diags,
                    &at(&[key("from_parent"), key(k)]),
                    format!("from_parent value '{v}' {ctx} is not an attribute name"),
                );
            }
        }
        if let Some(acc) = &raw.accessor {
            if !placeholders.is_empty() {
                self.err(
                    diags,
                    &at(&[key("accessor")]),
                    format!("accessor '{acc}' {ctx}: only resources without path placeholders can hang off the client; reach this one through its parent's sub_resources"),
                );
            }
            self.method_name(
                diags,
                &at(&[key("accessor")]),
                acc,
                "accessor",
                RESERVED_CLIENT_METHODS,
                &ctx,
            );
        }
        let id_attr = match &raw.id {
            None => Some("id".to_string()),
            Some(v) => v.clone(),
        };
        if let Some(id) = &id_attr {
            if !is_attr_name(id) {
                self.err(
                    diags,
                    &at(&[key("id")]),
                    format!("id '{id}' {ctx} is not an attribute name"),
                );
            }
        }
        // Operations.
        if raw.operations.is_empty() && raw.actions.is_empty() {
            self.err(diags, &at(&[]), format!("resource {name} has no operations and no actions; list at least one under 'operations'"));
        }
        let mut ops = Vec::new();
        for (j, op) in raw.operations.iter().enumerate() {
            if ops.contains(op) {
                self.err(
                    diags,
                    &at(&[key("operations"), Seg::Index(j)]),
                    format!("operation '{}' listed twice {ctx}", op.as_str()),
                );
            }
            ops.push(*op);
        }
        ops.sort_by_key(|o| {
            <Operation as crate::model::Word>::ALL
                .iter()
                .position(|x| x == o)
        });
        ops.dedup();
        if id_attr.is_none() {
            for op in [Operation::Get] {
                if ops.contains(&op) {
                    self.err(
                        diags,
                        &at(&[key("operations")]),
                        format!("operation '{}' {ctx} needs an id, but 'id' is null; use get_without_id for singletons", op.as_str()),
                    );
                }
            }
        }
        let create = self.table(
            diags,
            &at(&[key("create")]),
            raw.create.as_ref(),
            ops.contains(&Operation::Create),
            "create",
            &ctx,
        );
        let update = self.table(
            diags,
            &at(&[key("update")]),
            raw.update.as_ref(),
            ops.contains(&Operation::Update),
            "update",
            &ctx,
        );
        let update_method = if ops.contains(&Operation::Update) {
            let m = raw.update_method.unwrap_or(HttpMethod::Put);
            if !HttpMethod::UPDATE.contains(&m) {
                let allowed: Vec<&str> = HttpMethod::UPDATE.iter().map(|m| m.as_str()).collect();
                self.err(
                    diags,
                    &at(&[key("update_method")]),
                    format!(
                        "update_method {m} {ctx} is not one an update can use; expected one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
            Some(m)
        } else {
            if raw.update_method.is_some() {
                self.err(
                    diags,
                    &at(&[key("update_method")]),
                    format!("update_method given {ctx}, but its operations lack 'update'"),
                );
            }
            None
        };
        if raw.keyset.is_some() && !ops.contains(&Operation::List) {
            self.err(
                diags,
                &at(&[key("keyset")]),
                format!("keyset given {ctx}, but its operations lack 'list'"),
            );
        }
        if !raw.list_filters.is_empty()
            && !ops.contains(&Operation::List)
            && !ops.contains(&Operation::GetWithoutId)
        {
            self.err(
                diags,
                &at(&[key("list_filters")]),
                format!("list_filters given {ctx}, but it has neither 'list' nor 'get_without_id'"),
            );
        }
        self.names(
            diags,
            &at(&[key("list_filters")]),
            &raw.list_filters,
            "list filter",
            &ctx,
        );

        let create_path = raw.create_path.as_ref().map(|rel| {
            let full = if rel.starts_with('/') {
                rel.clone()
            } else {
                format!("{path}/{rel}")
            };
            let cp = at(&[key("create_path")]);
            if !ops.contains(&Operation::Create) {
                self.err(diags, &cp, format!("create_path given {ctx}, but its operations lack 'create'"));
            }
            match path_placeholders(&full) {
                Err(m) => self.err(diags, &cp, format!("{m} {ctx}")),
                Ok(phs) => {
                    let attrs = create.as_ref().map(|t| [&t.required[..], &t.optional[..]].concat()).unwrap_or_default();
                    for ph in phs {
                        if !placeholders.contains(&ph) && !attrs.contains(&ph) {
                            self.err(diags, &cp, format!("placeholder '{{{ph}}}' in create_path {ctx} is neither a path placeholder nor a create attribute"));
                        }
                    }
                }
            }
            full
        });

        // Actions.
        let mut actions = Vec::new();
        let mut method_names: BTreeMap<String, Vec<Seg>> = BTreeMap::new();
        for (j, a) in raw.actions.iter().enumerate() {
            let ap = at(&[key("actions"), Seg::Index(j)]);
            if let Some(act) =
                self.action(diags, &ap, a, &path, &placeholders, id_attr.is_some(), &ctx)
            {
                let mut np = ap.clone();
                np.push(key("name"));
                if let Some(prev) =
                    method_names.insert(format!("{:?}:{}", act.on, act.name), np.clone())
                {
                    let first = locate(self.text, &prev);
                    self.err(
                        diags,
                        &np,
                        format!(
                            "action '{}' defined twice {ctx} (first at line {})",
                            act.name, first.line
                        ),
                    );
                }
                actions.push(act);
            }
        }

        // Sub-resources (checked against other resources later).
        for (acc, _) in &raw.sub_resources.0 {
            let sp = at(&[key("sub_resources"), key(acc)]);
            self.method_name(
                diags,
                &sp,
                acc,
                "sub-resource",
                RESERVED_OBJECT_METHODS,
                &ctx,
            );
            if let Some(prev) =
                method_names.insert(format!("{:?}:{}", ActionTarget::Object, acc), sp.clone())
            {
                let first = locate(self.text, &prev);
                self.err(
                    diags,
                    &sp,
                    format!(
                        "sub-resource '{acc}' {ctx} has the same name as the action at line {}",
                        first.line
                    ),
                );
            }
        }

        // An endpoint group (no operations, `id: null`) never has objects:
        // nothing lists, fetches or creates one, and no id could address it.
        if ops.is_empty() && id_attr.is_none() {
            for (j, a) in raw.actions.iter().enumerate() {
                if a.on.unwrap_or_default() == ActionTarget::Object {
                    self.err(
                        diags,
                        &at(&[key("actions"), Seg::Index(j)]),
                        format!("action '{}' {ctx} is on objects, but {name} is an endpoint group (no operations, id: null) that has none: add 'on: manager'", a.name.as_deref().unwrap_or("?")),
                    );
                }
            }
            if let Some((acc, _)) = raw.sub_resources.0.first() {
                self.err(
                    diags,
                    &at(&[key("sub_resources"), key(acc)]),
                    format!("sub-resources {ctx} are reached from its objects, but {name} is an endpoint group (no operations, id: null) that has none"),
                );
            }
        }

        // Types must describe attributes that something uses.
        let mut known: BTreeSet<&str> = BTreeSet::new();
        for t in [&create, &update].into_iter().flatten() {
            known.extend(
                t.required
                    .iter()
                    .chain(&t.optional)
                    .chain(&t.exclusive)
                    .map(String::as_str),
            );
        }
        known.extend(raw.list_filters.iter().map(String::as_str));
        for a in &actions {
            known.extend(a.required.iter().chain(&a.optional).map(String::as_str));
        }
        for (attr, _) in &raw.types.0 {
            if !known.contains(attr.as_str()) {
                self.err(
                    diags,
                    &at(&[key("types"), key(attr)]),
                    format!("type given for '{attr}' {ctx}, but no attribute table, list filter or action argument mentions it"),
                );
            }
        }
        let mut attributes = Vec::new();
        for (attr, spelled) in &raw.attributes.0 {
            let p = at(&[key("attributes"), key(attr)]);
            if !known.contains(attr.as_str()) {
                let hint = did_you_mean(
                    attr,
                    &known.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                );
                self.err(diags, &p, format!("attribute '{attr}' {ctx} is typed, but no attribute table, list filter or action argument mentions it{hint}"));
                continue;
            }
            if let Some(t) = self.value_type(
                diags,
                &p,
                spelled,
                &format!("attribute '{attr}' {ctx}"),
                true,
            ) {
                attributes.push((attr.clone(), t.to_string()));
            }
        }
        let mut fields = self.fields(diags, &at(&[key("fields")]), &raw.fields, &ctx);
        self.field_defaults(
            diags,
            &at(&[key("field_defaults")]),
            &raw.field_defaults,
            &mut fields,
            &ctx,
        );
        let docs_url = self.docs_url(diags, &at(&[key("docs_url")]), &raw.docs_url, &ctx);
        // Action arguments without a type of their own take the resource's.
        for a in &mut actions {
            for arg in a.required.iter().chain(&a.optional) {
                if a.attributes.iter().any(|(k, _)| k == arg) {
                    continue;
                }
                if let Some((_, t)) = attributes.iter().find(|(k, _)| k == arg) {
                    a.attributes.push((arg.clone(), t.clone()));
                }
            }
        }
        if diags.len() > before {
            return None;
        }
        Some(Resource {
            doc: raw.doc.clone(),
            docs_url,
            attributes,
            fields,
            manager: format!("{name}Manager"),
            name,
            path,
            operations: ops,
            create,
            update,
            update_method,
            create_path,
            list_filters: raw.list_filters.clone(),
            keyset: raw.keyset.clone(),
            attr_types: raw.types.0.clone(),
            sub_resources: raw.sub_resources.0.clone(),
            actions,
            id_attr,
            from_parent: raw.from_parent.0.clone(),
            accessor: raw.accessor.clone(),
            file: self.file.to_string(),
            module: module_of(self.file),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn action(
        &self,
        diags: &mut Vec<Diagnostic>,
        ap: &[Seg],
        a: &RawAction,
        res_path: &str,
        res_placeholders: &[String],
        has_id: bool,
        ctx: &str,
    ) -> Option<Action> {
        let sub = |k: &str| {
            let mut p = ap.to_vec();
            p.push(key(k));
            p
        };
        let before = diags.len();
        let Some(name) = a.name.clone() else {
            self.err(diags, ap, format!("action without 'name' {ctx}"));
            return None;
        };
        let on = a.on.unwrap_or_default();
        let reserved = match on {
            ActionTarget::Object => RESERVED_OBJECT_METHODS,
            ActionTarget::Manager => RESERVED_MANAGER_METHODS,
        };
        self.method_name(diags, &sub("name"), &name, "action", reserved, ctx);
        // Actions with optional arguments also get a `<name>_with` method.
        let with = format!("{name}_with");
        if !a.optional.is_empty() && reserved.contains(&with.as_str()) {
            self.method_name(diags, &sub("name"), &with, "action", reserved, ctx);
        }
        let Some(method) = a.method else {
            self.err(
                diags,
                ap,
                format!(
                    "action '{name}' {ctx} has no 'method' ({})",
                    HttpMethod::NAMES.join(", ")
                ),
            );
            return None;
        };
        let Some(rel) = a.path.clone() else {
            self.err(diags, ap, format!("action '{name}' {ctx} has no 'path': give one relative to the object (e.g. 'star' for <object path>/star) or an absolute template starting with '/'"));
            return None;
        };
        let returns = a.returns.unwrap_or_default();
        if returns == Returns::List && method != HttpMethod::Get {
            self.err(
                diags,
                &sub("returns"),
                format!("action '{name}' {ctx} returns a list, which needs method GET"),
            );
        }
        // A HEAD answer has no body: its result is the headers (or nothing),
        // and only a HEAD is worth asking for headers alone.
        if method == HttpMethod::Head && !matches!(returns, Returns::Headers | Returns::None) {
            self.err(
                diags,
                &sub("returns"),
                format!(
                    "action '{name}' {ctx} is a HEAD, whose answer has no body: it returns 'headers' (or 'none'), not '{}'",
                    returns.as_str()
                ),
            );
        }
        if returns == Returns::Headers && method != HttpMethod::Head {
            self.err(
                diags,
                &sub("returns"),
                format!(
                    "action '{name}' {ctx} returns 'headers', which needs method HEAD (a {} would read a body only to drop it)",
                    method.as_str()
                ),
            );
        }
        if returns == Returns::SelfObject && on == ActionTarget::Manager {
            self.err(
                diags,
                &sub("returns"),
                format!("action '{name}' {ctx} is on the manager, so it cannot return 'self'"),
            );
        }
        self.names(diags, &sub("required"), &a.required, "argument", ctx);
        self.names(diags, &sub("optional"), &a.optional, "argument", ctx);
        for (j, r) in a.required.iter().enumerate() {
            if a.optional.contains(r) {
                let mut p = sub("required");
                p.push(Seg::Index(j));
                self.err(
                    diags,
                    &p,
                    format!(
                        "argument '{r}' of action '{name}' {ctx} is both required and optional"
                    ),
                );
            }
        }
        // Resolve the full template: absolute, or relative to the object / collection.
        let full = if rel.starts_with('/') {
            rel.clone()
        } else if rel.is_empty() {
            match on {
                ActionTarget::Object if has_id => format!("{res_path}/{{id}}"),
                _ => res_path.to_string(),
            }
        } else {
            match on {
                ActionTarget::Object if has_id => format!("{res_path}/{{id}}/{rel}"),
                _ => format!("{res_path}/{rel}"),
            }
        };
        match path_placeholders(&full) {
            Err(m) => self.err(diags, &sub("path"), format!("{m} in action '{name}' {ctx}")),
            Ok(phs) => {
                for ph in phs {
                    let ok = res_placeholders.contains(&ph)
                        || a.required.contains(&ph)
                        || (ph == "id" && on == ActionTarget::Object && has_id);
                    if !ok {
                        self.err(
                            diags,
                            &sub("path"),
                            format!("placeholder '{{{ph}}}' in action '{name}' {ctx} is neither a parent placeholder, '{{id}}' of an object with an id, nor a required argument"),
                        );
                    }
                }
            }
        }
        let mut attributes = Vec::new();
        for (arg, spelled) in &a.attributes.0 {
            let p = {
                let mut p = sub("attributes");
                p.push(key(arg));
                p
            };
            if !a.required.contains(arg) && !a.optional.contains(arg) {
                self.err(diags, &p, format!("argument '{arg}' of action '{name}' {ctx} is typed but not among its required or optional arguments"));
                continue;
            }
            if let Some(t) = self.value_type(
                diags,
                &p,
                spelled,
                &format!("argument '{arg}' of action '{name}' {ctx}"),
                true,
            ) {
                attributes.push((arg.clone(), t.to_string()));
            }
        }
        let docs_url = self.docs_url(diags, &sub("docs_url"), &a.docs_url, ctx);
        let args: Vec<&String> = a.required.iter().chain(&a.optional).collect();
        for (k, what) in a
            .defaults
            .0
            .iter()
            .map(|(k, _)| (k, "defaults"))
            .chain(a.wire.0.iter().map(|(k, _)| (k, "wire")))
        {
            if !args.contains(&k) {
                self.err(
                    diags,
                    &sub(what),
                    format!("'{what}' of action '{name}' {ctx} names '{k}', which is not one of its required or optional arguments"),
                );
            }
        }
        if diags.len() > before {
            return None;
        }
        Some(Action {
            docs_url,
            attributes,
            defaults: a
                .defaults
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            wire: a.wire.0.clone(),
            cli_name: a.cli_name.clone(),
            name,
            method,
            path: full,
            required: a.required.clone(),
            optional: a.optional.clone(),
            returns,
            on,
            doc: a.doc.clone(),
        })
    }

    fn table(
        &self,
        diags: &mut Vec<Diagnostic>,
        tp: &[Seg],
        raw: Option<&RawAttrTable>,
        has_op: bool,
        which: &str,
        ctx: &str,
    ) -> Option<AttrTable> {
        if !has_op {
            if raw.is_some() {
                self.err(
                    diags,
                    tp,
                    format!("'{which}' attributes given {ctx}, but its operations lack '{which}'"),
                );
            }
            return None;
        }
        let Some(t) = raw else {
            return Some(AttrTable::default());
        };
        let sub = |k: &str, j: usize| {
            let mut p = tp.to_vec();
            p.push(key(k));
            p.push(Seg::Index(j));
            p
        };
        for (k, list) in [
            ("required", &t.required),
            ("optional", &t.optional),
            ("exclusive", &t.exclusive),
        ] {
            let mut p = tp.to_vec();
            p.push(key(k));
            self.names(diags, &p, list, "attribute", ctx);
        }
        for (j, a) in t.optional.iter().enumerate() {
            if t.required.contains(a) {
                self.err(
                    diags,
                    &sub("optional", j),
                    format!(
                        "attribute '{a}' is both required and optional in {which} of {}",
                        ctx.trim_start_matches("in resource ")
                    ),
                );
            }
        }
        for (j, a) in t.exclusive.iter().enumerate() {
            if t.required.contains(a) || t.optional.contains(a) {
                self.err(diags, &sub("exclusive", j), format!("attribute '{a}' is exclusive and also required or optional in {which} {ctx}"));
            }
        }
        if t.exclusive.len() == 1 {
            self.err(diags, &sub("exclusive", 0), format!("exclusive group in {which} {ctx} has one attribute; exactly one of the group must be given, so list two or more (or make it required)"));
        }
        Some(AttrTable {
            required: t.required.clone(),
            optional: t.optional.clone(),
            exclusive: t.exclusive.clone(),
        })
    }

    fn names(
        &self,
        diags: &mut Vec<Diagnostic>,
        lp: &[Seg],
        list: &[String],
        what: &str,
        ctx: &str,
    ) {
        let mut seen = BTreeSet::new();
        for (j, a) in list.iter().enumerate() {
            let mut p = lp.to_vec();
            p.push(Seg::Index(j));
            if !is_attr_name(a) {
                self.err(diags, &p, format!("{what} '{a}' {ctx} is not a valid name (lower case letters, digits and '_')"));
            } else if !seen.insert(a) {
                self.err(diags, &p, format!("{what} '{a}' listed twice {ctx}"));
            }
        }
    }

    fn method_name(
        &self,
        diags: &mut Vec<Diagnostic>,
        p: &[Seg],
        n: &str,
        what: &str,
        reserved: &[&str],
        ctx: &str,
    ) {
        if !is_attr_name(n) {
            self.err(
                diags,
                p,
                format!("{what} name '{n}' {ctx} must be snake_case"),
            );
        } else if reserved.contains(&n) {
            let owner = if std::ptr::eq(reserved, RESERVED_OBJECT_METHODS) {
                "Object"
            } else if std::ptr::eq(reserved, RESERVED_MANAGER_METHODS) {
                "Manager"
            } else {
                "Gitlab"
            };
            self.err(diags, p, format!("{what} name '{n}' {ctx} clashes with the runtime method {owner}::{n}; pick another"));
        }
    }
}

/// Checks across resources: unique names and accessors, sub-resources that exist.
/// `names` holds every resource name written, valid or not, so that one broken
/// resource does not also show up as "unknown" wherever it is referenced.
fn cross_checks(
    resources: &[(Resource, &str, &str, usize)],
    names: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let mut by_name: BTreeMap<&str, (&str, &str, usize)> = BTreeMap::new();
    let mut accessors: BTreeMap<&str, (&str, &str, usize)> = BTreeMap::new();
    for (r, file, text, i) in resources {
        let rp = |rest: &[Seg]| {
            let mut p = vec![key("resources"), Seg::Index(*i)];
            p.extend_from_slice(rest);
            p
        };
        if let Some((pf, pt, pi)) = by_name.insert(&r.name, (file, text, *i)) {
            let first = locate(pt, &[key("resources"), Seg::Index(pi), key("name")]);
            diags.push(Diagnostic {
                file: file.to_string(),
                pos: locate(text, &rp(&[key("name")])),
                message: format!(
                    "duplicate resource name '{}' (first defined at {pf}:{}:{})",
                    r.name, first.line, first.column
                ),
            });
        }
        if let Some(acc) = &r.accessor {
            if let Some((pf, pt, pi)) = accessors.insert(acc, (file, text, *i)) {
                let first = locate(pt, &[key("resources"), Seg::Index(pi), key("accessor")]);
                diags.push(Diagnostic {
                    file: file.to_string(),
                    pos: locate(text, &rp(&[key("accessor")])),
                    message: format!(
                        "accessor '{acc}' of {} is already used (at {pf}:{}:{})",
                        r.name, first.line, first.column
                    ),
                });
            }
        }
    }
    for (r, file, text, i) in resources {
        for (acc, target) in &r.sub_resources {
            let p = vec![
                key("resources"),
                Seg::Index(*i),
                key("sub_resources"),
                key(acc),
            ];
            if !resources.iter().any(|(c, ..)| &c.name == target) {
                if names.contains(target) {
                    continue; // exists but has its own errors, reported where it is defined
                }
                let hint = strsim_best(target, names)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                diags.push(Diagnostic {
                    file: file.to_string(),
                    pos: locate(text, &p),
                    message: format!(
                        "sub-resource '{acc}' of {} names unknown resource '{target}'{hint}",
                        r.name
                    ),
                });
            }
        }
    }
}

fn path_placeholders(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unclosed '{{' in path '{path}'"));
        };
        let ph = &after[..close];
        if !is_attr_name(ph) {
            return Err(format!(
                "placeholder '{{{ph}}}' in path '{path}' is not a valid name"
            ));
        }
        out.push(ph.to_string());
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unmatched '}}' in path '{path}'"));
    }
    Ok(out)
}

fn is_type_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A response field name: letters, digits and `_` (GitLab's `_links`, `2fa_enabled`…).
fn is_field_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn is_attr_name(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod fuzz {
    //! Property tests: any text, and any small mutation of a real schema file,
    //! loads or yields located diagnostics, never a panic.
    use super::*;
    use proptest::prelude::*;

    const SEED: &str = include_str!("../../schema/projects/issues.yaml");

    fn check(text: &str) -> Result<(), TestCaseError> {
        if let Err(d) = load_sources(&[("schema/x.yaml", text)]) {
            let lines = text.lines().count().max(1) + 1;
            for diag in &d.0 {
                prop_assert!(diag.pos.line >= 1 && diag.pos.line <= lines, "{diag}");
                prop_assert!(diag.pos.column >= 1, "{diag}");
                prop_assert!(!diag.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            check(&s)?;
        }

        #[test]
        fn yaml_like_text_never_panics(s in "(resources:\n)?( *(- )?[a-z_{}\\[\\], /]{0,20}(: [a-zA-Z_{}\\[\\], /]{0,20})?\n){0,20}") {
            check(&s)?;
        }

        #[test]
        fn mutated_real_schema_never_panics(cut in 0usize..SEED.len(), len in 0usize..40, insert in "\\PC{0,10}") {
            let mut text = SEED.to_string();
            let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            let end = (start + len).min(text.len());
            let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
            text.replace_range(start..end, &insert);
            check(&text)?;
        }
    }
}

//! What the command line offers, read from the generated catalogue: resource
//! names, their actions, and each action's arguments. Nothing here is written
//! per resource; a schema change shows up in the CLI by rebuilding.

use gitlab_client::meta::{ActionMeta, ActionTarget, AttrType, Operation, ResourceMeta};
use gitlab_client::resources::CATALOGUE;

/// `ProjectIssue` → `project-issue`, `ProjectCICDVariable` → `project-cicd-variable`:
/// a dash goes before an upper-case letter that follows a lower-case letter or
/// digit, and before the last capital of a run of capitals followed by a
/// lower-case letter (python-gitlab's rule).
pub fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `to_project_id` → `to-project-id`.
pub fn dashed(name: &str) -> String {
    name.replace('_', "-")
}

/// Every resource as (command name, table), sorted by name.
pub fn resources() -> Vec<(String, &'static ResourceMeta)> {
    let mut v: Vec<(String, &'static ResourceMeta)> =
        CATALOGUE.iter().map(|m| (kebab(m.name), *m)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The resource whose command name is `name`.
pub fn find_resource(name: &str) -> Option<&'static ResourceMeta> {
    CATALOGUE.iter().copied().find(|m| kebab(m.name) == name)
}

/// Closest candidates to a mistyped name, best first.
pub fn suggest<'a>(typed: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = names
        .map(|n| (strsim::jaro_winkler(typed, n), n))
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// What an action does, in runtime terms.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A standard operation of the resource (`get` of a singleton is `GetWithoutId`).
    Op(Operation),
    /// A custom action from the schema.
    Custom(&'static ActionMeta),
}

/// One action of a resource, as typed on the command line.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub kind: Kind,
}

/// The command-line name of a custom action.
pub fn action_name(a: &ActionMeta) -> String {
    a.cli_name.map_or_else(|| dashed(a.name), str::to_string)
}

/// The actions of `meta`: its operations, then its custom actions. A custom
/// action whose command-line name equals an operation's replaces it (the
/// schema maps e.g. `get_file` to `get` on repository files).
pub fn actions(meta: &'static ResourceMeta) -> Vec<Action> {
    let mut out: Vec<Action> = Vec::new();
    for &op in <Operation as gitlab_client::meta::Word>::ALL {
        // A singleton's read is `get` on the command line, as python-gitlab names it.
        let name = match op {
            Operation::GetWithoutId => "get",
            other => other.as_str(),
        };
        if meta.supports(op) && !out.iter().any(|a| a.name == name) {
            out.push(Action {
                name: name.to_string(),
                kind: Kind::Op(op),
            });
        }
    }
    for a in meta.actions {
        let name = action_name(a);
        let action = Action {
            name: name.clone(),
            kind: Kind::Custom(a),
        };
        match out.iter_mut().find(|x| x.name == name) {
            Some(slot) => *slot = action,
            None => out.push(action),
        }
    }
    out
}

/// One line about an action: the request it makes.
pub fn describe(meta: &ResourceMeta, kind: Kind) -> String {
    let (what, method, path) = match kind {
        Kind::Op(Operation::List) => ("List", "GET", meta.path.to_string()),
        Kind::Op(Operation::Get) => ("Get one", "GET", object_path(meta)),
        Kind::Op(Operation::GetWithoutId) => ("Get", "GET", meta.path.to_string()),
        Kind::Op(Operation::Create) => (
            "Create",
            "POST",
            meta.create_path.unwrap_or(meta.path).to_string(),
        ),
        Kind::Op(Operation::Update) => ("Update", meta.update_method.as_str(), object_path(meta)),
        Kind::Op(Operation::Delete) => ("Delete", "DELETE", object_path(meta)),
        Kind::Op(Operation::Set) => ("Set", "PUT", object_path(meta)),
        Kind::Custom(a) => {
            let first = a.doc.lines().next().unwrap_or("").trim();
            return if first.is_empty() {
                format!("{} {}", a.method.as_str(), display_action_path(meta, a))
            } else {
                format!(
                    "{first} ({} {})",
                    a.method.as_str(),
                    display_action_path(meta, a)
                )
            };
        }
    };
    format!("{what} ({method} {path})")
}

fn object_path(meta: &ResourceMeta) -> String {
    match meta.id_attr {
        Some(id) => format!("{}/{{{id}}}", meta.path),
        None => meta.path.to_string(),
    }
}

fn display_action_path(meta: &ResourceMeta, a: &ActionMeta) -> String {
    match meta.id_attr {
        Some(id) => a.path.replace("{id}", &format!("{{{id}}}")),
        None => a.path.to_string(),
    }
}

/// `{placeholders}` of a path template, in order.
pub fn placeholders(template: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

/// Where an argument shows in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Parent ids and the object's id: they build the URL.
    Path,
    Required,
    Optional,
    /// Exactly one of these.
    Exclusive,
    Filter,
}

impl Group {
    pub fn heading(self) -> &'static str {
        match self {
            Group::Path => "Path arguments (build the URL)",
            Group::Required => "Required arguments",
            Group::Optional => "Optional arguments",
            Group::Exclusive => "Exactly one of",
            Group::Filter => "List filters",
        }
    }
}

/// One `--flag` of an action.
#[derive(Debug, Clone)]
pub struct ArgSpec {
    /// The attribute's wire name (`to_project_id`); also the clap id.
    pub attr: &'static str,
    /// The flag without dashes (`to-project-id`).
    pub long: String,
    pub group: Group,
    pub required: bool,
    /// Fills a path placeholder (a parent id).
    pub parent: bool,
    /// Is the object's id.
    pub id: bool,
    /// Is sent as an attribute, filter or action argument.
    pub sent: bool,
    /// The id given to a manager action: python-gitlab accepts it there and
    /// sends it as a query parameter.
    pub query: bool,
    /// python-gitlab's way of giving a file: this flag names the file
    /// (`--filename`) or its path (`--filepath`, `--path`) for that attribute.
    pub file_of: Option<(&'static str, FileRole)>,
    pub ty: AttrType,
}

/// What a python-gitlab file flag gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The name the file gets in the upload.
    Name,
    /// Where to read it.
    Path,
}

/// Names the list options take; filters of the same name are left to them.
/// python-gitlab reads a filter named `all` as `get_all`, and so does the `gitlab` command.
const LIST_OPTIONS: [&str; 5] = ["page", "per_page", "get_all", "no_get_all", "all"];

/// The arguments of `action` on `meta`, without duplicates (an attribute named
/// like a placeholder or the id is one flag with both roles).
pub fn args(meta: &'static ResourceMeta, kind: Kind) -> Vec<ArgSpec> {
    let mut out: Vec<ArgSpec> = Vec::new();
    let mut add = |attr: &'static str, group: Group, required: bool, role: Role| {
        if let Some(existing) = out.iter_mut().find(|s| s.attr == attr) {
            match role {
                Role::Parent => existing.parent = true,
                Role::Id => existing.id = true,
                Role::Sent => existing.sent = true,
                Role::Query => {}
            }
            existing.required |= required;
            return;
        }
        out.push(ArgSpec {
            attr,
            long: dashed(attr),
            group,
            required,
            parent: role == Role::Parent,
            id: role == Role::Id,
            sent: role == Role::Sent,
            query: role == Role::Query,
            file_of: None,
            ty: meta.attr_type(attr),
        });
    };
    let id = meta.id_attr;
    let sent_names: Vec<&'static str> = match kind {
        Kind::Op(Operation::Create) => meta.create_attrs().names().collect(),
        Kind::Custom(a) => a.required.iter().chain(a.optional).collect(),
        _ => Vec::new(),
    };
    let path_template = match kind {
        Kind::Op(Operation::Create) => meta.create_path.unwrap_or(meta.path),
        Kind::Custom(a) => a.path,
        _ => meta.path,
    };
    let needs_id = match kind {
        Kind::Op(Operation::Get)
        | Kind::Op(Operation::Update)
        | Kind::Op(Operation::Delete)
        | Kind::Op(Operation::Set) => true,
        Kind::Custom(a) => a.on == ActionTarget::Object && a.path.contains("{id}"),
        _ => false,
    };
    let on_object = needs_id || matches!(kind, Kind::Custom(a) if a.on == ActionTarget::Object);
    for ph in placeholders(path_template) {
        // A placeholder named like the id attribute is the id where the
        // action addresses one object, and a parent value elsewhere (the
        // memberships of one billable member are listed by `{user_id}`).
        if ph == "id" || sent_names.contains(&ph) || (on_object && Some(ph) == id) {
            continue;
        }
        add(ph, Group::Path, true, Role::Parent);
    }
    if let (true, Some(id)) = (needs_id, id) {
        add(id, Group::Path, true, Role::Id);
    }
    // A custom action's placeholder named like the id attribute comes from the id too.
    if let (Kind::Custom(a), Some(id)) = (kind, id) {
        if a.on == ActionTarget::Object && placeholders(a.path).contains(&id) {
            add(id, Group::Path, true, Role::Id);
        }
    }
    match kind {
        Kind::Op(Operation::Create) | Kind::Op(Operation::Update) => {
            let update = matches!(kind, Kind::Op(Operation::Update));
            let t = if update {
                meta.update_attrs()
            } else {
                meta.create_attrs()
            };
            // An update addresses the object by its id in the path; the id is
            // not repeated in the body (python-gitlab drops it too).
            let sent = |a: &&'static str| !(update && Some(*a) == id);
            for a in t.required.iter().filter(sent) {
                add(a, Group::Required, true, Role::Sent);
            }
            for a in t.exclusive.iter().filter(sent) {
                add(a, Group::Exclusive, false, Role::Sent);
            }
            for a in t.optional.iter().filter(sent) {
                add(a, Group::Optional, false, Role::Sent);
            }
        }
        Kind::Op(Operation::List) | Kind::Op(Operation::GetWithoutId) => {
            for f in meta.list_filters {
                if !LIST_OPTIONS.contains(&f) {
                    add(f, Group::Filter, false, Role::Sent);
                }
            }
        }
        Kind::Op(Operation::Set) => add("value", Group::Required, true, Role::Sent),
        Kind::Custom(a) => {
            for r in a.required {
                add(r, Group::Required, true, Role::Sent);
            }
            for o in a.optional {
                add(o, Group::Optional, false, Role::Sent);
            }
            // python-gitlab gives every custom action of a resource with ids
            // an id argument. An object action without `{id}` in its path
            // only names the object; a manager action sends it as a query
            // parameter. Both are optional here.
            if let Some(id) = id {
                let role = match a.on {
                    ActionTarget::Object => Role::Id,
                    ActionTarget::Manager => Role::Query,
                };
                add(id, Group::Optional, false, role);
            }
            python_file_flags(meta, a, &mut out);
        }
        Kind::Op(Operation::Get) | Kind::Op(Operation::Delete) => {}
    }
    out
}

/// python-gitlab's upload actions take a file as `--filename NAME --filepath
/// PATH` (multipart uploads) or `--path PATH` (raw bodies) instead of the
/// content. Adds those flags to an action with one file or body argument;
/// the argument itself then becomes optional.
fn python_file_flags(meta: &'static ResourceMeta, a: &ActionMeta, out: &mut Vec<ArgSpec>) {
    let Some(target) = out
        .iter_mut()
        .find(|s| s.sent && matches!(s.ty, AttrType::File | AttrType::Body))
    else {
        return;
    };
    let attr = target.attr;
    let flags: &[(&'static str, FileRole)] = if target.ty == AttrType::File {
        &[("filename", FileRole::Name), ("filepath", FileRole::Path)]
    } else {
        &[("path", FileRole::Path)]
    };
    if flags
        .iter()
        .any(|(f, _)| a.required.contains(f) || a.optional.contains(f))
    {
        return;
    }
    target.required = false;
    for (flag, role) in flags {
        out.push(ArgSpec {
            attr: flag,
            long: dashed(flag),
            group: Group::Optional,
            required: false,
            parent: false,
            id: false,
            sent: false,
            query: false,
            file_of: Some((attr, *role)),
            ty: meta.attr_type(flag),
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Parent,
    Id,
    Sent,
    /// Sent as a query parameter besides the action's own arguments.
    Query,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_follows_python_gitlab() {
        assert_eq!(kebab("Project"), "project");
        assert_eq!(kebab("ProjectIssue"), "project-issue");
        assert_eq!(kebab("GroupMember"), "group-member");
        assert_eq!(kebab("ProjectCICDVariable"), "project-cicd-variable");
        assert_eq!(kebab("GroupLDAPGroupLink"), "group-ldap-group-link");
        assert_eq!(kebab("Project2Thing"), "project2-thing");
        assert_eq!(kebab("CurrentUserGPGKey"), "current-user-gpg-key");
    }

    #[test]
    fn every_resource_has_a_unique_name_and_unique_actions() {
        let all = resources();
        assert_eq!(all.len(), CATALOGUE.len());
        for w in all.windows(2) {
            assert_ne!(w[0].0, w[1].0, "two resources named {}", w[0].0);
        }
        for (name, meta) in &all {
            let acts = actions(meta);
            for (i, a) in acts.iter().enumerate() {
                assert!(
                    !acts[i + 1..].iter().any(|b| b.name == a.name),
                    "{name}: action {} twice",
                    a.name
                );
                let specs = args(meta, a.kind);
                for (j, s) in specs.iter().enumerate() {
                    assert!(
                        !specs[j + 1..].iter().any(|t| t.long == s.long),
                        "{name} {}: --{} twice",
                        a.name,
                        s.long
                    );
                    assert!(
                        !["help", "sudo"].contains(&s.long.as_str()),
                        "{name} {}: --{} clashes with a built-in flag",
                        a.name,
                        s.long
                    );
                }
            }
        }
    }

    #[test]
    fn issue_actions_and_arguments() {
        let meta = find_resource("project-issue").unwrap();
        let acts = actions(meta);
        let names: Vec<&str> = acts.iter().map(|a| a.name.as_str()).collect();
        assert!(names.starts_with(&["list", "get", "create", "update", "delete"]));
        assert!(names.contains(&"move"), "{names:?}");
        let mv = acts.iter().find(|a| a.name == "move").unwrap();
        let specs = args(meta, mv.kind);
        let flags: Vec<(&str, bool)> = specs
            .iter()
            .map(|s| (s.long.as_str(), s.required))
            .collect();
        assert_eq!(
            flags,
            [("project-id", true), ("iid", true), ("to-project-id", true)]
        );
    }

    #[test]
    fn repository_files_use_the_mapped_custom_actions() {
        let meta = find_resource("project-file").unwrap();
        let acts = actions(meta);
        let get = acts.iter().find(|a| a.name == "get").unwrap();
        assert!(matches!(get.kind, Kind::Custom(a) if a.name == "get_file"));
        let specs = args(meta, get.kind);
        let flags: Vec<&str> = specs.iter().map(|s| s.long.as_str()).collect();
        assert_eq!(flags, ["project-id", "file-path", "ref"]);
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholders("/projects/{project_id}/issues/{issue_iid}/notes/{id}"),
            ["project_id", "issue_iid", "id"]
        );
    }
}

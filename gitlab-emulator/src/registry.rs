//! The route table, built once from the client's catalogue plus the core
//! resources the emulator always knows.
//!
//! Every resource is identified by its collection path with the placeholder
//! names erased (`/projects/{}/issues`), so two schema resources on the same
//! path share storage, and a placeholder's parent is the resource whose path is
//! the prefix before it (`{issue_iid}` in `/projects/{}/issues/{}/notes` is an
//! object of `/projects/{}/issues`).

use crate::reply::ApiError;
use crate::request::Verb;
use crate::typing::{self, Rules};
use gitlab_client::meta::{ActionMeta, ActionTarget, NamedTypes, Operation, ResourceMeta};
use serde_json::Value;
use std::sync::Arc;

/// Index of a resource in [`Registry::res`].
pub(crate) type ResId = usize;

/// Resources with behaviour of their own; everything else is [`Kind::Generic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Project,
    Group,
    User,
    CurrentUser,
    Issue,
    MergeRequest,
    Note,
    ProjectMember,
    GroupMember,
    Branch,
    GroupProject,
    ProjectFork,
    /// Issues or merge requests across projects: `/issues`, `/groups/:id/merge_requests`…
    IssueView,
    /// Direct and inherited members: `/projects/:id/members/all`.
    MembersAll,
    /// `/groups/:id/subgroups` and `/groups/:id/descendant_groups`.
    Subgroups,
    Generic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Lit(String),
    Var,
}

/// What a resource supports.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ops {
    pub list: bool,
    pub get: bool,
    pub get_without_id: bool,
    pub create: bool,
    pub update: Option<Verb>,
    pub delete: bool,
    pub set: bool,
}

#[derive(Debug)]
pub(crate) struct Res {
    /// Collection path with placeholders erased: `/projects/{}/issues`.
    pub norm: String,
    pub segs: Vec<Seg>,
    pub kind: Kind,
    pub meta: Option<&'static ResourceMeta>,
    /// Attribute that addresses one object; `None` for singletons.
    pub id_attr: Option<&'static str>,
    /// For each placeholder of the path, the resource it names (if any).
    pub parents: Vec<Option<ResId>>,
    /// For each placeholder, the attribute of the named object that fills it,
    /// from the schema's `from_parent` (`{epic_id}` is an epic's `id`, while
    /// epics are addressed by `iid`); `None` when unknown.
    pub parent_attrs: Vec<Option<&'static str>>,
    /// `Project` in `404 Project Not Found`; `None` gives GitLab's plain `404 Not found`.
    pub label: Option<String>,
    pub ops: Ops,
    /// Parameter rules of `list`, `create` and `update`, from the schema's types.
    pub list_rules: Arc<Rules>,
    pub create_rules: Arc<Rules>,
    pub update_rules: Arc<Rules>,
    /// Every response field the schema declares, with its blank value; stored
    /// objects get the ones they lack.
    pub blanks: Arc<[(&'static str, Value)]>,
}

impl Res {
    /// One object per parent, addressed by the collection path itself
    /// (`/projects/:id/pages`, `/application/settings`).
    pub fn is_singleton(&self) -> bool {
        self.id_attr.is_none() && !self.ops.list
    }

    /// Required create attributes: the catalogue's, or the emulator's own for core resources.
    pub fn create_required(&self) -> Vec<&'static str> {
        if let Some(m) = self.meta {
            return m.create_attrs().required.to_vec();
        }
        match self.kind {
            Kind::Issue => vec!["title"],
            Kind::MergeRequest => vec!["source_branch", "target_branch", "title"],
            Kind::Note => vec!["body"],
            Kind::Group => vec!["name", "path"],
            Kind::ProjectMember | Kind::GroupMember => vec!["access_level"],
            Kind::Branch => vec!["branch", "ref"],
            _ => Vec::new(),
        }
    }

    /// Precomputes the parameter rules and blank fields from the schema's types.
    fn compile_rules(&mut self) {
        let required = self.create_required();
        let Some(m) = self.meta else {
            self.create_rules = Arc::new(Rules {
                required,
                checks: Vec::new(),
            });
            return;
        };
        let table =
            |t: &gitlab_client::meta::AttrTable| -> Vec<&'static str> { t.names().collect() };
        let (create, update) = (*m.create_attrs(), *m.update_attrs());
        self.create_rules = Arc::new(Rules {
            required,
            checks: typing::compile(m, &table(&create), NamedTypes::default()),
        });
        self.update_rules = Arc::new(Rules {
            required: Vec::new(),
            checks: typing::compile(m, &table(&update), NamedTypes::default()),
        });
        self.list_rules = Arc::new(Rules {
            required: Vec::new(),
            checks: typing::compile(m, &m.list_filters.to_vec(), NamedTypes::default()),
        });
        self.blanks = typing::blanks(m.fields, m.field_defaults).into();
    }

    pub fn attr_type(&self, attr: &str) -> gitlab_client::meta::AttrType {
        match self.meta {
            Some(m) => m.attr_type(attr),
            None => match attr {
                "labels" => gitlab_client::meta::AttrType::CommaSeparated,
                _ => gitlab_client::meta::AttrType::String,
            },
        }
    }
}

/// What a route leads to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Collection,
    Object,
    Action {
        /// Path after the object (`star`, `repository/tree`), or after the
        /// collection for manager actions.
        suffix: String,
        meta: Option<&'static ActionMeta>,
        on_object: bool,
    },
}

/// The role of one placeholder in a route.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Parent,
    Id,
    Arg(String),
}

#[derive(Debug)]
struct Route {
    res: ResId,
    segs: Vec<Seg>,
    target: Target,
    verb: Verb,
    roles: Vec<Role>,
    rules: Arc<Rules>,
}

/// A request matched to a route, with the raw placeholder values.
#[derive(Debug)]
pub(crate) struct Matched {
    pub res: ResId,
    pub target: Target,
    pub parents: Vec<String>,
    pub id: Option<String>,
    pub args: Vec<(String, String)>,
    /// What the parameters must satisfy before any handler runs.
    pub rules: Arc<Rules>,
}

#[derive(Debug)]
pub(crate) struct Registry {
    pub res: Vec<Res>,
    routes: Vec<Route>,
    pub project: ResId,
    pub group: ResId,
    pub user: ResId,
    pub issue: ResId,
    pub merge_request: ResId,
    pub issue_note: ResId,
    pub mr_note: ResId,
    pub project_member: ResId,
    pub group_member: ResId,
    pub branch: ResId,
    /// `/application/settings`, read on every request for the API throttle.
    pub settings: Option<ResId>,
}

/// Core resources and what the emulator implements for each.
const CORE: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
    ("/projects", Kind::Project, Some("id"), Some("Project")),
    ("/groups", Kind::Group, Some("id"), Some("Group")),
    ("/users", Kind::User, Some("id"), Some("User")),
    ("/user", Kind::CurrentUser, None, Some("User")),
    ("/projects/{}/issues", Kind::Issue, Some("iid"), None),
    (
        "/projects/{}/merge_requests",
        Kind::MergeRequest,
        Some("iid"),
        None,
    ),
    (
        "/projects/{}/issues/{}/notes",
        Kind::Note,
        Some("id"),
        Some("Note"),
    ),
    (
        "/projects/{}/merge_requests/{}/notes",
        Kind::Note,
        Some("id"),
        Some("Note"),
    ),
    (
        "/projects/{}/members",
        Kind::ProjectMember,
        Some("id"),
        Some("Member"),
    ),
    (
        "/groups/{}/members",
        Kind::GroupMember,
        Some("id"),
        Some("Member"),
    ),
    (
        "/projects/{}/repository/branches",
        Kind::Branch,
        Some("name"),
        Some("Branch"),
    ),
    (
        "/groups/{}/projects",
        Kind::GroupProject,
        Some("id"),
        Some("Project"),
    ),
    (
        "/projects/{}/forks",
        Kind::ProjectFork,
        Some("id"),
        Some("Project"),
    ),
    ("/issues", Kind::IssueView, Some("id"), None),
    ("/merge_requests", Kind::IssueView, Some("id"), None),
    ("/groups/{}/issues", Kind::IssueView, Some("id"), None),
    (
        "/groups/{}/merge_requests",
        Kind::IssueView,
        Some("id"),
        None,
    ),
    (
        "/projects/{}/members/all",
        Kind::MembersAll,
        Some("id"),
        Some("Member"),
    ),
    (
        "/groups/{}/members/all",
        Kind::MembersAll,
        Some("id"),
        Some("Member"),
    ),
    (
        "/groups/{}/subgroups",
        Kind::Subgroups,
        Some("id"),
        Some("Group"),
    ),
    (
        "/groups/{}/descendant_groups",
        Kind::Subgroups,
        Some("id"),
        Some("Group"),
    ),
];

/// Actions the emulator implements even when the schema does not list them.
const CORE_ACTIONS: &[(Kind, Verb, &str)] = &[
    (Kind::Project, Verb::Post, "star"),
    (Kind::Project, Verb::Post, "unstar"),
    (Kind::Project, Verb::Post, "archive"),
    (Kind::Project, Verb::Post, "unarchive"),
    (Kind::Project, Verb::Put, "transfer"),
    (Kind::Project, Verb::Post, "uploads"),
    (Kind::Project, Verb::Post, "fork"),
    (Kind::Issue, Verb::Post, "move"),
    (Kind::Issue, Verb::Post, "subscribe"),
    (Kind::Issue, Verb::Post, "unsubscribe"),
    (Kind::Issue, Verb::Get, "participants"),
    (Kind::Issue, Verb::Get, "time_stats"),
    (Kind::Issue, Verb::Post, "time_estimate"),
    (Kind::Issue, Verb::Post, "reset_time_estimate"),
    (Kind::Issue, Verb::Post, "add_spent_time"),
    (Kind::Issue, Verb::Post, "reset_spent_time"),
    (Kind::MergeRequest, Verb::Put, "merge"),
    (Kind::MergeRequest, Verb::Post, "subscribe"),
    (Kind::MergeRequest, Verb::Post, "unsubscribe"),
    (Kind::MergeRequest, Verb::Get, "participants"),
    (Kind::MergeRequest, Verb::Get, "time_stats"),
    (Kind::User, Verb::Post, "block"),
    (Kind::User, Verb::Post, "unblock"),
    (Kind::User, Verb::Post, "deactivate"),
    (Kind::User, Verb::Post, "activate"),
    (Kind::User, Verb::Post, "ban"),
    (Kind::User, Verb::Post, "unban"),
];

fn core_ops(kind: Kind) -> Ops {
    let crud = Ops {
        list: true,
        get: true,
        create: true,
        update: Some(Verb::Put),
        delete: true,
        ..Ops::default()
    };
    match kind {
        Kind::CurrentUser => Ops {
            get_without_id: true,
            ..Ops::default()
        },
        Kind::Branch => Ops {
            update: None,
            ..crud
        },
        Kind::GroupProject | Kind::IssueView | Kind::MembersAll | Kind::Subgroups => Ops {
            list: true,
            ..Ops::default()
        },
        Kind::ProjectFork => Ops {
            list: true,
            create: true,
            ..Ops::default()
        },
        _ => crud,
    }
}

fn meta_ops(m: &ResourceMeta) -> Ops {
    Ops {
        list: m.supports(Operation::List),
        get: m.supports(Operation::Get),
        get_without_id: m.supports(Operation::GetWithoutId),
        create: m.supports(Operation::Create),
        update: m
            .supports(Operation::Update)
            .then(|| Verb::from_meta(m.update_method)),
        delete: m.supports(Operation::Delete),
        set: m.supports(Operation::Set),
    }
}

/// `/projects/{project_id}/issues` → segments with placeholders as `Var`.
fn split_template(t: &str) -> Vec<Seg> {
    t.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if whole_placeholder(s) {
                Seg::Var
            } else {
                Seg::Lit(s.to_string())
            }
        })
        .collect()
}

/// `{name}` (or `{}`) as a whole segment, not `{a}${b}` or `v{n}`.
fn whole_placeholder(s: &str) -> bool {
    s.len() >= 2
        && s.starts_with('{')
        && s.ends_with('}')
        && !s[1..s.len() - 1].contains(['{', '}'])
}

fn placeholder_names(t: &str) -> Vec<&str> {
    t.split('/')
        .filter(|s| whole_placeholder(s))
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn norm_of(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        s.push('/');
        match seg {
            Seg::Lit(l) => s.push_str(l),
            Seg::Var => s.push_str("{}"),
        }
    }
    s
}

/// The attribute of the object named by placeholder `name` of resource `r` that
/// fills it. The schema's `from_parent` maps each placeholder to an attribute
/// of the immediate parent: for the last placeholder that parent is the object
/// itself; for an earlier one the attribute is the parent's own placeholder of
/// that name, followed up the chain (`{epic_id}` of an epic discussion note is
/// the discussion's `{epic_id}`, which is the epic's `id`).
fn filling_attr(res: &[Res], r: ResId, name: &str) -> Option<&'static str> {
    let mut r = r;
    let mut name = name.to_string();
    // Each step moves to a shorter path, so this ends; the bound is a guard.
    for _ in 0..16 {
        let m = res[r].meta?;
        let names = placeholder_names(m.path);
        let pos = names.iter().position(|n| *n == name)?;
        let attr = m
            .from_parent
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, a)| *a)?;
        if pos + 1 == names.len() {
            return Some(attr);
        }
        r = res[r].parents.last().copied().flatten()?;
        name = attr.to_string();
    }
    None
}

/// `ProjectMergeRequest` → `Merge Request` once the parent's name `Project` is cut.
fn label_from_name(name: &str, ancestor_names: &[&str]) -> String {
    let mut rest = name;
    for a in ancestor_names {
        if let Some(r) = name.strip_prefix(a) {
            if !r.is_empty() && r.len() < rest.len() {
                rest = r;
            }
        }
    }
    let mut out = String::new();
    for (i, ch) in rest.char_indices() {
        if i > 0 && ch.is_uppercase() {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

impl Registry {
    pub fn build(catalogue: &[&'static ResourceMeta]) -> Registry {
        let mut res: Vec<Res> = CORE
            .iter()
            .map(|(path, kind, id, label)| Res {
                norm: path.to_string(),
                segs: split_template(path),
                kind: *kind,
                meta: None,
                id_attr: *id,
                parents: Vec::new(),
                parent_attrs: Vec::new(),
                label: label.map(str::to_string),
                ops: core_ops(*kind),
                list_rules: Arc::default(),
                create_rules: Arc::default(),
                update_rules: Arc::default(),
                blanks: Arc::new([]),
            })
            .collect();
        for meta in catalogue {
            let segs = split_template(meta.path);
            let norm = norm_of(&segs);
            match res.iter_mut().find(|r| r.norm == norm) {
                Some(r) => {
                    if r.meta.is_none() {
                        r.meta = Some(meta);
                    }
                }
                None => res.push(Res {
                    norm,
                    segs,
                    kind: Kind::Generic,
                    meta: Some(meta),
                    id_attr: meta.id_attr,
                    parents: Vec::new(),
                    parent_attrs: Vec::new(),
                    label: None,
                    ops: meta_ops(meta),
                    list_rules: Arc::default(),
                    create_rules: Arc::default(),
                    update_rules: Arc::default(),
                    blanks: Arc::new([]),
                }),
            }
        }
        // Parents: the resource whose collection path is the prefix before each placeholder.
        for i in 0..res.len() {
            let mut parents = Vec::new();
            for (pos, seg) in res[i].segs.iter().enumerate() {
                if *seg == Seg::Var {
                    let prefix = &res[i].segs[..pos];
                    parents.push(res.iter().position(|r| r.segs == prefix));
                }
            }
            res[i].parents = parents;
        }
        for i in 0..res.len() {
            let names = res[i]
                .meta
                .map(|m| placeholder_names(m.path))
                .unwrap_or_default();
            res[i].parent_attrs = names.iter().map(|n| filling_attr(&res, i, n)).collect();
        }
        for i in 0..res.len() {
            if res[i].label.is_none() && res[i].kind == Kind::Generic {
                let ancestors: Vec<&str> = res[i]
                    .parents
                    .iter()
                    .flatten()
                    .filter_map(|p| res[*p].meta.map(|m| m.name))
                    .collect();
                let name = res[i].meta.map_or("", |m| m.name);
                res[i].label = Some(label_from_name(name, &ancestors));
            }
        }
        for r in &mut res {
            r.compile_rules();
        }
        let find = |p: &str| res.iter().position(|r| r.norm == p).unwrap_or(0);
        let mut reg = Registry {
            project: find("/projects"),
            group: find("/groups"),
            user: find("/users"),
            issue: find("/projects/{}/issues"),
            merge_request: find("/projects/{}/merge_requests"),
            issue_note: find("/projects/{}/issues/{}/notes"),
            mr_note: find("/projects/{}/merge_requests/{}/notes"),
            project_member: find("/projects/{}/members"),
            group_member: find("/groups/{}/members"),
            branch: find("/projects/{}/repository/branches"),
            settings: res.iter().position(|r| r.norm == "/application/settings"),
            res,
            routes: Vec::new(),
        };
        reg.build_routes();
        reg
    }

    fn build_routes(&mut self) {
        let mut routes = Vec::new();
        for (id, r) in self.res.iter().enumerate() {
            let parent_roles = vec![Role::Parent; r.parents.len()];
            let coll = |verb, rules: &Arc<Rules>| Route {
                res: id,
                segs: r.segs.clone(),
                target: Target::Collection,
                verb,
                roles: parent_roles.clone(),
                rules: rules.clone(),
            };
            if r.ops.list || r.ops.get_without_id {
                routes.push(coll(Verb::Get, &r.list_rules));
            }
            if r.ops.create {
                match r.meta.and_then(|m| m.create_path.map(|t| (m, t))) {
                    Some((meta, template)) => {
                        routes.push(create_path_route(id, r, meta, template));
                    }
                    None => routes.push(coll(Verb::Post, &r.create_rules)),
                }
            }
            if r.id_attr.is_none() {
                if let Some(v) = r.ops.update {
                    routes.push(coll(v, &r.update_rules));
                }
            }
            if r.is_singleton() && r.ops.delete {
                routes.push(coll(Verb::Delete, &Arc::default()));
            }
            if r.id_attr.is_some() {
                let mut segs = r.segs.clone();
                segs.push(Seg::Var);
                let mut roles = parent_roles.clone();
                roles.push(Role::Id);
                let mut verbs = Vec::new();
                if r.ops.get {
                    verbs.push(Verb::Get);
                }
                if let Some(v) = r.ops.update {
                    verbs.push(v);
                }
                if r.ops.set && !verbs.contains(&Verb::Put) {
                    verbs.push(Verb::Put);
                }
                if r.ops.delete {
                    verbs.push(Verb::Delete);
                }
                for verb in verbs {
                    let rules = if Some(verb) == r.ops.update {
                        r.update_rules.clone()
                    } else {
                        Arc::default()
                    };
                    routes.push(Route {
                        res: id,
                        segs: segs.clone(),
                        target: Target::Object,
                        verb,
                        roles: roles.clone(),
                        rules,
                    });
                }
            }
            if let Some(meta) = r.meta {
                for a in meta.actions {
                    if let Some(route) = action_route(id, r, meta, a) {
                        routes.push(route);
                    }
                }
            }
        }
        // Core actions the schema may not list yet.
        for (kind, verb, suffix) in CORE_ACTIONS {
            let Some(id) = self.res.iter().position(|r| r.kind == *kind) else {
                continue;
            };
            let r = &self.res[id];
            let mut segs = r.segs.clone();
            segs.push(Seg::Var);
            segs.extend(split_template(suffix));
            if routes
                .iter()
                .any(|x: &Route| x.segs == segs && x.verb == *verb)
            {
                continue;
            }
            let mut roles = vec![Role::Parent; r.parents.len()];
            roles.push(Role::Id);
            routes.push(Route {
                res: id,
                segs,
                target: Target::Action {
                    suffix: suffix.to_string(),
                    meta: None,
                    on_object: true,
                },
                verb: *verb,
                roles,
                rules: Arc::default(),
            });
        }
        // A placeholder inside a segment (`binary-{arch}`, `{version}.info`,
        // `{name}${sha}`: package-protocol routes) is not matched by this router;
        // such routes are left out, so they answer 404 instead of being served
        // under a literal path no client sends (README: known differences).
        routes.retain(|r| {
            !r.segs
                .iter()
                .any(|s| matches!(s, Seg::Lit(l) if l.contains('{')))
        });
        self.routes = routes;
    }

    /// Every (method, path) routed from the catalogue and the core tables, with
    /// placeholders written `{}` (`projects/{}/issues/{}`), and whether the
    /// route comes from the catalogue (`false`: from `CORE`/`CORE_ACTIONS`).
    pub fn patterns(&self) -> Vec<(Verb, String, bool)> {
        self.routes
            .iter()
            .map(|r| {
                let path = r
                    .segs
                    .iter()
                    .map(|s| match s {
                        Seg::Lit(l) => l.as_str(),
                        Seg::Var => "{}",
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let from_catalogue = match &r.target {
                    Target::Action { meta, .. } => meta.is_some(),
                    _ => self.res[r.res].kind == Kind::Generic,
                };
                (r.verb, path, from_catalogue)
            })
            .collect()
    }

    /// Finds the most specific route for `segs` (most literal segments wins).
    /// A path that exists with other methods is a 405; an unknown path a 404.
    pub fn route(&self, segs: &[String], verb: Verb) -> Result<Matched, ApiError> {
        let mut best: Option<(&Route, usize)> = None;
        let mut path_exists = false;
        for route in &self.routes {
            if route.segs.len() != segs.len() {
                continue;
            }
            let mut literals = 0;
            let fits = route.segs.iter().zip(segs).all(|(t, s)| match t {
                Seg::Lit(l) => {
                    literals += 1;
                    l == s
                }
                Seg::Var => !s.is_empty(),
            });
            if !fits {
                continue;
            }
            path_exists = true;
            if route.verb != verb {
                continue;
            }
            // More literal segments win; on a tie a resource beats an action.
            let score = literals * 2 + usize::from(!matches!(route.target, Target::Action { .. }));
            if best.is_none_or(|(_, n)| score > n) {
                best = Some((route, score));
            }
        }
        let Some((route, _)) = best else {
            return Err(if path_exists {
                ApiError::method_not_allowed()
            } else {
                ApiError::no_route()
            });
        };
        let mut m = Matched {
            res: route.res,
            target: route.target.clone(),
            parents: Vec::new(),
            id: None,
            args: Vec::new(),
            rules: route.rules.clone(),
        };
        let values = route
            .segs
            .iter()
            .zip(segs)
            .filter(|(t, _)| **t == Seg::Var)
            .map(|(_, s)| s.clone());
        for (role, value) in route.roles.iter().zip(values) {
            match role {
                Role::Parent => m.parents.push(value),
                Role::Id => m.id = Some(value),
                Role::Arg(name) => m.args.push((name.clone(), value)),
            }
        }
        Ok(m)
    }
}

/// The create route of a resource whose schema names a `create_path`: relative
/// to the resource's path (`{file_path}`, `user`) or absolute
/// (`/projects/{project_id}/fork`), as the client sends it. The resource's own
/// placeholders are its parents; others are arguments (`file_path`).
fn create_path_route(id: ResId, r: &Res, meta: &ResourceMeta, template: &str) -> Route {
    let full = if template.starts_with('/') {
        template.to_string()
    } else {
        format!("{}/{template}", meta.path)
    };
    let own = placeholder_names(meta.path);
    let in_path = placeholder_names(&full);
    // Parameters in the path are always there: not checked as body parameters.
    let rules = Rules {
        required: r
            .create_rules
            .required
            .iter()
            .copied()
            .filter(|n| !in_path.contains(n))
            .collect(),
        checks: r
            .create_rules
            .checks
            .iter()
            .filter(|c| !in_path.contains(&c.name))
            .cloned()
            .collect(),
    };
    let roles = in_path
        .into_iter()
        .map(|n| {
            if own.contains(&n) {
                Role::Parent
            } else {
                Role::Arg(n.to_string())
            }
        })
        .collect();
    Route {
        res: id,
        segs: split_template(&full),
        target: Target::Collection,
        verb: Verb::Post,
        roles,
        rules: Arc::new(rules),
    }
}

/// A route for a schema action, when its path sits below the resource's own path.
fn action_route(id: ResId, r: &Res, meta: &ResourceMeta, a: &'static ActionMeta) -> Option<Route> {
    let segs = split_template(a.path);
    if segs.len() < r.segs.len() || segs[..r.segs.len()] != r.segs[..] {
        return None;
    }
    let own: Vec<&str> = placeholder_names(meta.path);
    let names = placeholder_names(a.path);
    let mut roles = Vec::new();
    for (i, name) in names.iter().enumerate() {
        roles.push(if i < own.len() && own.contains(name) {
            Role::Parent
        } else if *name == "id" {
            Role::Id
        } else {
            Role::Arg(name.to_string())
        });
    }
    let on_object = a.on == ActionTarget::Object && roles.contains(&Role::Id);
    let skip = r.segs.len() + usize::from(on_object);
    // Required arguments that are path placeholders are always there.
    let in_path = |n: &&str| names.contains(n);
    let mut args: Vec<&'static str> = a.required.to_vec();
    args.extend(a.optional);
    // Arguments with a `wire` name arrive under GitLab's name (`to_namespace` → `namespace`).
    let on_wire = |n: &'static str| {
        a.wire
            .iter()
            .find(|(arg, _)| *arg == n)
            .map_or(n, |(_, w)| *w)
    };
    let rules = Rules {
        required: a
            .required
            .iter()
            .filter(|n| !in_path(n))
            .map(on_wire)
            .collect(),
        checks: typing::compile(meta, &args, a.attributes)
            .into_iter()
            .filter(|c| !in_path(&c.name))
            .map(|mut c| {
                c.name = on_wire(c.name);
                c
            })
            .collect(),
    };
    let suffix = segs
        .get(skip..)
        .unwrap_or(&[])
        .iter()
        .map(|s| match s {
            Seg::Lit(l) => l.as_str(),
            Seg::Var => "{}",
        })
        .collect::<Vec<_>>()
        .join("/");
    Some(Route {
        res: id,
        segs,
        target: Target::Action {
            suffix,
            meta: Some(a),
            on_object,
        },
        verb: Verb::from_meta(a.method),
        roles,
        rules: Arc::new(rules),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        crate::request::api_segments(p).unwrap()
    }

    #[test]
    fn catalogue_paths_route_to_their_resources() {
        let reg = Registry::build(gitlab_client::resources::CATALOGUE);
        let m = reg
            .route(&segs("/api/v4/projects/g%2Fp/issues/3/notes"), Verb::Get)
            .unwrap();
        assert_eq!(reg.res[m.res].norm, "/projects/{}/issues/{}/notes");
        assert_eq!(m.parents, ["g/p", "3"]);
        assert!(matches!(m.target, Target::Collection));

        let m = reg
            .route(&segs("/api/v4/projects/7/star"), Verb::Post)
            .unwrap();
        assert!(matches!(&m.target, Target::Action { suffix, .. } if suffix == "star"));
        assert_eq!(m.id.as_deref(), Some("7"));

        let m = reg
            .route(
                &segs("/api/v4/projects/7/repository/branches/feature%2Fx"),
                Verb::Delete,
            )
            .unwrap();
        assert_eq!(m.id.as_deref(), Some("feature/x"));

        let e = reg
            .route(&segs("/api/v4/projects/7/star"), Verb::Get)
            .unwrap_err();
        assert_eq!(e.status, 405);
        let e = reg
            .route(&segs("/api/v4/nothing/here"), Verb::Get)
            .unwrap_err();
        assert_eq!(e.status, 404);
    }

    #[test]
    fn every_listable_catalogue_resource_routes_to_itself() {
        let reg = Registry::build(gitlab_client::resources::CATALOGUE);
        let mut clashes = Vec::new();
        for (id, r) in reg.res.iter().enumerate() {
            if !r.ops.list {
                continue;
            }
            let segs: Vec<String> = r
                .segs
                .iter()
                .map(|s| match s {
                    Seg::Lit(l) => l.clone(),
                    Seg::Var => "1".to_string(),
                })
                .collect();
            match reg.route(&segs, Verb::Get) {
                Ok(m) if m.res == id && matches!(m.target, Target::Collection) => {}
                other => clashes.push(format!("{} -> {:?}", r.norm, other.map(|m| m.res))),
            }
        }
        assert!(clashes.is_empty(), "{clashes:#?}");
    }

    #[test]
    fn parameter_rules_are_compiled_per_operation_and_route() {
        let reg = Registry::build(gitlab_client::resources::CATALOGUE);
        let issue = &reg.res[reg.issue];
        assert_eq!(issue.create_rules.required, ["title"]);
        assert!(issue.create_rules.check("confidential").is_some());
        assert!(issue.create_rules.check("state_event").is_none());
        assert!(issue.update_rules.check("state_event").is_some());
        assert!(issue.list_rules.check("iids").is_some());
        assert!(issue.blanks.iter().any(|(f, _)| *f == "health_status"));
        let m = reg
            .route(&segs("/api/v4/projects/1/issues/2/move"), Verb::Post)
            .unwrap();
        assert_eq!(m.rules.required, ["to_project_id"]);
        assert!(m.rules.check("to_project_id").is_some());
        let m = reg
            .route(&segs("/api/v4/projects/1/issues/2"), Verb::Get)
            .unwrap();
        assert!(m.rules.required.is_empty() && m.rules.checks.is_empty());
    }

    #[test]
    fn parents_follow_path_prefixes() {
        let reg = Registry::build(gitlab_client::resources::CATALOGUE);
        let note = &reg.res[reg.issue_note];
        assert_eq!(note.parents, [Some(reg.project), Some(reg.issue)]);
        assert_eq!(
            label_from_name("ProjectMergeRequest", &["Project"]),
            "Merge Request"
        );
    }
}

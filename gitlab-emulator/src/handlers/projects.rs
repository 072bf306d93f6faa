//! Projects, their forks, the projects of a group, and project actions
//! (star, archive, transfer, uploads).

use super::{branches, echo_attrs, equality_filters, scalar_filters_match, Ctx};
use crate::lists::{sort_entries, CursorStyle, Item, OrderRules};
use crate::registry::Kind;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{access, Caller, NamespaceRef, State};
use crate::store::Entry;
use crate::time;
use serde_json::{json, Map, Value};

const ORDER: OrderRules = OrderRules {
    default_field: "created_at",
    default_desc: true,
    allowed: &[
        "id",
        "name",
        "path",
        "created_at",
        "updated_at",
        "last_activity_at",
        "star_count",
        "similarity",
    ],
};

/// Filters handled here rather than by plain equality.
const HANDLED: &[&str] = &[
    "archived",
    "owned",
    "membership",
    "starred",
    "min_access_level",
    "topic",
    "with_issues_enabled",
    "with_merge_requests_enabled",
    "include_subgroups",
    "last_activity_after",
    "last_activity_before",
    "search_namespaces",
    "with_shared",
    "with_programming_language",
    "all_available",
    "with_custom_attributes",
    "repository_checksum_failed",
    "wiki_checksum_failed",
    "repository_storage",
    "with_security_reports",
    "imported",
    "topic_id",
];

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let kind = st.reg.res[ctx.res].kind;
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::IdBound, |st, paging| {
        let p = &ctx.req.params;
        let caller = ctx.caller.as_ref();
        let (after, before) = State::id_bounds(ctx, paging)?;
        let namespaces: Option<Vec<u64>> = match kind {
            Kind::GroupProject => {
                let gid = ctx.project_id();
                Some(if p.bool("include_subgroups")? == Some(true) {
                    st.group_and_descendants(gid)
                } else {
                    vec![gid]
                })
            }
            _ => None,
        };
        let fork_of = (kind == Kind::ProjectFork).then(|| ctx.project_id());
        let archived = p.bool("archived")?;
        let owned = p.bool("owned")? == Some(true);
        let membership = p.bool("membership")? == Some(true);
        let starred = p.bool("starred")? == Some(true);
        let min_access = p.u64("min_access_level")?;
        let topics = p.list("topic");
        let with_issues = p.bool("with_issues_enabled")? == Some(true);
        let with_mrs = p.bool("with_merge_requests_enabled")? == Some(true);
        let search = p.nonblank("search").map(|s| s.to_lowercase());
        let search_ns = p.bool("search_namespaces")? == Some(true);
        let eq = equality_filters(ctx, HANDLED);
        let custom = super::instance::custom_attribute_filter(ctx);
        let uid = caller.map(|c| c.id);
        let Some(coll) = st.store.coll(st.reg.project, &[]) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = coll
            .iter()
            .filter(|e| {
                let id = e.u64("id").unwrap_or(0);
                if after.is_some_and(|a| id <= a) || before.is_some_and(|b| id >= b) {
                    return false;
                }
                if let Some(ns) = &namespaces {
                    let in_ns = ns_ref(e).and_then(|n| match n {
                        NamespaceRef::Group(g) => Some(g),
                        NamespaceRef::User(_) => None,
                    });
                    if !in_ns.is_some_and(|g| ns.contains(&g)) {
                        return false;
                    }
                }
                if let Some(src) = fork_of {
                    let from = e
                        .obj
                        .get("forked_from_project")
                        .and_then(|f| f.get("id"))
                        .and_then(Value::as_u64);
                    if from != Some(src) {
                        return false;
                    }
                }
                if archived.is_some_and(|a| e.obj.get("archived") != Some(&Value::Bool(a))) {
                    return false;
                }
                if owned && ns_ref(e) != uid.map(NamespaceRef::User) {
                    return false;
                }
                if starred && !uid.is_some_and(|u| e.hidden.starrers.contains(&u)) {
                    return false;
                }
                if with_issues && e.obj.get("issues_enabled") == Some(&Value::Bool(false)) {
                    return false;
                }
                if with_mrs && e.obj.get("merge_requests_enabled") == Some(&Value::Bool(false)) {
                    return false;
                }
                if let Some(t) = &topics {
                    let have = e.obj.get("topics").and_then(Value::as_array);
                    let ok = t.iter().all(|want| {
                        have.is_some_and(|h| h.iter().any(|x| x.as_str() == Some(want)))
                    });
                    if !ok {
                        return false;
                    }
                }
                if let Some(s) = &search {
                    let mut fields = vec!["name", "path", "description"];
                    if search_ns {
                        fields.push("path_with_namespace");
                        fields.push("name_with_namespace");
                    }
                    if !super::search_matches(&e.obj, &fields, s) {
                        return false;
                    }
                }
                if !scalar_filters_match(&e.obj, &eq) {
                    return false;
                }
                let norm = "/projects/{}/custom_attributes";
                if !super::instance::has_custom_attributes(st, norm, id, &custom) {
                    return false;
                }
                if !st.can_read_project(caller, e) {
                    return false;
                }
                if membership || min_access.is_some() {
                    let level = st.project_access(caller, e);
                    if level == access::NONE || min_access.is_some_and(|m| level < m) {
                        return false;
                    }
                }
                true
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

/// The namespace a project lives in.
pub(super) fn ns_ref(p: &Entry) -> Option<NamespaceRef> {
    let ns = p.obj.get("namespace")?;
    match ns.get("kind").and_then(Value::as_str)? {
        "group" => ns
            .get("id")
            .and_then(Value::as_u64)
            .map(NamespaceRef::Group),
        _ => p
            .obj
            .get("owner")
            .and_then(|o| o.get("id"))
            .and_then(Value::as_u64)
            .map(NamespaceRef::User),
    }
}

/// `can contain only letters…` unless `path` is a valid GitLab path.
pub(super) fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !path.starts_with(['-', '.'])
        && !path.ends_with(".git")
        && !path.ends_with(".atom")
        && !path.ends_with('.')
}

pub(super) const PATH_RULE: &str = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'";

/// `My Project!` → `my-project`.
pub(super) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches(['-', '.']).to_string()
}

fn check_visibility(v: Option<String>) -> ApiResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) if matches!(v.as_str(), "private" | "internal" | "public") => Ok(Some(v)),
        Some(_) => Err(ApiError::error(
            400,
            "visibility does not have a valid value",
        )),
    }
}

/// Sets every field derived from the namespace, name and path.
pub(crate) fn apply_paths(st: &State, obj: &mut Map<String, Value>, ns: NamespaceRef) {
    let path = super::text(obj, "path");
    let name = super::text(obj, "name");
    let namespace = st.namespace_json(ns).unwrap_or(Value::Null);
    let (ns_path, ns_name) = match ns {
        NamespaceRef::Group(g) => {
            let g = st.group(g);
            (
                g.and_then(|g| g.str("full_path")).unwrap_or("").to_string(),
                g.and_then(|g| g.str("full_name")).unwrap_or("").to_string(),
            )
        }
        NamespaceRef::User(u) => {
            let u = st.user(u);
            (
                u.and_then(|u| u.str("username")).unwrap_or("").to_string(),
                u.and_then(|u| u.str("name")).unwrap_or("").to_string(),
            )
        }
    };
    let full = format!("{ns_path}/{path}");
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let api = format!("{}/api/v4/projects/{id}", st.base_url);
    let host = st
        .base_url
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_string();
    let web = st.web_url(&full);
    obj.insert("path_with_namespace".into(), Value::String(full.clone()));
    obj.insert(
        "name_with_namespace".into(),
        Value::String(format!("{ns_name} / {name}")),
    );
    obj.insert("namespace".into(), namespace);
    obj.insert("web_url".into(), Value::String(web.clone()));
    obj.insert(
        "http_url_to_repo".into(),
        Value::String(format!("{web}.git")),
    );
    obj.insert(
        "ssh_url_to_repo".into(),
        Value::String(format!("git@{host}:{full}.git")),
    );
    obj.insert(
        "readme_url".into(),
        Value::String(format!("{web}/-/blob/main/README.md")),
    );
    obj.insert(
        "_links".into(),
        json!({
            "self": api,
            "issues": format!("{api}/issues"),
            "merge_requests": format!("{api}/merge_requests"),
            "repo_branches": format!("{api}/repository/branches"),
            "labels": format!("{api}/labels"),
            "events": format!("{api}/events"),
            "members": format!("{api}/members"),
            "cluster_agents": format!("{api}/cluster_agents"),
        }),
    );
    // GitLab shows `owner` only for projects in a personal namespace.
    obj.remove("owner");
    if let NamespaceRef::User(u) = ns {
        obj.insert("owner".into(), st.user_basic(u));
    }
}

/// What a new project starts as.
pub(crate) struct NewProject {
    pub name: String,
    pub path: String,
    pub ns: NamespaceRef,
    pub visibility: String,
    pub description: Option<String>,
    pub default_branch: String,
    pub creator: u64,
    pub forked_from: Option<Value>,
}

/// Checks that `path`/`name` are free in `ns` (ignoring project `except`).
pub(super) fn check_free(
    st: &State,
    ns: NamespaceRef,
    name: &str,
    path: &str,
    except: Option<u64>,
) -> ApiResult<()> {
    let mut problems = Vec::new();
    if let Some(c) = st.store.coll(st.reg.project, &[]) {
        for p in c.iter() {
            if ns_ref(p) != Some(ns) || (except.is_some() && p.u64("id") == except) {
                continue;
            }
            if p.str("name").is_some_and(|n| n.eq_ignore_ascii_case(name))
                && !problems.contains(&"name")
            {
                problems.push("name");
            }
            if p.str("path").is_some_and(|n| n.eq_ignore_ascii_case(path))
                && !problems.contains(&"path")
            {
                problems.push("path");
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (*p, "has already been taken"))
        .collect();
    Err(ApiError::validation(400, &pairs))
}

/// Stores a new project with its default branch and returns its id.
pub(crate) fn insert_project(st: &mut State, new: NewProject) -> u64 {
    let id = st.store.next_id("project");
    let now = time::now();
    let mut obj = Map::new();
    obj.insert("id".into(), Value::from(id));
    obj.insert(
        "description".into(),
        new.description.map_or(Value::Null, Value::String),
    );
    obj.insert("name".into(), Value::String(new.name));
    obj.insert("path".into(), Value::String(new.path));
    let defaults = json!({
        "created_at": now,
        "updated_at": now,
        "default_branch": new.default_branch,
        "tag_list": [],
        "topics": [],
        "avatar_url": null,
        "forks_count": 0,
        "star_count": 0,
        "last_activity_at": now,
        "visibility": new.visibility,
        "archived": false,
        "empty_repo": false,
        "issues_enabled": true,
        "merge_requests_enabled": true,
        "wiki_enabled": true,
        "jobs_enabled": true,
        "snippets_enabled": true,
        "container_registry_enabled": true,
        "packages_enabled": true,
        "lfs_enabled": true,
        "shared_runners_enabled": true,
        "request_access_enabled": true,
        "issues_access_level": "enabled",
        "merge_requests_access_level": "enabled",
        "repository_access_level": "enabled",
        "builds_access_level": "enabled",
        "wiki_access_level": "enabled",
        "snippets_access_level": "enabled",
        "pages_access_level": "private",
        "creator_id": new.creator,
        "import_status": "none",
        "open_issues_count": 0,
        "ci_default_git_depth": 20,
        "public_jobs": true,
        "shared_with_groups": [],
        "only_allow_merge_if_pipeline_succeeds": false,
        "only_allow_merge_if_all_discussions_are_resolved": false,
        "remove_source_branch_after_merge": true,
        "printing_merge_request_link_enabled": true,
        "merge_method": "merge",
        "squash_option": "default_off",
        "autoclose_referenced_issues": true,
        "resolve_outdated_diff_discussions": false,
    });
    if let Value::Object(d) = defaults {
        obj.extend(d);
    }
    if let Some(f) = new.forked_from {
        obj.insert("forked_from_project".into(), f);
    }
    apply_paths(st, &mut obj, new.ns);
    st.store
        .insert(st.reg.project, &[], id.to_string(), Entry::new(obj));
    id
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let p = &ctx.req.params;
    let (name, path) = match (p.nonblank("name"), p.nonblank("path")) {
        (None, None) => {
            return Err(ApiError::error(
                400,
                "name, path are missing, at least one parameter must be provided",
            ))
        }
        (Some(n), None) => (n.clone(), slug(&n)),
        (None, Some(p)) => (p.clone(), p),
        (Some(n), Some(p)) => (n, p),
    };
    if !valid_path(&path) {
        return Err(ApiError::validation(400, &[("path", PATH_RULE)]));
    }
    let ns = match p
        .nonblank("namespace_id")
        .or_else(|| p.nonblank("namespace"))
    {
        Some(k) => st
            .find_namespace(&k)
            .ok_or_else(|| ApiError::not_found(Some("Namespace")))?,
        None => NamespaceRef::User(caller.id),
    };
    check_namespace_write(st, &caller, ns)?;
    let visibility =
        check_visibility(p.nonblank("visibility"))?.unwrap_or_else(|| "private".into());
    check_free(st, ns, &name, &path, None)?;
    let avatar = super::instance::avatar_param(ctx)?;
    let default_branch = p
        .nonblank("default_branch")
        .unwrap_or_else(|| "main".into());
    let id = insert_project(
        st,
        NewProject {
            name,
            path,
            ns,
            visibility,
            description: p.str("description"),
            default_branch: default_branch.clone(),
            creator: caller.id,
            forked_from: None,
        },
    );
    let mut extra = Map::new();
    echo_attrs(
        st,
        ctx,
        true,
        &mut extra,
        &[
            "name",
            "path",
            "namespace_id",
            "visibility",
            "description",
            "default_branch",
            "avatar",
            "initialize_with_readme",
            "import_url",
            "template_name",
            "template_project_id",
            "use_custom_template",
            "group_with_project_templates_id",
        ],
    );
    st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
        e.obj.extend(extra);
    });
    super::instance::set_avatar(st, st.reg.project, "project", id, avatar);
    branches::add_branch(st, id, &default_branch, None, "Initial commit", caller.id);
    add_creator_membership(st, id, ns, &caller);
    project_reply(st, id, 201)
}

/// The creator of a project becomes its owner (personal) or maintainer (group,
/// unless the group already gives them that).
fn add_creator_membership(st: &mut State, pid: u64, ns: NamespaceRef, caller: &Caller) {
    let level = match ns {
        NamespaceRef::User(u) if u == caller.id => access::OWNER,
        NamespaceRef::Group(g) if st.group_access(Some(caller), g) < access::MAINTAINER => {
            access::MAINTAINER
        }
        _ => return,
    };
    super::members::add_member(st, st.reg.project_member, pid, caller.id, level, caller.id);
}

/// May `caller` create projects in `ns`?
fn check_namespace_write(st: &State, caller: &Caller, ns: NamespaceRef) -> ApiResult<()> {
    let ok = match ns {
        NamespaceRef::User(u) => u == caller.id || caller.admin,
        NamespaceRef::Group(g) => st.group_access(Some(caller), g) >= access::DEVELOPER,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn project_reply(st: &State, id: u64, status: u16) -> ApiResult<Reply> {
    st.project(id)
        .map(|e| Reply::raw_json(status, e.bytes.clone()))
        .ok_or_else(|| ApiError::not_found(Some("Project")))
}

/// A project the caller can read, as (id, entry).
fn target<'s>(st: &'s State, ctx: &Ctx) -> ApiResult<(u64, &'s Entry)> {
    let e = st.readable_project(ctx.caller.as_ref(), ctx.id())?;
    Ok((e.u64("id").unwrap_or(0), e))
}

fn require_level(st: &State, ctx: &Ctx, e: &Entry, level: u64) -> ApiResult<()> {
    if st.project_access(ctx.caller.as_ref(), e) >= level {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let (id, e) = target(st, ctx)?;
    let mut v = e.to_value();
    if let Some(c) = ctx.caller.as_ref() {
        let direct = st
            .store
            .get(st.reg.project_member, &[id.to_string()], &c.id.to_string())
            .and_then(|m| m.u64("access_level"));
        let group = match ns_ref(e) {
            Some(NamespaceRef::Group(g)) => Some(st.group_access(Some(c), g)).filter(|l| *l > 0),
            _ => None,
        };
        let level = |l: Option<u64>| match l {
            Some(l) => json!({"access_level": l.min(access::OWNER), "notification_level": 3}),
            None => Value::Null,
        };
        v["permissions"] = json!({"project_access": level(direct), "group_access": level(group)});
    }
    if ctx.req.params.bool("statistics")? == Some(true) {
        v["statistics"] = json!({
            "commit_count": 1, "storage_size": 0, "repository_size": 0, "wiki_size": 0,
            "lfs_objects_size": 0, "job_artifacts_size": 0, "packages_size": 0, "snippets_size": 0,
            "uploads_size": 0, "container_registry_size": 0
        });
    }
    Ok(Reply::json(200, &v))
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let (id, e) = target(st, ctx)?;
    require_level(st, ctx, e, access::MAINTAINER)?;
    let p = &ctx.req.params;
    let ns = ns_ref(e).ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let name = p
        .nonblank("name")
        .unwrap_or_else(|| e.str("name").unwrap_or("").to_string());
    let path = p
        .nonblank("path")
        .unwrap_or_else(|| e.str("path").unwrap_or("").to_string());
    if !valid_path(&path) {
        return Err(ApiError::validation(400, &[("path", PATH_RULE)]));
    }
    check_free(st, ns, &name, &path, Some(id))?;
    let visibility = check_visibility(p.nonblank("visibility"))?;
    let avatar = super::instance::avatar_param(ctx)?;
    if let Some(b) = p.nonblank("default_branch") {
        if st.store.get(st.reg.branch, &[id.to_string()], &b).is_none() {
            return Err(ApiError::validation(
                400,
                &[("default_branch", "is not a branch of this project")],
            ));
        }
    }
    let mut changes = Map::new();
    echo_attrs(
        st,
        ctx,
        false,
        &mut changes,
        &["name", "path", "visibility", "avatar"],
    );
    changes.insert("name".into(), Value::String(name));
    changes.insert("path".into(), Value::String(path));
    if let Some(v) = visibility {
        changes.insert("visibility".into(), Value::String(v));
    }
    let now = time::now();
    changes.insert("updated_at".into(), Value::String(now.clone()));
    changes.insert("last_activity_at".into(), Value::String(now));
    let old_default = e.str("default_branch").unwrap_or("").to_string();
    let mut obj = e.obj.clone();
    obj.extend(changes);
    apply_paths(st, &mut obj, ns);
    let new_default = super::text(&obj, "default_branch");
    st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
        e.obj = obj;
    });
    super::instance::set_avatar(st, st.reg.project, "project", id, avatar);
    if new_default != old_default {
        for (name, is_default) in [(old_default, false), (new_default, true)] {
            st.store
                .modify(st.reg.branch, &[id.to_string()], &name, |b| {
                    b.obj.insert("default".into(), Value::Bool(is_default));
                    b.obj.insert("protected".into(), Value::Bool(is_default));
                });
        }
    }
    project_reply(st, id, 200)
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let (id, e) = target(st, ctx)?;
    require_level(st, ctx, e, access::OWNER)?;
    remove_project(st, id);
    Ok(Reply::json(202, &json!({"message": "202 Accepted"})))
}

/// Removes a project and everything below it.
pub(crate) fn remove_project(st: &mut State, id: u64) {
    let reg = st.reg.clone();
    if let Some(src) = st
        .project(id)
        .and_then(|p| p.obj.get("forked_from_project"))
        .and_then(|f| f.get("id"))
        .and_then(Value::as_u64)
    {
        st.store.modify(reg.project, &[], &src.to_string(), |e| {
            let n = e.u64("forks_count").unwrap_or(1).saturating_sub(1);
            e.obj.insert("forks_count".into(), Value::from(n));
        });
    }
    st.store.remove(reg.project, &[], &id.to_string());
    st.store.drop_children(
        |r| reg.res[r].norm.starts_with("/projects/{}/"),
        &[id.to_string()],
    );
}

/// `POST /projects/:id/forks` (the schema's ProjectFork create).
pub(super) fn fork(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    fork_from(st, ctx, ctx.project_id())
}

/// Forks project `src_id` into the caller's namespace (or `namespace_id`/`namespace_path`).
fn fork_from(st: &mut State, ctx: &Ctx, src_id: u64) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let src = st
        .project(src_id)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let p = &ctx.req.params;
    let ns = match p
        .nonblank("namespace_id")
        .or_else(|| p.nonblank("namespace_path"))
        .or_else(|| p.nonblank("namespace"))
    {
        Some(k) => st
            .find_namespace(&k)
            .ok_or_else(|| ApiError::not_found(Some("Namespace")))?,
        None => NamespaceRef::User(caller.id),
    };
    check_namespace_write(st, &caller, ns)?;
    let name = p
        .nonblank("name")
        .unwrap_or_else(|| src.str("name").unwrap_or("").to_string());
    let path = p
        .nonblank("path")
        .unwrap_or_else(|| src.str("path").unwrap_or("").to_string());
    if ns_ref(src) == Some(ns) && p.nonblank("path").is_none() {
        return Err(ApiError::message_list(
            409,
            "Project namespace name has already been taken",
        ));
    }
    check_free(st, ns, &name, &path, None)?;
    let mut from = Map::new();
    for k in [
        "id",
        "description",
        "name",
        "name_with_namespace",
        "path",
        "path_with_namespace",
        "created_at",
        "default_branch",
        "tag_list",
        "topics",
        "ssh_url_to_repo",
        "http_url_to_repo",
        "web_url",
        "avatar_url",
        "star_count",
        "forks_count",
        "last_activity_at",
        "namespace",
    ] {
        from.insert(k.into(), src.obj.get(k).cloned().unwrap_or(Value::Null));
    }
    let default_branch = src.str("default_branch").unwrap_or("main").to_string();
    let new = NewProject {
        name,
        path,
        ns,
        visibility: src.str("visibility").unwrap_or("private").to_string(),
        description: p
            .str("description")
            .or_else(|| src.str("description").map(str::to_string)),
        default_branch,
        creator: caller.id,
        forked_from: Some(Value::Object(from)),
    };
    let id = insert_project(st, new);
    branches::copy_branches(st, src_id, id);
    st.store
        .modify(st.reg.project, &[], &src_id.to_string(), |e| {
            let n = e.u64("forks_count").unwrap_or(0) + 1;
            e.obj.insert("forks_count".into(), Value::from(n));
        });
    add_creator_membership(st, id, ns, &caller);
    project_reply(st, id, 201)
}

/// Project actions with state; `None` lets the generic action answer.
pub(super) fn action(st: &mut State, ctx: &Ctx, suffix: &str) -> ApiResult<Option<Reply>> {
    let reply = match suffix {
        "star" | "unstar" => {
            let caller = ctx.caller()?.id;
            let (id, e) = target(st, ctx)?;
            let starring = suffix == "star";
            if e.hidden.starrers.contains(&caller) == starring {
                return Ok(Some(Reply::empty(304)));
            }
            st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
                if starring {
                    e.hidden.starrers.push(caller);
                } else {
                    e.hidden.starrers.retain(|u| *u != caller);
                }
                e.obj
                    .insert("star_count".into(), Value::from(e.hidden.starrers.len()));
            });
            project_reply(st, id, 201)?
        }
        "archive" | "unarchive" => {
            let (id, e) = target(st, ctx)?;
            require_level(st, ctx, e, access::MAINTAINER)?;
            let archived = suffix == "archive";
            st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
                e.obj.insert("archived".into(), Value::Bool(archived));
            });
            project_reply(st, id, 201)?
        }
        "transfer" => {
            let caller = ctx.caller()?.clone();
            let (id, e) = target(st, ctx)?;
            require_level(st, ctx, e, access::OWNER)?;
            let to = ctx
                .req
                .params
                .nonblank("namespace")
                .or_else(|| ctx.req.params.nonblank("to_namespace"))
                .ok_or_else(|| ApiError::error(400, "namespace is missing"))?;
            let ns = st
                .find_namespace(&to)
                .ok_or_else(|| ApiError::not_found(Some("Namespace")))?;
            check_namespace_write(st, &caller, ns)?;
            let name = e.str("name").unwrap_or("").to_string();
            let path = e.str("path").unwrap_or("").to_string();
            check_free(st, ns, &name, &path, Some(id))?;
            let mut obj = e.obj.clone();
            apply_paths(st, &mut obj, ns);
            st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
                e.obj = obj;
            });
            project_reply(st, id, 200)?
        }
        "uploads" => {
            let (id, e) = target(st, ctx)?;
            require_level(st, ctx, e, access::GUEST)?;
            let file = ctx
                .req
                .params
                .get("file")
                .ok_or_else(|| ApiError::error(400, "file is missing"))?;
            let name = file
                .get("filename")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| file.as_str().map(str::to_string))
                .unwrap_or_else(|| "file".into());
            let n = st.store.next_id("upload");
            let secret = format!("{:016x}{:016x}", branches::mix(n), branches::mix(!n));
            let url = format!("/uploads/{secret}/{name}");
            let image = [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"]
                .iter()
                .any(|x| name.to_lowercase().ends_with(x));
            // GitLab strips the extension from the alt text of images only.
            let alt = if image {
                name.rsplit_once('.')
                    .map_or(name.as_str(), |(a, _)| a)
                    .to_string()
            } else {
                name.clone()
            };
            let markdown = if image {
                format!("![{alt}]({url})")
            } else {
                format!("[{name}]({url})")
            };
            Reply::json(
                201,
                &json!({
                    "id": n,
                    "alt": alt,
                    "url": url,
                    "full_path": format!("/-/project/{id}{url}"),
                    "markdown": markdown,
                }),
            )
        }
        "languages" => Reply::json(200, &json!({})),
        "fork" => {
            let (id, _) = target(st, ctx)?;
            fork_from(st, ctx, id)?
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// Re-derives the paths of every project in `groups` (after a group rename or move).
pub(crate) fn refresh_projects_in(st: &mut State, groups: &[u64]) {
    let ids: Vec<u64> = match st.store.coll(st.reg.project, &[]) {
        Some(c) => c
            .iter()
            .filter(|p| matches!(ns_ref(p), Some(NamespaceRef::Group(g)) if groups.contains(&g)))
            .filter_map(|p| p.u64("id"))
            .collect(),
        None => return,
    };
    for id in ids {
        let Some(p) = st.project(id) else { continue };
        let Some(ns) = ns_ref(p) else { continue };
        let mut obj = p.obj.clone();
        apply_paths(st, &mut obj, ns);
        st.store.modify(st.reg.project, &[], &id.to_string(), |e| {
            e.obj = obj;
        });
    }
}

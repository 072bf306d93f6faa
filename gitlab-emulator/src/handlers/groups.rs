//! Groups and subgroups (`full_path` like `parent/child`).

use super::projects::{refresh_projects_in, remove_project, valid_path, PATH_RULE};
use super::{echo_attrs, equality_filters, scalar_filters_match, search_matches, Ctx};
use crate::lists::{sort_entries, CursorStyle, Item, OrderRules};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{access, Caller, NamespaceRef, State};
use crate::store::Entry;
use crate::time;
use serde_json::{json, Map, Value};

const ORDER: OrderRules = OrderRules {
    default_field: "name",
    default_desc: false,
    allowed: &["id", "name", "path", "similarity"],
};

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::IdBound, |st, paging| {
        let p = &ctx.req.params;
        let caller = ctx.caller.as_ref();
        let (after, before) = State::id_bounds(ctx, paging)?;
        let owned = p.bool("owned")? == Some(true);
        let top_level = p.bool("top_level_only")? == Some(true);
        let all_available = p.bool("all_available")? == Some(true);
        let min_access = p.u64("min_access_level")?;
        let skip = p.u64_list("skip_groups")?.unwrap_or_default();
        let search = p.nonblank("search");
        let eq = equality_filters(
            ctx,
            &[
                "owned",
                "top_level_only",
                "all_available",
                "min_access_level",
                "statistics",
                "with_custom_attributes",
            ],
        );
        let custom = super::instance::custom_attribute_filter(ctx);
        let Some(c) = st.store.coll(st.reg.group, &[]) else {
            return Ok(Vec::new());
        };
        let member_only = caller.is_some_and(|c| !c.admin) && !all_available;
        let mut v: Vec<&Entry> = c
            .iter()
            .filter(|g| {
                let id = g.u64("id").unwrap_or(0);
                if after.is_some_and(|a| id <= a) || before.is_some_and(|b| id >= b) {
                    return false;
                }
                if skip.contains(&id) || (top_level && g.u64("parent_id").is_some()) {
                    return false;
                }
                if let Some(s) = &search {
                    if !search_matches(&g.obj, &["name", "path", "full_path"], s) {
                        return false;
                    }
                }
                if !scalar_filters_match(&g.obj, &eq) || !st.can_read_group(caller, g) {
                    return false;
                }
                let norm = "/groups/{}/custom_attributes";
                if !super::instance::has_custom_attributes(st, norm, id, &custom) {
                    return false;
                }
                if member_only || owned || min_access.is_some() {
                    let level = st.group_access(caller, id);
                    let need = if owned {
                        access::OWNER
                    } else {
                        min_access.unwrap_or(1)
                    };
                    if level < need {
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

fn taken() -> ApiError {
    ApiError::message(
        400,
        "Failed to save group {:path=>[\"has already been taken\"]}",
    )
}

/// Is `full_path` used by another group (or, at the top level, a user)?
fn path_taken(st: &State, full_path: &str, except: Option<u64>) -> bool {
    let group_clash = st.store.coll(st.reg.group, &[]).is_some_and(|c| {
        c.iter().any(|g| {
            g.u64("id") != except
                && g.str("full_path")
                    .is_some_and(|p| p.eq_ignore_ascii_case(full_path))
        })
    });
    group_clash || (!full_path.contains('/') && st.user_by_username(full_path).is_some())
}

/// Sets `full_path`, `full_name` and `web_url` from the parent chain.
fn apply_group_paths(st: &State, obj: &mut Map<String, Value>) {
    let path = super::text(obj, "path");
    let name = super::text(obj, "name");
    let parent = obj
        .get("parent_id")
        .and_then(Value::as_u64)
        .and_then(|p| st.group(p));
    let (full_path, full_name) = match parent {
        Some(p) => (
            format!("{}/{path}", p.str("full_path").unwrap_or("")),
            format!("{} / {name}", p.str("full_name").unwrap_or("")),
        ),
        None => (path, name),
    };
    obj.insert(
        "web_url".into(),
        Value::String(st.web_url(&format!("groups/{full_path}"))),
    );
    obj.insert("full_path".into(), Value::String(full_path));
    obj.insert("full_name".into(), Value::String(full_name));
}

/// Stores a new group owned by `creator` and returns its id.
pub(crate) fn insert_group(
    st: &mut State,
    name: &str,
    path: &str,
    parent: Option<u64>,
    visibility: &str,
    creator: &Caller,
) -> u64 {
    let id = st.store.next_id("namespace");
    let obj = json!({
        "id": id,
        "name": name,
        "path": path,
        "description": "",
        "visibility": visibility,
        "share_with_group_lock": false,
        "require_two_factor_authentication": false,
        "two_factor_grace_period": 48,
        "project_creation_level": "developer",
        "auto_devops_enabled": null,
        "subgroup_creation_level": "maintainer",
        "emails_disabled": false,
        "emails_enabled": true,
        "mentions_disabled": null,
        "lfs_enabled": true,
        "default_branch_protection": 2,
        "avatar_url": null,
        "request_access_enabled": true,
        "created_at": time::now(),
        "parent_id": parent,
        "file_template_project_id": null,
        "marked_for_deletion_on": null,
    });
    let Value::Object(mut obj) = obj else {
        return id;
    };
    apply_group_paths(st, &mut obj);
    st.store
        .insert(st.reg.group, &[], id.to_string(), Entry::new(obj));
    if parent.is_none_or(|p| st.group_access(Some(creator), p) < access::OWNER) {
        super::members::add_member(
            st,
            st.reg.group_member,
            id,
            creator.id,
            access::OWNER,
            creator.id,
        );
    }
    id
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

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let p = &ctx.req.params;
    let name = p.nonblank("name").unwrap_or_default();
    let path = p.nonblank("path").unwrap_or_default();
    if !valid_path(&path) {
        return Err(ApiError::validation(400, &[("path", PATH_RULE)]));
    }
    let parent = match p.u64("parent_id")? {
        Some(pid) => {
            let g = st
                .group(pid)
                .filter(|g| st.can_read_group(Some(&caller), g))
                .ok_or_else(|| ApiError::not_found(Some("Parent group")))?;
            if st.group_access(Some(&caller), pid) < access::MAINTAINER {
                return Err(ApiError::forbidden());
            }
            Some((pid, g.str("full_path").unwrap_or("").to_string()))
        }
        None => None,
    };
    let full_path = match &parent {
        Some((_, pp)) => format!("{pp}/{path}"),
        None => path.clone(),
    };
    if path_taken(st, &full_path, None) {
        return Err(taken());
    }
    let visibility =
        check_visibility(p.nonblank("visibility"))?.unwrap_or_else(|| "private".into());
    let avatar = super::instance::avatar_param(ctx)?;
    let id = insert_group(
        st,
        &name,
        &path,
        parent.map(|(id, _)| id),
        &visibility,
        &caller,
    );
    let mut extra = Map::new();
    echo_attrs(
        st,
        ctx,
        true,
        &mut extra,
        &["name", "path", "parent_id", "visibility", "avatar"],
    );
    st.store
        .modify(st.reg.group, &[], &id.to_string(), |e| e.obj.extend(extra));
    super::instance::set_avatar(st, st.reg.group, "group", id, avatar);
    group_reply(st, id, 201)
}

fn group_reply(st: &State, id: u64, status: u16) -> ApiResult<Reply> {
    st.group(id)
        .map(|g| Reply::raw_json(status, g.bytes.clone()))
        .ok_or_else(|| ApiError::not_found(Some("Group")))
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller.as_ref();
    let g = st.readable_group(caller, ctx.id())?;
    let gid = g.u64("id").unwrap_or(0);
    let mut v = g.to_value();
    if ctx.req.params.bool("with_projects")? != Some(false) {
        let projects: Vec<Value> = st
            .store
            .coll(st.reg.project, &[])
            .map(|c| {
                c.iter()
                    .filter(|p| {
                        super::projects::ns_ref(p) == Some(NamespaceRef::Group(gid))
                            && st.can_read_project(caller, p)
                    })
                    .take(100)
                    .map(Entry::to_value)
                    .collect()
            })
            .unwrap_or_default();
        v["projects"] = Value::Array(projects);
        v["shared_projects"] = json!([]);
    }
    Ok(Reply::json(200, &v))
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller.clone();
    let g = st.readable_group(caller.as_ref(), ctx.id())?;
    let gid = g.u64("id").unwrap_or(0);
    if st.group_access(caller.as_ref(), gid) < access::OWNER {
        return Err(ApiError::forbidden());
    }
    let p = &ctx.req.params;
    let mut obj = g.obj.clone();
    if let Some(path) = p.nonblank("path") {
        if !valid_path(&path) {
            return Err(ApiError::validation(400, &[("path", PATH_RULE)]));
        }
        obj.insert("path".into(), Value::String(path));
    }
    if let Some(name) = p.nonblank("name") {
        obj.insert("name".into(), Value::String(name));
    }
    if let Some(v) = check_visibility(p.nonblank("visibility"))? {
        obj.insert("visibility".into(), Value::String(v));
    }
    let avatar = super::instance::avatar_param(ctx)?;
    let mut extra = Map::new();
    echo_attrs(
        st,
        ctx,
        false,
        &mut extra,
        &["name", "path", "visibility", "avatar"],
    );
    obj.extend(extra);
    apply_group_paths(st, &mut obj);
    let full_path = obj.get("full_path").and_then(Value::as_str).unwrap_or("");
    if path_taken(st, full_path, Some(gid)) {
        return Err(taken());
    }
    st.store
        .modify(st.reg.group, &[], &gid.to_string(), |e| e.obj = obj);
    super::instance::set_avatar(st, st.reg.group, "group", gid, avatar);
    // Subgroups and projects carry the path too.
    let all = st.group_and_descendants(gid);
    for sub in all.iter().skip(1) {
        if let Some(g) = st.group(*sub) {
            let mut o = g.obj.clone();
            apply_group_paths(st, &mut o);
            st.store
                .modify(st.reg.group, &[], &sub.to_string(), |e| e.obj = o);
        }
    }
    refresh_projects_in(st, &all);
    group_reply(st, gid, 200)
}

/// Moves group `gid` below `parent` (`None`: to the top level), re-deriving the
/// paths of it, its subgroups and their projects.
pub(crate) fn transfer(st: &mut State, gid: u64, parent: Option<u64>) -> ApiResult<Reply> {
    let g = st
        .group(gid)
        .ok_or_else(|| ApiError::not_found(Some("Group")))?;
    if let Some(p) = parent {
        if st.group_and_descendants(gid).contains(&p) {
            return Err(ApiError::message(
                400,
                "Transfer failed: Cannot transfer group to one of its subgroups.",
            ));
        }
        st.group(p)
            .ok_or_else(|| ApiError::not_found(Some("Group")))?;
    }
    let mut obj = g.obj.clone();
    obj.insert("parent_id".into(), json!(parent));
    apply_group_paths(st, &mut obj);
    let full_path = obj.get("full_path").and_then(Value::as_str).unwrap_or("");
    if path_taken(st, full_path, Some(gid)) {
        return Err(ApiError::message(
            400,
            "Transfer failed: The parent group already has a subgroup or a project with the same path.",
        ));
    }
    st.store
        .modify(st.reg.group, &[], &gid.to_string(), |e| e.obj = obj);
    let all = st.group_and_descendants(gid);
    for sub in all.iter().skip(1) {
        if let Some(g) = st.group(*sub) {
            let mut o = g.obj.clone();
            apply_group_paths(st, &mut o);
            st.store
                .modify(st.reg.group, &[], &sub.to_string(), |e| e.obj = o);
        }
    }
    refresh_projects_in(st, &all);
    group_reply(st, gid, 201)
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller.clone();
    let g = st.readable_group(caller.as_ref(), ctx.id())?;
    let gid = g.u64("id").unwrap_or(0);
    if st.group_access(caller.as_ref(), gid) < access::OWNER {
        return Err(ApiError::forbidden());
    }
    let all = st.group_and_descendants(gid);
    let projects: Vec<u64> = st
        .store
        .coll(st.reg.project, &[])
        .map(|c| {
            c.iter()
                .filter(|p| {
                    matches!(super::projects::ns_ref(p), Some(NamespaceRef::Group(g)) if all.contains(&g))
                })
                .filter_map(|p| p.u64("id"))
                .collect()
        })
        .unwrap_or_default();
    for pid in projects {
        remove_project(st, pid);
    }
    let reg = st.reg.clone();
    for id in all {
        st.store.remove(reg.group, &[], &id.to_string());
        st.store.drop_children(
            |r| reg.res[r].norm.starts_with("/groups/{}/"),
            &[id.to_string()],
        );
    }
    Ok(Reply::json(202, &json!({"message": "202 Accepted"})))
}

/// `/groups/:id/subgroups` (direct children) and `/groups/:id/descendant_groups`.
pub(super) fn list_subgroups(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::IdBound, |st, paging| {
        let gid = ctx.project_id();
        let all = st.reg.res[ctx.res].norm.ends_with("/descendant_groups");
        let wanted: Vec<u64> = if all {
            st.group_and_descendants(gid).into_iter().skip(1).collect()
        } else {
            Vec::new()
        };
        let search = ctx.req.params.nonblank("search");
        let Some(c) = st.store.coll(st.reg.group, &[]) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = c
            .iter()
            .filter(|g| {
                let in_scope = if all {
                    g.u64("id").is_some_and(|id| wanted.contains(&id))
                } else {
                    g.u64("parent_id") == Some(gid)
                };
                in_scope
                    && st.can_read_group(ctx.caller.as_ref(), g)
                    && search
                        .as_deref()
                        .is_none_or(|s| search_matches(&g.obj, &["name", "path"], s))
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

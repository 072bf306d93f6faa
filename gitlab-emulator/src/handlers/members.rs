//! Direct members of projects and groups, addressed by user id.

use super::{search_matches, Ctx};
use crate::lists::{sort_entries, CursorStyle, Item, OrderRules};
use crate::registry::{Kind, ResId};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{access, State};
use crate::store::Entry;
use crate::time;
use serde_json::{Map, Value};

const ORDER: OrderRules = OrderRules {
    default_field: "id",
    default_desc: false,
    allowed: &["id", "name", "username", "access_level", "created_at"],
};

/// Adds (or replaces) `user` as a member of project/group `source` at `level`.
pub(crate) fn add_member(
    st: &mut State,
    members: ResId,
    source: u64,
    user: u64,
    level: u64,
    created_by: u64,
) {
    let Some(u) = st.user(user) else {
        return;
    };
    let mut obj = match crate::state::basic_user(&u.obj) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.insert("access_level".into(), Value::from(level));
    obj.insert("created_at".into(), Value::String(time::now()));
    obj.insert("created_by".into(), st.user_basic(created_by));
    obj.insert("expires_at".into(), Value::Null);
    obj.insert("membership_state".into(), Value::String("active".into()));
    st.store.insert(
        members,
        &[source.to_string()],
        user.to_string(),
        Entry::new(obj),
    );
}

/// The level needed to manage members of this source.
fn check_manage(st: &State, ctx: &Ctx) -> ApiResult<()> {
    let caller = ctx.caller.as_ref();
    let source = ctx.project_id();
    let level = match st.reg.res[ctx.res].kind {
        Kind::GroupMember => {
            if st.group_access(caller, source) >= access::OWNER {
                return Ok(());
            }
            access::NONE
        }
        _ => st
            .project(source)
            .map_or(access::NONE, |p| st.project_access(caller, p)),
    };
    if level >= access::MAINTAINER {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn level_param(ctx: &Ctx, required: bool) -> ApiResult<Option<u64>> {
    let level = ctx.req.params.u64("access_level")?;
    match level {
        None if required => Err(ApiError::error(400, "access_level is missing")),
        Some(l) if !access::VALID.contains(&l) => Err(ApiError::validation(
            400,
            &[("access_level", "is not included in the list")],
        )),
        other => Ok(other),
    }
}

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let query = ctx.req.params.nonblank("query");
        let ids = ctx.req.params.u64_list("user_ids")?;
        let Some(c) = st.store.coll(ctx.res, &ctx.parent) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = c
            .iter()
            .filter(|m| {
                query
                    .as_deref()
                    .is_none_or(|q| search_matches(&m.obj, &["name", "username"], q))
                    && ids
                        .as_ref()
                        .is_none_or(|ids| m.u64("id").is_some_and(|id| ids.contains(&id)))
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    Ok(Reply::raw_json(200, e.bytes.clone()))
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    check_manage(st, ctx)?;
    let level = level_param(ctx, true)?.unwrap_or(access::GUEST);
    let p = &ctx.req.params;
    let user = match (p.u64("user_id")?, p.nonblank("username")) {
        (Some(id), _) => st.user(id),
        (None, Some(name)) => st.user_by_username(&name),
        (None, None) => None,
    }
    .and_then(|u| u.u64("id"))
    .ok_or_else(|| ApiError::not_found(Some("User")))?;
    if st
        .store
        .get(ctx.res, &ctx.parent, &user.to_string())
        .is_some()
    {
        return Err(ApiError::message(409, "Member already exists"));
    }
    add_member(st, ctx.res, ctx.project_id(), user, level, caller);
    let expires = p.str("expires_at");
    let key = user.to_string();
    st.store.modify(ctx.res, &ctx.parent, &key, |e| {
        if let Some(x) = expires {
            e.obj.insert("expires_at".into(), Value::String(x));
        }
    });
    let e = st
        .store
        .get(ctx.res, &ctx.parent, &key)
        .ok_or_else(|| ApiError::not_found(Some("Member")))?;
    Ok(Reply::raw_json(201, e.bytes.clone()))
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    check_manage(st, ctx)?;
    st.entry(ctx)?;
    let level = level_param(ctx, true)?;
    let expires = ctx.req.params.get("expires_at").cloned();
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        if let Some(l) = level {
            e.obj.insert("access_level".into(), Value::from(l));
        }
        if let Some(x) = expires {
            e.obj.insert("expires_at".into(), x);
        }
    });
    let e = st.entry(ctx)?;
    Ok(Reply::raw_json(200, e.bytes.clone()))
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let leaving_self = ctx.id() == ctx.caller_id().to_string();
    if !leaving_self {
        check_manage(st, ctx)?;
    }
    st.entry(ctx)?;
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    Ok(Reply::empty(204))
}

/// `/members/all`: direct members plus those inherited from the groups above,
/// each user once with their highest level.
pub(super) fn list_all(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let source = ctx.project_id();
        let on_project = st.reg.res[ctx.res].norm.starts_with("/projects/");
        // (member collection, source id), nearest first.
        let mut sources = Vec::new();
        let mut group = if on_project {
            sources.push((st.reg.project_member, source));
            st.project(source)
                .and_then(|p| match super::projects::ns_ref(p) {
                    Some(crate::state::NamespaceRef::Group(g)) => Some(g),
                    _ => None,
                })
        } else {
            Some(source)
        };
        let mut hops = 0;
        while let Some(g) = group {
            sources.push((st.reg.group_member, g));
            group = st.group(g).and_then(|g| g.u64("parent_id"));
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        let mut best: Vec<&Entry> = Vec::new();
        for (res, id) in sources {
            let Some(c) = st.store.coll(res, &[id.to_string()]) else {
                continue;
            };
            for m in c.iter() {
                match best.iter_mut().find(|b| b.u64("id") == m.u64("id")) {
                    Some(b) if b.u64("access_level") < m.u64("access_level") => *b = m,
                    Some(_) => {}
                    None => best.push(m),
                }
            }
        }
        sort_entries(&mut best, &paging.order_by, paging.desc);
        Ok(best.into_iter().map(Item::of).collect())
    })
}

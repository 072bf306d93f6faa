//! Users, the current user (`/user`), and admin actions on users.

use super::{echo_attrs, search_matches, Ctx};
use crate::lists::{sort_entries, CursorStyle, Item, OrderRules};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::State;
use crate::store::Entry;
use crate::time;
use serde_json::{json, Map, Value};

const ORDER: OrderRules = OrderRules {
    default_field: "id",
    default_desc: true,
    allowed: &[
        "id",
        "name",
        "username",
        "created_at",
        "updated_at",
        "last_activity_on",
    ],
};

/// Stores a new active user and returns its id.
pub(crate) fn insert_user(
    st: &mut State,
    username: &str,
    name: &str,
    email: &str,
    admin: bool,
) -> u64 {
    let id = st.store.next_id("user");
    let namespace_id = st.store.next_id("namespace");
    let now = time::now();
    let obj = json!({
        "id": id,
        "username": username,
        "name": name,
        "state": "active",
        "locked": false,
        "avatar_url": null,
        "web_url": st.web_url(username),
        "created_at": now,
        "bio": "",
        "location": "",
        "public_email": null,
        "skype": "",
        "linkedin": "",
        "twitter": "",
        "discord": "",
        "website_url": "",
        "organization": "",
        "job_title": "",
        "pronouns": null,
        "bot": false,
        "work_information": null,
        "followers": 0,
        "following": 0,
        "local_time": null,
        "last_sign_in_at": null,
        "confirmed_at": now,
        "last_activity_on": time::today(),
        "email": email,
        "theme_id": 1,
        "color_scheme_id": 1,
        "projects_limit": 100_000,
        "current_sign_in_at": null,
        "identities": [],
        "can_create_group": true,
        "can_create_project": true,
        "two_factor_enabled": false,
        "external": false,
        "private_profile": false,
        "is_admin": admin,
        "namespace_id": namespace_id,
    });
    if let Value::Object(m) = obj {
        st.store
            .insert(st.reg.user, &[], id.to_string(), Entry::new(m));
    }
    id
}

fn require_admin(ctx: &Ctx) -> ApiResult<()> {
    if ctx.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = crate::lists::paging(ctx.req, &ORDER)?;
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let p = &ctx.req.params;
        let username = p.nonblank("username");
        let search = p.nonblank("search");
        let active = p.bool("active")? == Some(true);
        let blocked = p.bool("blocked")? == Some(true);
        let admins = p.bool("admins")? == Some(true);
        let external = p.bool("external")? == Some(true);
        let (after, before) = State::id_bounds(ctx, paging)?;
        let Some(c) = st.store.coll(st.reg.user, &[]) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = c
            .iter()
            .filter(|u| {
                let id = u.u64("id").unwrap_or(0);
                let flag = |k: &str| u.obj.get(k) == Some(&Value::Bool(true));
                !(after.is_some_and(|a| id <= a) || before.is_some_and(|b| id >= b))
                    && username.as_deref().is_none_or(|n| {
                        u.str("username").is_some_and(|x| x.eq_ignore_ascii_case(n))
                    })
                    && search
                        .as_deref()
                        .is_none_or(|s| search_matches(&u.obj, &["name", "username", "email"], s))
                    && (!active || u.str("state") == Some("active"))
                    && (!blocked || u.str("state") == Some("blocked"))
                    && (!admins || flag("is_admin"))
                    && (!external || flag("external"))
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

fn user_reply(st: &State, id: u64, status: u16) -> ApiResult<Reply> {
    st.user(id)
        .map(|u| Reply::raw_json(status, u.bytes.clone()))
        .ok_or_else(|| ApiError::not_found(Some("User")))
}

fn target_id(st: &State, ctx: &Ctx) -> ApiResult<u64> {
    ctx.id()
        .parse::<u64>()
        .ok()
        .filter(|id| st.user(*id).is_some())
        .ok_or_else(|| ApiError::not_found(Some("User")))
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let id = target_id(st, ctx)?;
    user_reply(st, id, 200)
}

pub(super) fn current(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let id = ctx.caller()?.id;
    user_reply(st, id, 200)
}

fn check_unique(
    st: &State,
    username: Option<&str>,
    email: Option<&str>,
    except: Option<u64>,
) -> ApiResult<()> {
    let Some(c) = st.store.coll(st.reg.user, &[]) else {
        return Ok(());
    };
    for u in c.iter() {
        if except.is_some() && u.u64("id") == except {
            continue;
        }
        if username.is_some_and(|n| u.str("username").is_some_and(|x| x.eq_ignore_ascii_case(n))) {
            return Err(ApiError::message(409, "Username has already been taken"));
        }
        if email.is_some_and(|m| u.str("email").is_some_and(|x| x.eq_ignore_ascii_case(m))) {
            return Err(ApiError::message(409, "Email has already been taken"));
        }
    }
    Ok(())
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    require_admin(ctx)?;
    let p = &ctx.req.params;
    let missing: Vec<&str> = ["email", "name", "username"]
        .into_iter()
        .filter(|k| p.nonblank(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::blank(&missing));
    }
    let username = p.nonblank("username").unwrap_or_default();
    let email = p.nonblank("email").unwrap_or_default();
    if !super::projects::valid_path(&username) {
        return Err(ApiError::validation(
            400,
            &[("username", super::projects::PATH_RULE)],
        ));
    }
    check_unique(st, Some(&username), Some(&email), None)?;
    let name = p.nonblank("name").unwrap_or_default();
    let admin = p.bool("admin")?.unwrap_or(false);
    let id = insert_user(st, &username, &name, &email, admin);
    let mut extra = Map::new();
    echo_attrs(
        st,
        ctx,
        true,
        &mut extra,
        &[
            "email",
            "username",
            "name",
            "admin",
            "password",
            "reset_password",
            "avatar",
            "skip_confirmation",
        ],
    );
    st.store
        .modify(st.reg.user, &[], &id.to_string(), |e| e.obj.extend(extra));
    user_reply(st, id, 201)
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let id = target_id(st, ctx)?;
    if !(ctx.is_admin() || ctx.caller_id() == id) {
        return Err(ApiError::forbidden());
    }
    let p = &ctx.req.params;
    let username = p.nonblank("username");
    let email = p.nonblank("email");
    check_unique(st, username.as_deref(), email.as_deref(), Some(id))?;
    let admin = p.bool("admin")?;
    if admin.is_some() && !ctx.is_admin() {
        return Err(ApiError::forbidden());
    }
    let mut changes = Map::new();
    echo_attrs(
        st,
        ctx,
        false,
        &mut changes,
        &["admin", "password", "avatar", "skip_reconfirmation"],
    );
    if let Some(a) = admin {
        changes.insert("is_admin".into(), Value::Bool(a));
    }
    let web = username.as_deref().map(|u| st.web_url(u));
    st.store.modify(st.reg.user, &[], &id.to_string(), |e| {
        e.obj.extend(changes);
        if let Some(w) = web {
            e.obj.insert("web_url".into(), Value::String(w));
        }
    });
    user_reply(st, id, 200)
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    require_admin(ctx)?;
    let id = target_id(st, ctx)?;
    st.store.remove(st.reg.user, &[], &id.to_string());
    st.tokens.retain(|_, u| *u != id);
    Ok(Reply::empty(204))
}

pub(super) fn action(st: &mut State, ctx: &Ctx, suffix: &str) -> ApiResult<Option<Reply>> {
    let state = match suffix {
        "block" => "blocked",
        "unblock" | "activate" | "unban" => "active",
        "deactivate" => "deactivated",
        "ban" => "banned",
        _ => return Ok(None),
    };
    require_admin(ctx)?;
    let id = target_id(st, ctx)?;
    // Blocking a blocked user changes nothing: GitLab answers `null`.
    if suffix == "block" && st.user(id).and_then(|u| u.str("state")) == Some("blocked") {
        return Ok(Some(Reply::json(201, &Value::Null)));
    }
    st.store.modify(st.reg.user, &[], &id.to_string(), |e| {
        e.obj.insert("state".into(), Value::String(state.into()));
    });
    Ok(Some(Reply::json(201, &Value::Bool(true))))
}

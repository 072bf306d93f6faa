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
        let custom = super::instance::custom_attribute_filter(ctx);
        let identity = identity_params(ctx)?;
        if identity.is_some() {
            ctx.require_admin()?;
        }
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
                    && identity
                        .as_ref()
                        .is_none_or(|(p, uid)| has_identity(u, p, Some(uid)))
                    && super::instance::has_custom_attributes(
                        st,
                        "/users/{}/custom_attributes",
                        id,
                        &custom,
                    )
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

/// `provider` and `extern_uid`, which GitLab takes together or not at all.
fn identity_params(ctx: &Ctx) -> ApiResult<Option<(String, String)>> {
    let p = &ctx.req.params;
    match (p.nonblank("provider"), p.nonblank("extern_uid")) {
        (Some(provider), Some(uid)) => Ok(Some((provider, uid))),
        (None, None) => Ok(None),
        _ => Err(ApiError::error(
            400,
            "extern_uid, provider provide all or none of parameters",
        )),
    }
}

/// Whether a user has an identity at `provider` (with `extern_uid`, when given).
fn has_identity(u: &Entry, provider: &str, extern_uid: Option<&str>) -> bool {
    u.obj
        .get("identities")
        .and_then(Value::as_array)
        .is_some_and(|ids| {
            ids.iter().any(|i| {
                i["provider"] == provider && extern_uid.is_none_or(|x| i["extern_uid"] == x)
            })
        })
}

/// Stores what the identity and avatar parameters of a create or update ask for.
fn apply_identity_and_avatar(
    st: &mut State,
    id: u64,
    identity: Option<(String, String)>,
    avatar: Option<super::instance::Avatar>,
) {
    let url = avatar.map(|a| super::instance::store_avatar(st, "user", id, a));
    st.store.modify(st.reg.user, &[], &id.to_string(), |e| {
        if let Some((provider, uid)) = identity {
            super::instance::set_identity(&mut e.obj, &provider, &uid);
        }
        if let Some(url) = url {
            e.obj.insert("avatar_url".into(), Value::String(url));
        }
    });
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
    ctx.require_admin()?;
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
    let identity = identity_params(ctx)?;
    let avatar = super::instance::avatar_param(ctx)?;
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
            "provider",
            "extern_uid",
        ],
    );
    st.store
        .modify(st.reg.user, &[], &id.to_string(), |e| e.obj.extend(extra));
    apply_identity_and_avatar(st, id, identity, avatar);
    user_reply(st, id, 201)
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    // GitLab's `PUT /users/:id` is for administrators only (users change
    // themselves through their profile, not this endpoint).
    ctx.require_admin()?;
    let id = target_id(st, ctx)?;
    let p = &ctx.req.params;
    let username = p.nonblank("username");
    let email = p.nonblank("email");
    check_unique(st, username.as_deref(), email.as_deref(), Some(id))?;
    let admin = p.bool("admin")?;
    let identity = identity_params(ctx)?;
    let avatar = super::instance::avatar_param(ctx)?;
    let mut changes = Map::new();
    echo_attrs(
        st,
        ctx,
        false,
        &mut changes,
        &[
            "admin",
            "password",
            "avatar",
            "skip_reconfirmation",
            "provider",
            "extern_uid",
        ],
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
    apply_identity_and_avatar(st, id, identity, avatar);
    user_reply(st, id, 200)
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    ctx.require_admin()?;
    let id = target_id(st, ctx)?;
    st.store.remove(st.reg.user, &[], &id.to_string());
    st.tokens.retain(|_, u| *u != id);
    Ok(Reply::empty(204))
}

/// `POST /users/:id/<action>` for the moderation actions, with GitLab's
/// answers for each starting state: `true` when the state changed, `null` for
/// a repeated block or deactivation, `false` for unblocking a user who is not
/// blocked, and 403 with GitLab's message where the transition is refused.
pub(super) fn action(st: &mut State, ctx: &Ctx, suffix: &str) -> ApiResult<Option<Reply>> {
    if !matches!(
        suffix,
        "block" | "unblock" | "activate" | "deactivate" | "ban" | "unban"
    ) {
        return Ok(None);
    }
    ctx.require_admin()?;
    let id = target_id(st, ctx)?;
    let state = st
        .user(id)
        .and_then(|u| u.str("state"))
        .unwrap_or("active")
        .to_string();
    // GitLab counts banned users as blocked too.
    let blocked = state == "blocked" || state == "banned";
    let refuse = |msg: String| Err(ApiError::message(403, msg));
    let next = match suffix {
        "block" if ctx.caller_id() == id => {
            return Err(ApiError::forbidden_because(
                "The API initiating user cannot be blocked by the API",
            ))
        }
        "block" if state == "blocked" => return Ok(Some(Reply::json(201, &Value::Null))),
        "block" => "blocked",
        "unblock" if state == "deactivated" => {
            return Err(ApiError::forbidden_because(
                "Deactivated users cannot be unblocked by the API",
            ))
        }
        "unblock" if state == "active" => return Ok(Some(Reply::json(201, &Value::Bool(false)))),
        "unblock" => "active",
        "activate" if blocked => {
            return refuse(
                "Error occurred. A blocked user must be unblocked to be activated".into(),
            )
        }
        "activate" => "active",
        "deactivate" if state == "deactivated" => return Ok(Some(Reply::json(201, &Value::Null))),
        "deactivate" if blocked => {
            return refuse("Error occurred. A blocked user cannot be deactivated".into())
        }
        "deactivate" => "deactivated",
        "ban" if state != "active" => return refuse(format!("You cannot ban {state} users.")),
        "ban" => "banned",
        _ if state != "banned" => return refuse(format!("You cannot unban {state} users.")),
        _ => "active",
    };
    st.store.modify(st.reg.user, &[], &id.to_string(), |e| {
        e.obj.insert("state".into(), Value::String(next.into()));
    });
    Ok(Some(Reply::json(201, &Value::Bool(true))))
}

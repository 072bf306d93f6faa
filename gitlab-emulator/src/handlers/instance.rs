//! Instance-level endpoints with behaviour of their own: Sidekiq metrics,
//! application statistics, the file templates (instance and project), a
//! user's memberships and identities, token listings by `state`, the
//! `custom_attributes[key]=value` list filter, and uploaded avatars.

use super::special::{res_of, values_reply};
use super::{equality_filters, scalar_filters_match, search_matches, Ctx};
use crate::registry::{ResId, Target};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::Verb;
use crate::seed::templates::{self as tpl, LICENSES};
use crate::state::State;
use crate::store::Entry;
use crate::time;
use bytes::Bytes;
use serde_json::{json, Map, Value};

/// Where a request landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At<'a> {
    Coll,
    Obj,
    Act(&'a str),
}

/// Answers the requests this module owns; `None` lets the usual handlers answer.
pub(super) fn handle(st: &mut State, ctx: &Ctx, target: &Target) -> ApiResult<Option<Reply>> {
    let reg = st.reg.clone();
    let norm = reg.res[ctx.res].norm.as_str();
    let at = match target {
        Target::Collection => At::Coll,
        Target::Object => At::Obj,
        Target::Action { suffix, .. } => At::Act(suffix.as_str()),
    };
    let verb = ctx.req.verb;
    let reply = match (norm, at, verb) {
        ("/sidekiq", At::Act(metric), Verb::Get) => match sidekiq(st, ctx, metric)? {
            Some(r) => r,
            None => return Ok(None),
        },
        ("/application/statistics", At::Coll, Verb::Get) => statistics(st, ctx)?,
        ("/templates/licenses", At::Coll, Verb::Get) => license_list(st, ctx, false)?,
        ("/templates/licenses", At::Obj, Verb::Get) => license_get(st, ctx, ctx.id(), "License")?,
        (n, At::Coll, Verb::Get) if n.starts_with("/templates/") => {
            let Some(kind) = n.strip_prefix("/templates/").and_then(tpl::Kind::of) else {
                return Ok(None);
            };
            template_list(st, ctx, kind)?
        }
        (n, At::Obj, Verb::Get) if n.starts_with("/templates/") => {
            let Some(kind) = n.strip_prefix("/templates/").and_then(tpl::Kind::of) else {
                return Ok(None);
            };
            // GitLab names the missing template by its type, singular and lower-case.
            let what = n.trim_start_matches("/templates/").trim_end_matches('s');
            template_get(kind, ctx.id(), what)?
        }
        // `/projects/:id/templates/:type[/:name]`, through the typed resources
        // (`…/templates/dockerfiles`) or the generic `ProjectTemplate` group.
        (n, At::Coll | At::Obj, Verb::Get) if n.starts_with("/projects/{}/templates/") => {
            let kind = n.trim_start_matches("/projects/{}/templates/");
            let name = (at == At::Obj).then(|| ctx.id().to_string());
            project_template(st, ctx, kind, name.as_deref())?
        }
        ("/projects/{}/templates", At::Act(_), Verb::Get) => {
            let kind = ctx.arg("template_type").unwrap_or_default();
            let name = ctx.arg("template_name");
            project_template(st, ctx, &kind, name.as_deref())?
        }
        ("/users/{}/memberships", At::Coll, Verb::Get) => memberships(st, ctx)?,
        ("/users/{}/identities", At::Obj, Verb::Delete) => identity_delete(st, ctx)?,
        (n, At::Coll, Verb::Get)
            if (n.ends_with("/impersonation_tokens") || n.ends_with("access_tokens"))
                && ctx.req.params.has("state") =>
        {
            tokens_by_state(st, ctx)?
        }
        ("/user", At::Act("avatar"), Verb::Put) => current_user_avatar(st, ctx)?,
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// 401 for an anonymous caller, then 403 unless an administrator.
fn require_admin(ctx: &Ctx) -> ApiResult<()> {
    ctx.caller()?;
    ctx.require_admin()
}

// ----- Sidekiq ---------------------------------------------------------------------

/// The queues an instance with GitLab's default routing rules has.
const QUEUES: &[&str] = &["default", "mailers"];

/// `GET /sidekiq/{queue,process}_metrics`, `job_stats`, `compound_metrics`: the
/// numbers of an idle instance with one Sidekiq process (administrators only).
fn sidekiq(st: &State, ctx: &Ctx, metric: &str) -> ApiResult<Option<Reply>> {
    let queues = || {
        let m: Map<String, Value> = QUEUES
            .iter()
            .map(|q| (q.to_string(), json!({"backlog": 0, "latency": 0})))
            .collect();
        Value::Object(m)
    };
    // The process started with the emulator, when `root` was seeded.
    let started = st
        .user(1)
        .and_then(|u| u.str("created_at"))
        .map_or_else(time::now, str::to_string);
    let processes = || {
        json!([{
            "hostname": "gitlab-emulator",
            "pid": std::process::id(),
            "tag": "gitlab",
            "started_at": started,
            "queues": QUEUES,
            "labels": [],
            "concurrency": 20,
            "busy": 0,
        }])
    };
    let jobs = || json!({"processed": 0, "failed": 0, "enqueued": 0, "dead": 0});
    let body = match metric {
        "queue_metrics" => json!({ "queues": queues() }),
        "process_metrics" => json!({ "processes": processes() }),
        "job_stats" => json!({ "jobs": jobs() }),
        "compound_metrics" => {
            json!({"queues": queues(), "processes": processes(), "jobs": jobs()})
        }
        _ => return Ok(None),
    };
    require_admin(ctx)?;
    Ok(Some(Reply::json(200, &body)))
}

// ----- application statistics ------------------------------------------------------

/// `1234` → `"1,234"`: GitLab sends the counts as text with delimiters.
fn delimited(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Objects of `norm` under every parent in `parents`.
fn count_under(st: &State, norm: &str, parents: &[Vec<String>]) -> usize {
    let Some(res) = res_of(st, norm) else {
        return 0;
    };
    parents
        .iter()
        .filter_map(|p| st.store.coll(res, p))
        .map(|c| c.iter().count())
        .sum()
}

/// The keys of the objects of `res` under `parent`, as parent paths one level down.
fn keys_below(st: &State, res: ResId, parent: &[String], key: &str) -> Vec<Vec<String>> {
    st.store
        .coll(res, parent)
        .map(|c| {
            c.iter()
                .filter_map(|e| e.obj.get(key))
                .map(|k| {
                    let mut p = parent.to_vec();
                    p.push(match k {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    });
                    p
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /application/statistics`: counts of what the instance holds (administrators only).
fn statistics(st: &State, ctx: &Ctx) -> ApiResult<Reply> {
    require_admin(ctx)?;
    let reg = &st.reg;
    let projects = keys_below(st, reg.project, &[], "id");
    let groups = keys_below(st, reg.group, &[], "id");
    let users = keys_below(st, reg.user, &[], "id");
    let issues: Vec<Vec<String>> = projects
        .iter()
        .flat_map(|p| keys_below(st, reg.issue, p, "iid"))
        .collect();
    let mrs: Vec<Vec<String>> = projects
        .iter()
        .flat_map(|p| keys_below(st, reg.merge_request, p, "iid"))
        .collect();
    let all_users = st.store.coll(reg.user, &[]);
    let forks = st.store.coll(reg.project, &[]).map_or(0, |c| {
        c.iter()
            .filter(|p| {
                p.obj
                    .get("forked_from_project")
                    .is_some_and(|f| !f.is_null())
            })
            .count()
    });
    let active = all_users.map_or(0, |c| {
        c.iter()
            .filter(|u| u.str("state") == Some("active"))
            .count()
    });
    let notes = count_under(st, "/projects/{}/issues/{}/notes", &issues)
        + count_under(st, "/projects/{}/merge_requests/{}/notes", &mrs);
    let snippets = count_under(st, "/snippets", &[Vec::new()])
        + count_under(st, "/projects/{}/snippets", &projects);
    let ssh_keys =
        count_under(st, "/users/{}/keys", &users) + count_under(st, "/user/keys", &[Vec::new()]);
    let milestones = count_under(st, "/projects/{}/milestones", &projects)
        + count_under(st, "/groups/{}/milestones", &groups);
    let v = json!({
        "forks": delimited(forks),
        "issues": delimited(issues.len()),
        "merge_requests": delimited(mrs.len()),
        "notes": delimited(notes),
        "snippets": delimited(snippets),
        "ssh_keys": delimited(ssh_keys),
        "milestones": delimited(milestones),
        "users": delimited(users.len()),
        "groups": delimited(groups.len()),
        "projects": delimited(projects.len()),
        "active_users": delimited(active),
    });
    Ok(Reply::json(200, &v))
}

// ----- templates -------------------------------------------------------------------

fn key_name(key: &str, name: &str) -> Value {
    json!({"key": key, "name": name})
}

/// `GET /templates/{dockerfiles,gitignores,gitlab_ci_ymls}`: `key` and `name` of each.
fn template_list(st: &State, ctx: &Ctx, kind: tpl::Kind) -> ApiResult<Reply> {
    let v: Vec<Value> = kind.names().into_iter().map(|n| key_name(n, n)).collect();
    values_reply(st, ctx.req, &v)
}

/// One template with its content, or `404 <what> Not Found`.
fn template_get(kind: tpl::Kind, name: &str, what: &str) -> ApiResult<Reply> {
    match kind.content(name) {
        Some(content) => Ok(Reply::json(200, &json!({"name": name, "content": content}))),
        None => Err(ApiError::not_found(Some(what))),
    }
}

fn license_json(l: &tpl::License, content: String) -> Value {
    json!({
        "key": l.key,
        "name": l.name,
        "nickname": l.nickname,
        "featured": l.featured,
        "html_url": l.html_url(),
        "source_url": l.source_url(),
        "description": l.description,
        "conditions": l.conditions,
        "permissions": l.permissions,
        "limitations": l.limitations,
        "content": content,
    })
}

/// `GET /templates/licenses[?popular=true]`: every license, or the popular ones.
/// `short` lists only `key` and `name`, as the project-level listing does.
fn license_list(st: &State, ctx: &Ctx, short: bool) -> ApiResult<Reply> {
    let popular = ctx.req.params.bool("popular")? == Some(true);
    let v: Vec<Value> = LICENSES
        .iter()
        .filter(|l| !popular || l.featured)
        .map(|l| {
            if short {
                key_name(l.key, l.name)
            } else {
                license_json(l, l.content())
            }
        })
        .collect();
    values_reply(st, ctx.req, &v)
}

/// One license with GitLab's placeholders filled: `[year]` with this year,
/// `[project]` with `project` (when given), `[fullname]` with `fullname` or
/// else the caller's name.
fn license_get(st: &State, ctx: &Ctx, key: &str, what: &str) -> ApiResult<Reply> {
    let l = LICENSES
        .iter()
        .find(|l| l.key.eq_ignore_ascii_case(key))
        .ok_or_else(|| ApiError::not_found(Some(what)))?;
    let p = &ctx.req.params;
    let mut content = l.content().replace("[year]", &time::today()[..4]);
    if let Some(project) = p.nonblank("project") {
        content = content.replace("[project]", &project);
    }
    let fullname = p.nonblank("fullname").or_else(|| {
        let id = ctx.caller.as_ref()?.id;
        st.user(id)?.str("name").map(str::to_string)
    });
    if let Some(name) = fullname {
        content = content.replace("[fullname]", &name);
    }
    Ok(Reply::json(200, &license_json(l, content)))
}

/// `GET /projects/:id/templates/:type[/:name]`: the instance's templates (a
/// project has no templates of its own here), `404 Template Not Found` for an
/// unknown one. Issue and merge request templates live in the repository,
/// which holds none the emulator reads: their listings are empty.
fn project_template(st: &State, ctx: &Ctx, kind: &str, name: Option<&str>) -> ApiResult<Reply> {
    const WHAT: &str = "Template";
    match (kind, name) {
        ("licenses", None) => license_list(st, ctx, true),
        ("licenses", Some(n)) => license_get(st, ctx, n, WHAT),
        ("issues" | "merge_requests", None) => values_reply(st, ctx.req, &[]),
        ("issues" | "merge_requests", Some(_)) => Err(ApiError::not_found(Some(WHAT))),
        (k, n) => {
            let kind = tpl::Kind::of(k)
                .ok_or_else(|| ApiError::error(400, "type does not have a valid value"))?;
            match n {
                None => template_list(st, ctx, kind),
                Some(n) => template_get(kind, n, WHAT),
            }
        }
    }
}

// ----- users: memberships, identities, tokens ---------------------------------------

/// `GET /users/:id/memberships[?type=Project|Namespace]`: the user's direct
/// project and group memberships, from the member lists (administrators only).
fn memberships(st: &State, ctx: &Ctx) -> ApiResult<Reply> {
    require_admin(ctx)?;
    let uid = ctx.parent.first().cloned().unwrap_or_default();
    let kind = ctx.req.params.nonblank("type");
    let (projects, groups) = match kind.as_deref() {
        None => (true, true),
        Some("Project") => (true, false),
        Some("Namespace") => (false, true),
        Some(_) => return Err(ApiError::error(400, "type does not have a valid value")),
    };
    let mut found: Vec<(String, Value)> = Vec::new();
    let reg = &st.reg;
    let mut collect = |sources: ResId, members: ResId, source_type: &str| {
        let Some(c) = st.store.coll(sources, &[]) else {
            return;
        };
        for s in c.iter() {
            let Some(sid) = s.u64("id") else { continue };
            let Some(m) = st.store.get(members, &[sid.to_string()], &uid) else {
                continue;
            };
            found.push((
                m.str("created_at").unwrap_or("").to_string(),
                json!({
                    "source_id": sid,
                    "source_name": s.obj.get("name"),
                    "source_type": source_type,
                    "access_level": m.obj.get("access_level"),
                }),
            ));
        }
    };
    if groups {
        collect(reg.group, reg.group_member, "Namespace");
    }
    if projects {
        collect(reg.project, reg.project_member, "Project");
    }
    // GitLab lists memberships in the order they were made.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let v: Vec<Value> = found.into_iter().map(|(_, v)| v).collect();
    values_reply(st, ctx.req, &v)
}

/// `DELETE /users/:id/identities/:provider` (administrators only).
fn identity_delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    require_admin(ctx)?;
    let uid = ctx.parent.first().cloned().unwrap_or_default();
    let provider = ctx.id().to_string();
    let has = st
        .store
        .get(st.reg.user, &[], &uid)
        .and_then(|u| u.obj.get("identities"))
        .and_then(Value::as_array)
        .is_some_and(|ids| ids.iter().any(|i| i["provider"] == provider.as_str()));
    if !has {
        return Err(ApiError::not_found(Some("Identity")));
    }
    st.store.modify(st.reg.user, &[], &uid, |u| {
        if let Some(Value::Array(ids)) = u.obj.get_mut("identities") {
            ids.retain(|i| i["provider"] != provider.as_str());
        }
    });
    Ok(Reply::empty(204))
}

/// Adds the identity `provider`/`extern_uid` to a user's object, replacing the
/// one of the same provider (a user has one identity per provider).
pub(super) fn set_identity(obj: &mut Map<String, Value>, provider: &str, extern_uid: &str) {
    let ids = obj
        .entry("identities")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !ids.is_array() {
        *ids = Value::Array(Vec::new());
    }
    if let Value::Array(list) = ids {
        list.retain(|i| i["provider"] != provider);
        list.push(
            json!({"provider": provider, "extern_uid": extern_uid, "saml_provider_id": null}),
        );
    }
}

/// Token listings filtered by `state=active|inactive` (`all` lists every token),
/// as GitLab's token finders do; the other filters still apply by equality.
fn tokens_by_state(st: &State, ctx: &Ctx) -> ApiResult<Reply> {
    let want = match ctx.req.params.nonblank("state").as_deref() {
        Some("all") => None,
        Some("active") => Some(true),
        Some("inactive") => Some(false),
        _ => return Err(ApiError::error(400, "state does not have a valid value")),
    };
    let eq = equality_filters(ctx, &["state"]);
    let search = ctx.req.params.nonblank("search");
    let v: Vec<Value> = st
        .store
        .coll(ctx.res, &ctx.parent)
        .map(|c| {
            c.iter()
                .filter(|e| want.is_none_or(|w| e.obj.get("active") == Some(&Value::Bool(w))))
                .filter(|e| scalar_filters_match(&e.obj, &eq))
                .filter(|e| {
                    search
                        .as_deref()
                        .is_none_or(|s| search_matches(&e.obj, &["name"], s))
                })
                .map(Entry::to_value)
                .collect()
        })
        .unwrap_or_default();
    values_reply(st, ctx.req, &v)
}

// ----- custom attributes filter ----------------------------------------------------

/// The `custom_attributes[key]=value` pairs of a listing. GitLab applies them
/// only for callers who may read custom attributes (administrators).
pub(crate) fn custom_attribute_filter(ctx: &Ctx) -> Vec<(String, String)> {
    if !ctx.is_admin() {
        return Vec::new();
    }
    match ctx.req.params.get("custom_attributes") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether object `id` carries every custom attribute in `want`, with that value;
/// `norm` is the custom attributes resource of its kind (`/users/{}/custom_attributes`).
pub(crate) fn has_custom_attributes(
    st: &State,
    norm: &str,
    id: u64,
    want: &[(String, String)],
) -> bool {
    if want.is_empty() {
        return true;
    }
    let Some(res) = res_of(st, norm) else {
        return false;
    };
    let parent = [id.to_string()];
    want.iter().all(|(k, v)| {
        st.store
            .get(res, &parent, k)
            .and_then(|e| e.obj.get("value"))
            .is_some_and(|have| match have {
                Value::String(s) => s == v,
                other => serde_json::from_str::<Value>(v).is_ok_and(|x| x == *other),
            })
    })
}

// ----- avatars ---------------------------------------------------------------------

/// GitLab's largest avatar (`Avatarable::MAXIMUM_FILE_SIZE`).
const AVATAR_MAX: usize = 200 * 1024;
/// The image types GitLab accepts as avatars.
const AVATAR_TYPES: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "tiff", "ico", "webp"];

/// An avatar upload that passed GitLab's checks, not stored yet.
pub(crate) struct Avatar {
    filename: String,
    content_type: String,
    bytes: Bytes,
}

/// The `avatar` file part of a request, checked: `None` when none was sent;
/// `400 avatar is invalid` when it is not a file; GitLab's validation errors
/// for one too large or not an image.
pub(crate) fn avatar_param(ctx: &Ctx) -> ApiResult<Option<Avatar>> {
    let p = &ctx.req.params;
    let Some(part) = p.get("avatar") else {
        return Ok(None);
    };
    let (Some(bytes), Some(filename)) = (
        p.file("avatar"),
        part.get("filename").and_then(Value::as_str),
    ) else {
        return Err(ApiError::error(400, "avatar is invalid"));
    };
    // Keep the name to characters that need no escaping in a URL path.
    let filename: String = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !AVATAR_TYPES.contains(&ext.as_str()) {
        let msg = format!(
            "file format is not supported. Please try one of the following supported formats: {}",
            AVATAR_TYPES.join(", ")
        );
        return Err(ApiError::validation(400, &[("avatar", msg.as_str())]));
    }
    if bytes.len() > AVATAR_MAX {
        return Err(ApiError::validation(
            400,
            &[("avatar", "is too big (should be at most 200 KiB)")],
        ));
    }
    let content_type = match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg".to_string(),
        "ico" => "image/vnd.microsoft.icon".to_string(),
        other => format!("image/{other}"),
    };
    Ok(Some(Avatar {
        filename,
        content_type,
        bytes: bytes.clone(),
    }))
}

/// Stores an avatar of `owner` (`user`, `project`, `group`) `id` where GitLab
/// keeps it, replacing the previous one, and returns its `avatar_url`.
pub(crate) fn store_avatar(st: &mut State, owner: &str, id: u64, a: Avatar) -> String {
    let dir = format!("/uploads/-/system/{owner}/avatar/{id}/");
    st.uploads.retain(|path, _| !path.starts_with(&dir));
    let path = format!("{dir}{}", a.filename);
    st.uploads.insert(path.clone(), (a.content_type, a.bytes));
    st.web_url(&path)
}

/// Stores `avatar` (when one was sent) as the avatar of object `id` of `res`
/// (a project or group, `owner` naming its kind) and points `avatar_url` at it.
pub(crate) fn set_avatar(st: &mut State, res: ResId, owner: &str, id: u64, avatar: Option<Avatar>) {
    let Some(a) = avatar else { return };
    let url = store_avatar(st, owner, id, a);
    st.store.modify(res, &[], &id.to_string(), |e| {
        e.obj.insert("avatar_url".into(), Value::String(url));
    });
}

/// `PUT /user/avatar`: replaces the caller's avatar, answering `{avatar_url}`.
fn current_user_avatar(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let uid = ctx.caller()?.id;
    let avatar = avatar_param(ctx)?.ok_or_else(|| ApiError::error(400, "avatar is missing"))?;
    let url = store_avatar(st, "user", uid, avatar);
    st.store.modify(st.reg.user, &[], &uid.to_string(), |u| {
        u.obj
            .insert("avatar_url".into(), Value::String(url.clone()));
    });
    Ok(Reply::json(200, &json!({ "avatar_url": url })))
}

impl State {
    /// GitLab's `throttle_authenticated_api_*` application settings at work: when
    /// enabled, a user's authenticated API requests beyond the limit in the
    /// current fixed window are answered `429 Retry later`, with `Retry-After`
    /// (seconds to the window's end) and the `RateLimit-*` headers; `None`
    /// lets the request through (and counts it).
    pub(crate) fn throttled(&mut self, user: u64) -> Option<Reply> {
        let settings = self.reg.settings.and_then(|r| self.store.get(r, &[], ""))?;
        let setting = |k: &str| settings.obj.get(k);
        if setting("throttle_authenticated_api_enabled").and_then(Value::as_bool) != Some(true) {
            return None;
        }
        // GitLab's defaults when only the switch was set.
        let limit = setting("throttle_authenticated_api_requests_per_period")
            .and_then(Value::as_u64)
            .unwrap_or(7200);
        let period = setting("throttle_authenticated_api_period_in_seconds")
            .and_then(Value::as_u64)
            .filter(|p| *p > 0)
            .unwrap_or(3600);
        let now = time::now_millis() / 1000;
        let window = now / period;
        let entry = self.throttle.entry(user).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        if entry.1 <= limit {
            return None;
        }
        let reset = (window + 1) * period;
        Some(
            Reply::text(429, "Retry later\n")
                .header("content-type", "text/plain")
                .header("retry-after", (reset - now).to_string())
                .header("ratelimit-name", "throttle_authenticated_api")
                .header("ratelimit-limit", limit.to_string())
                .header("ratelimit-observed", entry.1.to_string())
                .header("ratelimit-remaining", "0")
                .header("ratelimit-reset", reset.to_string()),
        )
    }

    /// A stored upload (`/uploads/-/system/user/avatar/2/a.png`) with its bytes.
    pub(crate) fn serve_upload(&self, path: &str) -> Reply {
        match self.uploads.get(path) {
            Some((ct, bytes)) => Reply::text(200, bytes.clone()).header("content-type", ct.clone()),
            None => Reply::text(404, "404 Not Found\n").header("content-type", "text/plain"),
        }
    }
}

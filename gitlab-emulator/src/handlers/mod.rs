//! From a decoded request to a reply: authentication, routing, parent
//! resolution, then the resource's own handler (or the generic one).

mod branches;
mod ci_lint;
mod generic;
mod groups;
mod instance;
mod issues;
mod members;
mod projects;
mod repo;
mod special;
mod users;

use crate::lists::{self, CacheKey, CursorStyle, Item, OrderRules, Paging};
use crate::registry::{Kind, ResId, Target};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::{ApiRequest, Verb};
use crate::state::{Caller, State};
use crate::store::Entry;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Building blocks for seeding state outside requests.
pub(crate) mod seeding {
    pub(crate) use super::branches::add_branch;
    pub(crate) use super::groups::insert_group;
    pub(crate) use super::issues::{bulk_issues, close_issue, insert_issue, insert_note, NewItem};
    pub(crate) use super::members::add_member;
    pub(crate) use super::projects::{insert_project, NewProject};
    pub(crate) use super::users::insert_user;
}

/// GitLab version the emulator reports.
pub const GITLAB_VERSION: &str = "17.5.0";

/// The handler of a route outside the catalogue: the state, the request, its
/// caller and the values of the pattern's placeholders, in order.
pub(crate) type ExtraHandler =
    fn(&mut State, &ApiRequest, Option<&Caller>, &[&str]) -> ApiResult<Reply>;

/// A route the catalogue does not describe, answered by its own handler.
pub(crate) struct ExtraRoute {
    pub verb: Verb,
    /// Relative to `/api/v4`, placeholders written `{}`; a placeholder may end a
    /// segment after a literal (`archive.{}`).
    pub path: &'static str,
    pub run: ExtraHandler,
}

/// Every route outside the catalogue, tried before it, first match wins. This
/// table is the router for them (and what `gitlab_emulator::routes()` lists).
pub(crate) const EXTRA_ROUTES: &[ExtraRoute] = &[
    ExtraRoute {
        verb: Verb::Get,
        path: "version",
        run: version,
    },
    ExtraRoute {
        verb: Verb::Get,
        path: "metadata",
        run: version,
    },
    ExtraRoute {
        verb: Verb::Post,
        path: "markdown",
        run: special::markdown,
    },
    ExtraRoute {
        verb: Verb::Get,
        path: "search",
        run: special::search_all,
    },
    ExtraRoute {
        verb: Verb::Get,
        path: "keys",
        run: special::key_by_fingerprint,
    },
    ExtraRoute {
        verb: Verb::Get,
        path: "keys/{}",
        run: special::key_by_id,
    },
    ExtraRoute {
        verb: Verb::Post,
        path: "features/{}",
        run: special::feature_set,
    },
    ExtraRoute {
        verb: Verb::Post,
        path: "projects/{}/statuses/{}",
        run: special::commit_status_post,
    },
    ExtraRoute {
        verb: Verb::Put,
        path: "projects/{}/labels/{}/promote",
        run: special::label_promote,
    },
    ExtraRoute {
        verb: Verb::Post,
        path: "projects/{}/milestones/{}/promote",
        run: special::milestone_promote,
    },
    ExtraRoute {
        verb: Verb::Get,
        path: "projects/{}/repository/archive.{}",
        run: repo::archive_with_format,
    },
];

/// The placeholder values when `segs` (after `/api/v4`) fit `pattern`.
fn match_pattern<'s>(pattern: &str, segs: &'s [String]) -> Option<Vec<&'s str>> {
    let parts: Vec<&str> = pattern.split('/').collect();
    if parts.len() != segs.len() {
        return None;
    }
    let mut args = Vec::new();
    for (part, seg) in parts.iter().zip(segs) {
        match part.strip_suffix("{}") {
            Some(lit) => {
                let rest = seg.strip_prefix(lit).filter(|r| !r.is_empty())?;
                args.push(rest);
            }
            None if part == seg => {}
            None => return None,
        }
    }
    Some(args)
}

/// `GET /version` and `GET /metadata`.
fn version(
    _st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    _args: &[&str],
) -> ApiResult<Reply> {
    if caller.is_none() {
        return Err(ApiError::unauthorized());
    }
    let mut v = json!({"version": GITLAB_VERSION, "revision": "emulator"});
    if req.segments.last().is_some_and(|s| s == "metadata") {
        v["kas"] = json!({"enabled": false, "externalUrl": null, "version": null});
        v["enterprise"] = json!(false);
    }
    Ok(Reply::json(200, &v))
}

/// One routed request.
/// For a per-integration singleton (`…/integrations/<slug>`), the generic
/// integrations resource of the same parent and the slug.
fn integration_entry(reg: &crate::registry::Registry, res: ResId) -> Option<(ResId, String)> {
    let norm = reg.res[res].norm.as_str();
    let (base, slug) = norm.rsplit_once('/')?;
    if !(base == "/projects/{}/integrations" || base == "/groups/{}/integrations") || slug == "{}" {
        return None;
    }
    let generic = reg.res.iter().position(|r| r.norm == base)?;
    Some((generic, slug.to_string()))
}

pub(crate) struct Ctx<'a> {
    pub req: &'a ApiRequest,
    pub caller: Option<Caller>,
    pub res: ResId,
    /// Canonical parent values: project ids, issue iids… (not the raw path values).
    pub parent: Vec<String>,
    /// The raw object id from the path, if any.
    pub id: Option<String>,
    /// Values of action placeholders that are arguments (`{sha}`, `{group_id}`…).
    pub args: Vec<(String, String)>,
}

impl Ctx<'_> {
    pub fn caller(&self) -> ApiResult<&Caller> {
        self.caller.as_ref().ok_or_else(ApiError::unauthorized)
    }

    pub fn caller_id(&self) -> u64 {
        self.caller.as_ref().map_or(0, |c| c.id)
    }

    pub fn is_admin(&self) -> bool {
        self.caller.as_ref().is_some_and(|c| c.admin)
    }

    /// `403 Forbidden` unless the caller is an administrator.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    /// The project id of a project-scoped resource.
    pub fn project_id(&self) -> u64 {
        self.parent
            .first()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// An action argument from the path, else from the parameters.
    pub fn arg(&self, name: &str) -> Option<String> {
        self.args
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| self.req.params.str(name))
    }
}

impl State {
    /// Answers one request; also returns the username it ran as, for the log.
    pub(crate) fn handle(&mut self, req: &ApiRequest) -> (Reply, Option<String>) {
        let caller = match self.authenticate(req.token.as_deref(), req.sudo.as_deref()) {
            Ok(c) => c,
            Err(e) => return (e.into_reply(), None),
        };
        let who = caller.as_ref().map(|c| c.username.clone());
        if let Some(limited) = caller.as_ref().and_then(|c| self.throttled(c.id)) {
            return (limited, who);
        }
        let reply = self.route(req, caller).unwrap_or_else(ApiError::into_reply);
        (reply, who)
    }

    fn route(&mut self, req: &ApiRequest, caller: Option<Caller>) -> ApiResult<Reply> {
        for extra in EXTRA_ROUTES {
            if extra.verb != req.verb {
                continue;
            }
            if let Some(args) = match_pattern(extra.path, &req.segments) {
                return (extra.run)(self, req, caller.as_ref(), &args);
            }
        }
        let reg = self.reg.clone();
        let m = reg.route(&req.segments, req.verb)?;
        let r = &reg.res[m.res];
        if (req.verb.is_write() || r.kind == Kind::CurrentUser) && caller.is_none() {
            return Err(ApiError::unauthorized());
        }
        // grape validates parameters before the endpoint looks anything up.
        m.rules.apply(&req.params)?;
        let parent = self.resolve_parents(m.res, &m.parents, caller.as_ref())?;
        let mut ctx = Ctx {
            req,
            caller,
            res: m.res,
            parent,
            id: m.id,
            args: m.args,
        };
        let mut m_target = m.target.clone();
        // A typed integration singleton (`/projects/:id/integrations/jira`) is one
        // entry of the project's integrations, so both paths see the same settings.
        if let Some((generic, slug)) = integration_entry(&reg, m.res) {
            if matches!(m_target, Target::Collection) {
                ctx.res = generic;
                ctx.id = Some(slug);
                m_target = Target::Object;
            }
        }
        let r = &reg.res[ctx.res];
        if let Some(r) = instance::handle(self, &ctx, &m_target)? {
            return Ok(r);
        }
        if let Some(r) = special::handle(self, &ctx, &m_target)? {
            return Ok(r);
        }
        match (&m_target, req.verb) {
            (Target::Collection, Verb::Get) if r.id_attr.is_none() && !r.ops.list => self.get(&ctx),
            (Target::Collection, Verb::Get) => self.list(&ctx),
            (Target::Collection, Verb::Post) if r.ops.create => self.create(&ctx),
            (Target::Collection, Verb::Delete) if r.is_singleton() => self.delete(&ctx),
            (Target::Collection, _) => self.update(&ctx),
            (Target::Object, Verb::Get) => self.get(&ctx),
            (Target::Object, Verb::Delete) => self.delete(&ctx),
            (Target::Object, v) if Some(v) == r.ops.update => self.update(&ctx),
            (Target::Object, _) => generic::set(self, &ctx),
            (
                Target::Action {
                    suffix,
                    meta,
                    on_object,
                },
                _,
            ) => self.action(&ctx, suffix, *meta, *on_object),
        }
    }

    /// Turns raw placeholder values (`group%2Fproject`, `3`) into canonical keys
    /// (`17`, `3`), checking that each parent exists and is visible.
    fn resolve_parents(
        &self,
        res: ResId,
        raw: &[String],
        caller: Option<&Caller>,
    ) -> ApiResult<Vec<String>> {
        let reg = &self.reg;
        let mut key: Vec<String> = Vec::with_capacity(raw.len());
        for (i, value) in raw.iter().enumerate() {
            let Some(p) = reg.res[res].parents.get(i).copied().flatten() else {
                key.push(value.clone());
                continue;
            };
            let pres = &reg.res[p];
            let canonical = match pres.kind {
                Kind::Project => id_string(self.readable_project(caller, value)?),
                Kind::Group => id_string(self.readable_group(caller, value)?),
                Kind::User => {
                    let u = match value.parse::<u64>() {
                        Ok(id) => self.user(id),
                        Err(_) => self.user_by_username(value),
                    };
                    id_string(u.ok_or_else(|| ApiError::not_found(Some("User")))?)
                }
                _ if pres.norm == "/projects/{}/repository/commits" => {
                    let pid = key.first().and_then(|k| k.parse().ok()).unwrap_or(0);
                    repo::resolve_sha(self, pid, value)
                        .ok_or_else(|| ApiError::not_found(Some("Commit")))?
                }
                _ => self
                    .parent_key(res, i, p, &key, value)
                    .ok_or_else(|| ApiError::not_found(pres.label.as_deref()))?,
            };
            key.push(canonical);
        }
        Ok(key)
    }

    /// The storage key of the object of `p` (under `key`) that placeholder `i`
    /// of `res` names by `value`. The placeholder may name the object by another
    /// attribute than the one it is stored under (`{epic_id}` is an epic's
    /// global `id`, epics are kept by `iid`): then the object with that value is
    /// looked up.
    fn parent_key(
        &self,
        res: ResId,
        i: usize,
        p: ResId,
        key: &[String],
        value: &str,
    ) -> Option<String> {
        let reg = &self.reg;
        let stored_as = reg.res[p].id_attr.unwrap_or("id");
        match reg.res[res].parent_attrs.get(i).copied().flatten() {
            Some(attr) if attr != stored_as => {
                let e = self
                    .store
                    .coll(p, key)?
                    .iter()
                    .find(|e| e.obj.get(attr).is_some_and(|v| scalar_is(v, value)))?;
                e.obj.get(stored_as).and_then(|v| match v {
                    Value::Number(n) => Some(n.to_string()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
            }
            _ => self.store.get(p, key, value).map(|_| value.to_string()),
        }
    }

    pub(crate) fn not_found(&self, ctx: &Ctx) -> ApiError {
        ApiError::not_found(self.reg.res[ctx.res].label.as_deref())
    }

    /// The addressed object or the resource's 404.
    pub(crate) fn entry<'s>(&'s self, ctx: &Ctx) -> ApiResult<&'s Entry> {
        self.store
            .get(ctx.res, &ctx.parent, ctx.id())
            .ok_or_else(|| self.not_found(ctx))
    }

    pub(crate) fn list(&mut self, ctx: &Ctx) -> ApiResult<Reply> {
        match self.reg.res[ctx.res].kind {
            Kind::Project | Kind::GroupProject | Kind::ProjectFork => projects::list(self, ctx),
            Kind::Group => groups::list(self, ctx),
            Kind::User => users::list(self, ctx),
            Kind::Issue | Kind::MergeRequest | Kind::IssueView => issues::list(self, ctx),
            Kind::MembersAll => members::list_all(self, ctx),
            Kind::Subgroups => groups::list_subgroups(self, ctx),
            Kind::Note => issues::list_notes(self, ctx),
            Kind::ProjectMember | Kind::GroupMember => members::list(self, ctx),
            Kind::Branch => branches::list(self, ctx),
            Kind::CurrentUser | Kind::Generic => generic::list(self, ctx),
        }
    }

    pub(crate) fn get(&mut self, ctx: &Ctx) -> ApiResult<Reply> {
        match self.reg.res[ctx.res].kind {
            Kind::Project => projects::get(self, ctx),
            Kind::Group => groups::get(self, ctx),
            Kind::User => users::get(self, ctx),
            Kind::CurrentUser => users::current(self, ctx),
            Kind::Issue | Kind::MergeRequest => issues::get(self, ctx),
            Kind::ProjectMember | Kind::GroupMember => members::get(self, ctx),
            _ => generic::get(self, ctx),
        }
    }

    pub(crate) fn create(&mut self, ctx: &Ctx) -> ApiResult<Reply> {
        self.check_required(ctx)?;
        match self.reg.res[ctx.res].kind {
            Kind::Project => projects::create(self, ctx),
            Kind::ProjectFork => projects::fork(self, ctx),
            Kind::Group => groups::create(self, ctx),
            Kind::User => users::create(self, ctx),
            Kind::Issue => issues::create_issue(self, ctx),
            Kind::MergeRequest => issues::create_mr(self, ctx),
            Kind::Note => issues::create_note(self, ctx),
            Kind::ProjectMember | Kind::GroupMember => members::create(self, ctx),
            Kind::Branch => branches::create(self, ctx),
            _ => generic::create(self, ctx),
        }
    }

    pub(crate) fn update(&mut self, ctx: &Ctx) -> ApiResult<Reply> {
        match self.reg.res[ctx.res].kind {
            Kind::Project => projects::update(self, ctx),
            Kind::Group => groups::update(self, ctx),
            Kind::User => users::update(self, ctx),
            Kind::Issue | Kind::MergeRequest => issues::update(self, ctx),
            Kind::Note => issues::update_note(self, ctx),
            Kind::ProjectMember | Kind::GroupMember => members::update(self, ctx),
            _ => generic::update(self, ctx),
        }
    }

    pub(crate) fn delete(&mut self, ctx: &Ctx) -> ApiResult<Reply> {
        match self.reg.res[ctx.res].kind {
            Kind::Project => projects::delete(self, ctx),
            Kind::Group => groups::delete(self, ctx),
            Kind::User => users::delete(self, ctx),
            Kind::Issue | Kind::MergeRequest => issues::delete(self, ctx),
            Kind::Note => issues::delete_note(self, ctx),
            Kind::ProjectMember | Kind::GroupMember => members::delete(self, ctx),
            Kind::Branch => branches::delete(self, ctx),
            _ => generic::delete(self, ctx),
        }
    }

    fn action(
        &mut self,
        ctx: &Ctx,
        suffix: &str,
        meta: Option<&'static gitlab_client::meta::ActionMeta>,
        on_object: bool,
    ) -> ApiResult<Reply> {
        // Missing and mistyped arguments were answered before routing got here.
        let handled = match self.reg.res[ctx.res].kind {
            Kind::Project => projects::action(self, ctx, suffix)?,
            Kind::Issue | Kind::MergeRequest => issues::action(self, ctx, suffix)?,
            Kind::User => users::action(self, ctx, suffix)?,
            _ => None,
        };
        match handled {
            Some(r) => Ok(r),
            None => generic::action(self, ctx, meta, on_object),
        }
    }

    /// `400 {"message": {"title": ["can't be blank"]}}` for required create attributes
    /// sent blank or `null` (absent ones were answered `title is missing` already),
    /// and the exclusive-group errors.
    fn check_required(&self, ctx: &Ctx) -> ApiResult<()> {
        let r = &self.reg.res[ctx.res];
        let p = &ctx.req.params;
        let missing: Vec<&str> = r
            .create_rules
            .required
            .iter()
            .copied()
            .filter(|a| match p.get(a) {
                None => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            })
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::blank(&missing));
        }
        if let Some(m) = r.meta {
            let ex = m.create_attrs().exclusive;
            if !ex.is_empty() {
                let given: Vec<&str> = ex.iter().filter(|a| p.has(a)).collect();
                if given.is_empty() {
                    return Err(ApiError::error(
                        400,
                        format!(
                            "{} are missing, exactly one parameter must be provided",
                            ex.to_vec().join(", ")
                        ),
                    ));
                }
                if given.len() > 1 {
                    return Err(ApiError::error(
                        400,
                        format!("{} are mutually exclusive", given.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Answers a page of a listing, filtering and ordering only on a cache miss.
    pub(crate) fn list_reply(
        &mut self,
        ctx: &Ctx,
        scope: &str,
        paging: Paging,
        cursor: CursorStyle,
        build: impl FnOnce(&State, &Paging) -> ApiResult<Vec<Item>>,
    ) -> ApiResult<Reply> {
        let mut query: Vec<(String, String)> = ctx
            .req
            .query
            .iter()
            .filter(|(k, _)| !lists::PAGING_PARAMS.contains(&k.as_str()))
            .cloned()
            .collect();
        query.sort();
        if !paging.keyset {
            // As filters, the id bounds change the result.
            for k in ["id_after", "id_before"] {
                if let Some(v) = ctx.req.params.str(k) {
                    query.push((k.to_string(), v));
                }
            }
        }
        query.push(("pagination".into(), paging.keyset.to_string()));
        let key = CacheKey {
            scope: format!("{}|{}|{}", ctx.res, ctx.parent.join("/"), scope),
            viewer: ctx.caller.as_ref().map(|c| c.id),
            query,
            version: self.store.version,
        };
        let items = match self.cache.get(&key) {
            Some(items) => items,
            None => {
                let items = Arc::new(build(self, &paging)?);
                self.cache.put(key, items.clone());
                items
            }
        };
        lists::page_reply(
            &self.base_url,
            self.count_limit,
            ctx.req,
            &items,
            &paging,
            cursor,
        )
    }

    /// Applies the `id_after` / `id_before` filters of offset listings.
    pub(crate) fn id_bounds(ctx: &Ctx, paging: &Paging) -> ApiResult<(Option<u64>, Option<u64>)> {
        if paging.keyset {
            return Ok((None, None));
        }
        Ok((
            ctx.req.params.u64("id_after")?,
            ctx.req.params.u64("id_before")?,
        ))
    }
}

/// Whether a number or string attribute reads as `text` (a path value).
fn scalar_is(v: &Value, text: &str) -> bool {
    match v {
        Value::Number(n) => n.to_string() == text,
        Value::String(s) => s == text,
        _ => false,
    }
}

pub(crate) fn id_string(e: &Entry) -> String {
    match e.obj.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Copies the attributes a create or update table names from the parameters onto
/// `obj`, typed per the schema (text coerced to the attribute's value type),
/// except those in `skip` (handled by the caller).
pub(crate) fn echo_attrs(
    state: &State,
    ctx: &Ctx,
    create: bool,
    obj: &mut Map<String, Value>,
    skip: &[&str],
) {
    let r = &state.reg.res[ctx.res];
    let rules = if create {
        &r.create_rules
    } else {
        &r.update_rules
    };
    let names: Vec<String> = match r.meta {
        Some(m) => {
            let t = if create {
                m.create_attrs()
            } else {
                m.update_attrs()
            };
            t.required
                .iter()
                .chain(t.optional)
                .chain(t.exclusive)
                .map(|s| s.to_string())
                .collect()
        }
        None => ctx.req.params.iter().map(|(k, _)| k.clone()).collect(),
    };
    const NEVER: &[&str] = &["id", "iid", "private_token", "sudo"];
    for name in names {
        if skip.contains(&name.as_str()) || NEVER.contains(&name.as_str()) {
            continue;
        }
        if let Some(v) = ctx.req.params.typed(&name, r.attr_type(&name)) {
            let v = match rules.check(&name) {
                Some(check) => check.coerce(v),
                None => v,
            };
            obj.insert(name, v);
        }
    }
}

/// Generic list filters: a query parameter named like a scalar attribute must equal it.
pub(crate) fn scalar_filters_match(obj: &Map<String, Value>, filters: &[(String, String)]) -> bool {
    filters.iter().all(|(k, want)| match obj.get(k) {
        Some(Value::String(s)) => s == want,
        Some(Value::Bool(b)) => {
            crate::request::value_bool(&Value::String(want.clone())) == Some(*b)
        }
        Some(Value::Number(n)) => n.to_string() == *want,
        _ => true,
    })
}

/// Query pairs that may filter by equality (not paging, ordering or handled elsewhere).
pub(crate) fn equality_filters(ctx: &Ctx, handled: &[&str]) -> Vec<(String, String)> {
    const IGNORE: &[&str] = &[
        "order_by",
        "sort",
        "search",
        "scope",
        "statistics",
        "simple",
    ];
    ctx.req
        .query
        .iter()
        .filter(|(k, _)| {
            !lists::PAGING_PARAMS.contains(&k.as_str())
                && !IGNORE.contains(&k.as_str())
                && !handled.contains(&k.as_str())
                && !k.contains('[')
        })
        .cloned()
        .collect()
}

/// Case-insensitive substring search over some fields.
pub(crate) fn search_matches(obj: &Map<String, Value>, fields: &[&str], needle: &str) -> bool {
    let needle = needle.to_lowercase();
    fields.iter().any(|f| {
        obj.get(*f)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase().contains(&needle))
    })
}

/// Standard `created_at desc` rules for most listings.
pub(crate) const CREATED_DESC: OrderRules = OrderRules {
    default_field: "created_at",
    default_desc: true,
    allowed: &["id", "created_at", "updated_at", "title", "name"],
};

/// A string attribute of an object, or `""` when absent or not a string.
pub(crate) fn text(obj: &serde_json::Map<String, serde_json::Value>, key: &str) -> String {
    obj.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string()
}

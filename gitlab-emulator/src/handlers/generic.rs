//! Any catalogue resource without behaviour of its own: objects are the
//! attributes the client sent, plus an id and what GitLab fills itself (who
//! acted, the owning project or group, timestamps), kept under their parent.
//! Where the schema declares the response fields, only those are rendered.

use super::{echo_attrs, equality_filters, scalar_filters_match, search_matches, Ctx};
use crate::lists::{self, sort_entries, CursorStyle, Item, OrderRules};
use crate::registry::{Kind, ResId};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::Verb;
use crate::state::State;
use crate::store::{Entry, Hidden};
use crate::time;
use gitlab_client::meta::{ActionMeta, Returns};
use serde_json::{Map, Value};

const ANY_ORDER: OrderRules = OrderRules {
    default_field: "id",
    default_desc: false,
    allowed: &["*"],
};

/// The key of a singleton resource's one object.
const SINGLETON: &str = "";

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let mut paging = crate::lists::paging(ctx.req, &ANY_ORDER)?;
    // GitLab lists pipelines and jobs newest first.
    let norm = &st.reg.res[ctx.res].norm;
    let newest_first = ["/pipelines", "/jobs", "/deployments"]
        .iter()
        .any(|s| norm.ends_with(s));
    if newest_first && !paging.keyset && !ctx.req.params.has("sort") {
        paging.desc = true;
    }
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let eq = equality_filters(ctx, &[]);
        let search = ctx.req.params.nonblank("search");
        let sources = nested_sources(st, ctx);
        let mut v: Vec<&Entry> = st
            .store
            .coll(ctx.res, &ctx.parent)
            .into_iter()
            .chain(sources.iter().flat_map(|res| st.store.colls_of(*res)))
            .flat_map(|c| c.iter())
            .filter(|e| scalar_filters_match(&e.obj, &eq))
            .filter(|e| {
                search.as_deref().is_none_or(|s| {
                    search_matches(&e.obj, &["name", "title", "description", "key"], s)
                })
            })
            .collect();
        if !sources.is_empty() {
            // An object some handler also keeps in the view itself (deploy
            // tokens) has one id in both places: list it once.
            let mut seen = std::collections::HashSet::new();
            v.retain(|e| e.obj.get("id").is_none_or(|id| seen.insert(id.to_string())));
        }
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

/// The nested collections an instance-wide listing shows: `GET /pages/domains`
/// lists every project's `/projects/:id/pages/domains`, `GET
/// /bulk_imports/entities` every import's entities. The rule: a top-level
/// resource that can only be listed is a view of the generic collections whose
/// path ends with its own after a placeholder. Such listings are for
/// administrators in GitLab; others see only the view's own collection.
fn nested_sources(st: &State, ctx: &Ctx) -> Vec<ResId> {
    let reg = &st.reg;
    let r = &reg.res[ctx.res];
    if !r.parents.is_empty() || r.ops.create || !ctx.is_admin() {
        return Vec::new();
    }
    let tail = format!("/{{}}{}", r.norm);
    reg.res
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == Kind::Generic && n.norm.ends_with(&tail))
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = &st.reg.res[ctx.res];
    if r.is_singleton() {
        let mut obj = match st.store.get(ctx.res, &ctx.parent, SINGLETON) {
            Some(e) => e.obj.clone(),
            // A record that is created and deleted (a push rule) reads as
            // `null` while there is none, as GitLab presents a missing one.
            None if r.ops.create && r.ops.delete => return Ok(Reply::json(200, &Value::Null)),
            None => st.store.blank_object(ctx.res),
        };
        if !r.ops.create {
            view_of_parent(st, ctx, &mut obj);
        }
        return Ok(Reply::json(200, &Value::Object(obj)));
    }
    let e = st.entry(ctx)?;
    Ok(Reply::raw_json(200, e.bytes.clone()))
}

/// A singleton nobody creates (a project's storage, its import status, a merge
/// request's approvals) is a facet of the object it sits under: its declared
/// fields that are still empty take that object's value of the same name, and
/// `project_id` / `group_id` the owning project's or group's id.
fn view_of_parent(st: &State, ctx: &Ctx, obj: &mut Map<String, Value>) {
    fill_from_parents(st, ctx, obj);
    let r = &st.reg.res[ctx.res];
    let Some(last) = ctx.parent.len().checked_sub(1) else {
        return;
    };
    let Some(p) = r.parents.get(last).copied().flatten() else {
        return;
    };
    let Some(parent) = st.store.get(p, &ctx.parent[..last], &ctx.parent[last]) else {
        return;
    };
    for (name, _) in r.blanks.iter() {
        let empty = obj.get(*name).is_none_or(Value::is_null);
        if let Some(v) = parent.obj.get(*name).filter(|_| empty) {
            obj.insert((*name).to_string(), v.clone());
        }
    }
}

/// Response fields that name who acted: GitLab fills them with the caller.
const ACTOR_FIELDS: &[&str] = &["author", "user", "owner", "created_by", "uploaded_by"];

/// Integer fields holding the id of the project, group or user a path names.
const OWNER_ID_FIELDS: &[(Kind, &str)] = &[
    (Kind::Project, "project_id"),
    (Kind::Group, "group_id"),
    (Kind::User, "user_id"),
];

/// The declared type of response field `name`, if the schema declares it.
fn field_type(st: &State, ctx: &Ctx, name: &str) -> Option<&'static str> {
    let m = st.reg.res[ctx.res].meta?;
    m.fields.iter().find(|f| f.name == name).map(|f| f.ty)
}

/// Fills the empty `project_id` / `group_id` / `user_id` integer fields the
/// schema declares with the id of the project, group or user the path names.
fn fill_from_parents(st: &State, ctx: &Ctx, obj: &mut Map<String, Value>) {
    let r = &st.reg.res[ctx.res];
    for (i, p) in r.parents.iter().enumerate() {
        let Some(kind) = p.map(|p| st.reg.res[p].kind) else {
            continue;
        };
        let Some((_, field)) = OWNER_ID_FIELDS.iter().find(|(k, _)| *k == kind) else {
            continue;
        };
        let integer =
            field_type(st, ctx, field).is_some_and(|t| t.trim_end_matches('?').trim() == "integer");
        let id = ctx.parent.get(i).and_then(|v| v.parse::<u64>().ok());
        if let (true, Some(id)) = (integer, id) {
            if obj.get(*field).is_none_or(Value::is_null) {
                obj.insert((*field).to_string(), Value::from(id));
            }
        }
    }
}

/// What GitLab fills on create and the client does not send, one rule per
/// kind of declared field: users who acted get the caller, owner ids the path's
/// project/group/user, and `updated_at` the creation time.
fn fill_on_create(st: &State, ctx: &Ctx, obj: &mut Map<String, Value>, now: &str) {
    for name in ACTOR_FIELDS {
        // The field's name says who acted; its type only has to be an object
        // (`BasicUser`, `SnippetAuthor`, `NoteAuthor`…).
        let is_user = field_type(st, ctx, name).is_some_and(|t| t.starts_with("object:"));
        if is_user && obj.get(*name).is_none_or(Value::is_null) {
            let who = st.user_basic(ctx.caller_id());
            if !who.is_null() {
                obj.insert((*name).to_string(), who);
            }
        }
    }
    fill_from_parents(st, ctx, obj);
    for name in ["created_at", "updated_at"] {
        if field_type(st, ctx, name).is_some() && obj.get(name).is_none_or(Value::is_null) {
            obj.insert(name.into(), Value::String(now.to_string()));
        }
    }
}

/// Splits what a client wrote into the entity's fields and write-only inputs:
/// a resource whose schema declares its response fields renders only those
/// (GitLab answers with its entity, not the request, so a cluster's
/// `platform_kubernetes_attributes.token` is never shown); one that declares
/// none keeps everything visible.
fn split_inputs(
    st: &State,
    ctx: &Ctx,
    sent: Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let blanks = &st.reg.res[ctx.res].blanks;
    if blanks.is_empty() {
        return (sent, Map::new());
    }
    sent.into_iter()
        .partition(|(k, _)| blanks.iter().any(|(f, _)| f == k))
}

/// Rails' nested attributes: an input `<field>_attributes` writes the object
/// behind the declared field `<field>` (`platform_kubernetes_attributes` →
/// `platform_kubernetes`), which GitLab renders with that object type's fields
/// only, so write-only parts (a cluster's token) stay unseen.
fn nested_writes(
    st: &State,
    ctx: &Ctx,
    inputs: &Map<String, Value>,
) -> Vec<(String, Map<String, Value>)> {
    let Some(m) = st.reg.res[ctx.res].meta else {
        return Vec::new();
    };
    inputs
        .iter()
        .filter_map(|(k, v)| {
            let field = k.strip_suffix("_attributes")?;
            let ty = m.fields.iter().find(|f| f.name == field)?.ty;
            let name = ty.strip_prefix("object:")?.trim_end_matches('?').trim();
            let shape = gitlab_client::resources::OBJECTS
                .iter()
                .find(|o| o.name == name)?;
            let kept = v
                .as_object()?
                .iter()
                .filter(|(k, _)| shape.fields.iter().any(|f| f.name == k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some((field.to_string(), kept))
        })
        .collect()
}

/// Merges nested writes into the objects they change (an update keeps the rest).
fn apply_nested(obj: &mut Map<String, Value>, writes: Vec<(String, Map<String, Value>)>) {
    for (field, kept) in writes {
        match obj.get_mut(&field) {
            Some(Value::Object(o)) => o.extend(kept),
            _ => {
                obj.insert(field, Value::Object(kept));
            }
        }
    }
}

/// What the request writes: the create or update table's attributes, typed;
/// everything sent when the schema lists no attributes.
fn written(st: &State, ctx: &Ctx, create: bool) -> Map<String, Value> {
    let mut sent = Map::new();
    echo_attrs(st, ctx, create, &mut sent, &[]);
    if sent.is_empty() {
        // A table the schema leaves empty: keep whatever was sent.
        for (k, v) in ctx.req.params.iter() {
            if !matches!(k.as_str(), "private_token" | "sudo" | "id" | "iid") {
                sent.insert(k.clone(), v.clone());
            }
        }
    }
    sent
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = &st.reg.res[ctx.res];
    let mut obj = Map::new();
    let declares_id = r.blanks.iter().any(|(f, _)| *f == "id");
    let key = match r.id_attr {
        None if r.is_singleton() => {
            // A singleton with a row of its own (a push rule, a licence) has an id.
            if declares_id {
                obj.insert("id".into(), Value::from(st.store.next_id(&r.norm)));
            }
            SINGLETON.to_string()
        }
        None | Some("id") => {
            let id = st.store.next_id(&r.norm);
            obj.insert("id".into(), Value::from(id));
            id.to_string()
        }
        Some("iid") => {
            let id = st.store.next_id(&r.norm);
            let c = st.store.coll_mut(ctx.res, &ctx.parent);
            c.last_iid += 1;
            let iid = c.last_iid;
            obj.insert("id".into(), Value::from(id));
            obj.insert("iid".into(), Value::from(iid));
            iid.to_string()
        }
        Some(attr) => {
            let k = ctx
                .req
                .params
                .nonblank(attr)
                .ok_or_else(|| ApiError::blank(&[attr]))?;
            if st.store.get(ctx.res, &ctx.parent, &k).is_some() {
                let label = r.label.clone().unwrap_or_else(|| "Object".into());
                return Err(ApiError::message(409, format!("{label} already exists")));
            }
            k
        }
    };
    let declared = !r.blanks.is_empty();
    let (fields, inputs) = split_inputs(st, ctx, written(st, ctx, true));
    obj.extend(fields);
    apply_nested(&mut obj, nested_writes(st, ctx, &inputs));
    let now = time::now();
    fill_on_create(st, ctx, &mut obj, &now);
    if !declared {
        obj.entry("created_at")
            .or_insert_with(|| Value::String(now.clone()));
    }
    let mut entry = Entry::unserialized(obj);
    entry.hidden.inputs = inputs;
    let bytes = st.store.insert(ctx.res, &ctx.parent, key, entry);
    Ok(Reply::raw_json(201, bytes))
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let singleton = st.reg.res[ctx.res].is_singleton();
    let key = if singleton { SINGLETON } else { ctx.id() };
    if st.store.get(ctx.res, &ctx.parent, key).is_none() {
        if !singleton {
            return Err(st.not_found(ctx));
        }
        st.store.insert(
            ctx.res,
            &ctx.parent,
            key.to_string(),
            Entry::new(Map::new()),
        );
    }
    let (changes, inputs) = split_inputs(st, ctx, written(st, ctx, false));
    let nested = nested_writes(st, ctx, &inputs);
    let bytes = st
        .store
        .modify(ctx.res, &ctx.parent, key, |e| {
            e.obj.extend(changes);
            apply_nested(&mut e.obj, nested);
            e.hidden.inputs.extend(inputs);
            if e.obj.contains_key("updated_at") {
                e.obj
                    .insert("updated_at".into(), Value::String(time::now()));
            }
        })
        .and_then(|_| st.store.get(ctx.res, &ctx.parent, key))
        .map(|e| e.bytes.clone())
        .ok_or_else(|| st.not_found(ctx))?;
    Ok(Reply::raw_json(200, bytes))
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = &st.reg.res[ctx.res];
    if r.is_singleton() {
        // Settings-like singletons (pages) always exist; one that has to be
        // created first (a push rule) is missing until then.
        let removed = st.store.remove(ctx.res, &ctx.parent, SINGLETON);
        if removed.is_none() && r.ops.create {
            return Err(st.not_found(ctx));
        }
        return Ok(Reply::empty(204));
    }
    st.entry(ctx)?;
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    Ok(Reply::empty(204))
}

/// `PUT {path}/{key}` with `value`: creates or replaces the object.
pub(super) fn set(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = &st.reg.res[ctx.res];
    if !r.ops.set {
        return Err(ApiError::method_not_allowed());
    }
    let attr = r.id_attr.unwrap_or("key");
    let mut obj = Map::new();
    obj.insert(attr.to_string(), Value::String(ctx.id().to_string()));
    for (k, v) in ctx.req.params.iter() {
        if k != "private_token" {
            obj.insert(k.clone(), v.clone());
        }
    }
    let entry = Entry {
        hidden: Hidden::default(),
        ..Entry::new(obj)
    };
    let bytes = st
        .store
        .insert(ctx.res, &ctx.parent, ctx.id().to_string(), entry);
    Ok(Reply::raw_json(200, bytes))
}

/// An action without behaviour of its own: answers in the shape the schema promises.
pub(super) fn action(
    st: &mut State,
    ctx: &Ctx,
    meta: Option<&'static ActionMeta>,
    on_object: bool,
) -> ApiResult<Reply> {
    let object = if on_object {
        Some(st.entry(ctx)?.bytes.clone())
    } else {
        None
    };
    let Some(a) = meta else {
        return Err(ApiError::no_route());
    };
    let verb = Verb::from_meta(a.method);
    let ok = match verb {
        Verb::Post => 201,
        _ => 200,
    };
    Ok(match a.returns {
        Returns::List => {
            let paging = lists::Paging {
                order_by: "id".into(),
                desc: false,
                keyset: false,
            };
            lists::page_reply(
                &st.base_url,
                st.count_limit,
                ctx.req,
                &[],
                &paging,
                CursorStyle::Opaque,
            )?
        }
        Returns::None => Reply::empty(if verb == Verb::Post { 202 } else { 204 }),
        Returns::Raw => {
            Reply::text(200, Vec::new()).header("content-type", "application/octet-stream")
        }
        // A HEAD the emulator has no handler for: found, with no facts to tell.
        Returns::Headers => Reply::empty(200),
        Returns::SelfObject => match object {
            Some(b) => Reply::raw_json(ok, b),
            None => Reply::json(ok, &Value::Object(Map::new())),
        },
        Returns::Json => match (verb, object) {
            (Verb::Post | Verb::Put, Some(b)) => Reply::raw_json(ok, b),
            _ => Reply::json(ok, &Value::Object(Map::new())),
        },
    })
}

//! Any catalogue resource without behaviour of its own: objects are the
//! attributes the client sent, plus an id, kept under their parent.

use super::{echo_attrs, equality_filters, scalar_filters_match, search_matches, Ctx};
use crate::lists::{self, sort_entries, CursorStyle, Item, OrderRules};
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
        let mut v: Vec<&Entry> = match st.store.coll(ctx.res, &ctx.parent) {
            Some(c) => c
                .iter()
                .filter(|e| scalar_filters_match(&e.obj, &eq))
                .filter(|e| {
                    search.as_deref().is_none_or(|s| {
                        search_matches(&e.obj, &["name", "title", "description", "key"], s)
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    if st.reg.res[ctx.res].id_attr.is_none() {
        return Ok(match st.store.get(ctx.res, &ctx.parent, SINGLETON) {
            Some(e) => Reply::raw_json(200, e.bytes.clone()),
            None => Reply::json(200, &Value::Object(st.store.blank_object(ctx.res))),
        });
    }
    let e = st.entry(ctx)?;
    Ok(Reply::raw_json(200, e.bytes.clone()))
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = &st.reg.res[ctx.res];
    let mut obj = Map::new();
    let key = match r.id_attr {
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
    echo_attrs(st, ctx, true, &mut obj, &[]);
    if obj.len() <= 2 {
        // A table the schema leaves empty: keep whatever was sent.
        for (k, v) in ctx.req.params.iter() {
            if !obj.contains_key(k) && k != "private_token" {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    obj.entry("created_at")
        .or_insert_with(|| Value::String(time::now()));
    let bytes = st
        .store
        .insert(ctx.res, &ctx.parent, key, Entry::unserialized(obj));
    Ok(Reply::raw_json(201, bytes))
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let singleton = st.reg.res[ctx.res].id_attr.is_none();
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
    let mut changes = Map::new();
    echo_attrs(st, ctx, false, &mut changes, &[]);
    if changes.is_empty() {
        for (k, v) in ctx.req.params.iter() {
            if k != "private_token" {
                changes.insert(k.clone(), v.clone());
            }
        }
    }
    let bytes = st
        .store
        .modify(ctx.res, &ctx.parent, key, |e| {
            for (k, v) in changes {
                e.obj.insert(k, v);
            }
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

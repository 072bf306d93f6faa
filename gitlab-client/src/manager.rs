//! Managers: one generic type serves every resource. `Manager<R>` is a typed
//! face over [`DynManager`], whose methods read the resource's `ResourceMeta`
//! at run time, so the async bodies compile once rather than once per resource.

use crate::attrs::{encode_body, encode_query, Attrs, Body, Param};
use crate::client::{decode_error, decode_json, CallOptions, Gitlab, Request, Response};
use crate::error::{Error, Op, Result};
use crate::meta::{
    ops, ActionMeta, AttrTable, HttpMethod, Operation, Resource, ResourceMeta, Returns,
};
use crate::object::{Object, ObjectCore};
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Characters left alone in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes an id for a URL path: `group/project` → `group%2Fproject`; numbers stay as they are.
pub fn encode_id(id: &Value) -> String {
    match id {
        Value::String(s) => utf8_percent_encode(s, SEGMENT).to_string(),
        other => utf8_percent_encode(&other.to_string(), SEGMENT).to_string(),
    }
}

/// Values for path placeholders, inherited from parent objects.
pub(crate) type ParentValues = Arc<Vec<(&'static str, Value)>>;

/// Fills `{placeholder}`s in `template` from `lookup`; every value is URL-encoded.
pub(crate) fn fill_path(
    meta: &'static ResourceMeta,
    template: &'static str,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let name = &after[..close];
        match lookup(name) {
            Some(v) if !v.is_null() => out.push_str(&encode_id(&v)),
            _ => {
                return Err(Error::MissingParent {
                    resource: meta.name,
                    placeholder: name.to_string(),
                    path: template,
                })
            }
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// A manager whose resource is chosen at run time (for CLIs and generic tools).
/// Operations the schema does not list fail with [`Error::Unsupported`].
#[derive(Debug, Clone)]
pub struct DynManager {
    pub(crate) gl: Gitlab,
    pub(crate) meta: &'static ResourceMeta,
    pub(crate) parent: ParentValues,
    pub(crate) opts: CallOptions,
}

/// The typed manager of resource `R`, e.g. `ProjectIssueManager = Manager<kind::ProjectIssue>`.
pub struct Manager<R> {
    pub(crate) core: DynManager,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Manager<R> {
    fn clone(&self) -> Self {
        Manager {
            core: self.core.clone(),
            _r: PhantomData,
        }
    }
}

impl<R: Resource> std::fmt::Debug for Manager<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(R::META.manager)
            .field("parent", &self.core.parent)
            .field("opts", &self.core.opts)
            .finish()
    }
}

impl<R: Resource> Manager<R> {
    /// A manager with no parent values: top-level resources, or ones whose
    /// placeholders you fill with [`with_parent`](Self::with_parent).
    pub fn new(gl: &Gitlab) -> Self {
        Manager::from_core(DynManager::new(gl, R::META))
    }

    pub(crate) fn from_core(core: DynManager) -> Self {
        Manager {
            core,
            _r: PhantomData,
        }
    }

    /// Sets a path placeholder, e.g. `with_parent("project_id", "group/project")`.
    pub fn with_parent(mut self, placeholder: &'static str, value: impl Into<Value>) -> Self {
        self.core = self.core.with_parent(placeholder, value);
        self
    }

    /// Makes every call of this manager as `user` (`Sudo` header, admin tokens only).
    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.core.opts.sudo = Some(user.into());
        self
    }

    /// Adds a raw query parameter to every call (for names that clash with attributes).
    pub fn query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.core.opts.query.push((name.into(), value.into()));
        self
    }

    /// Lets calls of this manager retry POST/PATCH after a 5xx or a timeout, which
    /// may repeat the write: only for requests that are safe to repeat.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.core.opts.retry_writes = yes;
        self
    }

    /// Overrides the client's timeout for calls of this manager.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.core.opts.timeout = Some(t);
        self
    }

    /// The schema table of this resource.
    pub fn meta(&self) -> &'static ResourceMeta {
        R::META
    }

    /// The resolved collection path, e.g. `/projects/42/issues`.
    pub fn path(&self) -> Result<String> {
        self.core.path()
    }

    /// Required, optional and exclusive attributes accepted by `create`.
    pub fn get_create_attrs(&self) -> &'static AttrTable {
        R::META.create_attrs()
    }

    /// Required, optional and exclusive attributes accepted by `update` / `save`.
    pub fn get_update_attrs(&self) -> &'static AttrTable {
        R::META.update_attrs()
    }

    /// The same manager without compile-time capability checks.
    pub fn into_dyn(self) -> DynManager {
        self.core
    }

    /// An object with only its id set: no request is made. Use it to reach
    /// sub-resources or call actions without fetching first.
    pub fn get_lazy(&self, id: impl Into<Value>) -> Object<R> {
        Object::from_core(self.core.lazy(id.into()))
    }

    /// Runs a manager-level action (generated methods call this).
    #[allow(dead_code)] // used once the schema has manager actions
    pub(crate) async fn action<T: FromActionResult>(
        &self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<T> {
        let out = self.core.run_action(None, a, required, optional).await?;
        Ok(T::from_output(out))
    }
}

impl<R: ops::List> Manager<R> {
    /// Starts a listing. Pick how much to fetch: `.page(n)`, `.all()` or `.stream()`;
    /// nothing is silently cut at GitLab's default page size.
    ///
    /// ```no_run
    /// # async fn f(gl: gitlab_client::Gitlab) -> gitlab_client::Result<()> {
    /// let page = gl.projects().list().filter("owned", true).per_page(50).page(1).await?;
    /// println!("{} of {:?}", page.items.len(), page.info.total);
    /// let open = gl.projects().get_lazy(7).issues().list().filter("state", "opened").all().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListRequest<R> {
        ListRequest {
            core: self.core.clone(),
            filters: Attrs::new(),
            per_page: self.core.gl.per_page(),
            concurrency: 1,
            offset_only: false,
            _r: PhantomData,
        }
    }
}

impl<R: ops::Get> Manager<R> {
    /// `GET {path}/{id}`; string ids such as `group/project` are URL-encoded.
    ///
    /// # Errors
    /// [`Error::Api`] with the server's status and message (`is_not_found()`
    /// for 404), [`Error::Transport`] when no answer came, [`Error::Decode`]
    /// when the answer is not a JSON object, [`Error::MissingParent`] when a
    /// path placeholder has no value.
    pub async fn get(&self, id: impl Into<Value>) -> Result<Object<R>> {
        self.core.get(id.into()).await.map(Object::from_core)
    }
}

impl<R: ops::GetWithoutId> Manager<R> {
    /// `GET {path}` of a singleton resource (current user, settings…).
    pub async fn fetch(&self) -> Result<Object<R>> {
        self.fetch_as(Op::Get).await
    }

    /// `GET {path}` with query filters (statistics endpoints take `labels`, `milestone`, …).
    pub async fn fetch_with(&self, filters: Attrs) -> Result<Object<R>> {
        self.core
            .fetch_filtered(Op::Get, &filters)
            .await
            .map(Object::from_core)
    }

    pub(crate) async fn fetch_as(&self, op: Op) -> Result<Object<R>> {
        self.core.fetch(op).await.map(Object::from_core)
    }
}

impl<R: ops::Create> Manager<R> {
    /// `POST {path}`. Missing required attributes and broken exclusive groups are
    /// rejected before any request.
    ///
    /// ```no_run
    /// # async fn f(gl: gitlab_client::Gitlab) -> gitlab_client::Result<()> {
    /// use gitlab_client::resources::ProjectIssueCreate;
    /// let issue = gl.projects().get_lazy(7).issues().create(ProjectIssueCreate::new("Broken link")).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidAttrs`] (nothing sent) for a missing required attribute
    /// or a broken exclusive group; otherwise as for [`get`](Manager::get). A
    /// create that met a 5xx or a timeout is not retried unless
    /// [`retry_writes`](Manager::retry_writes) is set.
    pub async fn create(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        self.core.create(attrs.into()).await.map(Object::from_core)
    }
}

impl<R: ops::Update> Manager<R> {
    /// `PUT {path}/{id}` (or POST, per schema) with `attrs`; returns the updated object.
    pub async fn update(&self, id: impl Into<Value>, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        self.core
            .update(Some(id.into()), attrs.into())
            .await
            .map(Object::from_core)
    }

    /// Updates a singleton resource (one without an id).
    pub async fn update_current(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        self.core
            .update(None, attrs.into())
            .await
            .map(Object::from_core)
    }
}

impl<R: ops::Delete> Manager<R> {
    /// `DELETE {path}/{id}`.
    ///
    /// # Errors
    /// As for [`get`](Manager::get); a 204 or an empty body is success.
    pub async fn delete(&self, id: impl Into<Value>) -> Result<()> {
        self.core.delete(Some(id.into())).await
    }

    /// `DELETE {path}` of a singleton resource (push rules, pages…).
    pub async fn delete_current(&self) -> Result<()> {
        self.core.delete(None).await
    }
}

impl<R: ops::Set> Manager<R> {
    /// `PUT {path}/{key}` with `{"value": value}` plus `extra` attributes.
    pub async fn set(
        &self,
        key: impl Into<Value>,
        value: impl Into<Value>,
        extra: Attrs,
    ) -> Result<Object<R>> {
        self.core
            .set(key.into(), value.into(), extra)
            .await
            .map(Object::from_core)
    }
}

impl DynManager {
    pub fn new(gl: &Gitlab, meta: &'static ResourceMeta) -> Self {
        DynManager {
            gl: gl.clone(),
            meta,
            parent: Arc::new(Vec::new()),
            opts: CallOptions::default(),
        }
    }

    pub fn meta(&self) -> &'static ResourceMeta {
        self.meta
    }

    pub fn with_parent(mut self, placeholder: &'static str, value: impl Into<Value>) -> Self {
        let mut p: Vec<(&'static str, Value)> = self
            .parent
            .iter()
            .filter(|(k, _)| *k != placeholder)
            .cloned()
            .collect();
        p.push((placeholder, value.into()));
        self.parent = Arc::new(p);
        self
    }

    pub fn options(mut self, opts: CallOptions) -> Self {
        self.opts = opts;
        self
    }

    fn parent_value(&self, name: &str) -> Option<Value> {
        self.parent
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn path(&self) -> Result<String> {
        fill_path(self.meta, self.meta.path, &|n| self.parent_value(n))
    }

    /// `{path}/{id}`, or just `{path}` for singletons (which have no id attribute).
    fn object_path(&self, id: Option<&Value>) -> Result<String> {
        let base = self.path()?;
        Ok(match id.filter(|_| self.meta.id_attr.is_some()) {
            Some(id) => format!("{base}/{}", encode_id(id)),
            None => base,
        })
    }

    fn require(&self, op: Operation, as_op: Op) -> Result<()> {
        if self.meta.supports(op) {
            Ok(())
        } else {
            Err(Error::Unsupported {
                resource: self.meta.name,
                op: as_op,
            })
        }
    }

    fn invalid(&self, op: Op, message: String) -> Error {
        Error::InvalidAttrs {
            op,
            resource: self.meta.name,
            message,
        }
    }

    fn types(&self) -> impl Fn(&str) -> crate::meta::AttrType + '_ {
        move |k| self.meta.attr_type(k)
    }

    pub(crate) async fn send(
        &self,
        op: Op,
        method: HttpMethod,
        path: String,
        query: Vec<(String, String)>,
        body: Body,
    ) -> Result<Response> {
        self.gl
            .send(Request {
                op,
                method,
                path,
                query,
                body,
                opts: &self.opts,
            })
            .await
    }

    pub(crate) fn lazy(&self, id: Value) -> ObjectCore {
        let mut attrs = Map::new();
        if let Some(k) = self.meta.id_attr {
            attrs.insert(k.to_string(), id);
        }
        ObjectCore::new(self.gl.clone(), self.meta, self.parent.clone(), attrs, true)
    }

    fn object_from(
        &self,
        resp: &Response,
        op: Op,
        method: HttpMethod,
        path: &str,
    ) -> Result<ObjectCore> {
        match decode_json(resp, op, method, path)? {
            Value::Object(m) => Ok(ObjectCore::new(
                self.gl.clone(),
                self.meta,
                self.parent.clone(),
                m,
                false,
            )),
            other => Err(decode_error(
                resp,
                op,
                method,
                path,
                format!("expected a JSON object, got {}", kind_of(&other)),
            )),
        }
    }

    pub async fn get(&self, id: Value) -> Result<ObjectCore> {
        self.require(Operation::Get, Op::Get)?;
        let path = self.object_path(Some(&id))?;
        let resp = self
            .send(
                Op::Get,
                HttpMethod::Get,
                path.clone(),
                Vec::new(),
                Body::Empty,
            )
            .await?;
        self.object_from(&resp, Op::Get, HttpMethod::Get, &path)
    }

    pub async fn fetch(&self, op: Op) -> Result<ObjectCore> {
        self.fetch_filtered(op, &Attrs::new()).await
    }

    /// GET of a singleton, with query filters.
    pub async fn fetch_filtered(&self, op: Op, filters: &Attrs) -> Result<ObjectCore> {
        self.require(Operation::GetWithoutId, op)?;
        let path = self.path()?;
        let mut q = Vec::new();
        encode_query(&self.types(), filters, &mut q).map_err(|m| self.invalid(op, m))?;
        let resp = self
            .send(op, HttpMethod::Get, path.clone(), q, Body::Empty)
            .await?;
        self.object_from(&resp, op, HttpMethod::Get, &path)
    }

    /// Checks required attributes and the exclusive group of `table` against `attrs`.
    pub(crate) fn validate(
        &self,
        op: Op,
        table: &AttrTable,
        has: &dyn Fn(&str) -> bool,
    ) -> Result<()> {
        let missing: Vec<&str> = table.required.iter().copied().filter(|a| !has(a)).collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let s = if missing.len() == 1 { "" } else { "s" };
            return Err(self.invalid(op, format!("missing required attribute{s} {list}")));
        }
        if !table.exclusive.is_empty() {
            let given: Vec<&str> = table.exclusive.iter().copied().filter(|a| has(a)).collect();
            if given.len() != 1 {
                let group = table.exclusive.join(", ");
                let msg = if given.is_empty() {
                    format!("give exactly one of: {group}")
                } else {
                    format!("give only one of: {group} (got {})", given.join(", "))
                };
                return Err(self.invalid(op, msg));
            }
        }
        Ok(())
    }

    pub async fn create(&self, attrs: Attrs) -> Result<ObjectCore> {
        self.require(Operation::Create, Op::Create)?;
        self.validate(Op::Create, self.meta.create_attrs(), &|a| attrs.contains(a))?;
        let (path, attrs) = match self.meta.create_path {
            None => (self.path()?, attrs),
            // e.g. repository files: POST {path}/{file_path}; attributes used in the path are not sent again.
            Some(template) => {
                let lookup = |n: &str| match attrs.get(n) {
                    Some(Param::Value(v)) => Some(v.clone()),
                    _ => self.parent_value(n),
                };
                let path = fill_path(self.meta, template, &lookup)?;
                let rest: Attrs = attrs
                    .iter()
                    .filter(|(k, _)| !template.contains(&format!("{{{k}}}")))
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                (path, rest)
            }
        };
        let body = encode_body(&self.types(), &attrs);
        let resp = self
            .send(Op::Create, HttpMethod::Post, path.clone(), Vec::new(), body)
            .await?;
        self.object_from(&resp, Op::Create, HttpMethod::Post, &path)
    }

    pub async fn update(&self, id: Option<Value>, attrs: Attrs) -> Result<ObjectCore> {
        self.require(Operation::Update, Op::Update)?;
        // The id attribute is given by the id, which goes in the path.
        let by_id = |a: &str| id.is_some() && self.meta.id_attr == Some(a);
        self.validate(Op::Update, self.meta.update_attrs(), &|a| {
            attrs.contains(a) || by_id(a)
        })?;
        let path = self.object_path(id.as_ref().filter(|_| self.meta.id_attr.is_some()))?;
        let method = self.meta.update_method;
        let body = encode_body(&self.types(), &attrs);
        let resp = self
            .send(Op::Update, method, path.clone(), Vec::new(), body)
            .await?;
        match decode_json(&resp, Op::Update, method, &path)? {
            Value::Object(m) => Ok(ObjectCore::new(
                self.gl.clone(),
                self.meta,
                self.parent.clone(),
                m,
                false,
            )),
            // Some endpoints answer an update with 204: keep what we sent.
            Value::Null => {
                let mut m = Map::new();
                if let (Some(k), Some(id)) = (self.meta.id_attr, id) {
                    m.insert(k.to_string(), id);
                }
                for (k, v) in attrs.iter() {
                    if let Param::Value(v) = v {
                        m.insert(k.to_string(), v.clone());
                    }
                }
                Ok(ObjectCore::new(
                    self.gl.clone(),
                    self.meta,
                    self.parent.clone(),
                    m,
                    false,
                ))
            }
            other => Err(decode_error(
                &resp,
                Op::Update,
                method,
                &path,
                format!("expected a JSON object, got {}", kind_of(&other)),
            )),
        }
    }

    pub async fn delete(&self, id: Option<Value>) -> Result<()> {
        self.require(Operation::Delete, Op::Delete)?;
        let path = self.object_path(id.as_ref())?;
        self.send(
            Op::Delete,
            HttpMethod::Delete,
            path,
            Vec::new(),
            Body::Empty,
        )
        .await?;
        Ok(())
    }

    pub async fn set(&self, key: Value, value: Value, extra: Attrs) -> Result<ObjectCore> {
        self.require(Operation::Set, Op::Set)?;
        let path = self.object_path(Some(&key))?;
        let mut attrs = extra;
        attrs.insert("value", value);
        let body = encode_body(&self.types(), &attrs);
        let resp = self
            .send(Op::Set, HttpMethod::Put, path.clone(), Vec::new(), body)
            .await?;
        self.object_from(&resp, Op::Set, HttpMethod::Put, &path)
    }

    /// One page of a listing.
    pub async fn list_page(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        page: u32,
    ) -> Result<Page<ObjectCore>> {
        let mut cursor = self.cursor(filters, per_page, Some(page))?;
        match cursor.next_page_raw().await? {
            Some((items, info)) => Ok(Page {
                items: items
                    .into_iter()
                    .map(|m| self.object_of_raw(m))
                    .collect::<Result<_>>()?,
                info,
            }),
            None => Ok(Page {
                items: Vec::new(),
                info: PageInfo::default(),
            }),
        }
    }

    pub(crate) fn cursor(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        page: Option<u32>,
    ) -> Result<Cursor> {
        self.require(Operation::List, Op::List)?;
        let mut q = Vec::new();
        encode_query(&self.types(), filters, &mut q).map_err(|m| self.invalid(Op::List, m))?;
        if let Some(n) = per_page {
            q.retain(|(k, _)| k != "per_page");
            q.push(("per_page".into(), n.to_string()));
        }
        if let Some(p) = page {
            q.retain(|(k, _)| k != "page");
            q.push(("page".into(), p.to_string()));
        }
        Ok(Cursor::new(
            self.gl.clone(),
            Op::List,
            self.path()?,
            q,
            self.opts.clone(),
        ))
    }

    /// An object from one raw list item, parsed only when first read.
    pub(crate) fn object_of_raw(&self, raw: Box<RawValue>) -> Result<ObjectCore> {
        if raw.get().trim_start().starts_with('{') {
            Ok(ObjectCore::from_raw(
                self.gl.clone(),
                self.meta,
                self.parent.clone(),
                raw,
            ))
        } else {
            self.object_of(serde_json::from_str(raw.get()).unwrap_or(Value::Null))
        }
    }

    pub(crate) fn object_of(&self, v: Value) -> Result<ObjectCore> {
        match v {
            Value::Object(m) => Ok(ObjectCore::new(
                self.gl.clone(),
                self.meta,
                self.parent.clone(),
                m,
                false,
            )),
            other => Err(Error::Decode {
                op: Op::List,
                method: HttpMethod::Get,
                path: self.path().unwrap_or_default(),
                status: 200,
                detail: format!(
                    "expected a JSON object in the list, got {}",
                    kind_of(&other)
                ),
                body: other.to_string(),
            }),
        }
    }

    /// Runs a custom action. `object` is the object's attributes lookup for
    /// `{id}` and parent placeholders; `None` for manager actions.
    pub(crate) async fn run_action(
        &self,
        object: Option<&ObjectCore>,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        let op = Op::Action(a.name);
        let mut args = Attrs::new();
        for (name, value) in a.required.iter().zip(required) {
            args.push(name.to_string(), value);
        }
        for (k, v) in optional.iter() {
            args.insert(k, v.clone());
        }
        for (k, json) in a.defaults {
            if !args.contains(k) {
                // Written by the generator from a JSON value, so it parses.
                let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                args.insert(*k, v);
            }
        }
        let lookup = |name: &str| -> Option<Value> {
            if name == "id" {
                return object.and_then(|o| o.id().cloned());
            }
            if let Some(Param::Value(v)) = args.get(name) {
                if a.required.contains(&name) {
                    return Some(v.clone());
                }
            }
            self.parent_value(name)
                .or_else(|| object.and_then(|o| o.attr(name).cloned()))
        };
        let path = fill_path(self.meta, a.path, &lookup)?;
        // Arguments that went into the path are not sent again.
        let mut rest = Attrs::new();
        for (k, v) in args.iter() {
            if !a.path.contains(&format!("{{{k}}}")) {
                let wire = a.wire.iter().find(|(n, _)| *n == k).map_or(k, |(_, w)| *w);
                rest.push(wire.to_string(), v.clone());
            }
        }
        let types = self.types();
        let (query, body) = match a.method {
            HttpMethod::Get | HttpMethod::Delete => {
                let mut q = Vec::new();
                encode_query(&types, &rest, &mut q).map_err(|m| self.invalid(op, m))?;
                (q, Body::Empty)
            }
            _ => (Vec::new(), encode_body(&types, &rest)),
        };
        if a.returns == Returns::List {
            let mut cursor = Cursor::new(self.gl.clone(), op, path, query, self.opts.clone());
            let mut out = Vec::new();
            while let Some((items, _)) = cursor.next_page().await? {
                out.extend(items);
            }
            return Ok(ActionResult::List(out));
        }
        let resp = self.send(op, a.method, path.clone(), query, body).await?;
        Ok(match a.returns {
            Returns::None => ActionResult::None,
            Returns::Raw => ActionResult::Raw(resp.body),
            Returns::Json | Returns::List => {
                ActionResult::Json(decode_json(&resp, op, a.method, &path)?)
            }
            Returns::SelfObject => match decode_json(&resp, op, a.method, &path)? {
                v @ (Value::Object(_) | Value::Null) => ActionResult::Json(v),
                other => {
                    return Err(decode_error(
                        &resp,
                        op,
                        a.method,
                        &path,
                        format!("expected the object as JSON, got {}", kind_of(&other)),
                    ))
                }
            },
        })
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a custom action returned (the generated methods convert it to their
/// return type; dynamic callers such as the CLI match on it).
#[derive(Debug, Clone, PartialEq)]
pub enum ActionResult {
    /// The action returns nothing (or the schema says so).
    None,
    /// A JSON document: an object, an array or a scalar.
    Json(Value),
    /// Every item of a paginated list.
    List(Vec<Value>),
    /// Bytes as the server sent them (files, archives, logs).
    Raw(Bytes),
}

/// Conversion of an action's output into the generated method's return type.
pub(crate) trait FromActionResult: Sized {
    fn from_output(o: ActionResult) -> Self;
}

impl FromActionResult for () {
    fn from_output(_: ActionResult) -> Self {}
}

impl FromActionResult for Value {
    fn from_output(o: ActionResult) -> Self {
        match o {
            ActionResult::None => Value::Null,
            ActionResult::Json(v) => v,
            ActionResult::List(l) => Value::Array(l),
            ActionResult::Raw(b) => serde_json::from_slice(&b)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into_owned())),
        }
    }
}

impl FromActionResult for Vec<Value> {
    fn from_output(o: ActionResult) -> Self {
        match o {
            ActionResult::List(l) => l,
            ActionResult::Json(Value::Array(l)) => l,
            ActionResult::Json(Value::Null) | ActionResult::None => Vec::new(),
            ActionResult::Json(v) => vec![v],
            ActionResult::Raw(b) => vec![Value::String(String::from_utf8_lossy(&b).into_owned())],
        }
    }
}

impl FromActionResult for Bytes {
    fn from_output(o: ActionResult) -> Self {
        match o {
            ActionResult::Raw(b) => b,
            ActionResult::None => Bytes::new(),
            ActionResult::Json(v) => Bytes::from(v.to_string()),
            ActionResult::List(l) => Bytes::from(Value::Array(l).to_string()),
        }
    }
}

/// Pagination facts from GitLab's response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// `X-Page`
    pub page: Option<u32>,
    /// `X-Per-Page`
    pub per_page: Option<u32>,
    /// `X-Total` (absent on very large collections).
    pub total: Option<u64>,
    /// `X-Total-Pages`
    pub total_pages: Option<u32>,
    /// `X-Next-Page`
    pub next_page: Option<u32>,
    /// `X-Prev-Page`
    pub prev_page: Option<u32>,
    /// `Link: <…>; rel="next"` (keyset pagination uses only this).
    pub next_url: Option<String>,
}

impl PageInfo {
    pub(crate) fn from_headers(h: &reqwest::header::HeaderMap) -> PageInfo {
        fn num<T: std::str::FromStr>(h: &reqwest::header::HeaderMap, k: &str) -> Option<T> {
            h.get(k)?.to_str().ok()?.trim().parse().ok()
        }
        PageInfo {
            page: num(h, "x-page"),
            per_page: num(h, "x-per-page"),
            total: num(h, "x-total"),
            total_pages: num(h, "x-total-pages"),
            next_page: num(h, "x-next-page"),
            prev_page: num(h, "x-prev-page"),
            next_url: h
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| link_rel(v, "next")),
        }
    }
}

/// Finds the URL with `rel="<rel>"` in a `Link` header value.
pub(crate) fn link_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let url = url.strip_prefix('<')?.strip_suffix('>')?;
        pieces
            .any(|p| {
                let p = p.trim();
                p == format!("rel=\"{rel}\"") || p == format!("rel={rel}")
            })
            .then(|| url.to_string())
    })
}

/// One page of objects and what the server said about the rest.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub info: PageInfo,
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Walks the pages of a listing: follows `Link: rel="next"` when present
/// (keyset pagination), else `X-Next-Page`.
pub(crate) struct Cursor {
    gl: Gitlab,
    op: Op,
    next: Option<(String, Vec<(String, String)>)>,
    opts: CallOptions,
}

impl Cursor {
    pub(crate) fn new(
        gl: Gitlab,
        op: Op,
        path: String,
        query: Vec<(String, String)>,
        opts: CallOptions,
    ) -> Cursor {
        Cursor {
            gl,
            op,
            next: Some((path, query)),
            opts,
        }
    }

    /// The next page with its items parsed into JSON values.
    pub(crate) async fn next_page(&mut self) -> Result<Option<(Vec<Value>, PageInfo)>> {
        let Some((raw, info)) = self.next_page_raw().await? else {
            return Ok(None);
        };
        let mut items = Vec::with_capacity(raw.len());
        for r in raw {
            // Each item was validated as JSON when the page was split.
            items.push(serde_json::from_str(r.get()).unwrap_or(Value::Null));
        }
        Ok(Some((items, info)))
    }

    /// The next page, its items kept as raw JSON text (one validation pass, no tree).
    pub(crate) async fn next_page_raw(&mut self) -> Result<Option<(Vec<Box<RawValue>>, PageInfo)>> {
        let Some((path, query)) = self.next.take() else {
            return Ok(None);
        };
        let resp = self
            .gl
            .send(Request {
                op: self.op,
                method: HttpMethod::Get,
                path: path.clone(),
                query: query.clone(),
                body: Body::Empty,
                opts: &self.opts,
            })
            .await?;
        let info = PageInfo::from_headers(&resp.headers);
        let items: Vec<Box<RawValue>> = match serde_json::from_slice(&resp.body) {
            Ok(items) => items,
            // Not an array of JSON values: say what it is instead.
            Err(_) => {
                let other = decode_json(&resp, self.op, HttpMethod::Get, &path)?;
                return Err(decode_error(
                    &resp,
                    self.op,
                    HttpMethod::Get,
                    &path,
                    format!("expected a JSON array, got {}", kind_of(&other)),
                ));
            }
        };
        if !items.is_empty() {
            if let Some(url) = &info.next_url {
                self.next = Some((self.gl.rebase_link(url), Vec::new()));
            } else if let Some(n) = info.next_page {
                let mut q = query;
                q.retain(|(k, _)| k != "page");
                q.push(("page".into(), n.to_string()));
                self.next = Some((path, q));
            }
        }
        Ok(Some((items, info)))
    }
}

/// A listing being set up: add filters, then choose `.page(n)`, `.all()` or `.stream()`.
pub struct ListRequest<R> {
    core: DynManager,
    filters: Attrs,
    per_page: Option<u32>,
    /// Pages fetched at once by `all()`/`stream()` (offset pagination only).
    concurrency: usize,
    /// Never switch to keyset pagination.
    offset_only: bool,
    _r: PhantomData<fn() -> R>,
}

impl<R: Resource> ListRequest<R> {
    /// Adds a list filter (`state`, `labels`, …); arrays and comma lists are encoded per schema.
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.filters.insert(name, value);
        self
    }

    /// Adds several filters at once.
    pub fn filters(mut self, attrs: Attrs) -> Self {
        for (k, v) in attrs.iter() {
            self.filters.insert(k, v.clone());
        }
        self
    }

    /// Page size, 1–100 (GitLab caps larger values at 100).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n.clamp(1, 100));
        self
    }

    pub fn order_by(self, field: impl Into<String>) -> Self {
        self.filter("order_by", field.into())
    }

    pub fn sort(self, dir: impl Into<String>) -> Self {
        self.filter("sort", dir.into())
    }

    /// Keyset pagination (`pagination=keyset`), for endpoints that offer it.
    pub fn keyset(self) -> Self {
        self.filter("pagination", "keyset")
    }

    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.core.opts.sudo = Some(user.into());
        self
    }

    /// Fetches page `n` (1-based) with its pagination facts.
    pub async fn page(self, n: u32) -> Result<Page<Object<R>>> {
        let page = self
            .core
            .list_page(&self.filters, self.per_page, n.max(1))
            .await?;
        Ok(Page {
            items: page.items.into_iter().map(Object::from_core).collect(),
            info: page.info,
        })
    }

    /// Fetches up to `n` pages at once in `all()`/`stream()`, keeping their order.
    /// Applies to offset pagination once the first page tells how many pages
    /// there are (`X-Total-Pages`); keyset listings are always sequential.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Uses offset pagination even where GitLab offers keyset pagination.
    pub fn offset_pagination(mut self) -> Self {
        self.offset_only = true;
        self
    }

    /// The filters to send: keyset parameters are added when the resource offers
    /// keyset pagination, the caller chose no ordering or page, and no concurrency.
    fn effective_filters(&self) -> (Attrs, bool) {
        let mut f = self.filters.clone();
        let keyset = match R::META.keyset {
            Some(k)
                if !self.offset_only
                    && self.concurrency <= 1
                    && !["order_by", "sort", "pagination", "page"]
                        .iter()
                        .any(|a| f.contains(a)) =>
            {
                f.insert("pagination", "keyset");
                f.insert("order_by", k.order_by);
                f.insert("sort", k.sort);
                true
            }
            _ => f.get("pagination") == Some(&Param::Value(Value::from("keyset"))),
        };
        (f, keyset)
    }

    /// Every page's items, in order.
    fn pages(self) -> BoxStream<'static, Result<Vec<Box<RawValue>>>> {
        let (filters, keyset) = self.effective_filters();
        let cursor = match self.core.cursor(&filters, self.per_page, None) {
            Ok(c) => c,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        if keyset || self.concurrency <= 1 {
            return sequential_pages(cursor).boxed();
        }
        let (core, per_page, n) = (self.core, self.per_page, self.concurrency);
        stream::once(async move {
            let mut cursor = cursor;
            let (items, info) = match cursor.next_page_raw().await {
                Err(e) => return stream::once(async { Err(e) }).boxed(),
                Ok(None) => return stream::empty().boxed(),
                Ok(Some(page)) => page,
            };
            let first = stream::once(async { Ok(items) });
            match info.total_pages {
                // The total is known and page 2 comes next: fetch the rest concurrently.
                Some(total) if total > 1 && info.next_page == Some(2) => {
                    let rest = stream::iter(2..=total)
                        .map(move |p| {
                            let core = core.clone();
                            let filters = filters.clone();
                            async move {
                                let mut c = core.cursor(&filters, per_page, Some(p))?;
                                Ok(c.next_page_raw()
                                    .await?
                                    .map(|(items, _)| items)
                                    .unwrap_or_default())
                            }
                        })
                        .buffered(n);
                    first.chain(rest).boxed()
                }
                // No total (GitLab omits it for very large collections): keep walking.
                _ => first.chain(sequential_pages(cursor)).boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    /// Fetches every page.
    pub async fn all(self) -> Result<Vec<Object<R>>> {
        let core = self.core.clone();
        let mut pages = self.pages();
        let mut out = Vec::new();
        while let Some(items) = pages.next().await {
            for v in items? {
                out.push(Object::from_core(core.object_of_raw(v)?));
            }
        }
        Ok(out)
    }

    /// Streams objects page by page; memory holds one page at a time (or
    /// `concurrency` pages when fetching concurrently).
    pub fn stream(self) -> impl Stream<Item = Result<Object<R>>> + Send + 'static {
        let core = self.core.clone();
        self.pages()
            .flat_map(move |page| {
                let core = core.clone();
                let items: Vec<Result<Object<R>>> = match page {
                    Ok(items) => items
                        .into_iter()
                        .map(|v| core.object_of_raw(v).map(Object::from_core))
                        .collect(),
                    Err(e) => vec![Err(e)],
                };
                stream::iter(items)
            })
            // Ended streams stay ended instead of panicking when polled again.
            .fuse()
    }
}

/// Pages one after another, following the cursor; ends after an error.
fn sequential_pages(
    cursor: Cursor,
) -> impl Stream<Item = Result<Vec<Box<RawValue>>>> + Send + 'static {
    stream::unfold(Some(cursor), |cursor| async move {
        let mut cursor = cursor?;
        match cursor.next_page_raw().await {
            Ok(Some((items, _))) => Some((Ok(items), Some(cursor))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_encoded() {
        assert_eq!(
            encode_id(&Value::from("group/sub/project")),
            "group%2Fsub%2Fproject"
        );
        assert_eq!(encode_id(&Value::from(42)), "42");
        assert_eq!(encode_id(&Value::from("feature/a b")), "feature%2Fa%20b");
        assert_eq!(encode_id(&Value::from("v1.0-rc_1~x")), "v1.0-rc_1~x");
    }

    #[test]
    fn link_header_next_is_found() {
        let h = r#"<https://gl/api/v4/projects?page=1>; rel="prev", <https://gl/api/v4/projects?id_after=5&pagination=keyset>; rel="next", <https://gl/api/v4/projects?page=9>; rel="last""#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://gl/api/v4/projects?id_after=5&pagination=keyset")
        );
        assert_eq!(link_rel(h, "first"), None);
    }
}

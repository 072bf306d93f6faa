//! Managers: one generic type serves every resource. `Manager<R>` is a typed
//! face over [`DynManager`], whose methods read the resource's `ResourceMeta`
//! at run time, so the async bodies compile once rather than once per resource.
//! Both hand out objects that keep the manager's call options.

use crate::attrs::{Attrs, Param};
use crate::error::{Op, Result};
use crate::meta::{ops, ActionMeta, ActionTarget, AttrTable, Operation, Resource, ResourceMeta};
use crate::object::{Object, ObjectCore};
use crate::scope::{ActionResult, FromActionResult, Scope};
use crate::transport::{CallOptions, Gitlab};
use crate::typed::Id;
use serde_json::{Map, Value};
use std::marker::PhantomData;
use std::time::Duration;

/// A manager whose resource is chosen at run time (for CLIs and generic tools).
/// Operations the schema does not list fail with [`Error::Unsupported`](crate::Error::Unsupported).
#[derive(Debug, Clone)]
pub struct DynManager {
    pub(crate) scope: Scope,
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
            .field("parent", &self.core.scope.parent)
            .field("opts", &self.core.scope.opts)
            .finish()
    }
}

impl<R: Resource> Manager<R> {
    /// A manager with no parent values: top-level resources, or ones whose
    /// placeholders you fill with [`with_parent`](Self::with_parent).
    pub fn new(gl: &Gitlab) -> Self {
        manager(gl)
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
        self.core.scope.opts.sudo = Some(user.into());
        self
    }

    /// Adds a raw query parameter to every call (for names that clash with attributes).
    pub fn query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.core.scope.opts.query.push((name.into(), value.into()));
        self
    }

    /// Lets calls of this manager retry POST/PATCH after a 5xx or a timeout, which
    /// may repeat the write: only for requests that are safe to repeat.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.core.scope.opts.retry_writes = yes;
        self
    }

    /// Overrides the client's timeout for calls of this manager.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.core.scope.opts.timeout = Some(t);
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
    pub fn get_lazy(&self, id: impl Into<Id>) -> Object<R> {
        Object::from_core(self.core.lazy(id.into().into()))
    }

    /// Runs the manager-level download `action` (one whose generated method
    /// returns `Bytes`) and writes the body to `out` as it arrives; returns
    /// the bytes written. Like [`Object::download_to`], for actions of the
    /// collection rather than of one object.
    ///
    /// # Errors
    /// As [`Object::download_to`].
    pub async fn download_to<W>(&self, action: &str, args: Attrs, out: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + Send,
    {
        let scope = &self.core.scope;
        let (a, required, optional) =
            scope.download_action(crate::meta::ActionTarget::Manager, action, args)?;
        scope.run_action_to(None, a, required, optional, out).await
    }
}

impl<R: ops::Get> Manager<R> {
    /// `GET {path}/{id}`; string ids such as `group/project` are URL-encoded.
    ///
    /// # Errors
    /// [`Error::Api`](crate::Error::Api) with the server's status and message (`is_not_found()`
    /// for 404), [`Error::Transport`](crate::Error::Transport) when no answer came, [`Error::Decode`](crate::Error::Decode)
    /// when the answer is not a JSON object, [`Error::MissingParent`](crate::Error::MissingParent) when a
    /// path placeholder has no value.
    pub async fn get(&self, id: impl Into<Id>) -> Result<Object<R>> {
        self.core.get(id.into().into()).await.map(Object::from_core)
    }
}

impl<R: ops::GetWithoutId> Manager<R> {
    /// `GET {path}` of a singleton resource (current user, settings…).
    pub async fn fetch(&self) -> Result<Object<R>> {
        self.fetch_as(Op::Resource(Operation::Get)).await
    }

    /// `GET {path}` with query filters (statistics endpoints take `labels`, `milestone`, …).
    /// Filters the schema does not list are refused unless added with
    /// [`Attrs::set_unchecked`].
    pub async fn fetch_with(&self, filters: Attrs) -> Result<Object<R>> {
        let op = Op::Resource(Operation::GetWithoutId);
        let known = R::META.list_filters;
        self.core
            .scope
            .check_names(op, "filter", &filters, &|n| known.contains(n), &|| {
                known.to_vec()
            })?;
        self.core
            .fetch_filtered(Op::Resource(Operation::Get), &filters)
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
    /// [`Error::InvalidAttrs`](crate::Error::InvalidAttrs) (nothing sent) for a missing required attribute,
    /// a broken exclusive group or an attribute the schema does not list
    /// (unless added with [`Attrs::set_unchecked`]); otherwise as for
    /// [`get`](Manager::get). A create that met a 5xx or a timeout is not
    /// retried unless [`retry_writes`](Manager::retry_writes) is set.
    pub async fn create(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let attrs = attrs.into();
        let op = Op::Resource(Operation::Create);
        self.core
            .scope
            .check_table_names(op, "create", R::META.create_attrs(), &attrs)?;
        self.core.create(attrs).await.map(Object::from_core)
    }
}

impl<R: ops::Update> Manager<R> {
    /// `PUT {path}/{id}` (or POST, per schema) with `attrs`; returns the updated
    /// object. Attributes the schema does not list are refused before any
    /// request unless added with [`Attrs::set_unchecked`].
    pub async fn update(&self, id: impl Into<Id>, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let attrs = self.checked_update(attrs.into())?;
        self.core
            .update(Some(id.into().into()), attrs)
            .await
            .map(Object::from_core)
    }

    /// Updates a singleton resource (one without an id).
    pub async fn update_current(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let attrs = self.checked_update(attrs.into())?;
        self.core.update(None, attrs).await.map(Object::from_core)
    }

    fn checked_update(&self, attrs: Attrs) -> Result<Attrs> {
        let op = Op::Resource(Operation::Update);
        self.core
            .scope
            .check_table_names(op, "update", R::META.update_attrs(), &attrs)?;
        Ok(attrs)
    }
}

impl<R: ops::Delete> Manager<R> {
    /// `DELETE {path}/{id}`.
    ///
    /// # Errors
    /// As for [`get`](Manager::get); a 204 or an empty body is success.
    pub async fn delete(&self, id: impl Into<Id>) -> Result<()> {
        self.core.delete(Some(id.into().into())).await
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
        key: impl Into<Id>,
        value: impl Into<Value>,
        extra: Attrs,
    ) -> Result<Object<R>> {
        self.core
            .set(key.into().into(), value.into(), extra)
            .await
            .map(Object::from_core)
    }
}

impl DynManager {
    /// A manager of `meta` with no parent values and default call options.
    pub fn new(gl: &Gitlab, meta: &'static ResourceMeta) -> Self {
        DynManager {
            scope: Scope::new(gl, meta),
        }
    }

    pub(crate) fn from_scope(scope: Scope) -> Self {
        DynManager { scope }
    }

    /// The schema table of this manager's resource.
    pub fn meta(&self) -> &'static ResourceMeta {
        self.scope.meta
    }

    /// Sets a path placeholder, e.g. `with_parent("project_id", 42)`.
    pub fn with_parent(mut self, placeholder: &'static str, value: impl Into<Value>) -> Self {
        self.scope.set_parent(placeholder, value.into());
        self
    }

    /// Replaces the call options (sudo, timeout, extra query, retry_writes).
    pub fn options(mut self, opts: CallOptions) -> Self {
        self.scope.opts = opts;
        self
    }

    /// The call options every request of this manager (and its objects) uses.
    pub fn call_options(&self) -> &CallOptions {
        &self.scope.opts
    }

    /// The resolved collection path, e.g. `/projects/42/issues`.
    pub fn path(&self) -> Result<String> {
        self.scope.path()
    }

    /// An object of this manager from the server's attributes.
    pub(crate) fn object(&self, attrs: Map<String, Value>) -> ObjectCore {
        ObjectCore::from_map(self.scope.clone(), attrs)
    }

    /// An object with only its id set; no request is made.
    pub(crate) fn lazy(&self, id: Value) -> ObjectCore {
        ObjectCore::lazy(self.scope.clone(), id)
    }

    /// `GET {path}/{id}`.
    pub async fn get(&self, id: Value) -> Result<ObjectCore> {
        self.scope.get(&id).await.map(|m| self.object(m))
    }

    /// `GET {path}` of a singleton; `op` names the call in errors.
    pub async fn fetch(&self, op: Op) -> Result<ObjectCore> {
        self.fetch_filtered(op, &Attrs::new()).await
    }

    /// `GET {path}` of a singleton, with query filters.
    pub async fn fetch_filtered(&self, op: Op, filters: &Attrs) -> Result<ObjectCore> {
        self.scope.fetch(op, filters).await.map(|m| self.object(m))
    }

    /// `POST {path}`; required attributes and exclusive groups are checked first.
    pub async fn create(&self, attrs: Attrs) -> Result<ObjectCore> {
        self.scope.create(attrs).await.map(|m| self.object(m))
    }

    /// `PUT {path}/{id}` (or `{path}` for singletons) with `attrs`.
    pub async fn update(&self, id: Option<Value>, attrs: Attrs) -> Result<ObjectCore> {
        let op = Op::from(Operation::Update);
        self.scope.require(Operation::Update)?;
        // The id attribute is given by the id, which goes in the path.
        let by_id = |a: &str| id.is_some() && self.scope.meta.id_attr == Some(a);
        self.scope
            .validate(op, self.scope.meta.update_attrs(), &|a| {
                attrs.contains(a) || by_id(a)
            })?;
        let path = self.scope.object_path(id.as_ref())?;
        let m = match self.scope.update(path, &attrs).await? {
            Some(m) => m,
            // An empty answer (204): the object is what we sent.
            None => {
                let mut m = Map::new();
                if let (Some(k), Some(id)) = (self.scope.meta.id_attr, id) {
                    m.insert(k.to_string(), id);
                }
                for (k, v) in attrs.iter() {
                    if let Param::Value(v) = v {
                        m.insert(k.to_string(), v.clone());
                    }
                }
                m
            }
        };
        Ok(self.object(m))
    }

    /// `DELETE {path}/{id}` (or `{path}` for singletons).
    pub async fn delete(&self, id: Option<Value>) -> Result<()> {
        let path = self.scope.object_path(id.as_ref())?;
        self.scope.delete(path).await
    }

    /// `PUT {path}/{key}` with `{"value": value}` plus `extra`.
    pub async fn set(&self, key: Value, value: Value, extra: Attrs) -> Result<ObjectCore> {
        self.scope
            .set(&key, value, extra)
            .await
            .map(|m| self.object(m))
    }

    /// Runs custom action `action` of this manager's resource. Object actions
    /// address the object `id` (no request fetches it first); manager actions
    /// ignore `id`. `required` follows the order of `action.required`.
    pub async fn call_action(
        &self,
        id: Option<Value>,
        action: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        match action.on {
            ActionTarget::Manager => {
                self.scope
                    .run_action(None, action, required, optional)
                    .await
            }
            ActionTarget::Object => {
                let object = self.lazy(id.unwrap_or(Value::Null));
                object.run_action(action, required, optional).await
            }
        }
    }

    /// Like [`call_action`](Self::call_action) for a download (an action that
    /// `returns: raw`): writes the body to `out` as it arrives, without holding
    /// it in memory or applying `max_response_size`, and returns the bytes
    /// written.
    ///
    /// # Errors
    /// As [`call_action`](Self::call_action);
    /// [`Error::InvalidAttrs`](crate::Error::InvalidAttrs) before any request
    /// when `action` is not a download; [`Error::Write`](crate::Error::Write)
    /// when `out` fails. After part of the body reached `out`, no retry is
    /// made: the error is returned and `out` holds a partial body.
    pub async fn call_action_to(
        &self,
        id: Option<Value>,
        action: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        match action.on {
            ActionTarget::Manager => {
                self.scope
                    .run_action_to(None, action, required, optional, out)
                    .await
            }
            ActionTarget::Object => {
                let object = self.lazy(id.unwrap_or(Value::Null));
                object.run_action_to(action, required, optional, out).await
            }
        }
    }
}

/// How objects reach managers: their own, and their sub-resources'.
impl ObjectCore {
    /// The manager this object belongs to: same parents, same client, same call options.
    pub fn manager(&self) -> DynManager {
        DynManager::from_scope(self.scope().clone())
    }

    /// The manager of sub-resource `child`, its placeholders filled from this
    /// object, with this object's sudo, timeout and retry_writes.
    pub fn child(&self, child: &'static ResourceMeta) -> DynManager {
        DynManager::from_scope(self.child_scope(child))
    }
}

// What generated methods call. Functions, not methods: a method call on
// `Manager<R>` or `Object<R>` is looked up in every impl of the type,
// generated ones included, so each generated body would depend on all of them
// and one schema edit would re-check them all.

/// The manager of resource `R` with no parent values (generated `Gitlab` accessors).
#[inline]
pub(crate) fn manager<R: Resource>(gl: &Gitlab) -> Manager<R> {
    Manager::from_core(DynManager::new(gl, R::META))
}

/// The manager of sub-resource `C` of `o`, its placeholders filled from `o`.
#[inline]
pub(crate) fn child<R: Resource, C: Resource>(o: &Object<R>) -> Manager<C> {
    Manager::from_core(o.core().child(C::META))
}

/// Runs the manager-level action `a` of `m`.
pub(crate) async fn action<R, T: FromActionResult>(
    m: &Manager<R>,
    a: &'static ActionMeta,
    required: Vec<Param>,
    optional: Attrs,
) -> Result<T> {
    let out = m.core.scope.run_action(None, a, required, optional).await?;
    Ok(T::from_output(out))
}

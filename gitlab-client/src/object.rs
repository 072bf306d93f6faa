//! Objects: the server's JSON kept as a map, plus the changes made locally.
//!
//! Nothing is deserialised into per-resource structs, so a field GitLab adds
//! tomorrow, or a `null` where a string used to be, never breaks decoding.
//! Typed access is opt-in: [`Object::get`] and [`Object::deserialize`].

use crate::attrs::{Attrs, Param};
use crate::error::{Error, Op, Result};
use crate::meta::{ActionMeta, Operation, Resource, ResourceMeta};
use crate::scope::{ActionResult, FromActionResult, Scope};
use crate::transport::CallOptions;
use crate::typed::Id;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

/// What the server sent for one object. Objects from a listing keep the raw
/// JSON text and parse it into a map on first access (the text is then
/// dropped), so collecting 20,000 issues costs about their JSON size until
/// their attributes are read.
#[derive(Default)]
struct ServerAttrs {
    raw: Mutex<Option<Box<RawValue>>>,
    parsed: OnceLock<Map<String, Value>>,
}

impl ServerAttrs {
    fn parsed(m: Map<String, Value>) -> Self {
        ServerAttrs {
            raw: Mutex::new(None),
            parsed: OnceLock::from(m),
        }
    }

    /// `raw` must be a JSON object (checked by the caller).
    fn raw(raw: Box<RawValue>) -> Self {
        ServerAttrs {
            raw: Mutex::new(Some(raw)),
            parsed: OnceLock::new(),
        }
    }

    fn take_raw(&self) -> Option<Box<RawValue>> {
        match self.raw.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }

    fn map(&self) -> &Map<String, Value> {
        self.parsed.get_or_init(|| {
            // A valid JSON object (checked when the object was made) always parses.
            self.take_raw()
                .and_then(|r| serde_json::from_str(r.get()).ok())
                .unwrap_or_default()
        })
    }

    fn into_map(self) -> Map<String, Value> {
        self.map();
        self.parsed.into_inner().unwrap_or_default()
    }
}

impl Clone for ServerAttrs {
    fn clone(&self) -> Self {
        ServerAttrs::parsed(self.map().clone())
    }
}

/// The resource-independent part of an object.
#[derive(Clone)]
pub struct ObjectCore {
    /// Client, resource, path values and call options of the manager it came from.
    scope: Scope,
    /// What the server sent last.
    attrs: ServerAttrs,
    /// Values set locally since then.
    updates: Map<String, Value>,
    /// Local values set with `set_unchecked`: sent even if the schema does not list them.
    unchecked: Vec<String>,
    lazy: bool,
}

impl std::fmt::Debug for ObjectCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(self.scope.meta.name)
            .field("attrs", self.attrs.map())
            .field("updates", &self.updates)
            .field("lazy", &self.lazy)
            .finish()
    }
}

impl ObjectCore {
    /// An object from the server's attributes.
    pub(crate) fn from_map(scope: Scope, attrs: Map<String, Value>) -> Self {
        ObjectCore::with_attrs(scope, ServerAttrs::parsed(attrs), false)
    }

    /// An object from a listing, kept as its JSON text until first read.
    /// `raw` must hold a JSON object.
    pub(crate) fn from_raw(scope: Scope, raw: Box<RawValue>) -> Self {
        ObjectCore::with_attrs(scope, ServerAttrs::raw(raw), false)
    }

    /// An object that knows only its id (`get_lazy`); no request is made.
    pub(crate) fn lazy(scope: Scope, id: Value) -> Self {
        let mut attrs = Map::new();
        if let Some(k) = scope.meta.id_attr {
            attrs.insert(k.to_string(), id);
        }
        ObjectCore::with_attrs(scope, ServerAttrs::parsed(attrs), true)
    }

    fn with_attrs(scope: Scope, attrs: ServerAttrs, lazy: bool) -> Self {
        ObjectCore {
            scope,
            attrs,
            updates: Map::new(),
            unchecked: Vec::new(),
            lazy,
        }
    }

    pub(crate) fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The call options this object's own requests use (those of the manager it came from).
    pub fn call_options(&self) -> &CallOptions {
        &self.scope.opts
    }

    /// Replaces the call options of this object's later requests and of the
    /// sub-resource managers reached from it.
    pub fn set_call_options(&mut self, opts: CallOptions) {
        self.scope.opts = opts;
    }

    /// The schema table of the object's resource.
    pub fn meta(&self) -> &'static ResourceMeta {
        self.scope.meta
    }

    /// The value of the id attribute (`id`, `iid`, `name`…).
    pub fn id(&self) -> Option<&Value> {
        self.attr(self.scope.meta.id_attr?)
    }

    /// An attribute as raw JSON; local changes win over what the server sent.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.updates
            .get(name)
            .or_else(|| self.attrs.map().get(name))
    }

    /// Sets an attribute locally; [`save`](Self::save) sends it if the schema
    /// lists it among the update attributes.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.updates.insert(name.into(), value.into());
    }

    /// Sets an attribute the schema may not know; `save` sends it as given.
    pub fn set_unchecked(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        if !self.unchecked.contains(&name) {
            self.unchecked.push(name.clone());
        }
        self.updates.insert(name, value.into());
    }

    /// Attributes set locally whose value differs from what the server sent.
    pub fn unsaved_changes(&self) -> Vec<(&str, &Value)> {
        self.updates
            .iter()
            .filter(|(k, v)| self.attrs.map().get(k.as_str()) != Some(*v))
            .map(|(k, v)| (k.as_str(), v))
            .collect()
    }

    /// Writes the object as JSON. An object from a listing that was never read
    /// or changed is written as the exact text the server sent, without parsing.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.updates.is_empty() {
            let raw = match self.attrs.raw.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            if let Some(r) = raw.as_ref() {
                return out.write_all(r.get().as_bytes());
            }
        }
        serde_json::to_writer(out, &self.to_json()).map_err(std::io::Error::other)
    }

    /// The server's attributes with local changes applied.
    pub fn to_json(&self) -> Value {
        let mut m = self.attrs.map().clone();
        for (k, v) in &self.updates {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// Whether the object was made by `get_lazy` and never fetched.
    pub fn is_lazy(&self) -> bool {
        self.lazy
    }

    fn replace(&mut self, attrs: Map<String, Value>) {
        // The server may have moved the object (an issue moved to another
        // project): when its new state names a path placeholder, follow it, so
        // later calls address the object where it now lives.
        let moved: Vec<(&'static str, Value)> = self
            .scope
            .meta
            .from_parent
            .iter()
            .filter_map(|(ph, _)| {
                let v = attrs.get(*ph)?;
                let old = self.scope.parent_value(ph);
                (!v.is_null() && old.as_ref() != Some(v)).then(|| (*ph, v.clone()))
            })
            .collect();
        for (placeholder, value) in moved {
            self.scope.set_parent(placeholder, value);
        }
        self.attrs = ServerAttrs::parsed(attrs);
        self.updates.clear();
        self.unchecked.clear();
        self.lazy = false;
    }

    /// Value for a child's placeholder: our own parent values first (the path we
    /// were reached by), then our attributes.
    fn value_for_child(&self, attr: &str) -> Option<Value> {
        self.scope
            .parent_value(attr)
            .or_else(|| self.attr(attr).cloned())
    }

    /// The scope of sub-resource `child` reached from this object.
    pub(crate) fn child_scope(&self, child: &'static ResourceMeta) -> Scope {
        self.scope.child(child, &|attr| self.value_for_child(attr))
    }

    /// Sends the update's required attributes plus what changed; no request when nothing did.
    pub async fn save(&mut self) -> Result<()> {
        let op = Op::from(Operation::Update);
        let meta = self.scope.meta;
        self.scope.require(Operation::Update)?;
        let changes: Vec<(String, Value)> = self
            .unsaved_changes()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        let table = meta.update_attrs();
        let mut body = Attrs::new();
        for k in &self.unchecked {
            if let Some(v) = self.updates.get(k) {
                body = body.set_unchecked(k.clone(), v.clone());
            }
        }
        for req in table.required {
            match self.attr(req) {
                Some(v) => body.insert(req, v.clone()),
                None => {
                    return Err(self.scope.invalid(
                        op,
                        format!(
                        "cannot save: required update attribute '{req}' is not set on the object"
                    ),
                    ))
                }
            }
        }
        for (k, v) in changes {
            body.insert(k, v);
        }
        self.scope.check_table_names(op, "update", table, &body)?;
        self.scope.validate(op, table, &|a| body.contains(a))?;
        let id = self.id().cloned();
        let path = self.scope.existing_object_path(op, id.as_ref())?;
        match self.scope.update(path, &body).await? {
            Some(m) => self.replace(m),
            // No body back: the server took our values.
            None => {
                let updates = std::mem::take(&mut self.updates);
                let mut m = std::mem::take(&mut self.attrs).into_map();
                m.extend(updates);
                self.attrs = ServerAttrs::parsed(m);
            }
        }
        Ok(())
    }

    /// Deletes the object on the server.
    pub async fn delete(&self) -> Result<()> {
        let op = Op::from(Operation::Delete);
        self.scope.require(Operation::Delete)?;
        // Refuse an object without (or with a null) id: that would DELETE the collection.
        let path = self.scope.existing_object_path(op, self.id())?;
        self.scope.delete(path).await
    }

    /// Fetches the object again; local unsaved changes are dropped.
    pub async fn refresh(&mut self) -> Result<()> {
        let fresh = match self.scope.meta.id_attr {
            Some(_) => {
                let id = self.id().cloned().ok_or_else(|| {
                    self.scope.invalid(
                        Operation::Get.into(),
                        "the object has no id to refresh by".into(),
                    )
                })?;
                self.scope.get(&id).await?
            }
            None => {
                self.scope
                    .fetch(Operation::Get.into(), &Attrs::new())
                    .await?
            }
        };
        self.replace(fresh);
        Ok(())
    }

    /// Runs download action `a` on this object, writing its body to `out`.
    pub(crate) async fn run_action_to(
        &self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        let lookup = |name: &str| self.placeholder(name);
        self.scope
            .run_action_to(Some(&lookup), a, required, optional, out)
            .await
    }

    /// A path placeholder's value from this object: `id` is its id attribute.
    fn placeholder(&self, name: &str) -> Option<Value> {
        if name == "id" {
            self.id().cloned()
        } else {
            self.attr(name).cloned()
        }
    }

    /// Runs custom action `a` on this object.
    pub(crate) async fn run_action(
        &self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        let lookup = |name: &str| self.placeholder(name);
        self.scope
            .run_action(Some(&lookup), a, required, optional)
            .await
    }
}

/// The typed field accessors of a resource's objects: `issue.title()` is a
/// method of `Fields<fields::ProjectIssue>`, reached through
/// [`Object`](crate::Object)'s `Deref`. `S` is the field set's marker (in
/// [`resources::fields`](crate::resources::fields)); resources whose objects
/// have the same fields (a project listed under a group, a user, a fork) share
/// one, so their accessors are written and compiled once.
///
/// A field set that has every accessor of a smaller one extends it
/// ([`meta::Extends`](crate::meta::Extends)) and dereferences to it: the
/// smaller set's accessors are generated once, for both.
#[repr(transparent)]
pub struct Fields<S> {
    pub(crate) core: ObjectCore,
    _s: PhantomData<fn() -> S>,
}

impl<S: crate::meta::Extends> std::ops::Deref for Fields<S> {
    type Target = Fields<S::Base>;
    /// The accessors this set shares with the set it extends.
    fn deref(&self) -> &Fields<S::Base> {
        // SAFETY: `Fields` is `repr(transparent)` over `ObjectCore` (the
        // marker is a zero-sized `PhantomData`), so `Fields<S>` and
        // `Fields<S::Base>` have the same layout and validity; the reference
        // keeps `self`'s lifetime.
        unsafe { &*(self as *const Fields<S>).cast::<Fields<S::Base>>() }
    }
}

/// The field set of resources whose schema declares no fields: no accessors.
#[derive(Debug, Clone, Copy)]
pub enum NoFields {}

/// An object of resource `R` (`Project = Object<kind::Project>`). Its typed
/// field accessors (`issue.title()`) are methods of [`Fields`], which it
/// dereferences to.
pub struct Object<R: Resource> {
    fields: Fields<R::Shape>,
    _r: PhantomData<fn() -> R>,
}

impl<R: Resource> Clone for Object<R> {
    fn clone(&self) -> Self {
        Object::from_core(self.fields.core.clone())
    }
}

impl<R: Resource> std::fmt::Debug for Object<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fields.core.fmt(f)
    }
}

impl<R: Resource> std::ops::Deref for Object<R> {
    type Target = Fields<R::Shape>;
    /// The typed field accessors.
    fn deref(&self) -> &Fields<R::Shape> {
        &self.fields
    }
}

impl<R: Resource> Object<R> {
    pub(crate) fn from_core(core: ObjectCore) -> Self {
        Object {
            fields: Fields {
                core,
                _s: PhantomData,
            },
            _r: PhantomData,
        }
    }

    /// The value of the id attribute (`id`, `iid`, `name`…), as an [`Id`]
    /// (`None` when the object has none, or it is neither a number nor text).
    pub fn id(&self) -> Option<Id> {
        self.fields.core.id().and_then(Id::from_json)
    }

    /// An attribute as raw JSON; local changes win over what the server sent.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.fields.core.attr(name)
    }

    /// An attribute as `T`; a missing attribute reads as `null`, so use `Option<T>` when it may be absent.
    ///
    /// ```no_run
    /// # async fn f(issue: gitlab_client::resources::ProjectIssue) -> gitlab_client::Result<()> {
    /// let labels: Vec<String> = issue.get("labels")?;
    /// let due: Option<String> = issue.get("due_date")?;
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let v = self.fields.core.attr(name).unwrap_or(&Value::Null);
        T::deserialize(v).map_err(|e| Error::Attribute {
            resource: R::META.name,
            attr: name.to_string(),
            detail: e.to_string(),
        })
    }

    /// The whole object as your own type.
    /// A field that does not fit names its path: `attribute 'author.id' of ProjectIssue: invalid type…`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        serde_path_to_error::deserialize(self.fields.core.to_json()).map_err(|e| {
            let path = e.path().to_string();
            Error::Attribute {
                resource: R::META.name,
                attr: if path == "." {
                    "(whole object)".into()
                } else {
                    path
                },
                detail: e.into_inner().to_string(),
            }
        })
    }

    /// Sets an attribute locally; [`save`](Self::save) sends it. `save` refuses
    /// a name the schema does not list among the update attributes.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.fields.core.set(name, value);
        self
    }

    /// Sets an attribute the schema may not know (newer than the schema); `save` sends it.
    pub fn set_unchecked(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.fields.core.set_unchecked(name, value);
        self
    }

    /// All attributes, with local changes applied.
    pub fn to_json(&self) -> Value {
        self.fields.core.to_json()
    }

    /// Attributes set locally that differ from the server's values.
    pub fn unsaved_changes(&self) -> Vec<(&str, &Value)> {
        self.fields.core.unsaved_changes()
    }

    /// Whether the object was made by `get_lazy` and never fetched.
    pub fn is_lazy(&self) -> bool {
        self.fields.core.is_lazy()
    }

    /// The schema table of this object's resource.
    pub fn resource(&self) -> &'static ResourceMeta {
        R::META
    }

    pub(crate) fn core(&self) -> &ObjectCore {
        &self.fields.core
    }

    /// Makes this object's later requests (save, delete, refresh, actions) and
    /// the sub-resource managers reached from it run as `user` (`Sudo` header).
    /// Objects otherwise keep the sudo of the manager they came from.
    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.fields.core.scope.opts.sudo = Some(user.into());
        self
    }

    /// Makes this object's later requests run as the token's own user again.
    pub fn without_sudo(mut self) -> Self {
        self.fields.core.scope.opts.sudo = None;
        self
    }

    /// Overrides the timeout of this object's later requests and its sub-managers.
    pub fn timeout(mut self, t: std::time::Duration) -> Self {
        self.fields.core.scope.opts.timeout = Some(t);
        self
    }

    /// Lets this object's later POST/PATCH requests be retried after a 5xx or a
    /// timeout (see [`Manager::retry_writes`](crate::Manager::retry_writes)).
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.fields.core.scope.opts.retry_writes = yes;
        self
    }

    /// The call options this object's requests use.
    pub fn call_options(&self) -> &CallOptions {
        self.fields.core.call_options()
    }

    /// Sends the changed attributes (plus the update's required ones). Makes no
    /// request when nothing changed.
    ///
    /// ```no_run
    /// # async fn f(mut issue: gitlab_client::resources::ProjectIssue) -> gitlab_client::Result<()> {
    /// issue.set("title", "Broken link in README");
    /// issue.save().await?; // PUT with {"title": ...} only
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the schema has no update for the resource,
    /// [`Error::InvalidAttrs`] when a required update attribute is unknown on the
    /// object (nothing sent), otherwise the errors of a request.
    pub async fn save(&mut self) -> Result<()> {
        self.fields.core.save().await
    }

    /// Deletes the object on the server.
    pub async fn delete(&self) -> Result<()> {
        self.fields.core.delete().await
    }

    /// Re-reads the object from the server, dropping unsaved changes.
    pub async fn refresh(&mut self) -> Result<()> {
        self.fields.core.refresh().await
    }

    /// Runs the download `action` (one whose generated method returns
    /// `Bytes`, such as a job's `artifacts`) and writes the body to `out` as it
    /// arrives, without holding it in memory or applying `max_response_size`;
    /// returns the bytes written. `args` holds the action's arguments by name,
    /// required ones included.
    ///
    /// # Errors
    /// [`Error::InvalidAttrs`](crate::Error::InvalidAttrs) before any request
    /// for an unknown download (naming the known ones) or a missing required
    /// argument; [`Error::Write`](crate::Error::Write) when `out` fails. After
    /// part of the body reached `out`, no retry is made: the error is returned
    /// and `out` holds a partial body.
    pub async fn download_to<W>(&self, action: &str, args: Attrs, out: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + Send,
    {
        let (a, required, optional) = self.fields.core.scope.download_action(
            crate::meta::ActionTarget::Object,
            action,
            args,
        )?;
        self.fields
            .core
            .run_action_to(a, required, optional, out)
            .await
    }

    /// The untyped object.
    pub fn into_core(self) -> ObjectCore {
        self.fields.core
    }
}

// What generated object actions call: functions rather than methods, like
// `manager::child` (one schema edit would otherwise re-check every generated
// action body).

/// Runs the object action `a` of `o`.
pub(crate) async fn action<R: Resource, T: FromActionResult>(
    o: &Object<R>,
    a: &'static ActionMeta,
    required: Vec<Param>,
    optional: Attrs,
) -> Result<T> {
    let out = o.fields.core.run_action(a, required, optional).await?;
    Ok(T::from_output(out))
}

/// Runs the object action `a` of `o`, whose response is `o`'s new state.
pub(crate) async fn action_update_self<R: Resource>(
    o: &mut Object<R>,
    a: &'static ActionMeta,
    required: Vec<Param>,
    optional: Attrs,
) -> Result<()> {
    if let ActionResult::Json(Value::Object(m)) =
        o.fields.core.run_action(a, required, optional).await?
    {
        o.fields.core.replace(m);
    }
    Ok(())
}

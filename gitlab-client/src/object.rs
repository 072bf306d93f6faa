//! Objects: the server's JSON kept as a map, plus the changes made locally.
//!
//! Nothing is deserialised into per-resource structs, so a field GitLab adds
//! tomorrow, or a `null` where a string used to be, never breaks decoding.
//! Typed access is opt-in: [`Object::get`] and [`Object::deserialize`].

use crate::attrs::{encode_body, Attrs, Param};
use crate::client::{decode_json, Gitlab};
use crate::error::{Error, Op, Result};
use crate::manager::{kind_of, ActionResult, DynManager, FromActionResult, Manager, ParentValues};
use crate::meta::{ActionMeta, Operation, Resource, ResourceMeta};
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
    gl: Gitlab,
    meta: &'static ResourceMeta,
    parent: ParentValues,
    /// What the server sent last.
    attrs: ServerAttrs,
    /// Values set locally since then.
    updates: Map<String, Value>,
    lazy: bool,
}

impl std::fmt::Debug for ObjectCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(self.meta.name)
            .field("attrs", self.attrs.map())
            .field("updates", &self.updates)
            .field("lazy", &self.lazy)
            .finish()
    }
}

impl ObjectCore {
    pub(crate) fn new(
        gl: Gitlab,
        meta: &'static ResourceMeta,
        parent: ParentValues,
        attrs: Map<String, Value>,
        lazy: bool,
    ) -> Self {
        ObjectCore {
            gl,
            meta,
            parent,
            attrs: ServerAttrs::parsed(attrs),
            updates: Map::new(),
            lazy,
        }
    }

    /// An object from a listing, kept as its JSON text until first read.
    /// `raw` must hold a JSON object.
    pub(crate) fn from_raw(
        gl: Gitlab,
        meta: &'static ResourceMeta,
        parent: ParentValues,
        raw: Box<RawValue>,
    ) -> Self {
        ObjectCore {
            gl,
            meta,
            parent,
            attrs: ServerAttrs::raw(raw),
            updates: Map::new(),
            lazy: false,
        }
    }

    pub fn meta(&self) -> &'static ResourceMeta {
        self.meta
    }

    pub fn id(&self) -> Option<&Value> {
        self.attr(self.meta.id_attr?)
    }

    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.updates
            .get(name)
            .or_else(|| self.attrs.map().get(name))
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.updates.insert(name.into(), value.into());
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

    pub fn is_lazy(&self) -> bool {
        self.lazy
    }

    /// The manager this object belongs to (same parents, same client).
    pub fn manager(&self) -> DynManager {
        DynManager {
            gl: self.gl.clone(),
            meta: self.meta,
            parent: self.parent.clone(),
            opts: Default::default(),
        }
    }

    fn replace(&mut self, attrs: Map<String, Value>) {
        // The server may have moved the object (an issue moved to another
        // project): when its new state names a path placeholder, follow it, so
        // later calls address the object where it now lives.
        let moved: Vec<(&'static str, Value)> = self
            .meta
            .from_parent
            .iter()
            .filter_map(|(ph, _)| {
                let v = attrs.get(*ph)?;
                let old = self.parent.iter().find(|(k, _)| k == ph).map(|(_, v)| v);
                (!v.is_null() && old != Some(v)).then(|| (*ph, v.clone()))
            })
            .collect();
        if !moved.is_empty() {
            let mut p: Vec<(&'static str, Value)> = self
                .parent
                .iter()
                .filter(|(k, _)| !moved.iter().any(|(m, _)| m == k))
                .cloned()
                .collect();
            p.extend(moved);
            self.parent = std::sync::Arc::new(p);
        }
        self.attrs = ServerAttrs::parsed(attrs);
        self.updates.clear();
        self.lazy = false;
    }

    /// Value for a child's placeholder: our own parent values first (the path we
    /// were reached by), then our attributes.
    fn value_for_child(&self, attr: &str) -> Option<Value> {
        self.parent
            .iter()
            .find(|(k, _)| *k == attr)
            .map(|(_, v)| v.clone())
            .or_else(|| self.attr(attr).cloned())
    }

    pub fn child(&self, child: &'static ResourceMeta) -> DynManager {
        let mut m = DynManager::new(&self.gl, child);
        for (placeholder, attr) in child.from_parent {
            if let Some(v) = self.value_for_child(attr) {
                m = m.with_parent(placeholder, v);
            }
        }
        m
    }

    fn object_path(&self, op: Op) -> Result<String> {
        let base = self.manager().path()?;
        match self.meta.id_attr {
            None => Ok(base),
            Some(k) => match self.attr(k) {
                Some(id) if !id.is_null() => Ok(format!("{base}/{}", crate::encode_id(id))),
                _ => Err(Error::InvalidAttrs {
                    op,
                    resource: self.meta.name,
                    message: format!("the object has no '{k}' to address it by"),
                }),
            },
        }
    }

    /// Sends the update's required attributes plus what changed; no request when nothing did.
    pub async fn save(&mut self) -> Result<()> {
        if !self.meta.supports(Operation::Update) {
            return Err(Error::Unsupported {
                resource: self.meta.name,
                op: Op::Update,
            });
        }
        let changes: Vec<(String, Value)> = self
            .unsaved_changes()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        let table = self.meta.update_attrs();
        let mut body = Attrs::new();
        for req in table.required {
            match self.attr(req) {
                Some(v) => body.insert(*req, v.clone()),
                None => {
                    return Err(Error::InvalidAttrs {
                        op: Op::Update,
                        resource: self.meta.name,
                        message: format!(
                        "cannot save: required update attribute '{req}' is not set on the object"
                    ),
                    })
                }
            }
        }
        for (k, v) in changes {
            body.insert(k, v);
        }
        let mgr = self.manager();
        mgr.validate(Op::Update, table, &|a| body.contains(a))?;
        let path = self.object_path(Op::Update)?;
        let method = self.meta.update_method;
        let encoded = encode_body(&|k| self.meta.attr_type(k), &body);
        let resp = mgr
            .send(Op::Update, method, path.clone(), Vec::new(), encoded)
            .await?;
        match decode_json(&resp, Op::Update, method, &path)? {
            Value::Object(m) => self.replace(m),
            // No body back: the server took our values.
            Value::Null => {
                let updates = std::mem::take(&mut self.updates);
                let mut m = std::mem::take(&mut self.attrs).into_map();
                m.extend(updates);
                self.attrs = ServerAttrs::parsed(m);
            }
            other => {
                return Err(crate::client::decode_error(
                    &resp,
                    Op::Update,
                    method,
                    &path,
                    format!("expected a JSON object, got {}", kind_of(&other)),
                ))
            }
        }
        Ok(())
    }

    pub async fn delete(&self) -> Result<()> {
        if !self.meta.supports(Operation::Delete) {
            return Err(Error::Unsupported {
                resource: self.meta.name,
                op: Op::Delete,
            });
        }
        // Refuse an object without (or with a null) id: the manager would DELETE the collection.
        self.object_path(Op::Delete)?;
        let id = self.id().cloned();
        self.manager().delete(id).await
    }

    /// Fetches the object again; local unsaved changes are dropped.
    pub async fn refresh(&mut self) -> Result<()> {
        let mgr = self.manager();
        let fresh = match self.meta.id_attr {
            Some(_) => {
                let id = self.id().cloned().ok_or_else(|| Error::InvalidAttrs {
                    op: Op::Get,
                    resource: self.meta.name,
                    message: "the object has no id to refresh by".into(),
                })?;
                mgr.get(id).await?
            }
            None => mgr.fetch(Op::Get).await?,
        };
        self.replace(fresh.attrs.into_map());
        Ok(())
    }

    pub(crate) async fn run_action(
        &self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        self.manager()
            .run_action(Some(self), a, required, optional)
            .await
    }
}

/// An object of resource `R` (`Project = Object<kind::Project>`).
pub struct Object<R> {
    core: ObjectCore,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Object<R> {
    fn clone(&self) -> Self {
        Object {
            core: self.core.clone(),
            _r: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Object<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl<R: Resource> Object<R> {
    pub(crate) fn from_core(core: ObjectCore) -> Self {
        Object {
            core,
            _r: PhantomData,
        }
    }

    /// The value of the id attribute (`id`, `iid`, `name`…).
    pub fn id(&self) -> Option<&Value> {
        self.core.id()
    }

    /// An attribute as raw JSON; local changes win over what the server sent.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.core.attr(name)
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
        let v = self.core.attr(name).unwrap_or(&Value::Null);
        T::deserialize(v).map_err(|e| Error::Attribute {
            resource: R::META.name,
            attr: name.to_string(),
            detail: e.to_string(),
        })
    }

    /// The whole object as your own type.
    /// A field that does not fit names its path: `attribute 'author.id' of ProjectIssue: invalid type…`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        serde_path_to_error::deserialize(self.core.to_json()).map_err(|e| {
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

    /// Sets an attribute locally; [`save`](Self::save) sends it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.core.set(name, value);
        self
    }

    /// All attributes, with local changes applied.
    pub fn to_json(&self) -> Value {
        self.core.to_json()
    }

    /// Attributes set locally that differ from the server's values.
    pub fn unsaved_changes(&self) -> Vec<(&str, &Value)> {
        self.core.unsaved_changes()
    }

    /// Whether the object was made by `get_lazy` and never fetched.
    pub fn is_lazy(&self) -> bool {
        self.core.is_lazy()
    }

    pub fn resource(&self) -> &'static ResourceMeta {
        R::META
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
        self.core.save().await
    }

    pub async fn delete(&self) -> Result<()> {
        self.core.delete().await
    }

    /// Re-reads the object from the server, dropping unsaved changes.
    pub async fn refresh(&mut self) -> Result<()> {
        self.core.refresh().await
    }

    /// The manager of a sub-resource, with its placeholders filled from this object.
    pub(crate) fn child<C: Resource>(&self) -> Manager<C> {
        Manager::from_core(self.core.child(C::META))
    }

    pub(crate) async fn action<T: FromActionResult>(
        &self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<T> {
        let out = self.core.run_action(a, required, optional).await?;
        Ok(T::from_output(out))
    }

    /// Runs an action whose response is this object's new state.
    pub(crate) async fn action_update_self(
        &mut self,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<()> {
        if let ActionResult::Json(Value::Object(m)) =
            self.core.run_action(a, required, optional).await?
        {
            self.core.replace(m);
        }
        Ok(())
    }

    /// The untyped object.
    pub fn into_core(self) -> ObjectCore {
        self.core
    }
}

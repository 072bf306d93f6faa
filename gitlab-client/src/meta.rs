//! Static descriptions of resources, generated from `schema/` into `crate::resources`.
//!
//! The runtime reads these tables instead of generated per-resource code: one
//! `ResourceMeta` says where a resource lives, what it supports and how its
//! attributes travel on the wire.

pub use gitlab_vocab::{
    gitlab_boolean, ActionTarget, AttrType, HttpMethod, Operation, Returns, SortOrder, Word,
};

/// One GitLab resource, e.g. `ProjectIssue` at `/projects/{project_id}/issues`.
#[derive(Debug)]
pub struct ResourceMeta {
    /// Object name, e.g. `ProjectIssue`.
    pub name: &'static str,
    /// Manager name, e.g. `ProjectIssueManager`.
    pub manager: &'static str,
    /// One line saying what the resource is.
    pub doc: &'static str,
    /// GitLab's documentation page for it.
    pub docs_url: Option<&'static str>,
    /// Collection path template, relative to `/api/v4`.
    pub path: &'static str,
    /// Path placeholder → attribute of the parent object that fills it.
    pub from_parent: &'static [(&'static str, &'static str)],
    /// Attribute that identifies an object (`id`, `iid`, `name`…); `None` for singletons.
    pub id_attr: Option<&'static str>,
    /// Method on `Gitlab` that returns this manager, for top-level resources.
    pub accessor: Option<&'static str>,
    /// Standard operations it supports.
    pub operations: &'static [Operation],
    /// `None` when the resource cannot be created.
    pub create: Option<AttrTable>,
    /// `None` when the resource cannot be updated.
    pub update: Option<AttrTable>,
    /// HTTP method of an update (PUT unless the schema says otherwise).
    pub update_method: HttpMethod,
    /// Where `create` posts when not the collection path (placeholders may name create attributes).
    pub create_path: Option<&'static str>,
    /// Query parameters its listing takes.
    pub list_filters: Names,
    /// Keyset pagination GitLab offers for this listing, used by `all()`/`stream()`.
    pub keyset: Option<Keyset>,
    /// Wire types of attributes that are not plain strings/numbers.
    pub attr_types: &'static [(&'static str, AttrType)],
    /// Value type of each typed attribute of create, update, list filters and
    /// actions, as the schema writes it (`boolean`, `array<integer>`, `enum:Visibility`).
    pub attributes: NamedTypes,
    /// Response fields.
    pub fields: FieldList,
    /// GitLab's values of response fields the creator leaves out, as the text
    /// of a JSON object (`{"push_events":true}`); empty when the schema gives
    /// none. The emulator fills new objects with them; the client sends nothing
    /// because of them.
    pub field_defaults: &'static str,
    /// Child managers reachable from its objects.
    pub sub_resources: &'static [SubResource],
    /// Custom actions.
    pub actions: &'static [ActionMeta],
}

impl ResourceMeta {
    /// Whether the schema lists operation `op` for this resource.
    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    /// How attribute `attr` travels on the wire (plain unless the schema says otherwise).
    pub fn attr_type(&self, attr: &str) -> AttrType {
        self.attr_types
            .iter()
            .find(|(a, _)| *a == attr)
            .map_or(AttrType::String, |(_, t)| *t)
    }

    /// The value type the schema gives attribute `attr`, if any.
    pub fn value_type(&self, attr: &str) -> Option<&'static str> {
        self.attributes.get(attr)
    }

    /// The response field `name`, if the schema declares it.
    pub fn field(&self, name: &str) -> Option<FieldMeta> {
        self.fields.get(name)
    }

    /// Custom action `name`.
    pub fn action(&self, name: &str) -> Option<&'static ActionMeta> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The required/optional/exclusive create attributes (empty when create is unsupported).
    pub fn create_attrs(&self) -> &AttrTable {
        self.create.as_ref().unwrap_or(&AttrTable::EMPTY)
    }

    /// The required/optional/exclusive update attributes (empty when update is unsupported).
    pub fn update_attrs(&self) -> &AttrTable {
        self.update.as_ref().unwrap_or(&AttrTable::EMPTY)
    }
}

/// The ordering under which GitLab offers keyset pagination for a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// The `order_by` value (`id`, `name`…).
    pub order_by: &'static str,
    /// The direction GitLab's keyset pagination supports for it.
    pub sort: SortOrder,
}

/// A response field of a resource or object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMeta {
    /// Name as GitLab sends it.
    pub name: &'static str,
    /// Type as the schema writes it (`integer`, `object:UserBasic`).
    pub ty: &'static str,
    /// Whether GitLab may send `null`.
    pub nullable: bool,
}

/// A named value set of the schema (`enum:Visibility`).
#[derive(Debug)]
pub struct EnumMeta {
    /// Name, e.g. `Visibility`.
    pub name: &'static str,
    /// One line saying what the values mean.
    pub doc: &'static str,
    /// The values as GitLab sends them (numbers as decimal text).
    pub values: &'static [&'static str],
    /// Whether the values are numbers.
    pub integer: bool,
}

/// A named object type of response fields (`object:UserBasic`).
#[derive(Debug)]
pub struct ObjectMeta {
    /// Name, e.g. `UserBasic`.
    pub name: &'static str,
    /// Its fields.
    pub fields: FieldList,
}

/// A child manager reachable from an object, e.g. `project.issues()`.
#[derive(Debug)]
pub struct SubResource {
    /// Method name on the parent object.
    pub accessor: &'static str,
    /// The child resource.
    pub resource: &'static ResourceMeta,
}

/// Required, optional and exclusive attributes of a create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrTable {
    /// Attributes that must be given.
    pub required: Names,
    /// Attributes that may be given.
    pub optional: Names,
    /// When non-empty, exactly one of these must be given.
    pub exclusive: Names,
}

impl AttrTable {
    /// No attributes at all.
    pub const EMPTY: AttrTable = AttrTable {
        required: Names::EMPTY,
        optional: Names::EMPTY,
        exclusive: Names::EMPTY,
    };

    /// Every name of the table: required, then optional, then exclusive.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.required
            .iter()
            .chain(self.optional)
            .chain(self.exclusive)
    }

    /// Whether `attr` appears anywhere in the table.
    pub fn mentions(&self, attr: &str) -> bool {
        self.required.contains(attr)
            || self.optional.contains(attr)
            || self.exclusive.contains(attr)
    }
}

/// A list of names (attributes, filters, arguments) in a schema table.
///
/// Stored as one space-separated string: the tables of a few hundred resources
/// compile measurably faster as one literal per list than as arrays of
/// literals, and a lookup scans a few hundred bytes at most.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Names(#[doc(hidden)] pub &'static str);

impl Names {
    /// No names.
    pub const EMPTY: Names = Names("");

    /// The names, in schema order.
    pub fn iter(&self) -> NamesIter {
        NamesIter(self.0.split_ascii_whitespace())
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The first name, if any.
    pub fn first(&self) -> Option<&'static str> {
        self.iter().next()
    }

    /// The names as a vector.
    pub fn to_vec(&self) -> Vec<&'static str> {
        self.iter().collect()
    }
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl IntoIterator for Names {
    type Item = &'static str;
    type IntoIter = NamesIter;
    fn into_iter(self) -> NamesIter {
        self.iter()
    }
}

/// The names of a [`Names`] list, in schema order.
#[derive(Debug, Clone)]
pub struct NamesIter(std::str::SplitAsciiWhitespace<'static>);

impl Iterator for NamesIter {
    type Item = &'static str;
    fn next(&mut self) -> Option<&'static str> {
        self.0.next()
    }
}

/// Names with their value types as the schema writes them (`labels` →
/// `array<string>`), stored like [`Names`] as `name=type` words.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct NamedTypes(#[doc(hidden)] pub &'static str);

impl NamedTypes {
    /// The `(name, type)` pairs, in schema order.
    pub fn iter(&self) -> NamedTypesIter {
        NamedTypesIter(self.0.split_ascii_whitespace())
    }

    /// The type of `name`, if listed.
    pub fn get(&self, name: &str) -> Option<&'static str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, t)| t)
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl IntoIterator for NamedTypes {
    type Item = (&'static str, &'static str);
    type IntoIter = NamedTypesIter;
    fn into_iter(self) -> NamedTypesIter {
        self.iter()
    }
}

/// The `(name, type)` pairs of a [`NamedTypes`] list, in schema order.
#[derive(Debug, Clone)]
pub struct NamedTypesIter(std::str::SplitAsciiWhitespace<'static>);

impl Iterator for NamedTypesIter {
    type Item = (&'static str, &'static str);
    fn next(&mut self) -> Option<(&'static str, &'static str)> {
        let w = self.0.next()?;
        Some(w.split_once('=').unwrap_or((w, "")))
    }
}

impl std::fmt::Debug for NamedTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The response fields of a resource or object type, stored like [`Names`]
/// as `name=type` words, with `?` after the type of a nullable field.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldList(#[doc(hidden)] pub &'static str);

impl FieldList {
    /// The fields, in schema order.
    pub fn iter(&self) -> FieldIter {
        FieldIter(self.0.split_ascii_whitespace())
    }

    /// The field `name`, if declared.
    pub fn get(&self, name: &str) -> Option<FieldMeta> {
        self.iter().find(|f| f.name == name)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl IntoIterator for FieldList {
    type Item = FieldMeta;
    type IntoIter = FieldIter;
    fn into_iter(self) -> FieldIter {
        self.iter()
    }
}

/// The fields of a [`FieldList`], in schema order.
#[derive(Debug, Clone)]
pub struct FieldIter(std::str::SplitAsciiWhitespace<'static>);

impl Iterator for FieldIter {
    type Item = FieldMeta;
    fn next(&mut self) -> Option<FieldMeta> {
        let w = self.0.next()?;
        let (name, ty) = w.split_once('=').unwrap_or((w, ""));
        Some(match ty.strip_suffix('?') {
            Some(ty) => FieldMeta {
                name,
                ty,
                nullable: true,
            },
            None => FieldMeta {
                name,
                ty,
                nullable: false,
            },
        })
    }
}

impl std::fmt::Debug for FieldList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A custom action such as `project.star()` or `issue.move_(..)`.
#[derive(Debug)]
pub struct ActionMeta {
    /// Method name (`star`, `move_` is generated for `move`).
    pub name: &'static str,
    /// Command-line name when it differs from `name` (e.g. `get` for `get_file`).
    pub cli_name: Option<&'static str>,
    /// One line saying what the action does.
    pub doc: &'static str,
    /// GitLab's documentation of it.
    pub docs_url: Option<&'static str>,
    /// HTTP method.
    pub method: HttpMethod,
    /// Full path template; `{id}` is the object's id, other placeholders come from
    /// the parents or from required arguments of the same name.
    pub path: &'static str,
    /// Arguments that must be given, in method-argument order.
    pub required: Names,
    /// Arguments that may be given.
    pub optional: Names,
    /// Value type of each typed argument.
    pub attributes: NamedTypes,
    /// What the server answers.
    pub returns: Returns,
    /// Whether it is a method of objects or of the manager.
    pub on: ActionTarget,
    /// Argument → JSON text of the value sent when the caller gives none
    /// (python-gitlab's defaults, e.g. `recursive: "False"`).
    pub defaults: &'static [(&'static str, &'static str)],
    /// Argument → the name GitLab expects on the wire, when it differs
    /// (`to_namespace` is sent as `namespace`).
    pub wire: &'static [(&'static str, &'static str)],
}

/// A resource kind known at compile time: the marker types in `resources::kind`.
pub trait Resource: 'static {
    /// The resource's schema table.
    const META: &'static ResourceMeta;
    /// The marker of its objects' field set: `Object<Self>` dereferences to
    /// [`Fields<Self::Shape>`](crate::Fields), whose methods are the
    /// typed accessors ([`NoFields`](crate::NoFields) when the schema
    /// declares none).
    type Shape;
}

/// A field set (a marker in `resources::fields`) that has every accessor of
/// the smaller set `Base`: [`Fields<Self>`](crate::Fields) dereferences to
/// `Fields<Self::Base>`, so those accessors are generated and compiled once.
pub trait Extends {
    /// The field set whose accessors this one shares.
    type Base;
}

/// Capability markers: a `Manager<R>` method exists only if the schema lists the operation,
/// so `gl.user().create(..)` is a compile error rather than a runtime 405.
pub mod ops {
    use super::Resource;
    /// The resource can be listed.
    pub trait List: Resource {}
    /// Objects can be fetched by id.
    pub trait Get: Resource {}
    /// The singleton can be fetched.
    pub trait GetWithoutId: Resource {}
    /// Objects can be created.
    pub trait Create: Resource {}
    /// Objects can be updated.
    pub trait Update: Resource {}
    /// Objects can be deleted.
    pub trait Delete: Resource {}
    /// Values can be set by key.
    pub trait Set: Resource {}
}

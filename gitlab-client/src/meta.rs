//! Static descriptions of resources, generated from `schema/` into `crate::resources`.
//!
//! The runtime reads these tables instead of generated per-resource code: one
//! `ResourceMeta` says where a resource lives, what it supports and how its
//! attributes travel on the wire.

use std::fmt;

/// One GitLab resource, e.g. `ProjectIssue` at `/projects/{project_id}/issues`.
#[derive(Debug)]
pub struct ResourceMeta {
    /// Object name, e.g. `ProjectIssue`.
    pub name: &'static str,
    /// Manager name, e.g. `ProjectIssueManager`.
    pub manager: &'static str,
    pub doc: &'static str,
    /// Collection path template, relative to `/api/v4`.
    pub path: &'static str,
    /// Path placeholder → attribute of the parent object that fills it.
    pub from_parent: &'static [(&'static str, &'static str)],
    /// Attribute that identifies an object (`id`, `iid`, `name`…); `None` for singletons.
    pub id_attr: Option<&'static str>,
    /// Method on `Gitlab` that returns this manager, for top-level resources.
    pub accessor: Option<&'static str>,
    pub operations: &'static [Operation],
    /// `None` when the resource cannot be created.
    pub create: Option<AttrTable>,
    /// `None` when the resource cannot be updated.
    pub update: Option<AttrTable>,
    pub update_method: HttpMethod,
    /// Where `create` posts when not the collection path (placeholders may name create attributes).
    pub create_path: Option<&'static str>,
    pub list_filters: &'static [&'static str],
    /// Keyset pagination GitLab offers for this listing, used by `all()`/`stream()`.
    pub keyset: Option<Keyset>,
    /// Wire types of attributes that are not plain strings/numbers.
    pub attr_types: &'static [(&'static str, AttrType)],
    pub sub_resources: &'static [SubResource],
    pub actions: &'static [ActionMeta],
}

impl ResourceMeta {
    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    pub fn attr_type(&self, attr: &str) -> AttrType {
        self.attr_types
            .iter()
            .find(|(a, _)| *a == attr)
            .map_or(AttrType::String, |(_, t)| *t)
    }

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
    pub order_by: &'static str,
    pub sort: &'static str,
}

/// A child manager reachable from an object, e.g. `project.issues()`.
#[derive(Debug)]
pub struct SubResource {
    pub accessor: &'static str,
    pub resource: &'static ResourceMeta,
}

/// Required, optional and exclusive attributes of a create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrTable {
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// When non-empty, exactly one of these must be given.
    pub exclusive: &'static [&'static str],
}

impl AttrTable {
    pub const EMPTY: AttrTable = AttrTable {
        required: &[],
        optional: &[],
        exclusive: &[],
    };

    /// Whether `attr` appears anywhere in the table.
    pub fn mentions(&self, attr: &str) -> bool {
        self.required.contains(&attr)
            || self.optional.contains(&attr)
            || self.exclusive.contains(&attr)
    }
}

/// A custom action such as `project.star()` or `issue.move_(..)`.
#[derive(Debug)]
pub struct ActionMeta {
    pub name: &'static str,
    /// Command-line name when it differs from `name` (e.g. `get` for `get_file`).
    pub cli_name: Option<&'static str>,
    pub doc: &'static str,
    pub method: HttpMethod,
    /// Full path template; `{id}` is the object's id, other placeholders come from
    /// the parents or from required arguments of the same name.
    pub path: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    pub returns: Returns,
    pub on: ActionTarget,
    /// Argument → JSON text of the value sent when the caller gives none
    /// (python-gitlab's defaults, e.g. `recursive: "False"`).
    pub defaults: &'static [(&'static str, &'static str)],
    /// Argument → the name GitLab expects on the wire, when it differs
    /// (`to_namespace` is sent as `namespace`).
    pub wire: &'static [(&'static str, &'static str)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    List,
    Get,
    GetWithoutId,
    Create,
    Update,
    Delete,
    Set,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Get => "get",
            Operation::GetWithoutId => "get_without_id",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Set => "set",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// GET, PUT and DELETE may be repeated without changing the outcome.
    pub fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an attribute is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    String,
    Integer,
    Boolean,
    Date,
    /// Query: `a[]=1&a[]=2`; JSON body: an array.
    Array,
    /// A list joined with commas: `labels=a,b`.
    CommaSeparated,
    /// A multipart file part.
    File,
    /// Any JSON value; in a query it is sent as JSON text.
    Json,
    /// A string sent in lower case.
    Lowercase,
    /// The whole request body as raw bytes (a file or a string).
    Body,
}

/// What a custom action gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returns {
    Json,
    /// The object's new state: it replaces the object's attributes.
    SelfObject,
    /// A paginated list; all pages are fetched.
    List,
    Raw,
    None,
}

/// Whether an action is a method of objects or of the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionTarget {
    Object,
    Manager,
}

/// A resource kind known at compile time: the marker types in `resources::kind`.
pub trait Resource: 'static {
    const META: &'static ResourceMeta;
}

/// Capability markers: a `Manager<R>` method exists only if the schema lists the operation,
/// so `gl.user().create(..)` is a compile error rather than a runtime 405.
pub mod ops {
    use super::Resource;
    pub trait List: Resource {}
    pub trait Get: Resource {}
    pub trait GetWithoutId: Resource {}
    pub trait Create: Resource {}
    pub trait Update: Resource {}
    pub trait Delete: Resource {}
    pub trait Set: Resource {}
}

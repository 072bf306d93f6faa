//! Static descriptions of resources, generated from `schema/` into `crate::resources`.
//!
//! The runtime reads these tables instead of generated per-resource code: one
//! `ResourceMeta` says where a resource lives, what it supports and how its
//! attributes travel on the wire.

pub use gitlab_vocab::{ActionTarget, AttrType, HttpMethod, Operation, Returns, SortOrder, Word};

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
    /// The `order_by` value (`id`, `name`…).
    pub order_by: &'static str,
    /// The direction GitLab's keyset pagination supports for it.
    pub sort: SortOrder,
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

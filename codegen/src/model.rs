//! The schema language as written in `schema/*.yaml`, before validation.
//!
//! Every struct denies unknown keys so a typo is an error, not a silently ignored
//! attribute. Keys whose absence we want to report ourselves (with the resource
//! name and a hint) are `Option`s rather than required serde fields.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use gitlab_vocab::{
    ActionTarget, AttrType, HttpMethod, Operation, Returns, Scalar, SortOrder, ValueType, Word,
};

/// One schema file: a family of related resources.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// Free text describing the family; not used by the generator.
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub resources: Vec<RawResource>,
    /// Named value sets, usable in any file as `enum:Name`.
    #[serde(default)]
    pub enums: OrderedMap<RawEnum>,
    /// Named object types of response fields, usable in any file as `object:Name`.
    #[serde(default)]
    pub objects: OrderedMap<RawObject>,
}

/// `Visibility: {doc: .., values: [private, internal, public]}`, or for
/// numbers `AccessLevel: {values: {guest: 10, developer: 30}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnum {
    #[serde(default)]
    pub doc: Option<String>,
    pub values: Option<EnumValues>,
}

/// The values of an enum: strings as GitLab spells them, or named numbers.
#[derive(Debug, Clone)]
pub enum EnumValues {
    Strings(Vec<String>),
    Numbers(Vec<(String, i64)>),
}

impl<'de> Deserialize<'de> for EnumValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EnumValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings, or a mapping of names to integers")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<EnumValues, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element::<String>()? {
                    out.push(v);
                }
                Ok(EnumValues::Strings(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<EnumValues, A::Error> {
                let mut out: Vec<(String, i64)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, i64>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(serde::de::Error::custom(format!("duplicate key '{k}'")));
                    }
                    out.push((k, v));
                }
                Ok(EnumValues::Numbers(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object type: `UserBasic: {doc: .., fields: {id: integer, name: string}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObject {
    #[serde(default)]
    pub doc: Option<String>,
    /// Field name → type; a trailing `?` marks a field GitLab may send as null.
    #[serde(default)]
    pub fields: OrderedMap<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResource {
    pub name: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    /// GitLab's documentation page for this resource.
    #[serde(default)]
    pub docs_url: Option<String>,
    pub path: Option<String>,
    /// Method name on `Gitlab` for top-level resources (`projects` → `gl.projects()`).
    #[serde(default)]
    pub accessor: Option<String>,
    /// Placeholder in `path` → attribute of the parent object that fills it.
    #[serde(default)]
    pub from_parent: OrderedMap<String>,
    /// Absent: `id`. `null`: the resource has no id (a singleton).
    #[serde(default, deserialize_with = "present")]
    pub id: Option<Option<String>>,
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Where `create` posts when it is not the collection path, relative to it;
    /// placeholders may name create attributes (`{file_path}`).
    #[serde(default)]
    pub create_path: Option<String>,
    #[serde(default)]
    pub update_method: Option<HttpMethod>,
    #[serde(default)]
    pub create: Option<RawAttrTable>,
    #[serde(default)]
    pub update: Option<RawAttrTable>,
    #[serde(default)]
    pub list_filters: Vec<String>,
    /// GitLab offers keyset pagination here with this ordering; `all()`/`stream()` use it.
    #[serde(default)]
    pub keyset: Option<Keyset>,
    /// Wire encoding of attributes that are not sent as plain values.
    #[serde(default)]
    pub types: OrderedMap<AttrType>,
    /// Value type of each attribute of create, update, list filters and actions.
    #[serde(default)]
    pub attributes: OrderedMap<String>,
    /// Response fields: name → type, a trailing `?` when GitLab may send null.
    #[serde(default)]
    pub fields: OrderedMap<String>,
    /// Response field → GitLab's value when the creator leaves it out.
    #[serde(default)]
    pub field_defaults: OrderedMap<serde_json::Value>,
    #[serde(default)]
    pub sub_resources: OrderedMap<String>,
    #[serde(default)]
    pub actions: Vec<RawAction>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Keyset {
    pub order_by: String,
    pub sort: SortOrder,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttrTable {
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub optional: Vec<String>,
    /// Exactly one of these must be given.
    #[serde(default)]
    pub exclusive: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub name: Option<String>,
    /// CLI (python-gitlab) name when `name` must differ, e.g. `get` → `get_file`.
    #[serde(default)]
    pub cli_name: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    /// GitLab's documentation page for this action.
    #[serde(default)]
    pub docs_url: Option<String>,
    pub method: Option<HttpMethod>,
    pub path: Option<String>,
    #[serde(default)]
    pub on: Option<ActionTarget>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub optional: Vec<String>,
    #[serde(default)]
    pub returns: Option<Returns>,
    /// Value types of arguments whose type differs from the resource's `attributes`.
    #[serde(default)]
    pub attributes: OrderedMap<String>,
    /// Argument → value sent when the caller gives none (python-gitlab's defaults).
    #[serde(default)]
    pub defaults: OrderedMap<serde_json::Value>,
    /// Argument → the name GitLab expects on the wire, when they differ.
    #[serde(default)]
    pub wire: OrderedMap<String>,
}

/// Distinguishes an absent key (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A YAML mapping that keeps the file's order and rejects duplicate keys.
#[derive(Debug, Clone)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, V>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(serde::de::Error::custom(format!("duplicate key '{k}'")));
                    }
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_any(V_(std::marker::PhantomData))
    }
}

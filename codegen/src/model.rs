//! The schema language as written in `schema/*.yaml`, before validation.
//!
//! Every struct denies unknown keys so a typo is an error, not a silently ignored
//! attribute. Keys whose absence we want to report ourselves (with the resource
//! name and a hint) are `Option`s rather than required serde fields.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One schema file: a family of related resources.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// Free text describing the family; not used by the generator.
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub resources: Vec<RawResource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResource {
    pub name: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
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
    pub update_method: Option<UpdateMethod>,
    #[serde(default)]
    pub create: Option<RawAttrTable>,
    #[serde(default)]
    pub update: Option<RawAttrTable>,
    #[serde(default)]
    pub list_filters: Vec<String>,
    /// GitLab offers keyset pagination here with this ordering; `all()`/`stream()` use it.
    #[serde(default)]
    pub keyset: Option<Keyset>,
    #[serde(default)]
    pub types: OrderedMap<AttrType>,
    #[serde(default)]
    pub sub_resources: OrderedMap<String>,
    #[serde(default)]
    pub actions: Vec<RawAction>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Keyset {
    pub order_by: String,
    pub sort: KeysetSort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeysetSort {
    Asc,
    Desc,
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
    /// Argument → value sent when the caller gives none (python-gitlab's defaults).
    #[serde(default)]
    pub defaults: OrderedMap<serde_json::Value>,
    /// Argument → the name GitLab expects on the wire, when they differ.
    #[serde(default)]
    pub wire: OrderedMap<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
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
    pub const ALL: [Operation; 7] = [
        Operation::List,
        Operation::Get,
        Operation::GetWithoutId,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Set,
    ];

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum UpdateMethod {
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PATCH")]
    Patch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum HttpMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionTarget {
    /// A method on an object (`project.star()`); the path is relative to the object.
    #[default]
    Object,
    /// A method on the manager (`gl.projects().import_project(..)`); relative to the collection.
    Manager,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Returns {
    /// Any JSON the server sends back.
    #[default]
    Json,
    /// The response is this object's new state; it replaces the object's attributes.
    #[serde(rename = "self")]
    SelfObject,
    /// A paginated JSON list; every page is fetched.
    List,
    /// Raw bytes (archives, artifacts, raw files).
    Raw,
    /// Nothing useful (204 or an ignorable body).
    None,
}

impl Returns {
    pub fn as_str(self) -> &'static str {
        match self {
            Returns::Json => "json",
            Returns::SelfObject => "self",
            Returns::List => "list",
            Returns::Raw => "raw",
            Returns::None => "none",
        }
    }
}

/// How an attribute travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    String,
    Integer,
    Boolean,
    Date,
    /// Query: `a[]=1&a[]=2`; JSON body: an array.
    Array,
    /// Joined with commas: `labels=a,b`.
    CommaSeparated,
    /// Sent as a multipart file part.
    File,
    /// A JSON value, sent as-is in bodies and as a JSON string in queries.
    Json,
    /// A string GitLab expects in lower case.
    Lowercase,
    /// The whole request body, sent as raw bytes (generic package uploads).
    Body,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Integer => "integer",
            AttrType::Boolean => "boolean",
            AttrType::Date => "date",
            AttrType::Array => "array",
            AttrType::CommaSeparated => "comma_separated",
            AttrType::File => "file",
            AttrType::Json => "json",
            AttrType::Lowercase => "lowercase",
            AttrType::Body => "body",
        }
    }
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

//! Attribute values going to the server, and how each wire type is encoded
//! in a query string, a JSON body or a multipart form.

use crate::meta::AttrType;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::fmt;

/// A file to upload as a multipart part (`project.upload(FilePart::new("a.png", bytes))`).
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// File name sent with the part.
    pub file_name: String,
    /// The content.
    pub bytes: Bytes,
    /// MIME type; `application/octet-stream` when unset.
    pub mime: Option<String>,
}

impl FilePart {
    /// A part named `file_name` holding `bytes`.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FilePart {
            file_name: file_name.into(),
            bytes: bytes.into(),
            mime: None,
        }
    }

    /// Reads a file from disk; the part is named after the file.
    /// Only regular files: a device or a pipe (`/dev/zero`) could be read forever.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file (devices and pipes are not read)",
            ));
        }
        let bytes = std::fs::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_string());
        Ok(FilePart::new(name, bytes))
    }

    /// Sets the MIME type (`image/png`); an unparsable one is refused before sending.
    pub fn mime(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FilePart({:?}, {} bytes)",
            self.file_name,
            self.bytes.len()
        )
    }
}

/// One attribute value: JSON, or a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A JSON value (strings, numbers, booleans, lists, objects).
    Value(Value),
    /// A file, sent as a multipart part.
    File(FilePart),
}

impl<T: Into<Value>> From<T> for Param {
    fn from(v: T) -> Self {
        Param::Value(v.into())
    }
}

impl From<FilePart> for Param {
    fn from(f: FilePart) -> Self {
        Param::File(f)
    }
}

/// Attributes for create, update, list filters and action arguments, in the order given.
///
/// ```
/// use gitlab_client::Attrs;
/// let a = Attrs::new().set("title", "Broken link").set("labels", vec!["bug", "docs"]);
/// assert_eq!(a.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs(Vec<(String, Param)>, Vec<String>);

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Attrs(Vec::new(), Vec::new())
    }

    /// Adds or replaces an attribute the schema may not know (builder style):
    /// the one way to send attributes newer than the schema through the typed
    /// API, which otherwise refuses names it does not know.
    pub fn set_unchecked(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        let name = name.into();
        if !self.1.contains(&name) {
            self.1.push(name.clone());
        }
        self.insert(name, value);
        self
    }

    /// Whether `name` was added with [`set_unchecked`](Self::set_unchecked).
    pub fn is_unchecked(&self, name: &str) -> bool {
        self.1.iter().any(|n| n == name)
    }

    /// Adds or replaces an attribute (builder style).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds or replaces an attribute.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Param>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// The value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Whether attribute `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes attribute `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Param> {
        self.1.retain(|n| n != name);
        let i = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.remove(i).1)
    }

    /// How many attributes are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The attributes in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Param)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub(crate) fn push(&mut self, name: String, value: Param) {
        self.0.push((name, value));
    }

    pub(crate) fn has_files(&self) -> bool {
        self.0.iter().any(|(_, v)| matches!(v, Param::File(_)))
    }
}

/// What generated constructors and setters call, as
/// `<Self as crate::attrs::Builder>::from_attrs(..)` and
/// `crate::attrs::Builder::set(self, ..)`. A trait rather than inherent
/// methods: a method call on `CreateAttrs<R>` is looked up in every impl of
/// `CreateAttrs`, generated ones included, so each generated body would depend
/// on all of them and one schema edit would re-check every builder.
pub(crate) trait Builder: Sized {
    /// Starts from `attrs` (generated constructors pass the required ones).
    fn from_attrs(attrs: Attrs) -> Self;
    /// Sets an attribute the schema declares.
    fn set(self, name: &'static str, value: impl Into<Param>) -> Self;
}

/// Typed attribute builders, one type per operation: generated code adds the
/// constructors and setters of each resource (`ProjectIssueCreate` is
/// `CreateAttrs<kind::ProjectIssue>`), so the conversions, `with` and the
/// standard traits are written here once, without bounds on the marker.
macro_rules! attrs_builder {
    ($(#[$doc:meta])* $name:ident, $verb:literal) => {
        $(#[$doc])*
        pub struct $name<R> {
            attrs: Attrs,
            _r: std::marker::PhantomData<fn() -> R>,
        }

        impl<R> Builder for $name<R> {
            #[inline]
            fn from_attrs(attrs: Attrs) -> Self {
                $name { attrs, _r: std::marker::PhantomData }
            }

            #[inline]
            fn set(self, name: &'static str, value: impl Into<Param>) -> Self {
                $name { attrs: self.attrs.set(name, value), _r: std::marker::PhantomData }
            }
        }

        impl<R> $name<R> {
            /// Any other attribute, sent unchecked: for ones GitLab added after this schema.
            pub fn with(self, name: &str, value: impl Into<Param>) -> Self {
                $name { attrs: self.attrs.set_unchecked(name, value), _r: std::marker::PhantomData }
            }
        }

        impl<R> From<$name<R>> for Attrs {
            fn from(b: $name<R>) -> Attrs {
                b.attrs
            }
        }

        impl<R> Clone for $name<R> {
            fn clone(&self) -> Self {
                $name { attrs: self.attrs.clone(), _r: std::marker::PhantomData }
            }
        }

        impl<R> PartialEq for $name<R> {
            fn eq(&self, other: &Self) -> bool {
                self.attrs == other.attrs
            }
        }

        /// Prints as the resource's alias would: `ProjectIssueCreate(Attrs(..))`.
        impl<R: crate::Resource> fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(&format!("{}{}", R::META.name, $verb))
                    .field(&self.attrs)
                    .finish()
            }
        }
    };
}

attrs_builder!(
    /// Attributes to create a resource `R`: required ones are constructor
    /// arguments, optional ones setters; converts into [`Attrs`]. Each
    /// resource's alias (`ProjectIssueCreate`) documents its own.
    CreateAttrs,
    "Create"
);
attrs_builder!(
    /// Attributes to update a resource `R`: required ones are constructor
    /// arguments, optional ones setters; converts into [`Attrs`]. Each
    /// resource's alias (`ProjectIssueUpdate`) documents its own.
    UpdateAttrs,
    "Update"
);

impl From<Map<String, Value>> for Attrs {
    fn from(m: Map<String, Value>) -> Self {
        Attrs(
            m.into_iter().map(|(k, v)| (k, Param::Value(v))).collect(),
            Vec::new(),
        )
    }
}

impl<K: Into<String>, V: Into<Param>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut a = Attrs::new();
        for (k, v) in iter {
            a.insert(k, v);
        }
        a
    }
}

/// A request body ready to send (and to re-send on retry).
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Raw(Bytes),
    Json(Value),
    Multipart(Vec<(String, MultipartValue)>),
}

#[derive(Debug, Clone)]
pub(crate) enum MultipartValue {
    Text(String),
    File(FilePart),
}

impl Body {
    /// Refuses what cannot be sent as asked (an unparsable MIME type), before
    /// any request: a file part silently sent with another type would be lost data.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Body::Multipart(parts) = self {
            for (k, v) in parts {
                if let MultipartValue::File(FilePart { mime: Some(m), .. }) = v {
                    if reqwest::multipart::Part::text("").mime_str(m).is_err() {
                        return Err(format!(
                            "file attribute '{k}': '{m}' is not a MIME type (expected e.g. image/png)"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The body on a request; [`check`](Self::check) has accepted it.
    pub(crate) fn to_reqwest(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Body::Empty => req,
            Body::Raw(b) => req
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(b.clone()),
            Body::Json(v) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(v).unwrap_or_default()),
            Body::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in parts {
                    form = match v {
                        MultipartValue::Text(t) => form.text(k.clone(), t.clone()),
                        MultipartValue::File(f) => {
                            let part = reqwest::multipart::Part::stream(f.bytes.clone())
                                .file_name(f.file_name.clone());
                            // An unparsable type was refused by `check` before sending.
                            let part = match f.mime.as_deref().map(|m| part.mime_str(m)) {
                                Some(Ok(p)) => p,
                                _ => reqwest::multipart::Part::stream(f.bytes.clone())
                                    .file_name(f.file_name.clone()),
                            };
                            form.part(k.clone(), part)
                        }
                    };
                }
                req.multipart(form)
            }
        }
    }
}

/// Text of a scalar as GitLab expects it in a query or form field.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn join_commas(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            Value::String(items.iter().map(scalar_text).collect::<Vec<_>>().join(","))
        }
        other => other.clone(),
    }
}

fn lowercase(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        other => other.clone(),
    }
}

/// Appends `name=value` pairs for a query string (`None` values are skipped).
pub(crate) fn encode_query(
    types: &dyn Fn(&str) -> AttrType,
    attrs: &Attrs,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    for (k, p) in attrs.iter() {
        let v = match p {
            Param::Value(v) => v,
            Param::File(_) => {
                return Err(format!(
                    "'{k}' is a file, which cannot be sent in a query string"
                ))
            }
        };
        encode_query_value(k, types(k), v, out);
    }
    Ok(())
}

fn encode_query_value(k: &str, t: AttrType, v: &Value, out: &mut Vec<(String, String)>) {
    match (t, v) {
        (_, Value::Null) => {}
        (AttrType::CommaSeparated, v) => out.push((k.to_string(), scalar_text(&join_commas(v)))),
        (AttrType::Json, v) => out.push((k.to_string(), v.to_string())),
        (AttrType::Lowercase, v) => out.push((k.to_string(), scalar_text(&lowercase(v)))),
        (_, Value::Array(items)) => {
            for i in items {
                out.push((format!("{k}[]"), scalar_text(i)));
            }
        }
        (_, Value::Object(m)) => {
            for (sub, i) in m {
                encode_query_value(&format!("{k}[{sub}]"), AttrType::String, i, out);
            }
        }
        (_, v) => out.push((k.to_string(), scalar_text(v))),
    }
}

/// Builds a JSON body, or a multipart form when any attribute is a file.
pub(crate) fn encode_body(types: &dyn Fn(&str) -> AttrType, attrs: &Attrs) -> Body {
    if attrs.is_empty() {
        return Body::Empty;
    }
    // An attribute typed `body` is the whole request (other attributes go in the path).
    if let Some((_, p)) = attrs.iter().find(|(k, _)| types(k) == AttrType::Body) {
        return Body::Raw(match p {
            Param::File(f) => f.bytes.clone(),
            Param::Value(Value::String(s)) => Bytes::from(s.clone()),
            Param::Value(v) => Bytes::from(v.to_string()),
        });
    }
    if attrs.has_files() {
        let mut parts = Vec::new();
        for (k, p) in attrs.iter() {
            match p {
                Param::File(f) => parts.push((k.to_string(), MultipartValue::File(f.clone()))),
                Param::Value(v) => {
                    let mut q = Vec::new();
                    encode_query_value(k, types(k), v, &mut q);
                    parts.extend(q.into_iter().map(|(k, t)| (k, MultipartValue::Text(t))));
                }
            }
        }
        return Body::Multipart(parts);
    }
    let mut map = Map::new();
    for (k, p) in attrs.iter() {
        if let Param::Value(v) = p {
            let v = match types(k) {
                // A comma-separated list is `a,b` in queries but a JSON array
                // in bodies (as python-gitlab sends it; GitLab takes both).
                AttrType::Lowercase => lowercase(v),
                _ => v.clone(),
            };
            map.insert(k.to_string(), v);
        }
    }
    Body::Json(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types(k: &str) -> AttrType {
        match k {
            "labels" => AttrType::CommaSeparated,
            "iids" => AttrType::Array,
            "confirm" => AttrType::Lowercase,
            "data" => AttrType::Json,
            _ => AttrType::String,
        }
    }

    #[test]
    fn query_encodes_each_wire_type() {
        let a = Attrs::new()
            .set("labels", vec!["bug", "ui"])
            .set("iids", vec![1, 2])
            .set("confidential", true)
            .set("confirm", "YES")
            .set("data", json!({"a": 1}))
            .set("custom_attributes", json!({"team": "x"}))
            .set("skip", Value::Null);
        let mut q = Vec::new();
        encode_query(&types, &a, &mut q).unwrap();
        let q: Vec<String> = q.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            q,
            [
                "labels=bug,ui",
                "iids[]=1",
                "iids[]=2",
                "confidential=true",
                "confirm=yes",
                "data={\"a\":1}",
                "custom_attributes[team]=x"
            ]
        );
    }

    #[test]
    fn json_body_keeps_comma_lists_and_arrays_as_arrays() {
        let a = Attrs::new()
            .set("labels", vec!["a", "b"])
            .set("iids", vec![3])
            .set("n", 5);
        match encode_body(&types, &a) {
            Body::Json(v) => assert_eq!(v, json!({"labels": ["a", "b"], "iids": [3], "n": 5})),
            other => panic!("expected JSON, got {other:?}"),
        }
    }

    #[test]
    fn files_switch_to_multipart_and_are_refused_in_queries() {
        let a = Attrs::new()
            .set("file", FilePart::new("a.txt", "hi"))
            .set("iids", vec![1, 2]);
        match encode_body(&types, &a) {
            Body::Multipart(parts) => {
                let names: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
                assert_eq!(names, ["file", "iids[]", "iids[]"]);
            }
            other => panic!("expected multipart, got {other:?}"),
        }
        let err = encode_query(&types, &a, &mut Vec::new()).unwrap_err();
        assert!(err.contains("'file' is a file"), "{err}");
    }
}

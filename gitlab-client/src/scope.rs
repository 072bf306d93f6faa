//! What a manager and the objects it makes share: the client, the resource's
//! table, the values of the path's placeholders and the call options. Managers
//! and objects both send their requests through a [`Scope`], so an object keeps
//! exactly the options (sudo, timeout, retry_writes, extra query) of the
//! manager it came from.

use crate::attrs::{encode_body, encode_query, Attrs, Body, Param};
use crate::error::{Error, Op, Result};
use crate::headers::ResponseHeaders;
use crate::meta::{
    ActionMeta, ActionTarget, AttrTable, AttrType, HttpMethod, Operation, ResourceMeta, Returns,
};
use crate::pagination::Cursor;
use crate::transport::{
    decode_error, decode_json, kind_of, CallOptions, Gitlab, Request, Response,
};
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Characters left alone in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes an id for a URL path: `group/project` → `group%2Fproject`; numbers
/// stay as they are. `.` and `..` are encoded too (`%2E`, `%2E%2E`): as path
/// segments they would name another resource (`/projects/1/issues/..` is the project).
pub fn encode_id(id: &Value) -> String {
    let text = match id {
        Value::String(s) => utf8_percent_encode(s, SEGMENT).to_string(),
        other => utf8_percent_encode(&other.to_string(), SEGMENT).to_string(),
    };
    if text.chars().all(|c| c == '.') {
        text.replace('.', "%2E")
    } else {
        text
    }
}

/// An id or placeholder value as one path segment; an empty one is refused,
/// since it would address the collection (or its parent) instead.
fn segment(
    meta: &'static ResourceMeta,
    name: &str,
    template: &'static str,
    v: &Value,
) -> Result<String> {
    let text = encode_id(v);
    let bad = if text.is_empty() {
        Some("is empty")
    } else if matches!(v.as_str(), Some("." | "..")) {
        // URL parsers treat `%2E%2E` like `..` (WHATWG URL), so no encoding makes these safe.
        Some("is a dot segment")
    } else {
        None
    };
    match bad {
        Some(why) => Err(Error::InvalidAttrs {
            op: Op::Raw,
            resource: meta.name,
            message: format!(
                "the value {v} for '{{{name}}}' in {template} {why}; as a path segment it would address another resource"
            ),
        }),
        None => Ok(text),
    }
}

/// The known name closest to `name`, if any is close enough to suggest.
fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// A request's path, query and body, ready to send.
type PreparedRequest = (String, Vec<(String, String)>, Body);

/// A download action with its positional required arguments and the rest.
pub type DownloadCall = (&'static ActionMeta, Vec<Param>, Attrs);

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
            Some(v) if !v.is_null() => out.push_str(&segment(meta, name, template, &v)?),
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

/// An object's attribute by name (`id` is its id attribute), for action paths.
pub(crate) type AttrLookup<'a> = dyn Fn(&str) -> Option<Value> + Sync + 'a;

/// A resource reached by one path with one set of call options.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub gl: Gitlab,
    pub meta: &'static ResourceMeta,
    pub parent: ParentValues,
    pub opts: CallOptions,
}

impl Scope {
    pub fn new(gl: &Gitlab, meta: &'static ResourceMeta) -> Scope {
        Scope {
            gl: gl.clone(),
            meta,
            parent: Arc::new(Vec::new()),
            opts: CallOptions::default(),
        }
    }

    /// The scope of a sub-resource: its placeholders come from `lookup` (the
    /// parent object), and it keeps this scope's sudo, timeout and retry_writes.
    /// Extra query parameters stay behind: they were meant for this resource's
    /// endpoints, not its children's.
    pub fn child(
        &self,
        child: &'static ResourceMeta,
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Scope {
        let parent = child
            .from_parent
            .iter()
            .filter_map(|(placeholder, attr)| Some((*placeholder, lookup(attr)?)))
            .collect();
        Scope {
            gl: self.gl.clone(),
            meta: child,
            parent: Arc::new(parent),
            opts: CallOptions {
                query: Vec::new(),
                ..self.opts.clone()
            },
        }
    }

    pub fn set_parent(&mut self, placeholder: &'static str, value: Value) {
        let mut p: Vec<(&'static str, Value)> = self
            .parent
            .iter()
            .filter(|(k, _)| *k != placeholder)
            .cloned()
            .collect();
        p.push((placeholder, value));
        self.parent = Arc::new(p);
    }

    pub fn parent_value(&self, name: &str) -> Option<Value> {
        self.parent
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }

    /// The collection path with its placeholders filled.
    pub fn path(&self) -> Result<String> {
        fill_path(self.meta, self.meta.path, &|n| self.parent_value(n))
    }

    /// `{path}/{id}`, or just `{path}` for singletons (which have no id attribute).
    pub fn object_path(&self, id: Option<&Value>) -> Result<String> {
        let base = self.path()?;
        Ok(match id.filter(|_| self.meta.id_attr.is_some()) {
            Some(id) => format!("{base}/{}", segment(self.meta, "id", self.meta.path, id)?),
            None => base,
        })
    }

    /// `{path}/{id}` of an existing object; an object without (or with a null)
    /// id is refused, so a call never addresses the whole collection by mistake.
    pub fn existing_object_path(&self, op: Op, id: Option<&Value>) -> Result<String> {
        match self.meta.id_attr {
            None => self.path(),
            Some(k) => match id {
                Some(id) if !id.is_null() => self.object_path(Some(id)),
                _ => Err(self.invalid(op, format!("the object has no '{k}' to address it by"))),
            },
        }
    }

    pub fn require(&self, op: Operation) -> Result<()> {
        if self.meta.supports(op) {
            Ok(())
        } else {
            Err(self.unsupported(op.into()))
        }
    }

    pub fn unsupported(&self, op: Op) -> Error {
        Error::Unsupported {
            resource: self.meta.name,
            op,
        }
    }

    pub fn invalid(&self, op: Op, message: String) -> Error {
        Error::InvalidAttrs {
            op,
            resource: self.meta.name,
            message,
        }
    }

    fn types(&self) -> impl Fn(&str) -> AttrType + '_ {
        move |k| self.meta.attr_type(k)
    }

    pub fn body(&self, attrs: &Attrs) -> Body {
        encode_body(&self.types(), attrs)
    }

    pub fn query(&self, op: Op, attrs: &Attrs) -> Result<Vec<(String, String)>> {
        let mut q = Vec::new();
        encode_query(&self.types(), attrs, &mut q).map_err(|m| self.invalid(op, m))?;
        Ok(q)
    }

    pub async fn send(
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
                resource: self.meta.name,
                method,
                path,
                query,
                body,
                opts: &self.opts,
            })
            .await
    }

    /// A cursor over the pages of `path` with this scope's options.
    pub fn cursor(&self, op: Op, path: String, query: Vec<(String, String)>) -> Cursor {
        Cursor::new(self.gl.clone(), op, path, query, self.opts.clone())
            .for_resource(self.meta.name)
    }

    /// Refuses attribute names the schema does not know (for `what`: "create",
    /// "list filter"…), naming the closest known one; names added with
    /// [`Attrs::set_unchecked`] pass.
    pub fn check_names(
        &self,
        op: Op,
        what: &str,
        attrs: &Attrs,
        known: &dyn Fn(&str) -> bool,
        all_known: &dyn Fn() -> Vec<&'static str>,
    ) -> Result<()> {
        for (name, _) in attrs.iter() {
            if !attrs.is_unchecked(name) {
                self.check_name(op, what, name, known, all_known)?;
            }
        }
        Ok(())
    }

    /// One name of [`check_names`](Self::check_names); `all_known` lists the
    /// known names for the suggestion, only called when `name` is unknown.
    pub fn check_name(
        &self,
        op: Op,
        what: &str,
        name: &str,
        known: &dyn Fn(&str) -> bool,
        all_known: &dyn Fn() -> Vec<&'static str>,
    ) -> Result<()> {
        if known(name) {
            return Ok(());
        }
        let best = closest(name, all_known().into_iter())
            .map(|k| format!(" (did you mean '{k}'?)"))
            .unwrap_or_default();
        Err(self.invalid(
            op,
            format!(
                "unknown {what} attribute '{name}'{best}; the schema does not list it for {}. \
                 To send an attribute newer than the schema, use Attrs::set_unchecked (or `.with` on a builder)",
                self.meta.name
            ),
        ))
    }

    /// [`check_names`](Self::check_names) against a create or update table.
    pub fn check_table_names(
        &self,
        op: Op,
        what: &str,
        table: &AttrTable,
        attrs: &Attrs,
    ) -> Result<()> {
        let all = || table.names().collect();
        self.check_names(op, what, attrs, &|n| table.mentions(n), &all)
    }

    /// Checks required attributes and the exclusive group of `table` against `has`.
    pub fn validate(&self, op: Op, table: &AttrTable, has: &dyn Fn(&str) -> bool) -> Result<()> {
        let missing: Vec<&str> = table.required.iter().filter(|a| !has(a)).collect();
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
            let given: Vec<&str> = table.exclusive.iter().filter(|a| has(a)).collect();
            if given.len() != 1 {
                let group = table.exclusive.to_vec().join(", ");
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

    /// The response as one JSON object.
    fn object_map(
        &self,
        resp: &Response,
        op: Op,
        method: HttpMethod,
        path: &str,
    ) -> Result<Map<String, Value>> {
        match decode_json(resp, op, method, path)? {
            Value::Object(m) => Ok(m),
            other => Err(decode_error(
                resp,
                op,
                method,
                path,
                format!("expected a JSON object, got {}", kind_of(&other)),
            )),
        }
    }

    /// `GET {path}/{id}`.
    pub async fn get(&self, id: &Value) -> Result<Map<String, Value>> {
        let op = Operation::Get;
        self.require(op)?;
        let path = self.object_path(Some(id))?;
        let resp = self
            .send(
                op.into(),
                HttpMethod::Get,
                path.clone(),
                Vec::new(),
                Body::Empty,
            )
            .await?;
        self.object_map(&resp, op.into(), HttpMethod::Get, &path)
    }

    /// `GET {path}` of a singleton, with query filters.
    pub async fn fetch(&self, op: Op, filters: &Attrs) -> Result<Map<String, Value>> {
        if !self.meta.supports(Operation::GetWithoutId) {
            return Err(self.unsupported(op));
        }
        let path = self.path()?;
        let q = self.query(op, filters)?;
        let resp = self
            .send(op, HttpMethod::Get, path.clone(), q, Body::Empty)
            .await?;
        self.object_map(&resp, op, HttpMethod::Get, &path)
    }

    /// `POST {path}` (or the schema's `create_path`).
    pub async fn create(&self, attrs: Attrs) -> Result<Map<String, Value>> {
        let op = Op::from(Operation::Create);
        self.require(Operation::Create)?;
        self.validate(op, self.meta.create_attrs(), &|a| attrs.contains(a))?;
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
        let body = self.body(&attrs);
        let resp = self
            .send(op, HttpMethod::Post, path.clone(), Vec::new(), body)
            .await?;
        self.object_map(&resp, op, HttpMethod::Post, &path)
    }

    /// `PUT {path}/{id}` (or the schema's update method) with `attrs`, already
    /// validated by the caller. `None` when the server answered with no body (204).
    pub async fn update(&self, path: String, attrs: &Attrs) -> Result<Option<Map<String, Value>>> {
        let op = Op::from(Operation::Update);
        let method = self.meta.update_method;
        let resp = self
            .send(op, method, path.clone(), Vec::new(), self.body(attrs))
            .await?;
        match decode_json(&resp, op, method, &path)? {
            Value::Object(m) => Ok(Some(m)),
            Value::Null => Ok(None),
            other => Err(decode_error(
                &resp,
                op,
                method,
                &path,
                format!("expected a JSON object, got {}", kind_of(&other)),
            )),
        }
    }

    /// `DELETE {path}`.
    pub async fn delete(&self, path: String) -> Result<()> {
        self.require(Operation::Delete)?;
        self.send(
            Operation::Delete.into(),
            HttpMethod::Delete,
            path,
            Vec::new(),
            Body::Empty,
        )
        .await?;
        Ok(())
    }

    /// `PUT {path}/{key}` with `{"value": value}` plus `extra`.
    pub async fn set(&self, key: &Value, value: Value, extra: Attrs) -> Result<Map<String, Value>> {
        let op = Op::from(Operation::Set);
        self.require(Operation::Set)?;
        let path = self.object_path(Some(key))?;
        let mut attrs = extra;
        attrs.insert("value", value);
        let body = self.body(&attrs);
        let resp = self
            .send(op, HttpMethod::Put, path.clone(), Vec::new(), body)
            .await?;
        self.object_map(&resp, op, HttpMethod::Put, &path)
    }

    /// The path, query and body of a custom action's request.
    fn prepare_action(
        &self,
        object: Option<&AttrLookup<'_>>,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<PreparedRequest> {
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
                // The generator writes these from parsed JSON; text that does not parse is sent as text.
                let v: Value =
                    serde_json::from_str(json).unwrap_or_else(|_| Value::String(json.to_string()));
                args.insert(*k, v);
            }
        }
        let lookup = |name: &str| -> Option<Value> {
            if name == "id" {
                return object.and_then(|o| o("id"));
            }
            if let Some(Param::Value(v)) = args.get(name) {
                if a.required.contains(name) {
                    return Some(v.clone());
                }
            }
            self.parent_value(name)
                .or_else(|| object.and_then(|o| o(name)))
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
        let (query, body) = if a.method.args_in_query() {
            (self.query(op, &rest)?, Body::Empty)
        } else {
            (Vec::new(), self.body(&rest))
        };
        Ok((path, query, body))
    }

    /// The download action `name` of this resource for `target` (object or
    /// manager), with the caller's `args` split into the positional required
    /// ones and the rest: what `download_to` on objects and managers runs.
    pub fn download_action(
        &self,
        target: ActionTarget,
        name: &str,
        mut args: Attrs,
    ) -> Result<DownloadCall> {
        let op = Op::Action("download_to");
        let downloads = || {
            self.meta
                .actions
                .iter()
                .filter(move |a| a.on == target && a.returns == Returns::Raw)
        };
        let Some(a) = downloads().find(|a| a.name == name) else {
            let known: Vec<&str> = downloads().map(|a| a.name).collect();
            let closest = closest(name, known.iter().copied())
                .map(|k| format!("; did you mean '{k}'?"))
                .unwrap_or_default();
            let whose = if target == ActionTarget::Object {
                "objects"
            } else {
                "manager"
            };
            let those = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(self.invalid(
                op,
                format!("'{name}' is not a download of its {whose} (those are: {those}){closest}"),
            ));
        };
        let mut required = Vec::with_capacity(a.required.len());
        for r in a.required {
            let v = args.remove(r).ok_or_else(|| {
                self.invalid(
                    op,
                    format!("the download '{name}' needs the argument '{r}'"),
                )
            })?;
            required.push(v);
        }
        Ok((a, required, args))
    }

    /// Runs a custom action that returns raw bytes (`returns: raw`), writing
    /// the body to `out` as it arrives; the count of bytes written.
    pub async fn run_action_to(
        &self,
        object: Option<&AttrLookup<'_>>,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        let op = Op::Action(a.name);
        if a.returns != Returns::Raw {
            return Err(Error::InvalidAttrs {
                op,
                resource: self.meta.name,
                message: format!(
                    "the action '{}' returns {}, not raw bytes; only downloads stream to a writer",
                    a.name,
                    gitlab_vocab::Word::as_str(a.returns)
                ),
            });
        }
        let (path, query, body) = self.prepare_action(object, a, required, optional)?;
        let req = Request {
            op,
            resource: self.meta.name,
            method: a.method,
            path,
            query,
            body,
            opts: &self.opts,
        };
        Ok(self.gl.send_to(req, Some(out)).await?.1)
    }

    /// Runs a custom action. `object` looks up the object's attributes (`id`
    /// is its id attribute) for path placeholders; `None` for manager actions.
    pub async fn run_action(
        &self,
        object: Option<&AttrLookup<'_>>,
        a: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        let op = Op::Action(a.name);
        let (path, query, body) = self.prepare_action(object, a, required, optional)?;
        if a.returns == Returns::List {
            let mut cursor = self.cursor(op, path, query);
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
            Returns::Headers => {
                ActionResult::Headers(ResponseHeaders::from_header_map(&resp.headers))
            }
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
    /// The response headers (`returns: headers`, the answer to a `HEAD`).
    Headers(ResponseHeaders),
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
            ActionResult::Headers(h) => h.to_json(),
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
            ActionResult::Headers(h) => vec![h.to_json()],
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
            ActionResult::Headers(h) => Bytes::from(h.to_json().to_string()),
        }
    }
}

impl FromActionResult for ResponseHeaders {
    fn from_output(o: ActionResult) -> Self {
        match o {
            ActionResult::Headers(h) => h,
            _ => ResponseHeaders::default(),
        }
    }
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
        assert_eq!(encode_id(&Value::from(".")), "%2E");
        assert_eq!(encode_id(&Value::from("..")), "%2E%2E");
        assert_eq!(encode_id(&Value::from("a..b")), "a..b");
    }

    proptest::proptest! {
        /// No id, however odd, changes which resource a path names: after a
        /// WHATWG URL parse (what reqwest does) the id is still exactly one
        /// segment, in its place, and decodes back to itself. Dot segments are
        /// refused by `segment` before this point, so they are left out here.
        #[test]
        fn any_id_stays_one_path_segment(id in "\\PC{1,40}|[./%?#\\\\ ]{1,8}") {
            proptest::prop_assume!(id != "." && id != "..");
            let url = format!("http://gitlab.test/api/v4/projects/{}/issues", encode_id(&Value::from(id.as_str())));
            let parsed = reqwest::Url::parse(&url).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let segs: Vec<&str> = parsed.path_segments().map(|s| s.collect()).unwrap_or_default();
            proptest::prop_assert_eq!(segs.len(), 5, "{} -> {}", id, parsed);
            proptest::prop_assert_eq!(segs[2], "projects");
            proptest::prop_assert_eq!(segs[4], "issues");
            let back = percent_encoding::percent_decode_str(segs[3]).decode_utf8_lossy();
            proptest::prop_assert_eq!(back.as_ref(), id.as_str());
            proptest::prop_assert!(parsed.query().is_none() && parsed.fragment().is_none());
        }
    }
}

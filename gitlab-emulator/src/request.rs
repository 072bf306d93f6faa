//! Decoding an HTTP request into what handlers need: the path segments, the
//! query pairs and one map of parameters from the query string and the body
//! (JSON, form-urlencoded or multipart), as GitLab merges them.

use crate::reply::{ApiError, ApiResult};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// The HTTP methods the API uses. `HEAD` is routed as `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn parse(m: &str) -> Option<Verb> {
        Some(match m {
            "GET" | "HEAD" => Verb::Get,
            "POST" => Verb::Post,
            "PUT" => Verb::Put,
            "PATCH" => Verb::Patch,
            "DELETE" => Verb::Delete,
            _ => return None,
        })
    }

    pub fn from_meta(m: gitlab_client::meta::HttpMethod) -> Verb {
        use gitlab_client::meta::HttpMethod as H;
        match m {
            H::Get => Verb::Get,
            H::Post => Verb::Post,
            H::Put => Verb::Put,
            H::Patch => Verb::Patch,
            H::Delete => Verb::Delete,
            // A HEAD is answered as its GET; the server leaves out the body.
            H::Head => Verb::Get,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }

    pub fn is_write(self) -> bool {
        self != Verb::Get
    }
}

/// A request below `/api/v4`, decoded.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub verb: Verb,
    /// The path as sent, still percent-encoded (`/api/v4/projects/a%2Fb`).
    pub raw_path: String,
    /// Path segments after `/api/v4`, each percent-decoded on its own, so
    /// `group%2Fproject` stays one segment.
    pub segments: Vec<String>,
    /// Query pairs as sent (decoded), in order.
    pub query: Vec<(String, String)>,
    pub params: Params,
    /// Credentials, whichever header carried them.
    pub token: Option<String>,
    pub sudo: Option<String>,
    /// The body as sent (raw uploads such as generic packages).
    pub body: bytes::Bytes,
}

/// Splits `/api/v4/projects/a%2Fb` into decoded segments below the API root.
/// `None` when the path is not under `/api/v4`.
pub(crate) fn api_segments(raw_path: &str) -> Option<Vec<String>> {
    let rest = raw_path.strip_prefix("/api/v4")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let mut segs: Vec<String> = rest
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    while segs.last().is_some_and(|s| s.is_empty()) {
        segs.pop();
    }
    Some(segs)
}

/// Parameters from the query string and the body. Values that arrived as text
/// (query strings, forms) are remembered so they can be given their types later.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    map: Map<String, Value>,
    text_keys: HashSet<String>,
    /// The bytes of multipart file parts, by parameter name (the map holds
    /// only their description).
    files: HashMap<String, bytes::Bytes>,
}

impl Params {
    /// Adds `name=value` from a query string or form: `a[]=x` appends to an array,
    /// `a[b]=x` sets a key of an object, anything else replaces.
    pub fn add_text(&mut self, name: &str, value: &str) {
        let value = Value::String(value.to_string());
        if let Some(base) = name.strip_suffix("[]") {
            self.text_keys.insert(base.to_string());
            match self.map.get_mut(base) {
                Some(Value::Array(list)) => list.push(value),
                _ => {
                    self.map.insert(base.to_string(), Value::Array(vec![value]));
                }
            }
            return;
        }
        if let Some(open) = name.find('[') {
            if let Some(sub) = name[open + 1..].strip_suffix(']') {
                let base = &name[..open];
                self.text_keys.insert(base.to_string());
                let entry = self
                    .map
                    .entry(base.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(m) = entry {
                    m.insert(sub.to_string(), value);
                }
                return;
            }
        }
        self.text_keys.insert(name.to_string());
        self.map.insert(name.to_string(), value);
    }

    /// Adds a typed value from a JSON body.
    pub fn add_json(&mut self, name: String, value: Value) {
        self.text_keys.remove(&name);
        self.map.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Whether `name` was sent at all, even as `null` (grape's presence check).
    pub fn present(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map.iter()
    }

    /// The content of the multipart file part `name`, if one was sent.
    pub fn file(&self, name: &str) -> Option<&bytes::Bytes> {
        self.files.get(name)
    }

    /// A scalar as text.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A scalar as text, `None` when blank.
    pub fn nonblank(&self, name: &str) -> Option<String> {
        self.str(name).filter(|s| !s.trim().is_empty())
    }

    /// A scalar as text that must be there: `400 {"error": "<name> is missing"}`
    /// when it is absent or blank, as GitLab's parameter validation answers.
    pub fn required(&self, name: &str) -> ApiResult<String> {
        self.nonblank(name)
            .ok_or_else(|| ApiError::error(400, format!("{name} is missing")))
    }

    /// A non-negative integer; `400 {"error": "<name> is invalid"}` for anything else.
    pub fn u64(&self, name: &str) -> ApiResult<Option<u64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => value_u64(v)
                .map(Some)
                .ok_or_else(|| ApiError::error(400, format!("{name} is invalid"))),
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => value_bool(v)
                .map(Some)
                .ok_or_else(|| ApiError::error(400, format!("{name} is invalid"))),
        }
    }

    /// A list given as a JSON array, `a[]=` pairs or a comma-separated string.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.trim().to_string()),
                        Value::Null => None,
                        other => Some(other.to_string()),
                    })
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            Value::String(s) => Some(
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            Value::Number(n) => Some(vec![n.to_string()]),
            _ => None,
        }
    }

    pub fn u64_list(&self, name: &str) -> ApiResult<Option<Vec<u64>>> {
        match self.list(name) {
            None => Ok(None),
            Some(items) => items
                .iter()
                .map(|i| i.parse::<u64>().ok())
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| ApiError::error(400, format!("{name} is invalid"))),
        }
    }

    /// A value to store on an object as the client meant it: text from a query or
    /// form becomes a boolean or number where the attribute is one.
    pub fn typed(&self, name: &str, ty: gitlab_client::meta::AttrType) -> Option<Value> {
        use gitlab_client::meta::AttrType;
        let v = self.get(name)?;
        if !self.text_keys.contains(name) {
            return Some(match (ty, v) {
                (AttrType::CommaSeparated, Value::String(_)) => {
                    Value::Array(self.list(name)?.into_iter().map(Value::String).collect())
                }
                _ => v.clone(),
            });
        }
        Some(match ty {
            AttrType::Boolean => value_bool(v).map_or_else(|| v.clone(), Value::Bool),
            AttrType::Integer => value_u64(v).map_or_else(|| v.clone(), Value::from),
            AttrType::CommaSeparated | AttrType::Array => {
                Value::Array(self.list(name)?.into_iter().map(Value::String).collect())
            }
            AttrType::Json => match v {
                Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
                other => other.clone(),
            },
            _ => guess_type(name, v),
        })
    }
}

/// Gives text from a query or form a likely JSON type by the attribute's name:
/// `*_id`, `*_level`, `*_limit` numbers, `true`/`false` booleans except in free text.
fn guess_type(name: &str, v: &Value) -> Value {
    let Value::String(s) = v else {
        return v.clone();
    };
    const TEXT: &[&str] = &[
        "title",
        "description",
        "name",
        "path",
        "body",
        "message",
        "search",
        "username",
        "email",
        "bio",
        "note",
    ];
    if TEXT.contains(&name) {
        return v.clone();
    }
    let numeric_name = name == "id"
        || name.ends_with("_id")
        || name.ends_with("_level")
        || name.ends_with("_limit")
        || name.ends_with("_timeout")
        || name.ends_with("_count")
        || name.ends_with("_depth");
    if numeric_name {
        if let Ok(n) = s.parse::<u64>() {
            return Value::from(n);
        }
    }
    match s.as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => v.clone(),
    }
}

pub(crate) fn value_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn value_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "t" => Some(true),
            "false" | "0" | "no" | "f" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_u64().map(|n| n != 0),
        _ => None,
    }
}

/// Reads the body into `params` according to its content type.
pub(crate) fn parse_body(
    content_type: Option<&str>,
    body: &[u8],
    params: &mut Params,
) -> ApiResult<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("application/octet-stream") {
        return Ok(()); // a raw upload, read from the body itself
    }
    if ct.starts_with("multipart/form-data") {
        let boundary = content_type
            .and_then(boundary_of)
            .ok_or_else(|| ApiError::error(400, "multipart body without a boundary"))?;
        return parse_multipart(body, &boundary, params);
    }
    if ct.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in form_urlencoded::parse(body) {
            params.add_text(&k, &v);
        }
        return Ok(());
    }
    let looks_json = ct.contains("json")
        || body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
    if looks_json {
        return match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => {
                for (k, v) in m {
                    params.add_json(k, v);
                }
                Ok(())
            }
            Ok(_) => Err(ApiError::error(
                400,
                "The request body must be a JSON object",
            )),
            Err(_) => Err(ApiError::error(
                400,
                "The request body is not valid JSON (check the Content-Type and the body)",
            )),
        };
    }
    // No usable content type: GitLab treats such bodies as form data.
    for (k, v) in form_urlencoded::parse(body) {
        params.add_text(&k, &v);
    }
    Ok(())
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// A small multipart/form-data reader: text parts become parameters, file parts
/// become `{"filename", "size", "content_type"}`, their bytes kept aside ([`Params::file`]).
fn parse_multipart(body: &[u8], boundary: &str, params: &mut Params) -> ApiResult<()> {
    let delimiter = format!("--{boundary}");
    let delim = delimiter.as_bytes();
    let bad = || ApiError::error(400, "malformed multipart body");
    let mut pos = find(body, delim, 0).ok_or_else(bad)?;
    loop {
        pos += delim.len();
        if body[pos..].starts_with(b"--") {
            return Ok(()); // closing delimiter
        }
        // Skip the line break after the delimiter.
        if body[pos..].starts_with(b"\r\n") {
            pos += 2;
        } else if body[pos..].starts_with(b"\n") {
            pos += 1;
        }
        let header_end = find(body, b"\r\n\r\n", pos).ok_or_else(bad)?;
        let headers = String::from_utf8_lossy(&body[pos..header_end]).into_owned();
        let content_start = header_end + 4;
        let next = find(body, delim, content_start).ok_or_else(bad)?;
        let mut content_end = next;
        if content_end >= 2 && &body[content_end - 2..content_end] == b"\r\n" {
            content_end -= 2;
        }
        let content = body.get(content_start..content_end).unwrap_or(&[]);
        let mut name = None;
        let mut filename = None;
        let mut ctype = None;
        for line in headers.lines() {
            let Some((hk, hv)) = line.split_once(':') else {
                continue;
            };
            if hk.trim().eq_ignore_ascii_case("content-disposition") {
                for piece in hv.split(';') {
                    if let Some((k, v)) = piece.trim().split_once('=') {
                        let v = v.trim().trim_matches('"').to_string();
                        match k.trim() {
                            "name" => name = Some(v),
                            "filename" => filename = Some(v),
                            _ => {}
                        }
                    }
                }
            } else if hk.trim().eq_ignore_ascii_case("content-type") {
                ctype = Some(hv.trim().to_string());
            }
        }
        if let Some(name) = name {
            match filename {
                Some(f) => {
                    let mut file = Map::new();
                    file.insert("filename".into(), Value::String(f));
                    file.insert("size".into(), Value::from(content.len()));
                    file.insert(
                        "content_type".into(),
                        Value::String(ctype.unwrap_or_else(|| "application/octet-stream".into())),
                    );
                    params
                        .files
                        .insert(name.clone(), bytes::Bytes::copy_from_slice(content));
                    params.add_json(name, Value::Object(file));
                }
                None => params.add_text(&name, &String::from_utf8_lossy(content)),
            }
        }
        pos = next;
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_encoded_slashes_inside_one_segment() {
        assert_eq!(
            api_segments("/api/v4/projects/group%2Fproject/issues/").unwrap(),
            ["projects", "group/project", "issues"]
        );
        assert_eq!(api_segments("/api/v4").unwrap(), Vec::<String>::new());
        assert!(api_segments("/api/v44/x").is_none());
        assert!(api_segments("/projects").is_none());
    }

    #[test]
    fn text_params_build_arrays_and_objects() {
        let mut p = Params::default();
        p.add_text("iids[]", "1");
        p.add_text("iids[]", "2");
        p.add_text("custom[team]", "x");
        p.add_text("labels", "a, b,,c");
        assert_eq!(p.u64_list("iids").unwrap(), Some(vec![1, 2]));
        assert_eq!(p.get("custom"), Some(&serde_json::json!({"team": "x"})));
        assert_eq!(p.list("labels").unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn multipart_text_and_file_parts_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--\r\n";
        let mut p = Params::default();
        parse_body(Some("multipart/form-data; boundary=XyZ"), body, &mut p).unwrap();
        assert_eq!(p.str("title").as_deref(), Some("hello"));
        assert_eq!(p.get("file").unwrap()["size"], 3);
        assert_eq!(p.get("file").unwrap()["filename"], "a.txt");
        assert_eq!(p.file("file").map(|b| &b[..]), Some(&b"abc"[..]));
        assert!(p.file("title").is_none());
    }

    #[test]
    fn broken_bodies_are_errors_not_panics() {
        let mut p = Params::default();
        assert!(parse_body(Some("application/json"), b"{\"a\":", &mut p).is_err());
        assert!(parse_body(Some("application/json"), b"[1]", &mut p).is_err());
        assert!(parse_body(
            Some("multipart/form-data; boundary=q"),
            b"--q\r\nxx",
            &mut p
        )
        .is_err());
        assert!(parse_body(Some("multipart/form-data"), b"--q", &mut p).is_err());
    }
}

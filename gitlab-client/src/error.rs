//! The one error type of the client.

use crate::meta::{HttpMethod, Operation};
use std::fmt;

/// What the caller was doing when the error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// A standard operation of a resource (`list`, `get`, `create`, …).
    Resource(Operation),
    /// A custom action, by schema name (`star`, `move`, …).
    Action(&'static str),
    /// `gl.auth()`: reading the authenticated user.
    Auth,
    /// `gl.version()`.
    Version,
    /// A raw `http_*` call.
    Raw,
    /// A GraphQL request (`gl.graphql(..)`).
    GraphQL,
}

impl From<Operation> for Op {
    fn from(op: Operation) -> Op {
        Op::Resource(op)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A singleton's read is still a "get" to the person reading the error.
            Op::Resource(Operation::GetWithoutId) => f.write_str("get"),
            Op::Resource(op) => f.write_str(op.as_str()),
            Op::Action(a) => write!(f, "action {a}"),
            Op::Auth => f.write_str("auth"),
            Op::Version => f.write_str("version"),
            Op::Raw => f.write_str("request"),
            Op::GraphQL => f.write_str("graphql"),
        }
    }
}

/// Largest part of a response body kept in an error.
pub(crate) const MAX_ERROR_BODY: usize = 16 * 1024;

/// Every way a call can fail. `Display` is one line a user can act on; the
/// structured fields are there for programs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status.
    #[error("{} ({method} {path})", api_summary(*status, message))]
    Api {
        /// What the caller was doing.
        op: Op,
        /// HTTP method of the request.
        method: HttpMethod,
        /// Path below `/api/v4`, without the query.
        path: String,
        /// HTTP status the server answered.
        status: u16,
        /// GitLab's message (`{"message": ...}` / `{"error": ...}`), flattened to one line.
        message: String,
        /// The raw response body (cut at 16 KiB).
        body: String,
    },
    /// The request did not produce a response (connection refused, reset, timeout, TLS…).
    #[error("{op}: {method} {path} failed: {}", transport_kind(source, *maybe_sent && !method.is_idempotent()))]
    Transport {
        /// What the caller was doing.
        op: Op,
        /// HTTP method of the request.
        method: HttpMethod,
        /// Path below `/api/v4`, without the query.
        path: String,
        /// Whether the request may have reached the server (false for connect errors).
        maybe_sent: bool,
        #[source]
        /// The underlying HTTP error.
        source: reqwest::Error,
    },
    /// The server answered 2xx but the body is not what this operation expects.
    #[error("{op}: unexpected response to {method} {path} (status {status}): {detail}")]
    Decode {
        /// What the caller was doing.
        op: Op,
        /// HTTP method of the request.
        method: HttpMethod,
        /// Path below `/api/v4`, without the query.
        path: String,
        /// HTTP status the server answered.
        status: u16,
        /// What did not fit.
        detail: String,
        /// The raw response body (cut at 16 KiB).
        body: String,
    },
    /// Attributes rejected before any request: a missing required one, a broken exclusive group.
    #[error("{op} {resource}: {message}")]
    InvalidAttrs {
        /// What the caller was doing.
        op: Op,
        /// The resource, by schema name.
        resource: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The schema does not list this operation for the resource.
    #[error("{resource} does not support {op}")]
    Unsupported {
        /// The resource, by schema name.
        resource: &'static str,
        /// The operation it lacks.
        op: Op,
    },
    /// A path placeholder has no value: the manager was built without its parent.
    #[error("{resource}: no value for '{{{placeholder}}}' in {path}; reach it from its parent object or pass it with with_parent()")]
    MissingParent {
        /// The resource, by schema name.
        resource: &'static str,
        /// The placeholder without a value.
        placeholder: String,
        /// Path below `/api/v4`, without the query.
        path: &'static str,
    },
    /// An attribute exists but does not have the requested shape.
    #[error("attribute '{attr}' of {resource}: {detail}")]
    Attribute {
        /// The resource, by schema name.
        resource: &'static str,
        /// The attribute, or a path into it (`author.id`).
        attr: String,
        /// What did not fit.
        detail: String,
    },
    /// The response body was larger than the client's limit; nothing of it is kept.
    #[error("{op}: the response to {method} {path} is larger than the limit of {limit} bytes (at least {got}); raise it with GitlabBuilder::max_response_size")]
    TooLarge {
        /// What the caller was doing.
        op: Op,
        /// HTTP method of the request.
        method: HttpMethod,
        /// Path below `/api/v4`, without the query.
        path: String,
        /// The limit, in bytes.
        limit: u64,
        /// How much the body had (or announced) when reading stopped.
        got: u64,
    },
    /// Writing a streamed download to the caller's writer failed; `written`
    /// bytes had reached it, so it holds a partial body.
    #[error("{op}: writing the body of {method} {path} failed after {written} bytes: {source}")]
    Write {
        /// What the caller was doing.
        op: Op,
        /// HTTP method of the request.
        method: HttpMethod,
        /// Path below `/api/v4`, without the query.
        path: String,
        /// Bytes written before the failure.
        written: u64,
        #[source]
        /// The writer's error.
        source: std::io::Error,
    },
    /// A client setting is unusable (bad URL, bad header value…).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// GitLab answered a GraphQL request with an `errors` array. What it
    /// could resolve is in `data` (GraphQL's partial results), often `None`.
    #[error("graphql: {}", graphql_summary(errors))]
    GraphQL {
        /// Every error GitLab listed, in order.
        errors: Vec<GraphQLError>,
        /// The `data` of the same response, when it had any (not `null`).
        data: Option<serde_json::Value>,
    },
    /// A call of the blocking client (module `blocking`) was made on a thread that runs an
    /// async runtime, where it would stall that runtime (or deadlock it, if the
    /// server runs there too). Nothing was sent.
    #[error("the blocking client was called from inside an async runtime; use the async client there (blocking::Gitlab::as_async), or call it from tokio::task::spawn_blocking or a plain thread")]
    BlockingInAsync,
}

/// One entry of a GraphQL response's `errors` array.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphQLError {
    /// What went wrong, as GitLab says it.
    pub message: String,
    /// Where in the query document: `(line, column)` pairs, 1-based.
    pub locations: Vec<(u64, u64)>,
    /// The response field the error belongs to: names and list indexes
    /// (`["project", "issues", "nodes", 0]`); empty for errors of the whole request.
    pub path: Vec<serde_json::Value>,
    /// GitLab's `extensions` object, if any (codes and details).
    pub extensions: Option<serde_json::Value>,
}

impl GraphQLError {
    /// Reads one entry of `errors`; entries that are not objects keep their text as the message.
    pub(crate) fn from_json(v: &serde_json::Value) -> GraphQLError {
        use serde_json::Value;
        let message = match v.get("message") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None if v.is_object() => String::new(),
            None => v.to_string(),
        };
        let locations = v
            .get("locations")
            .and_then(Value::as_array)
            .map(|ls| {
                ls.iter()
                    .filter_map(|l| Some((l.get("line")?.as_u64()?, l.get("column")?.as_u64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let path = v
            .get("path")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        GraphQLError {
            message,
            locations,
            path,
            extensions: v.get("extensions").cloned(),
        }
    }
}

impl fmt::Display for GraphQLError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.path.is_empty() {
            let p: Vec<String> = self
                .path
                .iter()
                .map(|s| match s {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            write!(f, " (at {})", p.join("."))?;
        }
        if let Some((line, col)) = self.locations.first() {
            write!(f, " [line {line}, column {col}]")?;
        }
        Ok(())
    }
}

fn graphql_summary(errors: &[GraphQLError]) -> String {
    match errors {
        [] => "the response has an empty errors array".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

fn api_summary(status: u16, message: &str) -> String {
    if message.is_empty() {
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        return format!("{status} {reason}").trim_end().to_string();
    }
    // GitLab often repeats the status in the message ("404 Project Not Found").
    if message.starts_with(&status.to_string()) {
        message.to_string()
    } else {
        format!("{status} {message}")
    }
}

fn transport_kind(e: &reqwest::Error, maybe_sent: bool) -> &'static str {
    // reqwest folds TLS failures into connect errors; its source chain says which.
    let mut chain = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cur {
        chain.push_str(&c.to_string().to_ascii_lowercase());
        chain.push(' ');
        cur = c.source();
    }
    if chain.contains("certificate")
        || chain.contains("unknownissuer")
        || chain.contains("tls handshake")
    {
        "TLS verification failed (the server's certificate is not trusted; see ssl_verify / a CA bundle)"
    } else if e.is_timeout() {
        if maybe_sent {
            "timed out; the request may have reached the server"
        } else {
            "timed out"
        }
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_body() || e.is_decode() {
        "the response body broke off"
    } else if maybe_sent {
        "the connection broke; the request may have reached the server"
    } else if e.is_request() {
        "the request could not be sent"
    } else {
        "transport error"
    }
}

impl Error {
    /// HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the server answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// GitLab's message for API errors (the first message of a GraphQL error).
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(message),
            Error::GraphQL { errors, .. } => errors.first().map(|e| e.message.as_str()),
            _ => None,
        }
    }

    /// Whether retrying the same request could succeed: rate limits (429), the
    /// transient server errors the retry policy retries (500, 502–504, 520–529),
    /// and transport failures, except for a POST or PATCH that may have reached
    /// the server (repeating it could do the write twice).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => {
                *status == 429 || crate::retry::is_transient_status(*status)
            }
            // A write that may have reached the server is not safe to repeat blindly.
            Error::Transport {
                source,
                maybe_sent,
                method,
                ..
            } => {
                let transient = source.is_timeout() || source.is_connect() || source.is_request();
                transient && (!*maybe_sent || method.is_idempotent())
            }
            _ => false,
        }
    }
}

/// Extracts GitLab's message from an error body: `{"message": "..."}`,
/// `{"message": {"title": ["can't be blank"]}}`, `{"error": "...", "error_description": "..."}`.
pub(crate) fn server_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut parts = Vec::new();
        if let Some(m) = v.get("message") {
            flatten_message(None, m, &mut parts);
        }
        if let Some(e) = v.get("error") {
            flatten_message(None, e, &mut parts);
        }
        if let Some(d) = v.get("error_description").and_then(|d| d.as_str()) {
            parts.push(d.to_string());
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    // Not JSON: keep a short plain-text body, never an HTML page.
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = text.trim();
    if text.starts_with('<') || text.is_empty() {
        String::new()
    } else {
        text.lines().next().unwrap_or_default().to_string()
    }
}

fn flatten_message(prefix: Option<&str>, v: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::String(s) => out.push(match prefix {
            Some(p) => format!("{p} {s}"),
            None => s.clone(),
        }),
        Value::Array(items) => {
            for i in items {
                flatten_message(prefix, i, out);
            }
        }
        Value::Object(map) => {
            for (k, i) in map {
                let p = match prefix {
                    Some(p) => format!("{p}.{k}"),
                    None => k.clone(),
                };
                flatten_message(Some(&p), i, out);
            }
        }
        Value::Null => {}
        other => out.push(match prefix {
            Some(p) => format!("{p} {other}"),
            None => other.to_string(),
        }),
    }
}

pub(crate) fn body_excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_ERROR_BODY)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Shorthand for `Result<T, gitlab_client::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

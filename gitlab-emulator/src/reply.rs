//! What a handler answers: a status, headers and a body, plus GitLab's error shapes.

use bytes::Bytes;
use serde_json::{json, Map, Value};

/// A finished response, before faults are applied.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// Whether `body` is JSON (sets `Content-Type`).
    pub json: bool,
}

impl Reply {
    pub fn json(status: u16, v: &Value) -> Reply {
        Reply::raw_json(status, Bytes::from(to_bytes(v)))
    }

    /// A JSON body that is already serialised.
    pub fn raw_json(status: u16, body: Bytes) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            json: true,
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            json: false,
        }
    }

    pub fn text(status: u16, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            json: false,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// Serialises a JSON value; a `Value` always serialises.
pub(crate) fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec())
}

/// An error answer in one of GitLab's shapes.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub body: Value,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// `{"message": "..."}`
    pub fn message(status: u16, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "message": msg.into() }),
        }
    }

    /// `{"error": "..."}`, as GitLab's parameter validation answers.
    pub fn error(status: u16, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": msg.into() }),
        }
    }

    /// `404 <What> Not Found`, or GitLab's generic `404 Not found` without a label.
    pub fn not_found(what: Option<&str>) -> ApiError {
        match what {
            Some(w) => ApiError::message(404, format!("404 {w} Not Found")),
            None => ApiError::message(404, "404 Not found"),
        }
    }

    /// An unknown endpoint.
    pub fn no_route() -> ApiError {
        ApiError::error(404, "404 Not Found")
    }

    pub fn unauthorized() -> ApiError {
        ApiError::message(401, "401 Unauthorized")
    }

    pub fn forbidden() -> ApiError {
        ApiError::message(403, "403 Forbidden")
    }

    pub fn forbidden_because(why: &str) -> ApiError {
        ApiError::message(403, format!("403 Forbidden - {why}"))
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::message(405, "405 Method Not Allowed")
    }

    /// Model validation failures: `{"message": {"title": ["can't be blank"]}}`.
    pub fn validation(status: u16, fields: &[(&str, &str)]) -> ApiError {
        let mut m = Map::new();
        for (field, problem) in fields {
            let entry = m
                .entry(field.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(Value::String(problem.to_string()));
            }
        }
        ApiError {
            status,
            body: json!({ "message": m }),
        }
    }

    /// Required attributes that are missing or blank.
    pub fn blank(fields: &[&str]) -> ApiError {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|f| (*f, "can't be blank")).collect();
        ApiError::validation(400, &pairs)
    }

    /// `{"message": ["..."]}`, the shape merge request validations use.
    pub fn message_list(status: u16, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "message": [msg.into()] }),
        }
    }

    pub fn into_reply(self) -> Reply {
        Reply::json(self.status, &self.body)
    }
}

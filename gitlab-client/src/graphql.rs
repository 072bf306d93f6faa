//! GitLab's GraphQL API (`POST /api/graphql`) through the same transport as
//! REST: authentication, retries, rate limits, timeouts, size limits, tracing
//! and redaction are the ones every REST call gets.
//!
//! A query document without a `mutation` is safe to repeat, so it is retried
//! after 5xx answers and timeouts like a GET (when `retry_transient_errors`
//! is on); a document with a mutation is retried like a POST.

use crate::attrs::Body;
use crate::error::{Error, GraphQLError, Op, Result};
use crate::meta::HttpMethod;
use crate::transport::{decode_error, decode_json, kind_of, CallOptions, Gitlab, Request};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Where the GraphQL endpoint is shown in errors and spans.
const GRAPHQL_PATH: &str = "/api/graphql";

/// Whether a query document may change something (then it is retried like a
/// POST). Conservative: any `mutation` word outside comments counts.
fn is_mutation(query: &str) -> bool {
    query
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .any(|l| l.contains("mutation"))
}

impl Gitlab {
    /// Runs a GraphQL query and returns its `data`.
    ///
    /// `variables` is a JSON object (or `null` for none). A response with an
    /// `errors` array is [`Error::GraphQL`], with the messages, locations,
    /// paths and whatever partial `data` came with them.
    ///
    /// ```no_run
    /// # async fn f(gl: gitlab_client::Gitlab) -> gitlab_client::Result<()> {
    /// let data = gl
    ///     .graphql("query($p: ID!) { project(fullPath: $p) { name } }", serde_json::json!({"p": "group/project"}))
    ///     .await?;
    /// println!("{}", data["project"]["name"]);
    /// # Ok(()) }
    /// ```
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value> {
        let variables = match variables {
            Value::Null => Value::Object(Map::new()),
            v @ Value::Object(_) => v,
            other => {
                return Err(Error::InvalidAttrs {
                    op: Op::GraphQL,
                    resource: "graphql",
                    message: format!(
                        "variables must be a JSON object, got {}; nothing was sent",
                        kind_of(&other)
                    ),
                })
            }
        };
        let opts = CallOptions {
            retry_writes: !is_mutation(query),
            ..CallOptions::default()
        };
        let body = Body::Json(serde_json::json!({ "query": query, "variables": variables }));
        let resp = self
            .send(Request {
                op: Op::GraphQL,
                resource: "",
                method: HttpMethod::Post,
                path: GRAPHQL_PATH.into(),
                query: Vec::new(),
                body,
                opts: &opts,
            })
            .await?;
        let v = decode_json(&resp, Op::GraphQL, HttpMethod::Post, GRAPHQL_PATH)?;
        let Value::Object(mut top) = v else {
            return Err(decode_error(
                &resp,
                Op::GraphQL,
                HttpMethod::Post,
                GRAPHQL_PATH,
                format!("expected a JSON object, got {}", kind_of(&v)),
            ));
        };
        let data = top.remove("data");
        match top.remove("errors") {
            Some(Value::Array(errs)) if !errs.is_empty() => Err(Error::GraphQL {
                errors: errs.iter().map(GraphQLError::from_json).collect(),
                data: data.filter(|d| !d.is_null()),
            }),
            Some(Value::Array(_)) | Some(Value::Null) | None => match data {
                Some(d) => Ok(d),
                None => Err(decode_error(
                    &resp,
                    Op::GraphQL,
                    HttpMethod::Post,
                    GRAPHQL_PATH,
                    "the response has neither 'data' nor 'errors'",
                )),
            },
            Some(other) => Err(Error::GraphQL {
                errors: vec![GraphQLError::from_json(&other)],
                data: data.filter(|d| !d.is_null()),
            }),
        }
    }

    /// Every node of a paginated connection, following `pageInfo` until
    /// `hasNextPage` is false.
    ///
    /// `connection` is the dotted path of the connection in `data`
    /// (`"project.issues"`). The query takes an `$after: String` variable,
    /// passes it to the connection (`issues(after: $after)`) and asks for
    /// `pageInfo { endCursor hasNextPage }` and `nodes { … }` (or
    /// `edges { node { … } }`). A server that sends a cursor twice, or says
    /// there is a next page without a cursor, ends the walk with an error
    /// instead of looping.
    ///
    /// ```no_run
    /// # async fn f(gl: gitlab_client::Gitlab) -> gitlab_client::Result<()> {
    /// let issues = gl.graphql_pages(
    ///     "query($p: ID!, $after: String) { project(fullPath: $p) {
    ///        issues(first: 50, after: $after) { nodes { iid title } pageInfo { endCursor hasNextPage } } } }",
    ///     serde_json::json!({"p": "group/project"}),
    ///     "project.issues",
    /// ).await?;
    /// # Ok(()) }
    /// ```
    pub async fn graphql_pages(
        &self,
        query: &str,
        variables: Value,
        connection: &str,
    ) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut walk = ConnectionWalk::new(variables, connection)?;
        while let Some(vars) = walk.next_variables() {
            let data = self.graphql(query, vars).await?;
            out.extend(walk.take_page(&data)?);
        }
        Ok(out)
    }

    /// The nodes of a paginated connection as a stream, one page in memory at
    /// a time (see [`graphql_pages`](Self::graphql_pages) for the query's shape).
    pub fn graphql_stream(
        &self,
        query: &str,
        variables: Value,
        connection: &str,
    ) -> impl Stream<Item = Result<Value>> + Send + 'static {
        let gl = self.clone();
        let query = query.to_string();
        let walk = ConnectionWalk::new(variables, connection);
        stream::try_unfold((gl, query, walk), |(gl, query, walk)| async move {
            let mut walk = walk?;
            let Some(vars) = walk.next_variables() else {
                return Ok(None);
            };
            let data = gl.graphql(&query, vars).await?;
            let page = walk.take_page(&data)?;
            Ok(Some((
                stream::iter(page.into_iter().map(Ok)),
                (gl, query, Ok(walk)),
            )))
        })
        .map(|r: Result<_>| match r {
            Ok(s) => s.left_stream(),
            Err(e) => stream::once(async { Err(e) }).right_stream(),
        })
        .flatten()
        .fuse()
    }
}

/// The state of a connection walk: the variables of the next request, the
/// cursors already seen. Shared by the async and blocking helpers.
pub(crate) struct ConnectionWalk {
    variables: Map<String, Value>,
    path: Vec<String>,
    done: bool,
    seen: HashSet<String>,
}

impl ConnectionWalk {
    pub(crate) fn new(variables: Value, connection: &str) -> Result<ConnectionWalk> {
        let invalid = |message: String| Error::InvalidAttrs {
            op: Op::GraphQL,
            resource: "graphql",
            message,
        };
        let variables = match variables {
            Value::Null => Map::new(),
            Value::Object(m) => m,
            other => {
                return Err(invalid(format!(
                    "variables must be a JSON object, got {}; nothing was sent",
                    kind_of(&other)
                )))
            }
        };
        let path: Vec<String> = connection.split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            return Err(invalid(format!(
                "connection path '{connection}' has an empty part; write it like \"project.issues\""
            )));
        }
        Ok(ConnectionWalk {
            variables,
            path,
            done: false,
            seen: HashSet::new(),
        })
    }

    /// The variables of the next request, or `None` after the last page.
    pub(crate) fn next_variables(&self) -> Option<Value> {
        (!self.done).then(|| Value::Object(self.variables.clone()))
    }

    /// The nodes of one page; sets `after` for the next one.
    pub(crate) fn take_page(&mut self, data: &Value) -> Result<Vec<Value>> {
        let wrong = |detail: String| Error::Decode {
            op: Op::GraphQL,
            method: HttpMethod::Post,
            path: GRAPHQL_PATH.into(),
            status: 200,
            detail,
            body: String::new(),
        };
        let joined = self.path.join(".");
        let mut conn = data;
        for part in &self.path {
            conn = match conn.get(part) {
                Some(c) => c,
                None => {
                    return Err(wrong(format!(
                        "no '{joined}' in the data (stopped at '{part}')"
                    )))
                }
            };
        }
        // A connection under a parent the caller cannot see is `null`: no nodes.
        if conn.is_null() {
            self.done = true;
            return Ok(Vec::new());
        }
        let nodes: Vec<Value> = if let Some(n) = conn.get("nodes").and_then(Value::as_array) {
            n.clone()
        } else if let Some(e) = conn.get("edges").and_then(Value::as_array) {
            e.iter()
                .map(|e| e.get("node").cloned().unwrap_or(Value::Null))
                .collect()
        } else {
            return Err(wrong(format!(
                "'{joined}' has neither 'nodes' nor 'edges'; ask for one of them"
            )));
        };
        let info = conn.get("pageInfo").ok_or_else(|| {
            wrong(format!(
                "'{joined}' has no 'pageInfo'; ask for pageInfo {{ endCursor hasNextPage }}"
            ))
        })?;
        let has_next = info.get("hasNextPage").and_then(Value::as_bool);
        let end = info.get("endCursor").and_then(Value::as_str);
        match (has_next, end) {
            (None, _) => {
                return Err(wrong(format!(
                    "'{joined}.pageInfo' has no 'hasNextPage'; ask for pageInfo {{ endCursor hasNextPage }}"
                )))
            }
            (Some(false), _) => self.done = true,
            (Some(true), None) => {
                return Err(wrong(format!(
                    "'{joined}.pageInfo' says there is a next page but has no endCursor"
                )))
            }
            (Some(true), Some(cursor)) => {
                if !self.seen.insert(cursor.to_string()) {
                    return Err(wrong(format!(
                        "'{joined}' sent the cursor '{}' twice; the listing does not end, so it stops",
                        cursor.chars().take(80).collect::<String>()
                    )));
                }
                self.variables
                    .insert("after".into(), Value::String(cursor.to_string()));
            }
        }
        Ok(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mutations_are_told_apart_from_queries() {
        assert!(!is_mutation("query { currentUser { username } }"));
        assert!(!is_mutation("{ x } # a mutation in a comment"));
        assert!(is_mutation(
            "mutation { createIssue(input: {}) { errors } }"
        ));
    }

    #[test]
    fn a_walk_follows_cursors_and_refuses_loops() {
        let mut w = ConnectionWalk::new(json!({"p": "g/p"}), "project.issues").unwrap();
        let page = |nodes: Value, next: bool, end: Value| json!({"project": {"issues": {"nodes": nodes, "pageInfo": {"hasNextPage": next, "endCursor": end}}}});
        assert_eq!(
            w.take_page(&page(json!([1, 2]), true, json!("c1")))
                .unwrap(),
            vec![json!(1), json!(2)]
        );
        assert_eq!(w.next_variables().unwrap()["after"], "c1");
        let e = w
            .take_page(&page(json!([3]), true, json!("c1")))
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = w
            .take_page(&page(json!([3]), true, Value::Null))
            .unwrap_err();
        assert!(e.to_string().contains("no endCursor"), "{e}");
        w.take_page(&page(json!([4]), false, Value::Null)).unwrap();
        assert!(w.next_variables().is_none());
        let e = ConnectionWalk::new(json!([1]), "a").err().unwrap();
        assert!(e.to_string().contains("JSON object"), "{e}");
        assert!(ConnectionWalk::new(Value::Null, "a..b").is_err());
        let mut w = ConnectionWalk::new(Value::Null, "project.issues").unwrap();
        let e = w.take_page(&json!({"project": {}})).unwrap_err();
        assert!(e.to_string().contains("stopped at 'issues'"), "{e}");
    }

    #[test]
    fn edges_are_read_like_nodes() {
        let mut w = ConnectionWalk::new(Value::Null, "group.projects").unwrap();
        let d = json!({"group": {"projects": {"edges": [{"node": {"id": 1}}], "pageInfo": {"hasNextPage": false}}}});
        assert_eq!(w.take_page(&d).unwrap(), vec![json!({"id": 1})]);
    }
}

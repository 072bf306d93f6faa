//! Making a [`Gitlab`] client (the builder) and the calls that need no
//! schema: `auth`, `version` and the raw `http_*` requests.

use crate::attrs::{encode_body, encode_query, Attrs, Body};
use crate::error::{Error, Op, Result};
use crate::meta::{AttrType, HttpMethod};
use crate::pagination::Cursor;
use crate::retry::RetryPolicy;
use crate::transport::{
    decode_error, decode_json, origin_of, Auth, CallOptions, Gitlab, Inner, Request, Response,
    Secret,
};
use bytes::Bytes;
use reqwest::header::HeaderValue;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Default `User-Agent`: `gitlab-client/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("gitlab-client/", env!("CARGO_PKG_VERSION"));
/// Default timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Configures a [`Gitlab`] client. Building makes no request.
///
/// ```no_run
/// # fn main() -> gitlab_client::Result<()> {
/// let gl = gitlab_client::Gitlab::builder("https://gitlab.example.com")
///     .private_token("glpat-...")
///     .timeout(std::time::Duration::from_secs(20))
///     .per_page(100)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GitlabBuilder {
    url: String,
    auth: Auth,
    user_agent: String,
    timeout: Option<Duration>,
    per_page: Option<u32>,
    client: Option<reqwest::Client>,
    accept_invalid_certs: bool,
    retry: RetryPolicy,
    max_response_size: u64,
}

/// Largest response body read by default: 256 MiB. Bodies beyond it are an
/// error, not an allocation failure; raise it with
/// [`GitlabBuilder::max_response_size`] for large artifacts or archives.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 256 * 1024 * 1024;

impl GitlabBuilder {
    /// Largest response body to read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`]); a larger one fails with an error saying so.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes.max(1);
        self
    }

    /// All retry and rate-limit settings at once (see [`RetryPolicy`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Wait and retry when GitLab answers 429 (default on).
    pub fn obey_rate_limit(mut self, yes: bool) -> Self {
        self.retry.obey_rate_limit = yes;
        self
    }

    /// Retry 500/502/503/504/52x and connection failures (default off); writes
    /// are only retried when they cannot have reached the server.
    pub fn retry_transient_errors(mut self, yes: bool) -> Self {
        self.retry.retry_transient_errors = yes;
        self
    }

    /// Retries after the first attempt (default 10); negative means unbounded.
    pub fn max_retries(mut self, n: i64) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// Pause before the next request once `RateLimit-Remaining` drops to `n`,
    /// until `RateLimit-Reset`, instead of running into 429s.
    pub fn throttle_below(mut self, n: u64) -> Self {
        self.retry.throttle_below = Some(n);
        self
    }

    /// Authenticates with a personal, project or group access token (`PRIVATE-TOKEN`).
    pub fn private_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::PrivateToken(Secret::new(token));
        self
    }

    /// Authenticates with an OAuth2 token (`Authorization: Bearer`).
    pub fn oauth_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::OAuth(Secret::new(token));
        self
    }

    /// Authenticates with a CI job token (`JOB-TOKEN`).
    pub fn job_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::JobToken(Secret::new(token));
        self
    }

    /// Sets the authentication explicitly.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Timeout of each request (default 60 s); `None` waits forever.
    pub fn timeout(mut self, t: impl Into<Option<Duration>>) -> Self {
        self.timeout = t.into();
        self
    }

    /// Default page size for listings (GitLab's own default is 20, its maximum 100).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n);
        self
    }

    /// Uses a caller-built `reqwest::Client`: the way to set a proxy
    /// (`reqwest::Proxy`), a client certificate (`Identity`) or a private CA
    /// (`add_root_certificate`). Build it with `redirect(Policy::none())` so this
    /// client can apply its own redirect rules (no credentials to other hosts,
    /// no silent re-send of writes as GET).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Turns TLS certificate verification off. Only for test servers with
    /// self-signed certificates; prefer adding the CA via [`http_client`](Self::http_client).
    pub fn danger_accept_invalid_certs(mut self, yes: bool) -> Self {
        self.accept_invalid_certs = yes;
        self
    }

    /// Builds the client; makes no request. Fails on an unusable URL, token or setting.
    pub fn build(self) -> Result<Gitlab> {
        let base = normalize_url(&self.url)?;
        let origin = origin_of(&base)
            .ok_or_else(|| Error::Config(format!("cannot read host of URL '{}'", self.url)))?;
        let auth_header = self.auth.header()?;
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::Config(format!(
                "user agent '{}' is not a valid header value",
                self.user_agent
            ))
        })?;
        if let Some(0) | Some(101..) = self.per_page {
            return Err(Error::Config(format!(
                "per_page must be between 1 and 100, got {}",
                self.per_page.unwrap_or_default()
            )));
        }
        let http = match self.client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .danger_accept_invalid_certs(self.accept_invalid_certs)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let graphql_url = format!("{}/api/graphql", base.trim_end_matches("/api/v4"));
        Ok(Gitlab {
            inner: Arc::new(Inner {
                graphql_url,
                http,
                base,
                origin,
                auth: self.auth,
                auth_header,
                user_agent,
                timeout: self.timeout,
                per_page: self.per_page,
                retry: self.retry,
                max_response_size: self.max_response_size,
                throttle_until: Mutex::new(None),
            }),
        })
    }
}

/// `https://host/` or `https://host/api/v4/` → `https://host/api/v4`.
fn normalize_url(raw: &str) -> Result<String> {
    // Messages show the URL without a password it may carry.
    let url = crate::transport::redact_url(raw);
    let parsed = reqwest::Url::parse(raw.trim()).map_err(|e| {
        Error::Config(format!(
            "invalid GitLab URL '{url}': {e} (expected e.g. https://gitlab.example.com)"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "GitLab URL '{url}' must start with http:// or https://"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "GitLab URL '{url}' must not have a query or fragment"
        )));
    }
    let mut s = parsed.as_str().trim_end_matches('/').to_string();
    if !s.ends_with("/api/v4") {
        s.push_str("/api/v4");
    }
    Ok(s)
}

/// `gl.version()`: what `/version` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// Version string, e.g. `17.5.0-ee`.
    pub version: String,
    /// Git revision of the build.
    pub revision: String,
}

impl Gitlab {
    /// A client authenticated with a private/personal access token.
    pub fn new(url: impl Into<String>, private_token: impl Into<String>) -> Result<Gitlab> {
        Gitlab::builder(url).private_token(private_token).build()
    }

    /// A client without credentials.
    pub fn anonymous(url: impl Into<String>) -> Result<Gitlab> {
        Gitlab::builder(url).build()
    }

    /// A builder for a client of the GitLab at `url` (with or without `/api/v4`).
    pub fn builder(url: impl Into<String>) -> GitlabBuilder {
        GitlabBuilder {
            url: url.into(),
            auth: Auth::Anonymous,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            timeout: Some(DEFAULT_TIMEOUT),
            per_page: None,
            client: None,
            accept_invalid_certs: false,
            retry: RetryPolicy::default(),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        }
    }

    /// The authenticated user (`GET /user`). Fails with 401 on a bad token.
    pub async fn auth(&self) -> Result<crate::resources::CurrentUser> {
        self.user().fetch_as(Op::Auth).await
    }

    /// The server's version (`GET /version`).
    pub async fn version(&self) -> Result<ServerVersion> {
        let opts = CallOptions::default();
        let resp = self
            .send(Request {
                op: Op::Version,
                resource: "",
                method: HttpMethod::Get,
                path: "/version".into(),
                query: Vec::new(),
                body: Body::Empty,
                opts: &opts,
            })
            .await?;
        let v = decode_json(&resp, Op::Version, HttpMethod::Get, "/version")?;
        let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        match (field("version"), field("revision")) {
            (Some(version), revision) => Ok(ServerVersion {
                version,
                revision: revision.unwrap_or_default(),
            }),
            _ => Err(decode_error(
                &resp,
                Op::Version,
                HttpMethod::Get,
                "/version",
                "no 'version' string in the response",
            )),
        }
    }

    /// `GET` an endpoint no schema covers; `path` is below `/api/v4` (encode ids with [`crate::encode_id`]).
    pub async fn http_get(&self, path: &str, query: &Attrs) -> Result<Value> {
        self.raw_json(HttpMethod::Get, path, query, None).await
    }

    /// `GET` raw bytes (files, archives).
    pub async fn http_get_raw(&self, path: &str, query: &Attrs) -> Result<Bytes> {
        let resp = self.raw(HttpMethod::Get, path, query, None).await?;
        Ok(resp.body)
    }

    /// `GET` raw bytes and write them to `out` as they arrive, without holding
    /// the body (so without `max_response_size`); returns the bytes written.
    /// No retry is made once part of the body reached `out`.
    pub async fn http_get_to<W>(&self, path: &str, query: &Attrs, out: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + Send,
    {
        let q = raw_query(query)?;
        let opts = CallOptions::default();
        let req = Request {
            op: Op::Raw,
            resource: "",
            method: HttpMethod::Get,
            path: path.to_string(),
            query: q,
            body: Body::Empty,
            opts: &opts,
        };
        Ok(self.send_to(req, Some(out)).await?.1)
    }

    /// `POST` an endpoint no schema covers, with `body` as JSON.
    pub async fn http_post(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.raw_json(HttpMethod::Post, path, &Attrs::new(), Some(body))
            .await
    }

    /// `PUT` an endpoint no schema covers, with `body` as JSON.
    pub async fn http_put(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.raw_json(HttpMethod::Put, path, &Attrs::new(), Some(body))
            .await
    }

    /// `DELETE` an endpoint no schema covers.
    pub async fn http_delete(&self, path: &str) -> Result<Value> {
        self.raw_json(HttpMethod::Delete, path, &Attrs::new(), None)
            .await
    }

    /// `GET` every page of a list endpoint.
    pub async fn http_list(&self, path: &str, query: &Attrs) -> Result<Vec<Value>> {
        let q = raw_query(query)?;
        let opts = CallOptions::default();
        let mut cursor = Cursor::new(self.clone(), Op::Raw, path.to_string(), q, opts);
        let mut out = Vec::new();
        while let Some((items, _)) = cursor.next_page().await? {
            out.extend(items);
        }
        Ok(out)
    }

    async fn raw(
        &self,
        method: HttpMethod,
        path: &str,
        query: &Attrs,
        body: Option<&Attrs>,
    ) -> Result<Response> {
        let q = raw_query(query)?;
        let plain = |_: &str| AttrType::String;
        let opts = CallOptions::default();
        self.send(Request {
            op: Op::Raw,
            resource: "",
            method,
            path: path.to_string(),
            query: q,
            body: body.map_or(Body::Empty, |b| encode_body(&plain, b)),
            opts: &opts,
        })
        .await
    }

    async fn raw_json(
        &self,
        method: HttpMethod,
        path: &str,
        query: &Attrs,
        body: Option<&Attrs>,
    ) -> Result<Value> {
        let resp = self.raw(method, path, query, body).await?;
        decode_json(&resp, Op::Raw, method, path)
    }
}

/// Query pairs for a raw `http_*` call: no schema, so every attribute is plain.
fn raw_query(query: &Attrs) -> Result<Vec<(String, String)>> {
    let mut q = Vec::new();
    encode_query(&|_| AttrType::String, query, &mut q).map_err(|m| Error::InvalidAttrs {
        op: Op::Raw,
        resource: "raw request",
        message: m,
    })?;
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalized_to_the_api_root() {
        assert_eq!(
            normalize_url("https://gl.example.com").unwrap(),
            "https://gl.example.com/api/v4"
        );
        assert_eq!(
            normalize_url("https://gl.example.com/").unwrap(),
            "https://gl.example.com/api/v4"
        );
        assert_eq!(
            normalize_url("https://gl.example.com/api/v4/").unwrap(),
            "https://gl.example.com/api/v4"
        );
        assert_eq!(
            normalize_url("http://h:8080/gitlab").unwrap(),
            "http://h:8080/gitlab/api/v4"
        );
        assert!(normalize_url("gl.example.com").is_err());
        assert!(normalize_url("ftp://gl.example.com").is_err());
    }

    #[test]
    fn debug_output_hides_the_token() {
        let gl = Gitlab::new("https://gl.example.com", "glpat-SECRET123").unwrap();
        let dbg = format!("{gl:?}");
        assert!(!dbg.contains("SECRET123"), "{dbg}");
        assert!(dbg.contains("PrivateToken(Secret(***))"), "{dbg}");
    }

    #[test]
    fn per_page_out_of_range_is_refused() {
        let e = Gitlab::builder("https://h")
            .per_page(500)
            .build()
            .unwrap_err();
        assert!(
            e.to_string().contains("per_page must be between 1 and 100"),
            "{e}"
        );
    }
}

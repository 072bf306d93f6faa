//! The `Gitlab` client: configuration, authentication and the one place where
//! requests are sent.

use crate::attrs::{encode_body, encode_query, Attrs, Body};
use crate::error::{body_excerpt, server_message, Error, Op, Result};
use crate::meta::{AttrType, HttpMethod};
use crate::retry::{Outcome, RetryPolicy};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Default `User-Agent`: `gitlab-client/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("gitlab-client/", env!("CARGO_PKG_VERSION"));
/// Default timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Redirects followed for one GET before giving up.
const MAX_REDIRECTS: usize = 5;

/// A token whose value never appears in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The token itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials: only public data.
    Anonymous,
    /// Personal, project or group access token, sent as `PRIVATE-TOKEN`.
    PrivateToken(Secret),
    /// OAuth2 token, sent as `Authorization: Bearer`.
    OAuth(Secret),
    /// CI job token (`CI_JOB_TOKEN`), sent as `JOB-TOKEN`.
    JobToken(Secret),
}

impl Auth {
    fn header(&self) -> Result<Option<(HeaderName, HeaderValue)>> {
        let (name, value) = match self {
            Auth::Anonymous => return Ok(None),
            Auth::PrivateToken(t) => ("private-token", t.expose().to_string()),
            Auth::OAuth(t) => ("authorization", format!("Bearer {}", t.expose())),
            Auth::JobToken(t) => ("job-token", t.expose().to_string()),
        };
        let mut v = HeaderValue::from_str(&value).map_err(|_| {
            Error::Config(
                "the token contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        v.set_sensitive(true);
        Ok(Some((HeaderName::from_static(name), v)))
    }
}

/// Options that apply to a single call (or to every call of one manager).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    /// Run the call as another user (`Sudo` header; needs an admin token).
    pub sudo: Option<String>,
    /// Extra query parameters, for names that clash with attribute names.
    pub query: Vec<(String, String)>,
    /// Overrides the client's timeout.
    pub timeout: Option<Duration>,
    /// Also retry POST/PATCH after 5xx answers or timeouts (which may have
    /// reached the server). Only for calls that are safe to repeat.
    pub retry_writes: bool,
}

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
}

impl GitlabBuilder {
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

    pub fn private_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::PrivateToken(Secret::new(token));
        self
    }

    pub fn oauth_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::OAuth(Secret::new(token));
        self
    }

    pub fn job_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::JobToken(Secret::new(token));
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

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
        Ok(Gitlab {
            inner: Arc::new(Inner {
                http,
                base,
                origin,
                auth: self.auth,
                auth_header,
                user_agent,
                timeout: self.timeout,
                per_page: self.per_page,
                retry: self.retry,
                throttle_until: Mutex::new(None),
            }),
        })
    }
}

/// `https://host/` or `https://host/api/v4/` → `https://host/api/v4`.
fn normalize_url(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
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

fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default()?
    ))
}

/// A GitLab API client. Cheap to clone: clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> gitlab_client::Result<()> {
/// use gitlab_client::{Attrs, Gitlab};
/// let gl = Gitlab::new("https://gitlab.example.com", "glpat-...")?;
/// let project = gl.projects().get("group/project").await?;
/// let issue = project.issues().create(Attrs::new().set("title", "Broken link")).await?;
/// println!("created #{}", issue.id().cloned().unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Gitlab {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `https://host/api/v4`, no trailing slash.
    base: String,
    /// `scheme://host:port` of `base`, to tell same-host redirects and links apart.
    origin: String,
    auth: Auth,
    auth_header: Option<(HeaderName, HeaderValue)>,
    user_agent: HeaderValue,
    timeout: Option<Duration>,
    per_page: Option<u32>,
    retry: RetryPolicy,
    /// Earliest time for the next request, from `RateLimit-*` headers (throttling only).
    throttle_until: Mutex<Option<tokio::time::Instant>>,
}

impl fmt::Debug for Gitlab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gitlab")
            .field("url", &self.inner.base)
            .field("auth", &self.inner.auth)
            .field("timeout", &self.inner.timeout)
            .field("per_page", &self.inner.per_page)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// One request as the runtime builds it.
pub(crate) struct Request<'a> {
    pub op: Op,
    pub method: HttpMethod,
    /// Path below `/api/v4` (already encoded), or a full URL from a `Link` header.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Body,
    pub opts: &'a CallOptions,
}

/// A successful (2xx) response with its body read.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A failed attempt and what it means for retrying.
struct Failure {
    outcome: Outcome,
    retry_after: Option<Duration>,
    error: Error,
}

/// `gl.version()`: what `/version` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    pub version: String,
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
        }
    }

    /// The API base URL, ending in `/api/v4`.
    pub fn url(&self) -> &str {
        &self.inner.base
    }

    pub(crate) fn per_page(&self) -> Option<u32> {
        self.inner.per_page
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

    pub async fn http_post(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.raw_json(HttpMethod::Post, path, &Attrs::new(), Some(body))
            .await
    }

    pub async fn http_put(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.raw_json(HttpMethod::Put, path, &Attrs::new(), Some(body))
            .await
    }

    pub async fn http_delete(&self, path: &str) -> Result<Value> {
        self.raw_json(HttpMethod::Delete, path, &Attrs::new(), None)
            .await
    }

    /// `GET` every page of a list endpoint.
    pub async fn http_list(&self, path: &str, query: &Attrs) -> Result<Vec<Value>> {
        let q = raw_query(query)?;
        let opts = CallOptions::default();
        let mut cursor =
            crate::manager::Cursor::new(self.clone(), Op::Raw, path.to_string(), q, opts);
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

    /// Sends one request and reads the whole body. Non-2xx answers become [`Error::Api`].
    pub(crate) async fn send(&self, req: Request<'_>) -> Result<Response> {
        let inner = &self.inner;
        let policy = &inner.retry;
        let mut retries = 0u32;
        loop {
            self.wait_for_throttle().await;
            let started = Instant::now();
            let failure = match self.attempt(&req).await {
                Ok(resp) => {
                    tracing::debug!(
                        method = %req.method,
                        path = %display_path(&req.path, &inner.base),
                        status = resp.status,
                        attempt = retries + 1,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "request"
                    );
                    self.note_rate_limit(&resp.headers);
                    return Ok(resp);
                }
                Err(f) => f,
            };
            let delay = policy.decide(
                req.method,
                req.opts.retry_writes,
                failure.outcome,
                failure.retry_after,
                retries,
            );
            tracing::debug!(
                method = %req.method,
                path = %display_path(&req.path, &inner.base),
                outcome = ?failure.outcome,
                attempt = retries + 1,
                elapsed_ms = started.elapsed().as_millis() as u64,
                retry_in_ms = delay.map(|d| d.as_millis() as u64),
                "request failed"
            );
            match delay {
                Some(d) => {
                    retries += 1;
                    tokio::time::sleep(d).await;
                }
                None => return Err(failure.error),
            }
        }
    }

    /// Sleeps while the client-side throttle (from `RateLimit-*` headers) says so.
    async fn wait_for_throttle(&self) {
        if self.inner.retry.throttle_below.is_none() {
            return;
        }
        let until = self.inner.throttle_until.lock().ok().and_then(|g| *g);
        if let Some(t) = until {
            tokio::time::sleep_until(t).await;
        }
    }

    fn note_rate_limit(&self, headers: &HeaderMap) {
        let Some(below) = self.inner.retry.throttle_below else {
            return;
        };
        let delay = crate::retry::throttle_delay(
            headers,
            below,
            SystemTime::now(),
            self.inner.retry.max_backoff,
        );
        if let Ok(mut g) = self.inner.throttle_until.lock() {
            *g = delay.map(|d| tokio::time::Instant::now() + d);
        }
    }

    /// One attempt: sends the request (following allowed redirects) and reads the body.
    async fn attempt(&self, req: &Request<'_>) -> std::result::Result<Response, Failure> {
        let inner = &self.inner;
        let display_path = display_path(&req.path, &inner.base);
        let absolute = req.path.starts_with("http://") || req.path.starts_with("https://");
        let mut url = if absolute {
            req.path.clone()
        } else {
            format!("{}{}", inner.base, req.path)
        };
        let mut query = req.query.clone();
        // A full URL (a `Link: rel="next"`) already carries the listing's parameters.
        if !absolute {
            query.extend(req.opts.query.iter().cloned());
        }
        let transport = |e: reqwest::Error, sent: bool| Failure {
            outcome: if sent {
                Outcome::MaybeSent
            } else {
                Outcome::ConnectFailed
            },
            retry_after: None,
            error: Error::Transport {
                op: req.op,
                method: req.method,
                path: display_path.clone(),
                maybe_sent: sent,
                source: e,
            },
        };
        let mut redirects = 0;
        loop {
            let same_origin = origin_of(&url).as_deref() == Some(inner.origin.as_str());
            let mut rb = inner
                .http
                .request(req.method.to_reqwest(), &url)
                .header(reqwest::header::USER_AGENT, inner.user_agent.clone());
            if !query.is_empty() {
                rb = rb.query(&query);
            }
            // Credentials and sudo go only to the configured GitLab host.
            if same_origin {
                if let Some((k, v)) = &inner.auth_header {
                    rb = rb.header(k.clone(), v.clone());
                }
                if let Some(sudo) = &req.opts.sudo {
                    rb = rb.header("sudo", sudo.as_str());
                }
            }
            if let Some(t) = req.opts.timeout.or(inner.timeout) {
                rb = rb.timeout(t);
            }
            rb = req.body.to_reqwest(rb);
            let resp = match rb.send().await {
                Ok(r) => r,
                Err(e) => {
                    let sent = !e.is_connect();
                    return Err(transport(e, sent));
                }
            };
            let mut resp = resp;
            let status = resp.status().as_u16();
            // Take the headers rather than copy them: the body read consumes the response.
            let headers = std::mem::take(resp.headers_mut());
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => return Err(transport(e, true)),
            };
            if (300..400).contains(&status) && status != 304 {
                let location = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok());
                let target = location.and_then(|l| reqwest::Url::parse(&url).ok()?.join(l).ok());
                let why = match (&target, req.method) {
                    (None, _) => "the redirect has no usable Location header".to_string(),
                    (Some(t), HttpMethod::Get) if redirects < MAX_REDIRECTS => {
                        redirects += 1;
                        url = t.to_string();
                        query.clear(); // the Location already carries its query
                        continue;
                    }
                    (Some(_), HttpMethod::Get) => format!("more than {MAX_REDIRECTS} redirects"),
                    (Some(t), m) => format!(
                        "the server redirected a {m} to {}; a redirected {m} would be re-sent as GET or lose its body, so it is not followed. \
                         Check the GitLab URL (http vs https, trailing path) and use the address the server redirects to",
                        strip_query(t.as_str())
                    ),
                };
                return Err(Failure {
                    outcome: Outcome::Status(status),
                    retry_after: None,
                    error: Error::Api {
                        op: req.op,
                        method: req.method,
                        path: display_path,
                        status,
                        message: why,
                        body: body_excerpt(&body),
                    },
                });
            }
            if !(200..300).contains(&status) {
                let retry_after = headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| crate::retry::parse_retry_after(v, SystemTime::now()));
                return Err(Failure {
                    outcome: Outcome::Status(status),
                    retry_after,
                    error: Error::Api {
                        op: req.op,
                        method: req.method,
                        path: display_path,
                        status,
                        message: server_message(&body),
                        body: body_excerpt(&body),
                    },
                });
            }
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
    }

    /// Turns a `Link: rel="next"` URL into one on our own base URL: GitLab behind a
    /// proxy sometimes advertises its internal host name.
    pub(crate) fn rebase_link(&self, link: &str) -> String {
        match link.find("/api/v4/") {
            Some(i) => format!("{}{}", self.inner.base, &link[i + "/api/v4".len()..]),
            None => link.to_string(),
        }
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

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The path shown in errors and logs: below `/api/v4`, without the query.
fn display_path(path: &str, base: &str) -> String {
    let p = path.strip_prefix(base).unwrap_or(path);
    let p = match p.find("/api/v4/") {
        Some(i) if p.starts_with("http") => &p[i + "/api/v4".len()..],
        _ => p,
    };
    strip_query(p).to_string()
}

pub(crate) fn decode_error(
    resp: &Response,
    op: Op,
    method: HttpMethod,
    path: &str,
    detail: impl Into<String>,
) -> Error {
    Error::Decode {
        op,
        method,
        // A page reached by a `Link` has a full URL: show it below `/api/v4` like `Error::Api`.
        path: display_path(path, ""),
        status: resp.status,
        detail: detail.into(),
        body: body_excerpt(&resp.body),
    }
}

/// Parses a JSON body; an empty body (204) is `null`.
pub(crate) fn decode_json(
    resp: &Response,
    op: Op,
    method: HttpMethod,
    path: &str,
) -> Result<Value> {
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&resp.body).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON body is cut short"
        } else {
            "the body is not valid JSON"
        };
        decode_error(resp, op, method, path, format!("{what} ({e})"))
    })
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

#[cfg(test)]
mod fuzz {
    //! Property tests: whatever bytes and headers a server sends, decoding
    //! returns a value or an error, never a panic.
    use super::*;
    use crate::manager::{link_rel, PageInfo};
    use proptest::prelude::*;

    fn response(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_body_decodes_or_errors(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let r = response(200, body.clone());
            match decode_json(&r, Op::Get, HttpMethod::Get, "/x") {
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().contains("GET /x")),
            }
            let m = server_message(&body);
            prop_assert!(m.len() <= 1024 || serde_json::from_slice::<Value>(&body).is_ok());
        }

        #[test]
        fn json_shaped_bodies_never_panic(s in "[\\[\\]{}\":,a-z0-9 ]{0,200}") {
            let r = response(200, s.clone().into_bytes());
            let _ = decode_json(&r, Op::List, HttpMethod::Get, "/x");
            let _ = server_message(s.as_bytes());
        }

        #[test]
        fn any_pagination_headers_parse_without_panic(
            page in "\\PC{0,12}", total in "\\PC{0,12}", link in "\\PC{0,200}"
        ) {
            let mut h = HeaderMap::new();
            for (k, v) in [("x-page", &page), ("x-total", &total), ("x-next-page", &page), ("link", &link)] {
                if let Ok(v) = HeaderValue::from_str(v) {
                    h.insert(k, v);
                }
            }
            let _ = PageInfo::from_headers(&h);
            let _ = link_rel(&link, "next");
        }

        #[test]
        fn retry_after_parsing_never_panics(v in "\\PC{0,40}") {
            let _ = crate::retry::parse_retry_after(&v, std::time::SystemTime::now());
        }
    }
}

//! Sending requests: authentication headers, call options, retries and rate
//! limits, redirects, and reading and decoding bodies. Nothing here knows about
//! resources or generated code.

use crate::attrs::Body;
use crate::error::{body_excerpt, server_message, Error, Op, Result};
use crate::meta::HttpMethod;
use crate::retry::{Outcome, RetryPolicy};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Redirects followed for one GET before giving up.
const MAX_REDIRECTS: usize = 5;

/// A token whose value never appears in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret holding `s`.
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
    pub(crate) fn header(&self) -> Result<Option<(HeaderName, HeaderValue)>> {
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

/// A GitLab API client. Cheap to clone: clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> gitlab_client::Result<()> {
/// use gitlab_client::{Attrs, Gitlab};
/// let gl = Gitlab::new("https://gitlab.example.com", "glpat-...")?;
/// let project = gl.projects().get("group/project").await?;
/// let issue = project.issues().create(Attrs::new().set("title", "Broken link")).await?;
/// if let Some(iid) = issue.id() { println!("created #{iid}"); }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Gitlab {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// `https://host/api/v4`, no trailing slash.
    pub(crate) base: String,
    /// `scheme://host:port` of `base`, to tell same-host redirects and links apart.
    pub(crate) origin: String,
    pub(crate) auth: Auth,
    pub(crate) auth_header: Option<(HeaderName, HeaderValue)>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Option<Duration>,
    pub(crate) per_page: Option<u32>,
    pub(crate) retry: RetryPolicy,
    /// Largest body read, in bytes.
    pub(crate) max_response_size: u64,
    /// `https://host/api/graphql`: GitLab's GraphQL endpoint beside `base`.
    pub(crate) graphql_url: String,
    /// Earliest time for the next request, from `RateLimit-*` headers (throttling only).
    pub(crate) throttle_until: Mutex<Option<tokio::time::Instant>>,
}

impl fmt::Debug for Gitlab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gitlab")
            .field("url", &redact_url(&self.inner.base))
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
    /// The resource by schema name (`ProjectIssue`), or `""` for calls outside the schema.
    pub resource: &'static str,
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
    /// Part of a streamed body already reached the caller's writer: a retry
    /// would write it twice, so the error goes to the caller as it is.
    partial: bool,
}

/// Where a streamed download goes: each chunk of a 2xx body is written here
/// as it arrives instead of being kept in memory.
pub(crate) type Sink<'a, 'w> = &'a mut (dyn tokio::io::AsyncWrite + Unpin + Send + 'w);

impl Gitlab {
    /// The API base URL, ending in `/api/v4`.
    pub fn url(&self) -> &str {
        &self.inner.base
    }

    pub(crate) fn per_page(&self) -> Option<u32> {
        self.inner.per_page
    }

    /// Sends one request and reads the whole body. Non-2xx answers become [`Error::Api`].
    ///
    /// Every call runs in one `tracing` span, `gitlab_api`, with the operation,
    /// resource, method and path (below `/api/v4`, never the query, whose values
    /// may be secrets, nor any header); `status` and `attempts` are recorded when
    /// the call ends. The per-attempt debug events happen inside it.
    pub(crate) async fn send(&self, req: Request<'_>) -> Result<Response> {
        self.send_to(req, None).await.map(|(resp, _)| resp)
    }

    /// Like [`send`](Self::send), but with a `sink` a 2xx body is written to it
    /// chunk by chunk (not bound by `max_response_size`, since nothing is held);
    /// the response then has an empty body and the count of bytes written comes
    /// back beside it. Error bodies are read into the error as usual.
    pub(crate) async fn send_to(
        &self,
        req: Request<'_>,
        sink: Option<Sink<'_, '_>>,
    ) -> Result<(Response, u64)> {
        use tracing::Instrument;
        let span = tracing::info_span!(
            "gitlab_api",
            op = %req.op,
            resource = req.resource,
            method = %req.method,
            path = %display_path(&req.path, &self.inner.base),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.send_in_span(req, sink).instrument(span).await
    }

    async fn send_in_span(
        &self,
        req: Request<'_>,
        mut sink: Option<Sink<'_, '_>>,
    ) -> Result<(Response, u64)> {
        let inner = &self.inner;
        if let Some(sudo) = &req.opts.sudo {
            if HeaderValue::from_str(sudo).is_err() {
                return Err(Error::InvalidAttrs {
                    op: req.op,
                    resource: "request",
                    message: "the sudo user contains characters that cannot be sent in an HTTP header (a line break?); nothing was sent".into(),
                });
            }
        }
        if let Err(message) = req.body.check() {
            return Err(Error::InvalidAttrs {
                op: req.op,
                resource: "request",
                message,
            });
        }
        let policy = &inner.retry;
        let mut retries = 0u32;
        loop {
            self.wait_for_throttle().await;
            let started = Instant::now();
            let failure = match self.attempt(&req, sink.as_deref_mut()).await {
                Ok((resp, written)) => {
                    tracing::debug!(
                        method = %req.method,
                        path = %display_path(&req.path, &inner.base),
                        status = resp.status,
                        attempt = retries + 1,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "request"
                    );
                    self.note_rate_limit(&resp.headers);
                    let span = tracing::Span::current();
                    span.record("status", resp.status);
                    span.record("attempts", retries + 1);
                    return Ok((resp, written));
                }
                Err(f) if f.partial => return Err(f.error),
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
                None => {
                    let span = tracing::Span::current();
                    if let Some(status) = failure.error.status() {
                        span.record("status", status);
                    }
                    span.record("attempts", retries + 1);
                    return Err(failure.error);
                }
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

    /// One attempt: sends the request (following allowed redirects) and reads
    /// the body, into `sink` when there is one and the status is 2xx.
    async fn attempt(
        &self,
        req: &Request<'_>,
        mut sink: Option<Sink<'_, '_>>,
    ) -> std::result::Result<(Response, u64), Failure> {
        let inner = &self.inner;
        let display_path = display_path(&req.path, &inner.base);
        let absolute = req.path.starts_with("http://") || req.path.starts_with("https://");
        let mut url = if req.op == Op::GraphQL {
            inner.graphql_url.clone()
        } else if absolute {
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
            partial: false,
        };
        let mut redirects = 0;
        loop {
            let same_origin = origin_of(&url).as_deref() == Some(inner.origin.as_str());
            let mut rb = inner
                .http
                .request(reqwest_method(req.method), &url)
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
            let limit = inner.max_response_size;
            let too_large = |got: u64| Failure {
                outcome: Outcome::Status(status),
                retry_after: None,
                error: Error::TooLarge {
                    op: req.op,
                    method: req.method,
                    path: display_path.clone(),
                    limit,
                    got,
                },
                partial: false,
            };
            if let Some(out) = sink.as_deref_mut().filter(|_| (200..300).contains(&status)) {
                let written = self.stream_body(req, &display_path, resp, out).await?;
                let body = Bytes::new();
                return Ok((
                    Response {
                        status,
                        headers,
                        body,
                    },
                    written,
                ));
            }
            // A HEAD answer has no body, whatever its Content-Length says
            // (that is the size a GET would send): nothing to check or read.
            let head = req.method == HttpMethod::Head;
            if let Some(len) = resp.content_length().filter(|l| *l > limit && !head) {
                return Err(too_large(len));
            }
            // Read in chunks so an endless body stops at the limit instead of exhausting memory.
            let mut buf = bytes::BytesMut::new();
            if !head {
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => {
                            if buf.len() as u64 + chunk.len() as u64 > limit {
                                return Err(too_large(buf.len() as u64 + chunk.len() as u64));
                            }
                            buf.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(transport(e, true)),
                    }
                }
            }
            let body = buf.freeze();
            if (300..400).contains(&status) && status != 304 {
                let location = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok());
                let target = location.and_then(|l| reqwest::Url::parse(&url).ok()?.join(l).ok());
                let why = match (&target, req.method) {
                    (None, _) => "the redirect has no usable Location header".to_string(),
                    // GET and HEAD have no body to lose: they follow redirects.
                    (Some(t), HttpMethod::Get | HttpMethod::Head) if redirects < MAX_REDIRECTS => {
                        redirects += 1;
                        url = t.to_string();
                        query.clear(); // the Location already carries its query
                        continue;
                    }
                    (Some(_), HttpMethod::Get | HttpMethod::Head) => {
                        format!("more than {MAX_REDIRECTS} redirects")
                    }
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
                    partial: false,
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
                    partial: false,
                });
            }
            return Ok((
                Response {
                    status,
                    headers,
                    body,
                },
                0,
            ));
        }
    }

    /// Copies a 2xx body to `out` chunk by chunk; returns the bytes written.
    async fn stream_body(
        &self,
        req: &Request<'_>,
        display_path: &str,
        mut resp: reqwest::Response,
        out: Sink<'_, '_>,
    ) -> std::result::Result<u64, Failure> {
        use tokio::io::AsyncWriteExt;
        let status = resp.status().as_u16();
        let write_failed = |source: std::io::Error, written: u64| Failure {
            outcome: Outcome::Status(status),
            retry_after: None,
            error: Error::Write {
                op: req.op,
                method: req.method,
                path: display_path.to_string(),
                written,
                source,
            },
            partial: true,
        };
        let mut written = 0u64;
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    return Err(Failure {
                        outcome: Outcome::MaybeSent,
                        retry_after: None,
                        error: Error::Transport {
                            op: req.op,
                            method: req.method,
                            path: display_path.to_string(),
                            maybe_sent: true,
                            source: e,
                        },
                        partial: written > 0,
                    })
                }
            };
            if let Err(e) = out.write_all(&chunk).await {
                return Err(write_failed(e, written));
            }
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| write_failed(e, written))?;
        Ok(written)
    }

    /// Where a `Link: rel="next"` URL leads: onto our own base URL (GitLab
    /// behind a proxy sometimes advertises its internal host name, so an API
    /// path on another host is rebased), or an error naming both hosts for a
    /// link that leaves this GitLab's API.
    pub(crate) fn follow_link(&self, link: &str) -> std::result::Result<String, String> {
        if let Some(i) = link.find("/api/v4/") {
            return Ok(format!(
                "{}{}",
                self.inner.base,
                &link[i + "/api/v4".len()..]
            ));
        }
        let same = origin_of(link).as_deref() == Some(self.inner.origin.as_str());
        if same {
            Ok(link.to_string())
        } else {
            Err(format!(
                "its next-page link points to {} instead of {}; refusing to continue on another host",
                origin_of(link).unwrap_or_else(|| link.chars().take(80).collect()),
                self.inner.origin
            ))
        }
    }
}

fn reqwest_method(m: HttpMethod) -> reqwest::Method {
    match m {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
        HttpMethod::Head => reqwest::Method::HEAD,
    }
}

/// A URL fit to show: a password in it (`https://user:pass@host`) becomes `***`.
/// Text that does not parse as a URL has anything between `://` and the last
/// `@` before the path masked, to be safe.
pub fn redact_url(url: &str) -> String {
    if let Ok(mut u) = reqwest::Url::parse(url.trim()) {
        if u.password().is_none() {
            return url.to_string();
        }
        let _ = u.set_password(Some("***"));
        return u.to_string();
    }
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(a)) if a > s => format!("{}***{}", &url[..s + 3], &url[a..]),
        _ => url.to_string(),
    }
}

/// `scheme://host:port` of a URL, to tell same-host redirects and links apart.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default()?
    ))
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The path shown in errors and logs: below `/api/v4`, without the query.
pub(crate) fn display_path(path: &str, base: &str) -> String {
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

/// "an object", "a string"…: what a JSON value is, for error messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// How deep serde_json can nest when it parses a value (its recursion limit).
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// The deepest nesting of arrays and objects in JSON text (strings skipped):
/// a cheap check that text kept raw will parse later.
pub(crate) fn json_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
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
mod fuzz {
    //! Property tests: whatever bytes and headers a server sends, decoding
    //! returns a value or an error, never a panic.
    use super::*;
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
            match decode_json(&r, Op::Raw, HttpMethod::Get, "/x") {
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().contains("GET /x")),
            }
            let m = server_message(&body);
            prop_assert!(m.len() <= 1024 || serde_json::from_slice::<Value>(&body).is_ok());
        }

        #[test]
        fn json_shaped_bodies_never_panic(s in "[\\[\\]{}\":,a-z0-9 ]{0,200}") {
            let r = response(200, s.clone().into_bytes());
            let _ = decode_json(&r, Op::Raw, HttpMethod::Get, "/x");
            let _ = server_message(s.as_bytes());
        }

        #[test]
        fn retry_after_parsing_never_panics(v in "\\PC{0,40}") {
            let _ = crate::retry::parse_retry_after(&v, std::time::SystemTime::now());
        }
    }
}

#[cfg(test)]
mod redaction {
    use super::redact_url;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact_url("https://u:secret@h.example/x"),
            "https://u:***@h.example/x"
        );
        assert_eq!(
            redact_url("https://h.example/api/v4"),
            "https://h.example/api/v4"
        );
        assert_eq!(
            redact_url("not a url://u:secret@host"),
            "not a url://***@host"
        );
    }
}

#[cfg(test)]
mod depth {
    use super::json_depth;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert_eq!(json_depth(r#"{"a": [1, {"b": 2}]}"#), 3);
        assert_eq!(json_depth(r#"{"a": "[[[[{{{"}"#), 1);
        assert_eq!(json_depth(r#"{"a": "\"[[["}"#), 1);
        assert_eq!(json_depth("3"), 0);
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(json_depth(&deep), 300);
    }
}

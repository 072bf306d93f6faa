//! The HTTP side: accepting connections with hyper, reading requests, applying
//! faults, and writing answers and log records.

use crate::faults::{Fault, FaultState, Malformed};
use crate::log::{LoggedRequest, RequestLog};
use crate::reply::{ApiError, Reply};
use crate::request::{api_segments, parse_body, ApiRequest, Params, Verb};
use crate::state::State;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Largest request body accepted (uploads included).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How long a keep-alive connection may sit idle (or send headers slowly)
/// before it is closed: well above the 30 s clients commonly pause for.
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub faults: Mutex<FaultState>,
    pub log: Mutex<RequestLog>,
}

/// Locks a mutex; a handler that panicked must not take the emulator down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `stop` turns true, then closes the open ones.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off a moment.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .keep_alive(true)
                        // hyper's default closes a connection idle for 30 s while it
                        // waits for the next request's headers; GitLab (behind its
                        // proxy) keeps idle connections far longer.
                        .header_read_timeout(IDLE_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// Credentials from `PRIVATE-TOKEN`, `Authorization: Bearer`, `JOB-TOKEN`, or the
/// `private_token` / `access_token` query parameters.
pub(crate) fn token_of(req: &Request<Incoming>, query: &[(String, String)]) -> Option<String> {
    let h = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    };
    h("private-token")
        .or_else(|| {
            h("authorization").and_then(|a| {
                let (scheme, token) = a.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_string())
            })
        })
        .or_else(|| h("job-token"))
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "private_token" || k == "access_token" || k == "job_token")
                .map(|(_, v)| v.clone())
        })
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let method = req.method().as_str().to_string();
    let raw_path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let fault = lock(&shared.faults).pick(&method, &raw_path);
    let mut record = LoggedRequest {
        method: method.clone(),
        path: raw_path.clone(),
        query: raw_query.clone(),
        status: 0,
        fault: fault.as_ref().map(Fault::name),
        user: None,
    };
    // Faults that answer (or hang up) instead of GitLab.
    let early = match &fault {
        Some(Fault::RateLimit { retry_after }) => {
            let mut r = Reply::text(429, "Retry later\n").header("content-type", "text/plain");
            if let Some(s) = retry_after {
                let reset = crate::time::now_millis() / 1000 + s;
                r = r
                    .header("retry-after", s.to_string())
                    .header("ratelimit-name", "throttle_authenticated_api")
                    .header("ratelimit-limit", "60")
                    .header("ratelimit-observed", "61")
                    .header("ratelimit-remaining", "0")
                    .header("ratelimit-reset", reset.to_string());
            }
            Some(r)
        }
        Some(Fault::ServerError(status)) => Some(server_error(*status)),
        Some(Fault::Redirect { status, location }) => {
            let q = if raw_query.is_empty() {
                String::new()
            } else {
                format!("?{raw_query}")
            };
            let target = location.replace("{path}", &format!("{raw_path}{q}"));
            Some(Reply::text(*status, "").header("location", target))
        }
        Some(Fault::Drop) => {
            lock(&shared.log).push(record);
            return Err(Dropped);
        }
        Some(Fault::Stall(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        _ => None,
    };
    let reply = match early {
        Some(r) => r,
        None => {
            let (reply, user) = if raw_path == "/api/graphql" {
                crate::graphql::answer(shared.clone(), req).await
            } else if raw_path.starts_with("/uploads/") && (method == "GET" || method == "HEAD") {
                // Uploaded files (avatars) are served outside the API, like GitLab's.
                (lock(&shared.state).serve_upload(&raw_path), None)
            } else {
                answer(&shared, req, &method, &raw_path, &raw_query).await
            };
            record.user = user;
            reply
        }
    };
    let reply = match &fault {
        Some(Fault::Malformed(m)) => malform(reply, *m),
        Some(Fault::DropAfterHandling) => {
            lock(&shared.log).push(record);
            return Err(Dropped);
        }
        _ => reply,
    };
    record.status = reply.status;
    lock(&shared.log).push(record);
    Ok(to_response(reply))
}

/// Reads the request and lets the state answer it.
async fn answer(
    shared: &Shared,
    req: Request<Incoming>,
    method: &str,
    raw_path: &str,
    raw_query: &str,
) -> (Reply, Option<String>) {
    let Some(segments) = api_segments(raw_path) else {
        return (ApiError::no_route().into_reply(), None);
    };
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let token = token_of(&req, &query);
    let sudo = req
        .headers()
        .get("sudo")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "sudo")
                .map(|(_, v)| v.clone())
        });
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_big = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let err = if too_big {
                ApiError::message(413, "413 Request Entity Too Large")
            } else {
                ApiError::error(400, "the request body could not be read")
            };
            return (err.into_reply(), None);
        }
    };
    let Some(verb) = Verb::parse(method) else {
        return (ApiError::method_not_allowed().into_reply(), None);
    };
    let mut params = Params::default();
    for (k, v) in &query {
        if k != "private_token" && k != "access_token" && k != "job_token" && k != "sudo" {
            params.add_text(k, v);
        }
    }
    // A raw upload (generic packages) is the `file` GitLab's endpoint declares:
    // any octet-stream body, and on an endpoint that takes a raw body (a `body`
    // attribute in the catalogue) any body that is neither JSON nor multipart,
    // as Workhorse passes it on (`curl --upload-file` sends no Content-Type,
    // `--data-binary` a form type).
    let ct = content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let raw_upload = ct.starts_with("application/octet-stream")
        || (!body.is_empty()
            && !ct.contains("json")
            && !ct.starts_with("multipart/")
            && takes_raw_body(shared, &segments, verb));
    if !raw_upload {
        if let Err(e) = parse_body(content_type.as_deref(), &body, &mut params) {
            return (e.into_reply(), None);
        }
    }
    if raw_upload {
        let part =
            serde_json::json!({"size": body.len(), "content_type": "application/octet-stream"});
        for name in ["file", "data"] {
            if !params.present(name) {
                params.add_json(name.to_string(), part.clone());
            }
        }
    }
    let api = ApiRequest {
        verb,
        raw_path: raw_path.to_string(),
        segments,
        query,
        params,
        token,
        sudo,
        body,
    };
    lock(&shared.state).handle(&api)
}

/// Whether the endpoint at `segments` reads its whole request body as one
/// attribute (the catalogue's `body` wire type).
fn takes_raw_body(shared: &Shared, segments: &[String], verb: Verb) -> bool {
    let reg = lock(&shared.state).reg.clone();
    let Ok(m) = reg.route(segments, verb) else {
        return false;
    };
    reg.res[m.res].meta.is_some_and(|meta| {
        meta.attr_types
            .iter()
            .any(|(_, t)| *t == gitlab_client::meta::AttrType::Body)
    })
}

fn server_error(status: u16) -> Reply {
    if status == 500 {
        return ApiError::message(500, "500 Internal Server Error").into_reply();
    }
    let reason = match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Server Error",
    };
    Reply::text(
        status,
        format!(
            "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n<body><h1>{status} {reason}</h1><p>The server is temporarily unable to answer.</p></body></html>\n"
        ),
    )
    .header("content-type", "text/html; charset=utf-8")
}

fn malform(mut reply: Reply, how: Malformed) -> Reply {
    match how {
        Malformed::TruncatedJson => {
            let cut = if reply.body.len() >= 2 {
                reply.body.len() / 2
            } else {
                0
            };
            reply.body = if cut == 0 {
                Bytes::from_static(b"{\"id\":")
            } else {
                reply.body.slice(..cut)
            };
            reply.json = true;
        }
        Malformed::NotJson => {
            reply.body = Bytes::from_static(
                b"<!DOCTYPE html>\n<html><body><h1>Welcome to nginx!</h1></body></html>\n",
            );
            reply.json = false;
            reply.headers.retain(|(k, _)| *k != "content-type");
            reply
                .headers
                .push(("content-type", "text/html; charset=utf-8".into()));
        }
        Malformed::UnexpectedJson => {
            reply.body = Bytes::from_static(b"{\"unexpected\":true}");
            reply.json = true;
        }
    }
    reply
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(reply.body));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    if reply.json {
        headers.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    headers.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    for (k, v) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            headers.append(name, value);
        }
    }
    resp
}

//! An in-memory, stateful GitLab REST API v4 emulator on 127.0.0.1, for
//! end-to-end tests, benchmarks and demos (what moto is to AWS).
//!
//! It serves every resource of `gitlab_client::resources::CATALOGUE`: requests
//! are routed by matching their path against each resource's path template, and
//! objects live in a generic store keyed by resource and parent. Projects,
//! groups, users, issues, merge requests, notes, members and branches have
//! GitLab's own fields, ids, permissions and errors; custom actions such as
//! star, archive, issue move, subscribe and merge change state. Listings follow
//! GitLab's offset and keyset pagination, and faults (rate limits, 5xx,
//! dropped connections, stalls, redirects, broken bodies) can be injected.
//!
//! ```no_run
//! use gitlab_emulator::{Emulator, Seed};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = Emulator::builder().seed(Seed::Demo).start().await?;
//! let gl = emu.client()?; // a gitlab_client::Gitlab logged in as root
//! let project = gl.projects().get("demo-group/demo-project").await?;
//! let issues = project.issues().list().all().await?;
//! assert_eq!(issues.len(), 2);
//! assert!(emu.requests().iter().all(|r| r.status == 200));
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The tokens it knows are test tokens: [`ADMIN_TOKEN`] for `root`, and with
//! [`Seed::Demo`] [`DEMO_USER_TOKEN`] and [`DEMO_JOB_TOKEN`] for `alice`.

// Large `json!` literals for GitLab objects need more macro depth.
#![recursion_limit = "256"]

mod faults;
mod graphql;
mod handlers;
mod lists;
mod log;
mod registry;
mod reply;
mod repo;
mod request;
mod seed;
mod server;
mod state;
mod store;
mod time;
mod typing;

pub use faults::{Fault, FaultRule, Faults, Malformed, When};
pub use handlers::GITLAB_VERSION;
pub use log::LoggedRequest;
pub use seed::{Seed, ADMIN_TOKEN, DEMO_JOB_TOKEN, DEMO_USER_TOKEN};

use faults::FaultState;
use log::RequestLog;
use registry::Registry;
use server::{lock, Shared};
use state::State;
use std::fmt;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Errors of the emulator's own API (not of the HTTP API it serves).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Binding the port failed.
    Io(std::io::Error),
    /// A project, user… named in a call does not exist.
    NotFound(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "gitlab emulator: {e}"),
            Error::NotFound(what) => write!(f, "gitlab emulator: {what} not found"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::NotFound(_) => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A user the emulator knows, with a token to act as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUser {
    pub id: u64,
    pub username: String,
    pub token: String,
    pub admin: bool,
}

/// Configures an [`Emulator`] before it starts.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    seed: Seed,
    faults: Faults,
    port: u16,
    log_capacity: usize,
    count_limit: usize,
}

impl EmulatorBuilder {
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Faults from the first request on (change them later with [`Emulator::set_faults`]).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Port on 127.0.0.1; `0` (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How many requests the log keeps (oldest dropped first); default 10,000.
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// Above this many results a listing leaves out `X-Total`, `X-Total-Pages`
    /// and `rel="last"`, as GitLab does past 10,000 (the default).
    pub fn count_limit(mut self, n: usize) -> Self {
        self.count_limit = n;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<Emulator> {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let registry = Arc::new(Registry::build(gitlab_client::resources::CATALOGUE));
        let mut state = State::new(registry, base.clone(), self.count_limit);
        seed::apply(&mut state, self.seed);
        let shared = Arc::new(Shared {
            state: std::sync::Mutex::new(state),
            faults: std::sync::Mutex::new(FaultState::new(self.faults)),
            log: std::sync::Mutex::new(RequestLog::new(self.log_capacity)),
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), stop_rx));
        Ok(Emulator {
            shared,
            addr,
            base,
            stop,
            task: Some(task),
        })
    }
}

/// Where a route of the emulator comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteSource {
    /// Generated from a resource of the client's catalogue (its operations and actions).
    Catalogue,
    /// The emulator's own table of core resources (projects, issues, members…) and
    /// their actions, served whether or not the catalogue lists them.
    Core,
    /// A hand-written handler for a path the catalogue does not describe
    /// (`/markdown`, `/keys?fingerprint=`, `repository/archive.{format}`…).
    Handler,
}

/// One (method, path pattern) the emulator answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (`HEAD` is answered as `GET`).
    pub method: &'static str,
    /// Relative to `/api/v4`, placeholders written `{}`: `projects/{}/issues/{}`.
    /// A placeholder may end a segment after a literal: `archive.{}` is
    /// `archive.zip`, `archive.tar.gz`…
    pub path: String,
    /// Which table the route comes from.
    pub source: RouteSource,
}

/// Every route the emulator serves; any other method and path is answered
/// `404 {"error": "404 Not Found"}` (or 405 when only the method differs).
/// Hand-written routes are tried first; this list is the routing table itself.
pub fn routes() -> Vec<Route> {
    let mut out: Vec<Route> = handlers::EXTRA_ROUTES
        .iter()
        .map(|r| Route {
            method: r.verb.as_str(),
            path: r.path.to_string(),
            source: RouteSource::Handler,
        })
        .collect();
    let registry = Registry::build(gitlab_client::resources::CATALOGUE);
    out.extend(
        registry
            .patterns()
            .into_iter()
            .map(|(verb, path, from_catalogue)| Route {
                method: verb.as_str(),
                path,
                source: if from_catalogue {
                    RouteSource::Catalogue
                } else {
                    RouteSource::Core
                },
            }),
    );
    out
}

/// A running emulator. Dropping it stops the server; [`shutdown`](Self::shutdown)
/// also waits until it has stopped.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("url", &self.base).finish()
    }
}

impl Emulator {
    /// An emulator with only the administrator, on a free port.
    pub async fn start() -> Result<Emulator> {
        Emulator::builder().start().await
    }

    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            seed: Seed::Empty,
            faults: Faults::new(),
            port: 0,
            log_capacity: 10_000,
            count_limit: 10_000,
        }
    }

    /// `http://127.0.0.1:PORT`, what a GitLab client takes as its URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// `http://127.0.0.1:PORT/api/v4`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v4", self.base)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The administrator `root`'s token, [`ADMIN_TOKEN`].
    pub fn admin_token(&self) -> &'static str {
        ADMIN_TOKEN
    }

    /// Every user that has a token, in id order.
    pub fn users(&self) -> Vec<TestUser> {
        let st = lock(&self.shared.state);
        let mut out: Vec<TestUser> = st
            .tokens
            .iter()
            .filter_map(|(token, id)| {
                let u = st.user(*id)?;
                Some(TestUser {
                    id: *id,
                    username: u.str("username")?.to_string(),
                    token: token.clone(),
                    admin: u
                        .obj
                        .get("is_admin")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                })
            })
            .collect();
        out.sort_by(|a, b| (a.id, &a.token).cmp(&(b.id, &b.token)));
        out
    }

    /// A user by username, with one of their tokens.
    pub fn user(&self, username: &str) -> Option<TestUser> {
        self.users().into_iter().find(|u| u.username == username)
    }

    /// Creates a user with token `glpat-emulator-<username>`.
    pub fn create_user(&self, username: &str, admin: bool) -> TestUser {
        let mut st = lock(&self.shared.state);
        let token = format!("glpat-emulator-{username}");
        let id = match st.user_by_username(username).and_then(|u| u.u64("id")) {
            Some(id) => id,
            None => handlers::seeding::insert_user(
                &mut st,
                username,
                username,
                &format!("{username}@example.com"),
                admin,
            ),
        };
        st.tokens.insert(token.clone(), id);
        TestUser {
            id,
            username: username.to_string(),
            token,
            admin,
        }
    }

    /// Lets `token` authenticate as user `user_id` (any of the three token headers).
    pub fn add_token(&self, user_id: u64, token: &str) -> Result<()> {
        let mut st = lock(&self.shared.state);
        if st.user(user_id).is_none() {
            return Err(Error::NotFound(format!("user {user_id}")));
        }
        st.tokens.insert(token.to_string(), user_id);
        Ok(())
    }

    /// A `gitlab_client::Gitlab` for this emulator, logged in as `root`.
    pub fn client(&self) -> gitlab_client::Result<gitlab_client::Gitlab> {
        self.client_as(ADMIN_TOKEN)
    }

    /// A client with a private token of your choice (any string, even unknown ones).
    pub fn client_as(&self, token: &str) -> gitlab_client::Result<gitlab_client::Gitlab> {
        gitlab_client::Gitlab::new(self.base.clone(), token)
    }

    /// The requests received so far, oldest first (the log keeps the most recent ones).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).snapshot()
    }

    /// How many requests were received in all, including ones the log no longer holds.
    pub fn request_count(&self) -> u64 {
        lock(&self.shared.log).total()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Replaces the fault rules; their counters start again from zero.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = FaultState::new(faults);
    }

    pub fn clear_faults(&self) {
        self.set_faults(Faults::new());
    }

    /// The fault rules in force.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).faults().clone()
    }

    /// The id of the project at `path_with_namespace` (or numeric id as text).
    pub fn project_id(&self, path: &str) -> Option<u64> {
        lock(&self.shared.state)
            .find_project(path)
            .and_then(|p| p.u64("id"))
    }

    /// Adds `n` issues to a project directly (no HTTP), authored by `root`:
    /// for benchmarks and pagination tests. Returns their iids.
    pub fn seed_issues(&self, project_id: u64, n: usize) -> Result<RangeInclusive<u64>> {
        let mut st = lock(&self.shared.state);
        if st.project(project_id).is_none() {
            return Err(Error::NotFound(format!("project {project_id}")));
        }
        let author = st.tokens.get(ADMIN_TOKEN).copied().unwrap_or(1);
        let (first, last) = handlers::seeding::bulk_issues(&mut st, project_id, n, author);
        Ok(first..=last)
    }

    /// Stops accepting connections, closes the open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

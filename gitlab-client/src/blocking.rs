//! A blocking client (cargo feature `blocking`): the same managers, objects,
//! builders and accessors as the async API, for programs without an async
//! runtime.
//!
//! ```no_run
//! # fn main() -> gitlab_client::Result<()> {
//! use gitlab_client::blocking::Gitlab;
//! use gitlab_client::resources::{IssueState, ProjectIssueCreate};
//!
//! let gl = Gitlab::builder("https://gitlab.example.com").private_token("glpat-...").build()?;
//! let projects = gl.projects().list().all()?;
//! let project = gl.projects().get(1u64)?;
//! let name: String = project.get("name")?;        // accessors through Deref
//! println!("{name}: {:?}, {} projects", project.visibility(), projects.len());
//! let mut issue = project.issues().create(ProjectIssueCreate::new("Broken link"))?;
//! issue.set("description", "The README link 404s.");
//! issue.save()?;
//! // Typed list filters: `apply` hands the async listing to a closure.
//! for issue in project.issues().list().apply(|l| l.state(IssueState::Opened)).iter() {
//!     println!("{:?}", issue?.title());
//! }
//! # Ok(()) }
//! ```
//!
//! # How it is built
//!
//! Nothing about resources is written twice. Each blocking client owns one
//! small tokio runtime (one worker thread, which drives the connection pool
//! between calls) and runs the async core's futures on it:
//!
//! - [`Gitlab`], [`Manager`], [`Object`] and [`ListRequest`] wrap the async
//!   types generically; their methods are written once for every resource.
//! - An [`Object`] dereferences to the async [`crate::Object`], so the
//!   generated typed accessors (`project.name()`), `get`, `attr`, `set` and
//!   `to_json` are the async API's own, unchanged.
//! - A [`ListRequest`] takes the generated typed filters through
//!   [`ListRequest::apply`], which hands the async listing to a closure
//!   (`.apply(|l| l.state(IssueState::Opened).labels(["bug"]))`); the untyped
//!   `filter`, `per_page`, `sudo`… are also here directly.
//! - Builders (`ProjectIssueCreate`, …) are plain values: the same types.
//! - What returns a manager or runs a request differs: the manager
//!   accessors (`gl.projects()`, `project.issues()`) and custom actions
//!   (`project.star()`) are generated as one-line wrappers that call the async
//!   method and block on it, and only when this feature is on: a build
//!   without it generates and compiles none of this.
//!
//! # Inside an async runtime
//!
//! Blocking a thread that runs async tasks can stall that runtime, and
//! deadlock it when the server (a test's emulator) runs on it. So every call
//! made on a thread that has a tokio runtime, including `spawn_blocking`
//! threads, fails at once with [`Error::BlockingInAsync`]
//! and sends nothing; it never panics and never hangs. In async code use
//! [`Gitlab::as_async`] and `.await`. Dropping a blocking client inside a
//! runtime is fine too: its runtime is shut down in the background.

use crate::attrs::{Attrs, Param};
use crate::client::{GitlabBuilder as AsyncBuilder, ServerVersion};
use crate::error::{Error, Result};
use crate::graphql::ConnectionWalk;
use crate::meta::{ops, AttrTable, Resource, ResourceMeta};
use crate::pagination::Page;
use crate::retry::RetryPolicy;
use crate::transport::{Auth, CallOptions};
use crate::typed::Id;
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Generated one-line wrappers: manager accessors and custom actions.
#[allow(clippy::too_many_arguments)]
mod generated {
    #[cfg(feature = "regenerate")]
    include!(concat!(env!("OUT_DIR"), "/blocking.rs"));
    #[cfg(not(feature = "regenerate"))]
    include!("generated/blocking.rs");
}

/// The runtime a blocking client runs its calls on.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn new() -> Result<Arc<Runtime>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("gitlab-client-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Arc::new(Runtime(Some(rt))))
    }

    /// Runs `f` to completion on this thread; refuses on a thread with a runtime.
    fn block_on<F: Future>(&self, f: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsync);
        }
        match &self.0 {
            Some(rt) => Ok(rt.block_on(f)),
            // Only `drop` takes the runtime out.
            None => Err(Error::BlockingInAsync),
        }
    }

    fn run<T, F: Future<Output = Result<T>>>(&self, f: F) -> Result<T> {
        self.block_on(f)?
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            // Dropping a runtime where blocking is not allowed would panic.
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            }
        }
    }
}

/// Configures a blocking [`Gitlab`]: the settings of the async
/// [`GitlabBuilder`](crate::GitlabBuilder), which it wraps. Building makes no request.
#[derive(Debug, Clone)]
pub struct GitlabBuilder(AsyncBuilder);

macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $($(#[$doc])* pub fn $name(self, $($arg: $ty),*) -> Self { GitlabBuilder(self.0.$name($($arg),*)) })*
    };
}

impl GitlabBuilder {
    forward! {
        /// See [`crate::GitlabBuilder::private_token`].
        private_token(token: impl Into<String>);
        /// See [`crate::GitlabBuilder::oauth_token`].
        oauth_token(token: impl Into<String>);
        /// See [`crate::GitlabBuilder::job_token`].
        job_token(token: impl Into<String>);
        /// See [`crate::GitlabBuilder::auth`].
        auth(auth: Auth);
        /// See [`crate::GitlabBuilder::user_agent`].
        user_agent(ua: impl Into<String>);
        /// See [`crate::GitlabBuilder::timeout`].
        timeout(t: impl Into<Option<Duration>>);
        /// See [`crate::GitlabBuilder::per_page`].
        per_page(n: u32);
        /// See [`crate::GitlabBuilder::http_client`].
        http_client(client: reqwest::Client);
        /// See [`crate::GitlabBuilder::danger_accept_invalid_certs`].
        danger_accept_invalid_certs(yes: bool);
        /// See [`crate::GitlabBuilder::max_response_size`].
        max_response_size(bytes: u64);
        /// See [`crate::GitlabBuilder::retry_policy`].
        retry_policy(policy: RetryPolicy);
        /// See [`crate::GitlabBuilder::obey_rate_limit`].
        obey_rate_limit(yes: bool);
        /// See [`crate::GitlabBuilder::retry_transient_errors`].
        retry_transient_errors(yes: bool);
        /// See [`crate::GitlabBuilder::max_retries`].
        max_retries(n: i64);
        /// See [`crate::GitlabBuilder::throttle_below`].
        throttle_below(n: u64);
    }

    /// Builds the client and starts its runtime (one worker thread); makes no request.
    pub fn build(self) -> Result<Gitlab> {
        Gitlab::from_async(self.0.build()?)
    }
}

impl From<AsyncBuilder> for GitlabBuilder {
    fn from(b: AsyncBuilder) -> Self {
        GitlabBuilder(b)
    }
}

/// A blocking GitLab client. Cheap to clone: clones share the connection
/// pool and the runtime, which stop when the last clone (and every manager
/// and object made from it) is dropped.
#[derive(Clone)]
pub struct Gitlab {
    inner: crate::Gitlab,
    rt: Arc<Runtime>,
}

impl std::fmt::Debug for Gitlab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Gitlab")
            .field(&self.inner)
            .finish()
    }
}

impl Gitlab {
    /// A builder for a client of the GitLab at `url` (with or without `/api/v4`).
    pub fn builder(url: impl Into<String>) -> GitlabBuilder {
        GitlabBuilder(crate::Gitlab::builder(url))
    }

    /// A client authenticated with a private/personal access token.
    pub fn new(url: impl Into<String>, private_token: impl Into<String>) -> Result<Gitlab> {
        Gitlab::builder(url).private_token(private_token).build()
    }

    /// A client without credentials.
    pub fn anonymous(url: impl Into<String>) -> Result<Gitlab> {
        Gitlab::builder(url).build()
    }

    /// A client from python-gitlab configuration files, like
    /// [`crate::Gitlab::from_config`].
    #[cfg(feature = "config")]
    pub fn from_config(section: Option<&str>, files: &[std::path::PathBuf]) -> Result<Gitlab> {
        Gitlab::from_async(crate::Gitlab::from_config(section, files)?)
    }

    /// A blocking face of an async client (same settings and connection
    /// pool), with its own runtime.
    pub fn from_async(gl: crate::Gitlab) -> Result<Gitlab> {
        Ok(Gitlab {
            inner: gl,
            rt: Runtime::new()?,
        })
    }

    /// The async client underneath, for async code (`.await` its calls there).
    pub fn as_async(&self) -> &crate::Gitlab {
        &self.inner
    }

    /// A blocking manager from an async one (generated accessors call this).
    pub fn manager<R>(&self, m: crate::Manager<R>) -> Manager<R> {
        Manager {
            inner: m,
            rt: self.rt.clone(),
        }
    }

    /// The API base URL, ending in `/api/v4`.
    pub fn url(&self) -> &str {
        self.inner.url()
    }

    /// The authenticated user (`GET /user`).
    pub fn auth(&self) -> Result<Object<crate::resources::kind::CurrentUser>> {
        let u = self.rt.run(self.inner.auth())?;
        Ok(wrap_object(&self.rt, u))
    }

    /// The server's version (`GET /version`).
    pub fn version(&self) -> Result<ServerVersion> {
        self.rt.run(self.inner.version())
    }

    /// `GET` an endpoint no schema covers (see [`crate::Gitlab::http_get`]).
    pub fn http_get(&self, path: &str, query: &Attrs) -> Result<Value> {
        self.rt.run(self.inner.http_get(path, query))
    }

    /// `GET` raw bytes.
    pub fn http_get_raw(&self, path: &str, query: &Attrs) -> Result<Bytes> {
        self.rt.run(self.inner.http_get_raw(path, query))
    }

    /// `POST` with `body` as JSON.
    pub fn http_post(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.rt.run(self.inner.http_post(path, body))
    }

    /// `PUT` with `body` as JSON.
    pub fn http_put(&self, path: &str, body: &Attrs) -> Result<Value> {
        self.rt.run(self.inner.http_put(path, body))
    }

    /// `DELETE` an endpoint no schema covers.
    pub fn http_delete(&self, path: &str) -> Result<Value> {
        self.rt.run(self.inner.http_delete(path))
    }

    /// `GET` every page of a list endpoint.
    pub fn http_list(&self, path: &str, query: &Attrs) -> Result<Vec<Value>> {
        self.rt.run(self.inner.http_list(path, query))
    }

    /// A GraphQL query's `data` (see [`crate::Gitlab::graphql`]).
    pub fn graphql(&self, query: &str, variables: Value) -> Result<Value> {
        self.rt.run(self.inner.graphql(query, variables))
    }

    /// Every node of a paginated connection (see [`crate::Gitlab::graphql_pages`]).
    pub fn graphql_pages(
        &self,
        query: &str,
        variables: Value,
        connection: &str,
    ) -> Result<Vec<Value>> {
        self.rt
            .run(self.inner.graphql_pages(query, variables, connection))
    }

    /// The nodes of a paginated connection, one page fetched at a time.
    pub fn graphql_stream(&self, query: &str, variables: Value, connection: &str) -> GraphQLNodes {
        GraphQLNodes {
            gl: self.clone(),
            query: query.to_string(),
            walk: ConnectionWalk::new(variables, connection).map_err(Some),
            page: Vec::new().into_iter(),
        }
    }
}

/// The nodes of a GraphQL connection, one request per page; made by
/// [`Gitlab::graphql_stream`]. Ends after the first error.
pub struct GraphQLNodes {
    gl: Gitlab,
    query: String,
    /// `Err(Some(e))`: an error to report next; `Err(None)`: finished.
    walk: std::result::Result<ConnectionWalk, Option<Error>>,
    page: std::vec::IntoIter<Value>,
}

impl Iterator for GraphQLNodes {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Result<Value>> {
        loop {
            if let Some(v) = self.page.next() {
                return Some(Ok(v));
            }
            let walk = match &mut self.walk {
                Ok(w) => w,
                Err(e) => return e.take().map(Err),
            };
            let vars = walk.next_variables()?;
            let page = self
                .gl
                .graphql(&self.query, vars)
                .and_then(|data| walk.take_page(&data));
            match page {
                Ok(nodes) => self.page = nodes.into_iter(),
                Err(e) => {
                    self.walk = Err(None);
                    return Some(Err(e));
                }
            }
        }
    }
}

fn wrap_object<R: Resource>(rt: &Arc<Runtime>, o: crate::Object<R>) -> Object<R> {
    Object {
        inner: o,
        rt: rt.clone(),
    }
}

/// The blocking manager of resource `R`: the async [`crate::Manager`]'s
/// operations, each blocking until done. Made by `gl.projects()`,
/// `project.issues()` and the like.
pub struct Manager<R> {
    inner: crate::Manager<R>,
    rt: Arc<Runtime>,
}

impl<R> Clone for Manager<R> {
    fn clone(&self) -> Self {
        Manager {
            inner: self.inner.clone(),
            rt: self.rt.clone(),
        }
    }
}

impl<R: Resource> std::fmt::Debug for Manager<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<R: Resource> Manager<R> {
    /// A manager of `R` with no parent values (see [`crate::Manager::new`]).
    pub fn new(gl: &Gitlab) -> Self {
        gl.manager(crate::Manager::new(&gl.inner))
    }

    /// The async manager underneath.
    pub fn as_async(&self) -> &crate::Manager<R> {
        &self.inner
    }

    /// Runs a manager action of the async manager (generated wrappers call this).
    pub fn action<'a, T, Fut>(&'a self, f: impl FnOnce(&'a crate::Manager<R>) -> Fut) -> Result<T>
    where
        Fut: Future<Output = Result<T>> + 'a,
    {
        self.rt.run(f(&self.inner))
    }

    /// Sets a path placeholder (see [`crate::Manager::with_parent`]).
    pub fn with_parent(mut self, placeholder: &'static str, value: impl Into<Value>) -> Self {
        self.inner = self.inner.with_parent(placeholder, value);
        self
    }

    /// Makes every call of this manager as `user` (`Sudo` header).
    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.inner = self.inner.sudo(user);
        self
    }

    /// Adds a raw query parameter to every call.
    pub fn query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner = self.inner.query_param(name, value);
        self
    }

    /// Lets calls retry POST/PATCH after a 5xx or a timeout (see [`crate::Manager::retry_writes`]).
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.inner = self.inner.retry_writes(yes);
        self
    }

    /// Overrides the client's timeout for calls of this manager.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.inner = self.inner.timeout(t);
        self
    }

    /// The schema table of this resource.
    pub fn meta(&self) -> &'static ResourceMeta {
        R::META
    }

    /// The resolved collection path.
    pub fn path(&self) -> Result<String> {
        self.inner.path()
    }

    /// Attributes accepted by `create`.
    pub fn get_create_attrs(&self) -> &'static AttrTable {
        R::META.create_attrs()
    }

    /// Attributes accepted by `update` / `save`.
    pub fn get_update_attrs(&self) -> &'static AttrTable {
        R::META.update_attrs()
    }

    /// An object with only its id set; no request is made.
    pub fn get_lazy(&self, id: impl Into<Id>) -> Object<R> {
        wrap_object(&self.rt, self.inner.get_lazy(id))
    }
}

impl<R: ops::Get> Manager<R> {
    /// `GET {path}/{id}` (see [`crate::Manager::get`]).
    pub fn get(&self, id: impl Into<Id>) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.get(id))?;
        Ok(wrap_object(&self.rt, o))
    }
}

impl<R: ops::GetWithoutId> Manager<R> {
    /// `GET {path}` of a singleton resource.
    pub fn fetch(&self) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.fetch())?;
        Ok(wrap_object(&self.rt, o))
    }

    /// `GET {path}` of a singleton, with query filters.
    pub fn fetch_with(&self, filters: Attrs) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.fetch_with(filters))?;
        Ok(wrap_object(&self.rt, o))
    }
}

impl<R: ops::Create> Manager<R> {
    /// `POST {path}` (see [`crate::Manager::create`]).
    pub fn create(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.create(attrs))?;
        Ok(wrap_object(&self.rt, o))
    }
}

impl<R: ops::Update> Manager<R> {
    /// `PUT {path}/{id}` with `attrs`.
    pub fn update(&self, id: impl Into<Id>, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.update(id, attrs))?;
        Ok(wrap_object(&self.rt, o))
    }

    /// Updates a singleton resource.
    pub fn update_current(&self, attrs: impl Into<Attrs>) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.update_current(attrs))?;
        Ok(wrap_object(&self.rt, o))
    }
}

impl<R: ops::Delete> Manager<R> {
    /// `DELETE {path}/{id}`.
    pub fn delete(&self, id: impl Into<Id>) -> Result<()> {
        self.rt.run(self.inner.delete(id))
    }

    /// `DELETE {path}` of a singleton resource.
    pub fn delete_current(&self) -> Result<()> {
        self.rt.run(self.inner.delete_current())
    }
}

impl<R: ops::Set> Manager<R> {
    /// `PUT {path}/{key}` with `{"value": value}` plus `extra`.
    pub fn set(
        &self,
        key: impl Into<Id>,
        value: impl Into<Value>,
        extra: Attrs,
    ) -> Result<Object<R>> {
        let o = self.rt.run(self.inner.set(key, value, extra))?;
        Ok(wrap_object(&self.rt, o))
    }
}

impl<R: ops::List> Manager<R> {
    /// Starts a listing: `.page(n)`, `.all()` or `.iter()`.
    pub fn list(&self) -> ListRequest<R> {
        ListRequest {
            inner: self.inner.list(),
            rt: self.rt.clone(),
        }
    }
}

/// A blocking listing being set up; wraps the async [`crate::ListRequest`].
pub struct ListRequest<R> {
    inner: crate::ListRequest<R>,
    rt: Arc<Runtime>,
}

impl<R: Resource> ListRequest<R> {
    /// Changes the async listing underneath: the way to the generated typed
    /// filters, `.apply(|l| l.state(IssueState::Opened).labels(["bug"]))`.
    pub fn apply(mut self, f: impl FnOnce(crate::ListRequest<R>) -> crate::ListRequest<R>) -> Self {
        self.inner = f(self.inner);
        self
    }

    /// Adds a list filter by name (see [`crate::ListRequest::filter`]).
    pub fn filter(self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.apply(|l| l.filter(name, value))
    }

    /// Adds a filter the schema may not know, sent as given.
    pub fn filter_unchecked(self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.apply(|l| l.filter_unchecked(name, value))
    }

    /// Adds several filters at once.
    pub fn filters(self, attrs: Attrs) -> Self {
        self.apply(|l| l.filters(attrs))
    }

    /// Page size, 1–100.
    pub fn per_page(self, n: u32) -> Self {
        self.apply(|l| l.per_page(n))
    }

    /// Keyset pagination.
    pub fn keyset(self) -> Self {
        self.apply(|l| l.keyset())
    }

    /// Runs this listing as `user`.
    pub fn sudo(self, user: impl Into<String>) -> Self {
        self.apply(|l| l.sudo(user))
    }

    /// Fetches up to `n` pages at once in `all()`/`iter()`.
    pub fn concurrency(self, n: usize) -> Self {
        self.apply(|l| l.concurrency(n))
    }

    /// Uses offset pagination even where keyset pagination is offered.
    pub fn offset_pagination(self) -> Self {
        self.apply(|l| l.offset_pagination())
    }

    /// Fetches page `n` (1-based) with its pagination facts.
    pub fn page(self, n: u32) -> Result<Page<Object<R>>> {
        let p = self.rt.run(self.inner.page(n))?;
        Ok(Page {
            items: p
                .items
                .into_iter()
                .map(|o| wrap_object(&self.rt, o))
                .collect(),
            info: p.info,
        })
    }

    /// Fetches every page, in order.
    pub fn all(self) -> Result<Vec<Object<R>>> {
        let items = self.rt.run(self.inner.all())?;
        Ok(items
            .into_iter()
            .map(|o| wrap_object(&self.rt, o))
            .collect())
    }

    /// The objects one by one, fetching a page when the previous one is used
    /// up: memory holds one page at a time. Ends after the first error.
    pub fn iter(self) -> Iter<R> {
        Iter {
            stream: Some(self.inner.stream().boxed()),
            rt: self.rt,
        }
    }
}

impl<R: Resource> IntoIterator for ListRequest<R> {
    type Item = Result<Object<R>>;
    type IntoIter = Iter<R>;
    fn into_iter(self) -> Iter<R> {
        self.iter()
    }
}

/// The objects of a listing, page by page; made by [`ListRequest::iter`].
pub struct Iter<R: Resource> {
    stream: Option<BoxStream<'static, Result<crate::Object<R>>>>,
    rt: Arc<Runtime>,
}

impl<R: Resource> Iterator for Iter<R> {
    type Item = Result<Object<R>>;

    fn next(&mut self) -> Option<Result<Object<R>>> {
        let stream = self.stream.as_mut()?;
        let item = match self.rt.block_on(stream.next()) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        };
        match item {
            Some(Ok(o)) => Some(Ok(wrap_object(&self.rt, o))),
            Some(Err(e)) => {
                self.stream = None;
                Some(Err(e))
            }
            None => {
                self.stream = None;
                None
            }
        }
    }
}

/// A blocking object of resource `R`. It dereferences to the async
/// [`crate::Object`], whose typed accessors, `get`, `attr`, `set` and
/// `to_json` need no request; `save`, `delete`, `refresh`, custom actions and
/// sub-resource managers are the blocking ones here.
pub struct Object<R: Resource> {
    inner: crate::Object<R>,
    rt: Arc<Runtime>,
}

impl<R: Resource> Clone for Object<R> {
    fn clone(&self) -> Self {
        Object {
            inner: self.inner.clone(),
            rt: self.rt.clone(),
        }
    }
}

impl<R: Resource> std::fmt::Debug for Object<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<R: Resource> std::ops::Deref for Object<R> {
    type Target = crate::Object<R>;
    fn deref(&self) -> &crate::Object<R> {
        &self.inner
    }
}

impl<R: Resource> std::ops::DerefMut for Object<R> {
    fn deref_mut(&mut self) -> &mut crate::Object<R> {
        &mut self.inner
    }
}

impl<R: Resource> Object<R> {
    /// The async object underneath.
    pub fn as_async(&self) -> &crate::Object<R> {
        &self.inner
    }

    /// The async object, for async code.
    pub fn into_async(self) -> crate::Object<R> {
        self.inner
    }

    /// A blocking manager from one of the async object's sub-managers
    /// (generated accessors call this).
    pub fn child<C>(&self, m: crate::Manager<C>) -> Manager<C> {
        Manager {
            inner: m,
            rt: self.rt.clone(),
        }
    }

    /// Runs an action of the async object (generated wrappers call this).
    pub fn action<'a, T, Fut>(&'a self, f: impl FnOnce(&'a crate::Object<R>) -> Fut) -> Result<T>
    where
        Fut: Future<Output = Result<T>> + 'a,
    {
        self.rt.run(f(&self.inner))
    }

    /// Runs an action that replaces the object's attributes (generated wrappers call this).
    pub fn action_update_self<'a, T, Fut>(
        &'a mut self,
        f: impl FnOnce(&'a mut crate::Object<R>) -> Fut,
    ) -> Result<T>
    where
        Fut: Future<Output = Result<T>> + 'a,
    {
        let rt = self.rt.clone();
        rt.run(f(&mut self.inner))
    }

    /// Sends the changed attributes (see [`crate::Object::save`]).
    pub fn save(&mut self) -> Result<()> {
        let rt = self.rt.clone();
        rt.run(self.inner.save())
    }

    /// Deletes the object on the server.
    pub fn delete(&self) -> Result<()> {
        self.rt.run(self.inner.delete())
    }

    /// Re-reads the object from the server, dropping unsaved changes.
    pub fn refresh(&mut self) -> Result<()> {
        let rt = self.rt.clone();
        rt.run(self.inner.refresh())
    }

    /// Makes this object's later requests run as `user` (see [`crate::Object::sudo`]).
    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.inner = self.inner.sudo(user);
        self
    }

    /// Makes this object's later requests run as the token's own user again.
    pub fn without_sudo(mut self) -> Self {
        self.inner = self.inner.without_sudo();
        self
    }

    /// Overrides the timeout of this object's later requests.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.inner = self.inner.timeout(t);
        self
    }

    /// Lets this object's later POST/PATCH requests be retried.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.inner = self.inner.retry_writes(yes);
        self
    }

    /// The call options this object's requests use.
    pub fn call_options(&self) -> &CallOptions {
        self.inner.call_options()
    }
}

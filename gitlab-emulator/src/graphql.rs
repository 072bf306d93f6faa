//! `POST /api/graphql`: a subset of GitLab's GraphQL API answered from the
//! emulator's own state with async-graphql: `currentUser`, `user(username:)`,
//! `project(fullPath:)` with `issues` and `mergeRequests` connections,
//! `group(fullPath:)` with a `projects` connection. Connections take
//! `first` (default and maximum 100, as GitLab) and `after`, and answer
//! `nodes`, `edges { cursor node }`, `count` and
//! `pageInfo { endCursor hasNextPage startCursor hasPreviousPage }`.
//! Visibility follows the REST rules: what the caller may not read is `null`.

use crate::reply::{ApiError, Reply};
use crate::server::{lock, token_of, Shared};
use crate::state::{access, Caller, State};
use crate::store::Entry;
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Enum, Object, Schema, SimpleObject, ID,
};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::Request;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// Largest GraphQL request body read.
const MAX_BODY: usize = 1024 * 1024;
/// GitLab's `max_page_size` for GraphQL connections.
const MAX_PAGE: usize = 100;

type GitlabSchema = Schema<Query, EmptyMutation, EmptySubscription>;

fn schema() -> &'static GitlabSchema {
    static SCHEMA: OnceLock<GitlabSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            // GitLab's limits are 300 (authenticated complexity) and 15 levels.
            .limit_depth(15)
            .limit_complexity(300)
            .finish()
    })
}

/// What every resolver needs: the emulator and who is asking.
struct Call {
    shared: Arc<Shared>,
    caller: Option<Caller>,
}

impl Call {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.shared.state)
    }
}

/// Answers one GraphQL request; the second value is the caller, for the request log.
pub(crate) async fn answer(shared: Arc<Shared>, req: Request<Incoming>) -> (Reply, Option<String>) {
    if req.method() != hyper::Method::POST {
        return (ApiError::method_not_allowed().into_reply(), None);
    }
    let token = token_of(&req, &[]);
    let sudo = req
        .headers()
        .get("sudo")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return (
                ApiError::error(400, "the request body could not be read").into_reply(),
                None,
            )
        }
    };
    let caller = {
        let st = lock(&shared.state);
        match st.authenticate(token.as_deref(), sudo.as_deref()) {
            Ok(c) => c,
            Err(e) => return (e.into_reply(), None),
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let v = serde_json::json!({"errors": [{"message": format!("invalid GraphQL request: {e}")}]});
            return (Reply::json(400, &v), caller.map(|c| c.username));
        }
    };
    let user = caller.as_ref().map(|c| c.username.clone());
    let response = schema()
        .execute(request.data(Call { shared, caller }))
        .await;
    let v = serde_json::to_value(&response).unwrap_or(Value::Null);
    (Reply::json(200, &v), user)
}

/// `gid://gitlab/Type/id`, GitLab's global ids.
fn gid(kind: &str, id: u64) -> ID {
    ID(format!("gid://gitlab/{kind}/{id}"))
}

fn text(e: &Entry, k: &str) -> Option<String> {
    e.str(k).map(str::to_string)
}

/// The state filter of `issues(state:)` / `mergeRequests(state:)`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "lowercase")]
enum IssuableState {
    Opened,
    Closed,
    Locked,
    Merged,
    All,
}

impl IssuableState {
    fn matches(self, state: Option<&str>) -> bool {
        match self {
            IssuableState::All => true,
            IssuableState::Opened => state == Some("opened"),
            IssuableState::Closed => state == Some("closed"),
            IssuableState::Locked => state == Some("locked"),
            IssuableState::Merged => state == Some("merged"),
        }
    }
}

/// Pagination facts of a connection.
#[derive(SimpleObject, Clone)]
struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

/// A connection type and its edge type for one node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        /// One edge of a connection.
        #[derive(SimpleObject, Clone)]
        struct $edge {
            cursor: String,
            node: $node,
        }

        /// A page of a connection.
        #[derive(SimpleObject)]
        struct $conn {
            count: i32,
            nodes: Vec<$node>,
            edges: Vec<$edge>,
            page_info: PageInfo,
        }

        impl From<Paged<$node>> for $conn {
            fn from(p: Paged<$node>) -> $conn {
                $conn {
                    count: p.count,
                    edges: p
                        .items
                        .iter()
                        .map(|(k, n)| $edge {
                            cursor: cursor_of(*k),
                            node: n.clone(),
                        })
                        .collect(),
                    nodes: p.items.into_iter().map(|(_, n)| n).collect(),
                    page_info: p.page_info,
                }
            }
        }
    };
}

connection!(IssueConnection, IssueEdge, Issue);
connection!(MergeRequestConnection, MergeRequestEdge, MergeRequest);
connection!(ProjectConnection, ProjectEdge, Project);

/// One page of items with their cursor keys, before it becomes a connection type.
struct Paged<T> {
    count: i32,
    items: Vec<(u64, T)>,
    page_info: PageInfo,
}

/// Cursors are opaque to clients; here they are the item's position key.
fn cursor_of(id: u64) -> String {
    format!("emulator:{id}")
}

/// A page of `items` (already in connection order, each with its cursor key).
fn paginate<T, C: From<Paged<T>>>(
    items: Vec<(u64, T)>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<C> {
    let count = items.len() as i32;
    let first = match first {
        None => MAX_PAGE,
        Some(n) if n < 0 => return Err("first must not be negative".into()),
        Some(n) => (n as usize).min(MAX_PAGE),
    };
    let start = match after {
        None => 0,
        Some(c) => {
            let key = c
                .strip_prefix("emulator:")
                .and_then(|k| k.parse::<u64>().ok());
            match key.and_then(|key| items.iter().position(|(k, _)| *k == key)) {
                Some(i) => i + 1,
                None => return Err(format!("Invalid cursor: {c}").into()),
            }
        }
    };
    let mut page: Vec<(u64, T)> = items.into_iter().skip(start).take(first + 1).collect();
    let has_next_page = page.len() > first;
    page.truncate(first);
    Ok(C::from(Paged {
        count,
        page_info: PageInfo {
            has_next_page,
            has_previous_page: start > 0,
            start_cursor: page.first().map(|(k, _)| cursor_of(*k)),
            end_cursor: page.last().map(|(k, _)| cursor_of(*k)),
        },
        items: page,
    }))
}

/// The root query type.
pub(crate) struct Query;

#[Object]
impl Query {
    /// The user the token belongs to; `null` when anonymous.
    async fn current_user(&self, ctx: &Context<'_>) -> Option<User> {
        let call = ctx.data_unchecked::<Call>();
        let id = call.caller.as_ref()?.id;
        let st = call.state();
        st.user(id).map(User::of)
    }

    /// A user by username.
    async fn user(&self, ctx: &Context<'_>, username: String) -> Option<User> {
        let call = ctx.data_unchecked::<Call>();
        let st = call.state();
        st.user_by_username(&username).map(User::of)
    }

    /// A project by full path (`group/project`), if the caller may read it.
    async fn project(&self, ctx: &Context<'_>, full_path: ID) -> Option<Project> {
        let call = ctx.data_unchecked::<Call>();
        let st = call.state();
        let p = st.find_project(&full_path)?;
        st.can_read_project(call.caller.as_ref(), p)
            .then(|| Project::of(p))
    }

    /// A group by full path, if the caller may read it.
    async fn group(&self, ctx: &Context<'_>, full_path: ID) -> Option<Group> {
        let call = ctx.data_unchecked::<Call>();
        let st = call.state();
        let g = st.find_group(&full_path)?;
        st.can_read_group(call.caller.as_ref(), g)
            .then(|| Group::of(g))
    }
}

/// A user: GitLab's `UserCore` fields the emulator holds data for.
#[derive(SimpleObject, Clone)]
struct User {
    id: ID,
    username: String,
    name: Option<String>,
    state: Option<String>,
    web_url: Option<String>,
    /// The web URL's path (`/root`).
    web_path: String,
    avatar_url: Option<String>,
    /// Whether the user's state is `active`.
    active: Option<bool>,
    bot: bool,
    /// Not a bot.
    human: Option<bool>,
    public_email: Option<String>,
    bio: Option<String>,
    location: Option<String>,
    linkedin: Option<String>,
    twitter: Option<String>,
    discord: Option<String>,
    organization: Option<String>,
    job_title: Option<String>,
    pronouns: Option<String>,
    created_at: Option<String>,
    last_activity_on: Option<String>,
}

impl User {
    fn of(u: &Entry) -> User {
        let username = text(u, "username").unwrap_or_default();
        let bot = u.obj.get("bot").and_then(Value::as_bool).unwrap_or(false);
        User {
            id: gid("User", u.u64("id").unwrap_or(0)),
            web_path: format!("/{username}"),
            username,
            name: text(u, "name"),
            state: text(u, "state"),
            web_url: text(u, "web_url"),
            avatar_url: text(u, "avatar_url"),
            active: Some(u.str("state") == Some("active")),
            bot,
            human: Some(!bot),
            public_email: text(u, "public_email"),
            bio: text(u, "bio"),
            location: text(u, "location"),
            linkedin: text(u, "linkedin"),
            twitter: text(u, "twitter"),
            discord: text(u, "discord"),
            organization: text(u, "organization"),
            job_title: text(u, "job_title"),
            pronouns: text(u, "pronouns"),
            created_at: text(u, "created_at"),
            last_activity_on: text(u, "last_activity_on"),
        }
    }

    fn author_of(st: &State, e: &Entry) -> Option<User> {
        let id = e.obj.get("author")?.get("id")?.as_u64()?;
        st.user(id).map(User::of)
    }
}

/// A project.
#[derive(Clone)]
struct Project {
    id: u64,
    name: Option<String>,
    full_path: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
    web_url: Option<String>,
}

impl Project {
    fn of(p: &Entry) -> Project {
        Project {
            id: p.u64("id").unwrap_or(0),
            name: text(p, "name"),
            full_path: text(p, "path_with_namespace"),
            description: text(p, "description"),
            visibility: text(p, "visibility"),
            web_url: text(p, "web_url"),
        }
    }
}

#[Object]
impl Project {
    /// Global id.
    async fn id(&self) -> ID {
        gid("Project", self.id)
    }
    /// Name.
    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// `group/project`.
    async fn full_path(&self) -> Option<&str> {
        self.full_path.as_deref()
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// `public`, `internal` or `private`.
    async fn visibility(&self) -> Option<&str> {
        self.visibility.as_deref()
    }
    /// Web address.
    async fn web_url(&self) -> Option<&str> {
        self.web_url.as_deref()
    }

    /// Issues, newest first.
    async fn issues(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        state: Option<IssuableState>,
    ) -> async_graphql::Result<IssueConnection> {
        let call = ctx.data_unchecked::<Call>();
        let items = {
            let st = call.state();
            let Some(p) = st.project(self.id) else {
                return paginate(Vec::new(), first, after);
            };
            let level = st.project_access(call.caller.as_ref(), p);
            let me = call.caller.as_ref().map(|c| c.id);
            let state = state.unwrap_or(IssuableState::All);
            st.store
                .coll(st.reg.issue, &[self.id.to_string()])
                .map(|c| {
                    c.iter()
                        .rev()
                        .filter(|i| state.matches(i.str("state")))
                        .filter(|i| {
                            let confidential = i
                                .obj
                                .get("confidential")
                                .and_then(Value::as_bool)
                                .unwrap_or(false);
                            let author = i.obj.get("author").and_then(|a| a.get("id")?.as_u64());
                            !confidential
                                || level >= access::REPORTER
                                || (me.is_some() && author == me)
                        })
                        .map(|i| (i.u64("id").unwrap_or(0), Issue::of(&st, i)))
                        .collect()
                })
                .unwrap_or_default()
        };
        paginate(items, first, after)
    }

    /// Merge requests, newest first.
    async fn merge_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        state: Option<IssuableState>,
    ) -> async_graphql::Result<MergeRequestConnection> {
        let call = ctx.data_unchecked::<Call>();
        let items = {
            let st = call.state();
            let state = state.unwrap_or(IssuableState::All);
            st.store
                .coll(st.reg.merge_request, &[self.id.to_string()])
                .map(|c| {
                    c.iter()
                        .rev()
                        .filter(|m| state.matches(m.str("state")))
                        .map(|m| (m.u64("id").unwrap_or(0), MergeRequest::of(&st, m)))
                        .collect()
                })
                .unwrap_or_default()
        };
        paginate(items, first, after)
    }
}

/// A group.
#[derive(Clone)]
struct Group {
    id: u64,
    name: Option<String>,
    full_path: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
    web_url: Option<String>,
}

impl Group {
    fn of(g: &Entry) -> Group {
        Group {
            id: g.u64("id").unwrap_or(0),
            name: text(g, "name"),
            full_path: text(g, "full_path"),
            description: text(g, "description"),
            visibility: text(g, "visibility"),
            web_url: text(g, "web_url"),
        }
    }
}

#[Object]
impl Group {
    /// Global id.
    async fn id(&self) -> ID {
        gid("Group", self.id)
    }
    /// Name.
    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Full path.
    async fn full_path(&self) -> Option<&str> {
        self.full_path.as_deref()
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// `public`, `internal` or `private`.
    async fn visibility(&self) -> Option<&str> {
        self.visibility.as_deref()
    }
    /// Web address.
    async fn web_url(&self) -> Option<&str> {
        self.web_url.as_deref()
    }

    /// The group's own projects the caller may read, by id.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let call = ctx.data_unchecked::<Call>();
        let items = {
            let st = call.state();
            st.store
                .coll(st.reg.project, &[])
                .map(|c| {
                    c.iter()
                        .filter(|p| {
                            p.obj
                                .get("namespace")
                                .and_then(|n| n.get("id"))
                                .and_then(Value::as_u64)
                                == Some(self.id)
                        })
                        .filter(|p| st.can_read_project(call.caller.as_ref(), p))
                        .map(|p| (p.u64("id").unwrap_or(0), Project::of(p)))
                        .collect()
                })
                .unwrap_or_default()
        };
        paginate(items, first, after)
    }
}

/// An issue.
#[derive(SimpleObject, Clone)]
struct Issue {
    id: ID,
    iid: String,
    title: Option<String>,
    description: Option<String>,
    state: Option<String>,
    confidential: bool,
    web_url: Option<String>,
    created_at: Option<String>,
    author: Option<User>,
}

impl Issue {
    fn of(st: &State, i: &Entry) -> Issue {
        Issue {
            id: gid("Issue", i.u64("id").unwrap_or(0)),
            iid: i.u64("iid").unwrap_or(0).to_string(),
            title: text(i, "title"),
            description: text(i, "description"),
            state: text(i, "state"),
            confidential: i
                .obj
                .get("confidential")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            web_url: text(i, "web_url"),
            created_at: text(i, "created_at"),
            author: User::author_of(st, i),
        }
    }
}

/// A merge request.
#[derive(SimpleObject, Clone)]
struct MergeRequest {
    id: ID,
    iid: String,
    title: Option<String>,
    state: Option<String>,
    source_branch: Option<String>,
    target_branch: Option<String>,
    web_url: Option<String>,
    author: Option<User>,
}

impl MergeRequest {
    fn of(st: &State, m: &Entry) -> MergeRequest {
        MergeRequest {
            id: gid("MergeRequest", m.u64("id").unwrap_or(0)),
            iid: m.u64("iid").unwrap_or(0).to_string(),
            title: text(m, "title"),
            state: text(m, "state"),
            source_branch: text(m, "source_branch"),
            target_branch: text(m, "target_branch"),
            web_url: text(m, "web_url"),
            author: User::author_of(st, m),
        }
    }
}

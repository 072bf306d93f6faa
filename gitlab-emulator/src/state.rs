//! The emulator's whole state behind one lock: the store, tokens, and the
//! helpers every handler shares (who is calling, who may see what).

use crate::lists::ListCache;
use crate::registry::{Registry, ResId};
use crate::reply::{ApiError, ApiResult};
use crate::store::{Entry, Store};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// GitLab's access levels.
pub(crate) mod access {
    pub const NONE: u64 = 0;
    pub const GUEST: u64 = 10;
    pub const REPORTER: u64 = 20;
    pub const DEVELOPER: u64 = 30;
    pub const MAINTAINER: u64 = 40;
    pub const OWNER: u64 = 50;
    /// What an administrator gets everywhere.
    pub const ADMIN: u64 = 60;
    pub const VALID: &[u64] = &[0, 5, 10, 15, 20, 30, 40, 50];
}

/// The user a request runs as (after `Sudo`).
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub id: u64,
    pub username: String,
    pub admin: bool,
}

pub(crate) struct State {
    pub reg: Arc<Registry>,
    pub store: Store,
    /// Token → user id; one table for personal, OAuth and job tokens.
    pub tokens: HashMap<String, u64>,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    /// Above this many results `X-Total`, `X-Total-Pages` and `rel="last"` are left
    /// out, as GitLab does for large collections.
    pub count_limit: usize,
    pub cache: ListCache,
    /// Repository content, by project id.
    pub repos: HashMap<u64, crate::repo::Repo>,
    /// Generic package files: `pid/name/version/file` → bytes.
    pub packages: HashMap<String, bytes::Bytes>,
    /// Uploaded files served outside the API (avatars): path → content type and bytes.
    pub uploads: HashMap<String, (String, bytes::Bytes)>,
    /// Authenticated API requests per user in the current throttle window:
    /// user id → (window number, requests).
    pub throttle: HashMap<u64, (u64, u64)>,
}

impl State {
    pub fn new(reg: Arc<Registry>, base_url: String, count_limit: usize) -> State {
        State {
            store: Store::new(reg.res.iter().map(|r| r.blanks.clone()).collect()),
            tokens: HashMap::new(),
            base_url,
            count_limit,
            cache: ListCache::default(),
            repos: HashMap::new(),
            packages: HashMap::new(),
            uploads: HashMap::new(),
            throttle: HashMap::new(),
            reg,
        }
    }

    // ----- users and authentication -------------------------------------------------

    pub fn user(&self, id: u64) -> Option<&Entry> {
        self.store.get(self.reg.user, &[], &id.to_string())
    }

    pub fn user_by_username(&self, username: &str) -> Option<&Entry> {
        self.store.coll(self.reg.user, &[])?.iter().find(|u| {
            u.str("username")
                .is_some_and(|n| n.eq_ignore_ascii_case(username))
        })
    }

    /// `{id, username, name, state, locked, avatar_url, web_url}` of a user.
    pub fn user_basic(&self, id: u64) -> Value {
        match self.user(id) {
            Some(u) => basic_user(&u.obj),
            None => Value::Null,
        }
    }

    fn caller_of(&self, user: &Entry) -> Caller {
        Caller {
            id: user.u64("id").unwrap_or(0),
            username: user.str("username").unwrap_or("").to_string(),
            admin: user
                .obj
                .get("is_admin")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// Who is calling: `None` is anonymous. An unknown token is a 401, `Sudo`
    /// without an admin token a 403, an unknown sudo user a 404.
    pub fn authenticate(
        &self,
        token: Option<&str>,
        sudo: Option<&str>,
    ) -> ApiResult<Option<Caller>> {
        let Some(token) = token else {
            if sudo.is_some() {
                return Err(ApiError::unauthorized());
            }
            return Ok(None);
        };
        let user = self
            .tokens
            .get(token)
            .and_then(|id| self.user(*id))
            .ok_or_else(ApiError::unauthorized)?;
        if user.str("state") == Some("blocked") || user.str("state") == Some("banned") {
            return Err(ApiError::forbidden_because(
                "Your account has been blocked.",
            ));
        }
        let caller = self.caller_of(user);
        let Some(sudo) = sudo.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Some(caller));
        };
        if !caller.admin {
            return Err(ApiError::forbidden_because("Must be admin to use sudo"));
        }
        let target = match sudo.parse::<u64>() {
            Ok(id) => self.user(id),
            Err(_) => self.user_by_username(sudo),
        };
        match target {
            Some(u) => Ok(Some(self.caller_of(u))),
            None => Err(ApiError::message(
                404,
                format!("404 User with ID or username '{sudo}' Not Found"),
            )),
        }
    }

    // ----- namespaces, projects, groups ----------------------------------------------

    pub fn project(&self, id: u64) -> Option<&Entry> {
        self.store.get(self.reg.project, &[], &id.to_string())
    }

    pub fn group(&self, id: u64) -> Option<&Entry> {
        self.store.get(self.reg.group, &[], &id.to_string())
    }

    /// A project by numeric id or by `path_with_namespace` (case-insensitive).
    pub fn find_project(&self, key: &str) -> Option<&Entry> {
        if let Ok(id) = key.parse::<u64>() {
            return self.project(id);
        }
        self.store.coll(self.reg.project, &[])?.iter().find(|p| {
            p.str("path_with_namespace")
                .is_some_and(|x| x.eq_ignore_ascii_case(key))
        })
    }

    /// A group by numeric id or by `full_path` (case-insensitive).
    pub fn find_group(&self, key: &str) -> Option<&Entry> {
        if let Ok(id) = key.parse::<u64>() {
            return self.group(id);
        }
        self.store.coll(self.reg.group, &[])?.iter().find(|g| {
            g.str("full_path")
                .is_some_and(|x| x.eq_ignore_ascii_case(key))
        })
    }

    /// Direct membership level of `user` in a project or group member collection.
    fn member_level(&self, members: ResId, source_id: u64, user: u64) -> u64 {
        self.store
            .get(members, &[source_id.to_string()], &user.to_string())
            .and_then(|m| m.u64("access_level"))
            .unwrap_or(access::NONE)
    }

    /// Access to a group: direct membership there or in any ancestor.
    pub fn group_access(&self, caller: Option<&Caller>, group_id: u64) -> u64 {
        let Some(c) = caller else {
            return access::NONE;
        };
        if c.admin {
            return access::ADMIN;
        }
        let mut best = access::NONE;
        let mut cur = Some(group_id);
        let mut hops = 0;
        while let Some(gid) = cur {
            best = best.max(self.member_level(self.reg.group_member, gid, c.id));
            cur = self.group(gid).and_then(|g| g.u64("parent_id"));
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        best
    }

    /// Access to a project: direct membership, its group's, or owning its personal namespace.
    pub fn project_access(&self, caller: Option<&Caller>, project: &Entry) -> u64 {
        let Some(c) = caller else {
            return access::NONE;
        };
        if c.admin {
            return access::ADMIN;
        }
        let pid = project.u64("id").unwrap_or(0);
        let mut best = self.member_level(self.reg.project_member, pid, c.id);
        let ns = project.obj.get("namespace");
        let ns_kind = ns.and_then(|n| n.get("kind")).and_then(Value::as_str);
        let ns_id = ns.and_then(|n| n.get("id")).and_then(Value::as_u64);
        match (ns_kind, ns_id) {
            (Some("group"), Some(gid)) => best = best.max(self.group_access(caller, gid)),
            (Some("user"), _) => {
                let owner = project
                    .obj
                    .get("owner")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_u64);
                if owner == Some(c.id) {
                    best = best.max(access::OWNER);
                }
            }
            _ => {}
        }
        best
    }

    pub fn can_read_project(&self, caller: Option<&Caller>, project: &Entry) -> bool {
        match project.str("visibility") {
            Some("public") => true,
            Some("internal") if caller.is_some() => true,
            _ => self.project_access(caller, project) > access::NONE,
        }
    }

    pub fn can_read_group(&self, caller: Option<&Caller>, group: &Entry) -> bool {
        match group.str("visibility") {
            Some("public") => true,
            Some("internal") if caller.is_some() => true,
            _ => {
                let gid = group.u64("id").unwrap_or(0);
                if self.group_access(caller, gid) > access::NONE {
                    return true;
                }
                // Members of a project inside the group can see the group.
                caller.is_some()
                    && self.store.coll(self.reg.project, &[]).is_some_and(|c| {
                        c.iter().any(|p| {
                            p.obj
                                .get("namespace")
                                .and_then(|n| n.get("id"))
                                .and_then(Value::as_u64)
                                == Some(gid)
                                && self.project_access(caller, p) > access::NONE
                        })
                    })
            }
        }
    }

    /// A readable project, or `404 Project Not Found` (GitLab hides what you may not see).
    pub fn readable_project(&self, caller: Option<&Caller>, key: &str) -> ApiResult<&Entry> {
        match self.find_project(key) {
            Some(p) if self.can_read_project(caller, p) => Ok(p),
            _ => Err(ApiError::not_found(Some("Project"))),
        }
    }

    pub fn readable_group(&self, caller: Option<&Caller>, key: &str) -> ApiResult<&Entry> {
        match self.find_group(key) {
            Some(g) if self.can_read_group(caller, g) => Ok(g),
            _ => Err(ApiError::not_found(Some("Group"))),
        }
    }

    /// Ids of `group_id` and every group below it.
    pub fn group_and_descendants(&self, group_id: u64) -> Vec<u64> {
        let mut out = vec![group_id];
        let Some(groups) = self.store.coll(self.reg.group, &[]) else {
            return out;
        };
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            for g in groups.iter() {
                if g.u64("parent_id") == Some(parent) {
                    if let Some(id) = g.u64("id") {
                        if !out.contains(&id) {
                            out.push(id);
                        }
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// The `namespace` object of a project in group `gid` or user `uid`'s namespace.
    pub fn namespace_json(&self, kind: NamespaceRef) -> Option<Value> {
        match kind {
            NamespaceRef::Group(gid) => {
                let g = self.group(gid)?;
                Some(json!({
                    "id": gid,
                    "name": g.obj.get("name"),
                    "path": g.obj.get("path"),
                    "kind": "group",
                    "full_path": g.obj.get("full_path"),
                    "parent_id": g.obj.get("parent_id"),
                    "avatar_url": g.obj.get("avatar_url"),
                    "web_url": g.obj.get("web_url"),
                }))
            }
            NamespaceRef::User(uid) => {
                let u = self.user(uid)?;
                Some(json!({
                    "id": u.obj.get("namespace_id"),
                    "name": u.obj.get("name"),
                    "path": u.obj.get("username"),
                    "kind": "user",
                    "full_path": u.obj.get("username"),
                    "parent_id": null,
                    "avatar_url": u.obj.get("avatar_url"),
                    "web_url": u.obj.get("web_url"),
                }))
            }
        }
    }

    /// A namespace by id (a group id, or a user's personal namespace id) or full path.
    pub fn find_namespace(&self, key: &str) -> Option<NamespaceRef> {
        if let Some(g) = self.find_group(key) {
            return g.u64("id").map(NamespaceRef::Group);
        }
        let users = self.store.coll(self.reg.user, &[])?;
        let by_id = key.parse::<u64>().ok();
        users
            .iter()
            .find(|u| match by_id {
                Some(id) => u.u64("namespace_id") == Some(id),
                None => u
                    .str("username")
                    .is_some_and(|n| n.eq_ignore_ascii_case(key)),
            })
            .and_then(|u| u.u64("id"))
            .map(NamespaceRef::User)
    }

    /// A web URL below the emulator's root.
    pub fn web_url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }
}

/// The owner of a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamespaceRef {
    Group(u64),
    User(u64),
}

/// The short user object GitLab embeds as `author`, `assignee`, `merged_by`…
pub(crate) fn basic_user(u: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    for k in [
        "id",
        "username",
        "name",
        "state",
        "locked",
        "avatar_url",
        "web_url",
    ] {
        m.insert(k.to_string(), u.get(k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(m)
}

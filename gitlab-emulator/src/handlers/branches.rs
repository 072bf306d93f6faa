//! Repository branches: addressed by name, each pointing at a made-up commit.

use super::Ctx;
use crate::lists::{self, Item, Paging};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{access, State};
use crate::store::Entry;
use crate::time;
use serde_json::{json, Value};

/// A 64-bit mixing function (SplitMix64's finaliser) for made-up shas.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A fresh 40-hex-digit commit sha.
pub(crate) fn new_sha(st: &mut State) -> String {
    let n = st.store.next_id("commit");
    format!(
        "{:016x}{:016x}{:08x}",
        mix(n),
        mix(n ^ 0xA5A5_A5A5),
        mix(n.wrapping_mul(31)) >> 32
    )
}

pub(crate) fn commit_json(st: &State, sha: &str, title: &str, author_id: u64) -> Value {
    let now = time::now();
    let (name, email) = match st.user(author_id) {
        Some(u) => (
            u.str("name").unwrap_or("").to_string(),
            u.str("email").unwrap_or("").to_string(),
        ),
        None => (
            "Emulator".to_string(),
            "emulator@example.invalid".to_string(),
        ),
    };
    json!({
        "id": sha,
        "short_id": &sha[..8.min(sha.len())],
        "created_at": now,
        "parent_ids": [],
        "title": title,
        "message": title,
        "author_name": name,
        "author_email": email,
        "authored_date": now,
        "committer_name": name,
        "committer_email": email,
        "committed_date": now,
        "trailers": {},
        "web_url": Value::Null,
    })
}

/// Stores branch `name` of project `pid` at `sha` (a new commit when `None`).
pub(crate) fn add_branch(
    st: &mut State,
    pid: u64,
    name: &str,
    sha: Option<String>,
    message: &str,
    author: u64,
) {
    let sha = match sha {
        Some(s) => s,
        None => new_sha(st),
    };
    super::repo::ensure_commit(st, pid, &sha, message, author);
    let (web, default) = match st.project(pid) {
        Some(p) => (
            p.str("web_url").unwrap_or("").to_string(),
            p.str("default_branch") == Some(name),
        ),
        None => (String::new(), false),
    };
    let mut commit = commit_json(st, &sha, message, author);
    commit["web_url"] = Value::String(format!("{web}/-/commit/{sha}"));
    let obj = json!({
        "name": name,
        "merged": false,
        "protected": default,
        "default": default,
        "developers_can_push": false,
        "developers_can_merge": false,
        "can_push": true,
        "web_url": format!("{web}/-/tree/{name}"),
        "commit": commit,
    });
    if let Value::Object(m) = obj {
        st.store.insert(
            st.reg.branch,
            &[pid.to_string()],
            name.to_string(),
            Entry::new(m),
        );
    }
    remember_sha(st, pid, sha);
    refresh_merged(st, pid);
}

/// Recomputes every branch's `merged` as GitLab reports it: the branch's head
/// is reachable from the default branch's head without being that same commit
/// (so neither the default branch nor a fresh branch from it counts as merged).
pub(crate) fn refresh_merged(st: &mut State, pid: u64) {
    let Some(default) = st
        .project(pid)
        .and_then(|p| p.str("default_branch"))
        .map(str::to_string)
    else {
        return;
    };
    let root = head_of(st, pid, &default);
    let parent = [pid.to_string()];
    let Some(c) = st.store.coll(st.reg.branch, &parent) else {
        return;
    };
    let repo = st.repos.get(&pid);
    let changes: Vec<(String, bool)> = c
        .iter()
        .filter_map(|b| {
            let name = b.str("name")?.to_string();
            let head = b.obj.get("commit")?.get("id")?.as_str()?;
            let merged = match (&root, repo) {
                (Some(r), Some(repo)) => head != r && repo.is_ancestor(head, r),
                _ => false,
            };
            (b.obj.get("merged") != Some(&Value::Bool(merged))).then_some((name, merged))
        })
        .collect();
    for (name, merged) in changes {
        st.store.modify(st.reg.branch, &parent, &name, |e| {
            e.obj.insert("merged".into(), Value::Bool(merged));
        });
    }
}

fn remember_sha(st: &mut State, pid: u64, sha: String) {
    st.store.modify(st.reg.project, &[], &pid.to_string(), |e| {
        if !e.hidden.shas.contains(&sha) {
            e.hidden.shas.push(sha);
        }
    });
}

/// The head sha of branch `name`, if it exists.
pub(crate) fn head_of(st: &State, pid: u64, name: &str) -> Option<String> {
    st.store
        .get(st.reg.branch, &[pid.to_string()], name)?
        .obj
        .get("commit")?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

/// Gives a fork the branches of its source.
pub(crate) fn copy_branches(st: &mut State, from: u64, to: u64) {
    let branches: Vec<(String, String)> = match st.store.coll(st.reg.branch, &[from.to_string()]) {
        Some(c) => c
            .iter()
            .filter_map(|b| {
                let name = b.str("name")?.to_string();
                let sha = b.obj.get("commit")?.get("id")?.as_str()?.to_string();
                Some((name, sha))
            })
            .collect(),
        None => return,
    };
    if let Some(repo) = st.repos.get(&from).cloned() {
        st.repos.insert(to, repo);
    }
    for (name, sha) in branches {
        add_branch(st, to, &name, Some(sha), "Initial commit", 0);
    }
}

/// Git's rules for ref names, roughly.
fn valid_branch_name(name: &str) -> bool {
    !name.is_empty()
        && name != "HEAD"
        && !name.starts_with(['-', '/'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
}

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let (field, desc) = match ctx.req.params.nonblank("sort").as_deref() {
        None | Some("name_asc") => ("name", false),
        Some("updated_asc") => ("updated", false),
        Some("updated_desc") => ("updated", true),
        Some(_) => return Err(ApiError::error(400, "sort does not have a valid value")),
    };
    let paging = Paging {
        order_by: "name".into(),
        desc: false,
        keyset: false,
    };
    st.list_reply(ctx, "", paging, lists::CursorStyle::Opaque, |st, _| {
        let search = ctx.req.params.nonblank("search");
        let Some(c) = st.store.coll(ctx.res, &ctx.parent) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = c
            .iter()
            .filter(|b| {
                let name = b.str("name").unwrap_or("");
                match search.as_deref() {
                    None => true,
                    Some(s) if s.starts_with('^') => name.starts_with(&s[1..]),
                    Some(s) if s.ends_with('$') => name.ends_with(&s[..s.len() - 1]),
                    Some(s) => name.contains(s),
                }
            })
            .collect();
        if field == "updated" {
            v.sort_by(|a, b| {
                let d = |e: &Entry| {
                    e.obj
                        .get("commit")
                        .and_then(|c| c.get("committed_date"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let o = d(a).cmp(&d(b));
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
        } else {
            v.sort_by(|a, b| a.str("name").cmp(&b.str("name")));
        }
        Ok(v.into_iter().map(Item::of).collect())
    })
}

pub(super) fn create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let pid = ctx.project_id();
    let project = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    if st.project_access(ctx.caller.as_ref(), project) < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    let p = &ctx.req.params;
    let name = p.nonblank("branch").unwrap_or_default();
    let reference = p.nonblank("ref").unwrap_or_default();
    if !valid_branch_name(&name) {
        return Err(ApiError::message(400, "Branch name is invalid"));
    }
    if st.store.get(ctx.res, &ctx.parent, &name).is_some() {
        return Err(ApiError::message(400, "Branch already exists"));
    }
    let sha = match head_of(st, pid, &reference) {
        Some(s) => s,
        None => project
            .hidden
            .shas
            .iter()
            .find(|s| reference.len() >= 7 && s.starts_with(&reference))
            .cloned()
            .ok_or_else(|| {
                ApiError::message(400, format!("Invalid reference name: {reference}"))
            })?,
    };
    add_branch(st, pid, &name, Some(sha), "Initial commit", caller);
    super::repo::refresh_branch_commit(st, pid, &name);
    let e = st
        .store
        .get(ctx.res, &ctx.parent, &name)
        .ok_or_else(|| ApiError::not_found(Some("Branch")))?;
    Ok(Reply::raw_json(201, e.bytes.clone()))
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let project = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    if st.project_access(ctx.caller.as_ref(), project) < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    if project.str("default_branch") == Some(ctx.id()) {
        return Err(ApiError::message(405, "Cannot remove HEAD branch"));
    }
    st.entry(ctx)?;
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    Ok(Reply::empty(204))
}

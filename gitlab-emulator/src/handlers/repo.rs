//! The repository API over the in-memory commit graph (`crate::repo`): files,
//! commits, tags, tree, compare, merge base, blobs, archives, and the commit
//! side of merge requests (changes, commits, merges).

use super::special::{res_of, values_reply};
use super::{branches, Ctx};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::repo::{self as r, Commit, Tree};
use crate::request::{ApiRequest, Verb};
use crate::state::{access, Caller, State};
use crate::store::Entry;
use crate::time;
use bytes::Bytes;
use serde_json::{json, Value};

// ----- the commit graph, seen from the rest of the emulator ----------------------------

/// Makes sure `sha` exists in project `pid`'s graph (an empty root commit if new).
pub(crate) fn ensure_commit(st: &mut State, pid: u64, sha: &str, message: &str, author: u64) {
    if st
        .repos
        .get(&pid)
        .is_some_and(|r| r.commits.contains_key(sha))
    {
        return;
    }
    let c = make_commit(
        st,
        sha.to_string(),
        Vec::new(),
        Tree::new(),
        message,
        author,
    );
    st.repos.entry(pid).or_default().add(c);
}

fn make_commit(
    st: &State,
    sha: String,
    parents: Vec<String>,
    tree: Tree,
    message: &str,
    author: u64,
) -> Commit {
    let (name, email) = match st.user(author) {
        Some(u) => (
            u.str("name").unwrap_or("").to_string(),
            u.str("email").unwrap_or("").to_string(),
        ),
        None => ("Emulator".into(), "emulator@example.invalid".into()),
    };
    Commit {
        sha,
        parents,
        tree,
        message: message.to_string(),
        author_id: author,
        author_name: name,
        author_email: email,
        date: time::now(),
        seq: 0,
    }
}

/// Adds a commit to project `pid` and returns its sha.
fn commit_new(
    st: &mut State,
    pid: u64,
    parents: Vec<String>,
    tree: Tree,
    message: &str,
    author: u64,
) -> String {
    let sha = branches::new_sha(st);
    let c = make_commit(st, sha.clone(), parents, tree, message, author);
    st.repos.entry(pid).or_default().add(c);
    sha
}

/// GitLab's commit object.
pub(crate) fn commit_json(st: &State, pid: u64, c: &Commit) -> Value {
    let web = st
        .project(pid)
        .and_then(|p| p.str("web_url"))
        .unwrap_or("")
        .to_string();
    json!({
        "id": c.sha,
        "short_id": &c.sha[..8.min(c.sha.len())],
        "created_at": c.date,
        "parent_ids": c.parents,
        "title": c.title(),
        "message": c.message,
        "author_name": c.author_name,
        "author_email": c.author_email,
        "authored_date": c.date,
        "committer_name": c.author_name,
        "committer_email": c.author_email,
        "committed_date": c.date,
        "trailers": {},
        "extended_trailers": {},
        "web_url": format!("{web}/-/commit/{}", c.sha),
    })
}

fn commit_of(st: &State, pid: u64, sha: &str) -> Option<Commit> {
    st.repos.get(&pid)?.find(sha).cloned()
}

/// A branch, tag, `HEAD` or (prefix of a) sha to a full sha.
pub(crate) fn resolve_sha(st: &State, pid: u64, reference: &str) -> Option<String> {
    if reference == "HEAD" {
        let default = st.project(pid)?.str("default_branch")?.to_string();
        return branches::head_of(st, pid, &default);
    }
    if let Some(s) = branches::head_of(st, pid, reference) {
        return Some(s);
    }
    if let Some(tres) = res_of(st, "/projects/{}/repository/tags") {
        if let Some(t) = st.store.get(tres, &[pid.to_string()], reference) {
            if let Some(s) = t.str("target") {
                return Some(s.to_string());
            }
        }
    }
    st.repos.get(&pid)?.find(reference).map(|c| c.sha.clone())
}

/// A branch whose head is `sha`, for commit statuses without a `ref`.
pub(crate) fn branch_of(st: &State, pid: u64, sha: &str) -> Option<String> {
    st.store
        .coll(st.reg.branch, &[pid.to_string()])?
        .iter()
        .find(|b| {
            b.obj
                .get("commit")
                .and_then(|c| c.get("id"))
                .and_then(Value::as_str)
                == Some(sha)
        })
        .and_then(|b| b.str("name"))
        .map(str::to_string)
}

/// Points branch `name` at `sha`, creating the branch if needed.
fn set_head(st: &mut State, pid: u64, name: &str, sha: &str, author: u64) {
    if st
        .store
        .get(st.reg.branch, &[pid.to_string()], name)
        .is_none()
    {
        branches::add_branch(st, pid, name, Some(sha.to_string()), "", author);
    }
    let Some(c) = commit_of(st, pid, sha) else {
        return;
    };
    let cj = commit_json(st, pid, &c);
    st.store
        .modify(st.reg.branch, &[pid.to_string()], name, |e| {
            e.obj.insert("commit".into(), cj);
        });
    st.store.modify(st.reg.project, &[], &pid.to_string(), |e| {
        if !e.hidden.shas.iter().any(|s| s == sha) {
            e.hidden.shas.push(sha.to_string());
        }
    });
    branches::refresh_merged(st, pid);
}

/// Gives branch `name`'s commit object the graph's title and date.
pub(crate) fn refresh_branch_commit(st: &mut State, pid: u64, name: &str) {
    if let Some(sha) = branches::head_of(st, pid, name) {
        let author = commit_of(st, pid, &sha).map_or(0, |c| c.author_id);
        set_head(st, pid, name, &sha, author);
    }
}

/// Creates tag `name` at `reference` (or returns the existing tag's commit).
pub(crate) fn ensure_tag(
    st: &mut State,
    pid: u64,
    name: &str,
    reference: Option<&str>,
    author: u64,
) -> ApiResult<Value> {
    let tres = res_of(st, "/projects/{}/repository/tags").ok_or_else(ApiError::no_route)?;
    if let Some(t) = st.store.get(tres, &[pid.to_string()], name) {
        return Ok(t.obj.get("commit").cloned().unwrap_or(Value::Null));
    }
    let reference = reference.ok_or_else(|| ApiError::message(400, "Ref is not specified"))?;
    let v = create_tag(st, pid, name, reference, None, author)?;
    Ok(v["commit"].clone())
}

fn create_tag(
    st: &mut State,
    pid: u64,
    name: &str,
    reference: &str,
    message: Option<String>,
    author: u64,
) -> ApiResult<Value> {
    let tres = res_of(st, "/projects/{}/repository/tags").ok_or_else(ApiError::no_route)?;
    if st.store.get(tres, &[pid.to_string()], name).is_some() {
        return Err(ApiError::message(400, format!("Tag {name} already exists")));
    }
    let sha = resolve_sha(st, pid, reference)
        .ok_or_else(|| ApiError::message(400, format!("Target {reference} is invalid")))?;
    let c = commit_of(st, pid, &sha).ok_or_else(|| ApiError::not_found(Some("Commit")))?;
    let obj = json!({
        "name": name,
        "message": message.clone().unwrap_or_default(),
        "target": sha,
        "commit": commit_json(st, pid, &c),
        "release": null,
        "protected": false,
        "created_at": if message.is_some() { json!(time::now()) } else { Value::Null },
    });
    let _ = author;
    let Value::Object(m) = obj else {
        return Err(ApiError::no_route());
    };
    let bytes = st.store.insert(
        tres,
        &[pid.to_string()],
        name.to_string(),
        Entry::unserialized(m),
    );
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The tree of commit `head` merged into commit `target` (from their merge
/// base), or the paths that conflict.
pub(crate) fn merge_result(
    st: &State,
    pid: u64,
    head: &str,
    target: &str,
) -> Result<Tree, Vec<String>> {
    let Some(repo) = st.repos.get(&pid) else {
        return Ok(Tree::new());
    };
    let tree_of = |s: &str| {
        repo.commits
            .get(s)
            .map(|c| c.tree.clone())
            .unwrap_or_default()
    };
    let base = repo
        .merge_base(target, head)
        .map(|c| c.tree.clone())
        .unwrap_or_default();
    r::three_way_merge(&base, &tree_of(target), &tree_of(head))
}

/// A merge commit of `head` into `target` that no branch points at (what GitLab
/// writes to `refs/merge-requests/:iid/merge`); its sha, or the conflicting paths.
pub(crate) fn merge_ref_commit(
    st: &mut State,
    pid: u64,
    head: &str,
    target: &str,
    message: &str,
    author: u64,
) -> Result<String, Vec<String>> {
    let tree = merge_result(st, pid, head, target)?;
    let parents = vec![target.to_string(), head.to_string()];
    Ok(commit_new(st, pid, parents, tree, message, author))
}

/// Replays the commits of branch `source` that `target` lacks onto `target`'s
/// head, oldest first, and moves `source` to the result (a rebase). Returns
/// the new head, or the conflicting paths (the branch is left as it was).
pub(crate) fn rebase_branch(
    st: &mut State,
    pid: u64,
    source: &str,
    target: &str,
) -> Result<String, Vec<String>> {
    let (Some(head), Some(onto)) = (
        branches::head_of(st, pid, source),
        branches::head_of(st, pid, target),
    ) else {
        return Err(Vec::new());
    };
    let repo = st.repos.get(&pid).cloned().unwrap_or_default();
    if repo.is_ancestor(&onto, &head) {
        return Ok(head);
    }
    let theirs: std::collections::HashSet<String> =
        repo.ancestry(&onto).iter().map(|c| c.sha.clone()).collect();
    let mut mine: Vec<&Commit> = repo
        .ancestry(&head)
        .into_iter()
        .filter(|c| !theirs.contains(&c.sha))
        .collect();
    mine.reverse();
    // Check every step before writing anything.
    let mut tree = commit_of(st, pid, &onto)
        .map(|c| c.tree)
        .unwrap_or_default();
    let mut trees = Vec::new();
    for c in &mine {
        let parent = first_parent_tree(st, pid, c);
        tree = r::three_way_merge(&parent, &tree, &c.tree)?;
        trees.push(tree.clone());
    }
    let mut tip = onto;
    for (c, t) in mine.iter().zip(trees) {
        tip = commit_new(st, pid, vec![tip], t, &c.message, c.author_id);
    }
    let author = commit_of(st, pid, &tip).map_or(0, |c| c.author_id);
    set_head(st, pid, source, &tip, author);
    Ok(tip)
}

/// Merges `source` into `target`: a merge commit (after a squash commit when
/// `squash`), the target branch moved to it. Returns `(merge_sha, squash_sha)`,
/// or the conflicting paths (nothing is written then).
pub(crate) fn merge_branches(
    st: &mut State,
    pid: u64,
    source: &str,
    target: &str,
    message: &str,
    squash: Option<&str>,
    author: u64,
) -> Result<(String, Option<String>), Vec<String>> {
    let head = branches::head_of(st, pid, source).unwrap_or_default();
    let base_t = branches::head_of(st, pid, target).unwrap_or_default();
    let merged = merge_result(st, pid, &head, &base_t)?;
    let repo = st.repos.entry(pid).or_default().clone();
    let tree_of = |s: &str| {
        repo.commits
            .get(s)
            .map(|c| c.tree.clone())
            .unwrap_or_default()
    };
    let mb = repo.merge_base(&base_t, &head).map(|c| c.sha.clone());
    let mut theirs = head.clone();
    let squash_sha = squash.map(|msg| {
        let parents = mb.clone().into_iter().collect();
        let s = commit_new(st, pid, parents, tree_of(&head), msg, author);
        theirs = s.clone();
        s
    });
    let sha = commit_new(st, pid, vec![base_t, theirs], merged, message, author);
    set_head(st, pid, target, &sha, author);
    Ok((sha, squash_sha))
}

/// Gives the default branch's head a `README.md` (`initialize_with_readme`).
pub(crate) fn add_readme(st: &mut State, pid: u64, name: &str, author: u64) {
    let Some(branch) = st
        .project(pid)
        .and_then(|p| p.str("default_branch"))
        .map(str::to_string)
    else {
        return;
    };
    let Some(head) = branches::head_of(st, pid, &branch) else {
        return;
    };
    let author_of_head = commit_of(st, pid, &head).map_or(author, |c| c.author_id);
    if let Some(repo) = st.repos.get_mut(&pid) {
        if let Some(c) = repo.commits.get_mut(&head) {
            c.tree
                .insert("README.md".into(), Bytes::from(format!("# {name}\n")));
        }
    }
    set_head(st, pid, &branch, &head, author_of_head);
}

/// Files whose content contains `term`, as GitLab's blob search answers.
pub(crate) fn search_blobs(st: &State, pid: u64, term: &str) -> Vec<Value> {
    let Some(p) = st.project(pid) else {
        return Vec::new();
    };
    let default = p.str("default_branch").unwrap_or("main").to_string();
    let Some(c) = branches::head_of(st, pid, &default).and_then(|s| commit_of(st, pid, &s)) else {
        return Vec::new();
    };
    c.tree
        .iter()
        .filter_map(|(path, data)| {
            let text = String::from_utf8_lossy(data);
            let (n, line) = text
                .lines()
                .enumerate()
                .find(|(_, l)| l.to_lowercase().contains(term))?;
            Some(json!({
                "basename": path.rsplit_once('.').map_or(path.as_str(), |(b, _)| b),
                "data": line,
                "path": path,
                "filename": path,
                "id": null,
                "ref": default,
                "startline": n + 1,
                "project_id": pid,
            }))
        })
        .collect()
}

/// A blob's id: git's own (SHA-1 of `blob <size>\0<content>`).
fn blob_id(data: &[u8]) -> String {
    r::git_blob_id(data)
}

// ----- dispatch ------------------------------------------------------------------

fn project_of(st: &State, ctx: &Ctx) -> ApiResult<u64> {
    if st.reg.res[ctx.res].norm == "/projects" {
        let p = st.readable_project(ctx.caller.as_ref(), ctx.id())?;
        return Ok(p.u64("id").unwrap_or(0));
    }
    Ok(ctx.project_id())
}

/// Whether `caller` may push to `branch` (GitLab's protected-branch rule).
fn check_push(st: &State, caller: &Caller, pid: u64, branch: &str) -> ApiResult<()> {
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let level = st.project_access(Some(caller), p);
    if level < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    let mut needed = None;
    if let Some(pres) = res_of(st, "/projects/{}/protected_branches") {
        if let Some(pb) = st.store.get(pres, &[pid.to_string()], branch) {
            let lvl = pb
                .obj
                .get("push_access_levels")
                .and_then(Value::as_array)
                .and_then(|l| l.first())
                .and_then(|x| x.get("access_level"))
                .and_then(Value::as_u64)
                .or_else(|| pb.u64("push_access_level"))
                .unwrap_or(access::MAINTAINER);
            needed = Some(lvl);
        }
    }
    if needed.is_none()
        && st
            .store
            .get(st.reg.branch, &[pid.to_string()], branch)
            .is_some_and(|b| b.obj.get("protected") == Some(&Value::Bool(true)))
    {
        needed = Some(access::MAINTAINER);
    }
    match needed {
        Some(0) => Err(ApiError::forbidden_because(
            "You are not allowed to push into this branch",
        )),
        Some(n) if level < n => Err(ApiError::forbidden_because(
            "You are not allowed to push into this branch",
        )),
        _ => Ok(()),
    }
}

/// Answers repository requests; `None` for anything else.
pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    norm: &str,
    at: &str,
    verb: Verb,
) -> ApiResult<Option<Reply>> {
    let r = match (norm, at, verb) {
        ("/projects/{}/repository/files", _, _) => files(st, ctx, at, verb)?,
        ("/projects/{}/repository/commits", "", Verb::Get) => commits_list(st, ctx)?,
        ("/projects/{}/repository/commits", "", Verb::Post) => commits_create(st, ctx)?,
        ("/projects/{}/repository/commits", "{id}", Verb::Get) => {
            let pid = ctx.project_id();
            let c = find_commit(st, pid, ctx.id())?;
            Reply::json(200, &commit_full(st, pid, &c))
        }
        ("/projects/{}/repository/commits", a, _) if a != "{id}" && !a.is_empty() => {
            match commit_action(st, ctx, a)? {
                Some(r) => r,
                None => return Ok(None),
            }
        }
        ("/projects/{}/repository/tags", "", Verb::Post) => {
            let caller = ctx.caller()?.clone();
            let pid = ctx.project_id();
            let p = &ctx.req.params;
            let name = p.required("tag_name")?;
            let reference = p.required("ref")?;
            check_push(st, &caller, pid, "")?;
            let v = create_tag(st, pid, &name, &reference, p.nonblank("message"), caller.id)?;
            Reply::json(201, &v)
        }
        ("/projects/{}/repository/tags", "", Verb::Get) => {
            let pid = ctx.project_id();
            let mut v: Vec<Value> = st
                .store
                .coll(ctx.res, &ctx.parent)
                .map(|c| c.iter().map(Entry::to_value).collect())
                .unwrap_or_default();
            let by_name = ctx.req.params.nonblank("order_by").as_deref() == Some("name");
            if by_name {
                v.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            } else {
                v.reverse();
            }
            if ctx.req.params.nonblank("sort").as_deref() == Some("asc") && !by_name {
                v.reverse();
            }
            if let Some(s) = ctx.req.params.nonblank("search") {
                v.retain(|t| {
                    t["name"]
                        .as_str()
                        .unwrap_or("")
                        .contains(s.trim_matches(['^', '$']))
                });
            }
            let _ = pid;
            values_reply(st, ctx.req, &v)?
        }
        ("/projects/{}/repository/branches", "", Verb::Post) => {
            let r = st.create(ctx)?;
            if r.status == 201 {
                let name = ctx.req.params.nonblank("branch").unwrap_or_default();
                refresh_branch_commit(st, ctx.project_id(), &name);
                let e = st
                    .store
                    .get(ctx.res, &ctx.parent, &name)
                    .ok_or_else(|| ApiError::not_found(Some("Branch")))?;
                Reply::raw_json(201, e.bytes.clone())
            } else {
                r
            }
        }
        ("/projects", a, Verb::Get) if a.starts_with("repository/") => {
            match project_repo(st, ctx, &a["repository/".len()..])? {
                Some(r) => r,
                None => return Ok(None),
            }
        }
        ("/projects/{}/ci/lint", "", Verb::Get | Verb::Post) => super::ci_lint::handle(st, ctx)?,
        ("/projects/{}/merge_requests", "changes" | "commits" | "diffs", Verb::Get) => {
            mr_content(st, ctx, at)?
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

/// `GET /projects/:id/repository/archive.:format` (GitLab's `archive[.format]`;
/// the plain `archive` is the catalogue's).
pub(super) fn archive_with_format(
    st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    let p = st.readable_project(caller, args.first().copied().unwrap_or(""))?;
    let pid = p.u64("id").unwrap_or(0);
    archive(st, req, pid, args.get(1).copied().unwrap_or(""))
}

// ----- files ---------------------------------------------------------------------

fn file_path(ctx: &Ctx) -> String {
    ctx.arg("file_path")
        .or_else(|| ctx.id.clone())
        .unwrap_or_default()
}

fn file_404() -> ApiError {
    ApiError::message(404, "404 File Not Found")
}

fn content_of(ctx: &Ctx) -> ApiResult<Bytes> {
    let p = &ctx.req.params;
    let content = p
        .str("content")
        .ok_or_else(|| ApiError::error(400, "content is missing"))?;
    if p.nonblank("encoding").as_deref() == Some("base64") {
        return r::base64_decode(&content)
            .map(Bytes::from)
            .ok_or_else(|| ApiError::message(400, "content is not valid base64"));
    }
    Ok(Bytes::from(content.into_bytes()))
}

/// The tree a write starts from: the branch's head, else `start_branch`/`start_sha`.
fn write_base(st: &State, ctx: &Ctx, pid: u64, branch: &str) -> ApiResult<(Option<String>, Tree)> {
    let p = &ctx.req.params;
    let start = match branches::head_of(st, pid, branch) {
        Some(h) => Some(h),
        None => match p
            .nonblank("start_branch")
            .or_else(|| p.nonblank("start_sha"))
        {
            Some(s) => Some(resolve_sha(st, pid, &s).ok_or_else(|| {
                ApiError::message(
                    400,
                    "You can only create or edit files when you are on a branch".to_string(),
                )
            })?),
            None => {
                // An empty repository: the first commit creates the branch.
                let empty = st.repos.get(&pid).is_none_or(|r| r.commits.is_empty());
                if !empty {
                    return Err(ApiError::message(
                        400,
                        "You can only create or edit files when you are on a branch",
                    ));
                }
                None
            }
        },
    };
    let tree = start
        .as_deref()
        .and_then(|s| commit_of(st, pid, s))
        .map(|c| c.tree)
        .unwrap_or_default();
    Ok((start, tree))
}

fn files(st: &mut State, ctx: &Ctx, at: &str, verb: Verb) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let path = file_path(ctx);
    let p = &ctx.req.params;
    match verb {
        Verb::Get => {
            let default = st
                .project(pid)
                .and_then(|x| x.str("default_branch"))
                .unwrap_or("main")
                .to_string();
            let reference = match p.nonblank("ref") {
                Some(r) => r,
                None if at.ends_with("raw") => default,
                None => return Err(ApiError::error(400, "ref is missing")),
            };
            let sha = resolve_sha(st, pid, &reference).ok_or_else(file_404)?;
            let c = commit_of(st, pid, &sha).ok_or_else(file_404)?;
            let data = c.tree.get(&path).cloned().ok_or_else(file_404)?;
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            if at.ends_with("blame") {
                let mut out: Vec<Value> = Vec::new();
                let mut last: Option<String> = None;
                for (commit, line) in r::blame(&repo, &sha, &path) {
                    if last.as_deref() == Some(commit.sha.as_str()) {
                        if let Some(Value::Array(lines)) =
                            out.last_mut().and_then(|o| o.get_mut("lines"))
                        {
                            lines.push(json!(line));
                        }
                        continue;
                    }
                    last = Some(commit.sha.clone());
                    let cj = commit_json(st, pid, commit);
                    out.push(json!({"commit": cj, "lines": [line]}));
                }
                return Ok(Reply::json(200, &Value::Array(out)));
            }
            // The last commit that changed the file.
            let last = repo
                .ancestry(&sha)
                .into_iter()
                .find(|c| {
                    let before = c
                        .parents
                        .first()
                        .and_then(|p| repo.commits.get(p))
                        .and_then(|p| p.tree.get(&path));
                    before != c.tree.get(&path)
                })
                .map_or(sha.clone(), |c| c.sha.clone());
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let sha256 = r::sha256_hex(&data);
            let mut meta = json!({
                "file_name": name,
                "file_path": path,
                "size": data.len(),
                "encoding": "base64",
                "content_sha256": sha256,
                "ref": reference,
                "blob_id": blob_id(&data),
                "commit_id": sha,
                "last_commit_id": last,
                "execute_filemode": false,
            });
            // GitLab sends the metadata as X-Gitlab-* headers on the file, its
            // raw content and the HEAD of both (which the server answers as a
            // GET without the body).
            let reply = if at.ends_with("raw") {
                Reply::text(200, data).header("content-type", "text/plain; charset=utf-8")
            } else {
                if let Value::Object(m) = &mut meta {
                    m.insert("content".into(), json!(r::base64_encode(&data)));
                }
                Reply::json(200, &meta)
            };
            Ok(file_headers(reply, &meta))
        }
        Verb::Post | Verb::Put | Verb::Delete => {
            let caller = ctx.caller()?.clone();
            let branch = p.required("branch")?;
            let message = p.required("commit_message")?;
            check_push(st, &caller, pid, &branch)?;
            let (start, mut tree) = write_base(st, ctx, pid, &branch)?;
            match verb {
                Verb::Post => {
                    if tree.contains_key(&path) {
                        return Err(ApiError::message(
                            400,
                            "A file with this name already exists",
                        ));
                    }
                    tree.insert(path.clone(), content_of(ctx)?);
                }
                Verb::Put => {
                    if !tree.contains_key(&path) {
                        return Err(ApiError::message(
                            400,
                            "A file with this name doesn't exist",
                        ));
                    }
                    if let Some(last) = p.nonblank("last_commit_id") {
                        if start.as_deref() != Some(last.as_str())
                            && !start.as_deref().is_some_and(|s| s.starts_with(&last))
                        {
                            return Err(ApiError::message(
                                400,
                                "You are attempting to update a file that has changed since you started editing it.",
                            ));
                        }
                    }
                    tree.insert(path.clone(), content_of(ctx)?);
                }
                _ => {
                    if tree.remove(&path).is_none() {
                        return Err(ApiError::message(
                            400,
                            "A file with this name doesn't exist",
                        ));
                    }
                }
            }
            let sha = commit_new(
                st,
                pid,
                start.into_iter().collect(),
                tree,
                &message,
                caller.id,
            );
            set_head(st, pid, &branch, &sha, caller.id);
            Ok(match verb {
                Verb::Delete => Reply::empty(204),
                Verb::Post => Reply::json(201, &json!({"file_path": path, "branch": branch})),
                _ => Reply::json(200, &json!({"file_path": path, "branch": branch})),
            })
        }
        Verb::Patch => Err(ApiError::method_not_allowed()),
    }
}

/// The `X-Gitlab-*` headers GitLab puts on a file's answers, from the
/// file's metadata as the JSON answer has it.
fn file_headers(mut reply: Reply, meta: &Value) -> Reply {
    const HEADERS: &[(&str, &str)] = &[
        ("x-gitlab-blob-id", "blob_id"),
        ("x-gitlab-commit-id", "commit_id"),
        ("x-gitlab-content-sha256", "content_sha256"),
        ("x-gitlab-encoding", "encoding"),
        ("x-gitlab-file-name", "file_name"),
        ("x-gitlab-file-path", "file_path"),
        ("x-gitlab-last-commit-id", "last_commit_id"),
        ("x-gitlab-ref", "ref"),
        ("x-gitlab-size", "size"),
        ("x-gitlab-execute-filemode", "execute_filemode"),
    ];
    for (header, field) in HEADERS {
        let value = match meta.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => continue,
            Some(other) => other.to_string(),
        };
        reply = reply.header(header, value);
    }
    reply
}

// ----- commits -------------------------------------------------------------------

fn find_commit(st: &State, pid: u64, key: &str) -> ApiResult<Commit> {
    resolve_sha(st, pid, key)
        .and_then(|s| commit_of(st, pid, &s))
        .ok_or_else(|| ApiError::not_found(Some("Commit")))
}

fn first_parent_tree(st: &State, pid: u64, c: &Commit) -> Tree {
    c.parents
        .first()
        .and_then(|p| commit_of(st, pid, p))
        .map(|p| p.tree)
        .unwrap_or_default()
}

fn stats(old: &Tree, new: &Tree) -> Value {
    let (mut add, mut del) = (0, 0);
    for ch in r::tree_diff(old, new) {
        for l in ch.diff.lines() {
            if l.starts_with('+') {
                add += 1;
            } else if l.starts_with('-') {
                del += 1;
            }
        }
    }
    json!({"additions": add, "deletions": del, "total": add + del})
}

fn commit_full(st: &State, pid: u64, c: &Commit) -> Value {
    let mut v = commit_json(st, pid, c);
    v["stats"] = stats(&first_parent_tree(st, pid, c), &c.tree);
    v["status"] = Value::Null;
    v["last_pipeline"] = Value::Null;
    v["project_id"] = json!(pid);
    v
}

fn diff_json(changes: Vec<r::FileChange>) -> Vec<Value> {
    changes
        .into_iter()
        .map(|c| {
            json!({
                "diff": c.diff,
                "new_path": c.new_path,
                "old_path": c.old_path,
                "a_mode": if c.new_file { "0" } else { "100644" },
                "b_mode": if c.deleted_file { "0" } else { "100644" },
                "new_file": c.new_file,
                "renamed_file": false,
                "deleted_file": c.deleted_file,
                "generated_file": false,
            })
        })
        .collect()
}

fn commits_list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let repo = st.repos.get(&pid).cloned().unwrap_or_default();
    let mut heads: Vec<String> = Vec::new();
    if p.bool("all")? == Some(true) {
        if let Some(c) = st.store.coll(st.reg.branch, &[pid.to_string()]) {
            heads.extend(
                c.iter()
                    .filter_map(|b| b.obj.get("commit")?.get("id")?.as_str().map(str::to_string)),
            );
        }
    } else {
        let reference = p.nonblank("ref_name").unwrap_or_else(|| "HEAD".into());
        // `a..b`: commits reachable from b and not from a.
        if let Some((a, b)) = reference.split_once("..") {
            let (Some(a), Some(b)) = (resolve_sha(st, pid, a), resolve_sha(st, pid, b)) else {
                return Err(ApiError::not_found(Some("Commit")));
            };
            let exclude: Vec<String> = repo.ancestry(&a).iter().map(|c| c.sha.clone()).collect();
            let v: Vec<Value> = repo
                .ancestry(&b)
                .into_iter()
                .filter(|c| !exclude.contains(&c.sha))
                .map(|c| commit_json(st, pid, c))
                .collect();
            return values_reply(st, ctx.req, &v);
        }
        match resolve_sha(st, pid, &reference) {
            Some(s) => heads.push(s),
            None => return Err(ApiError::not_found(Some("Commit"))),
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut all: Vec<&Commit> = Vec::new();
    for h in &heads {
        for c in repo.ancestry(h) {
            if seen.insert(c.sha.clone()) {
                all.push(c);
            }
        }
    }
    all.sort_by_key(|c| std::cmp::Reverse(c.seq));
    let since = p.nonblank("since");
    let until = p.nonblank("until");
    let path = p.nonblank("path");
    let author = p.nonblank("author");
    let with_stats = p.bool("with_stats")? == Some(true);
    let v: Vec<Value> = all
        .into_iter()
        .filter(|c| since.as_deref().is_none_or(|s| c.date.as_str() >= s))
        .filter(|c| until.as_deref().is_none_or(|u| c.date.as_str() <= u))
        .filter(|c| {
            author
                .as_deref()
                .is_none_or(|a| c.author_name.contains(a) || c.author_email.contains(a))
        })
        .filter(|c| {
            path.as_deref().is_none_or(|p| {
                let old = first_parent_tree(st, pid, c);
                r::tree_diff(&old, &c.tree).iter().any(|ch| {
                    ch.new_path == p
                        || ch
                            .new_path
                            .starts_with(&format!("{}/", p.trim_end_matches('/')))
                })
            })
        })
        .map(|c| {
            let mut j = commit_json(st, pid, c);
            if with_stats {
                j["stats"] = stats(&first_parent_tree(st, pid, c), &c.tree);
            }
            j
        })
        .collect();
    values_reply(st, ctx.req, &v)
}

fn commits_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let branch = p.required("branch")?;
    let message = p.required("commit_message")?;
    let actions = match p.get("actions") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Array(a)) => a,
            _ => return Err(ApiError::error(400, "actions is invalid")),
        },
        Some(Value::Object(o)) => {
            // `actions[][action]=…` form fields arrive as an object of indexes.
            o.values().cloned().collect()
        }
        _ => return Err(ApiError::error(400, "actions is missing")),
    };
    check_push(st, &caller, pid, &branch)?;
    let (start, mut tree) = write_base(st, ctx, pid, &branch)?;
    for a in &actions {
        let kind = a.get("action").and_then(Value::as_str).unwrap_or("");
        let path = a
            .get("file_path")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::error(400, "actions[file_path] is missing"))?
            .to_string();
        let content = || -> ApiResult<Bytes> {
            let text = a.get("content").and_then(Value::as_str).unwrap_or("");
            if a.get("encoding").and_then(Value::as_str) == Some("base64") {
                r::base64_decode(text)
                    .map(Bytes::from)
                    .ok_or_else(|| ApiError::message(400, "content is not valid base64"))
            } else {
                Ok(Bytes::from(text.to_string()))
            }
        };
        match kind {
            "create" => {
                if tree.contains_key(&path) {
                    return Err(ApiError::message(
                        400,
                        "A file with this name already exists",
                    ));
                }
                tree.insert(path, content()?);
            }
            "update" => {
                if !tree.contains_key(&path) {
                    return Err(ApiError::message(
                        400,
                        "A file with this name doesn't exist",
                    ));
                }
                tree.insert(path, content()?);
            }
            "delete" => {
                if tree.remove(&path).is_none() {
                    return Err(ApiError::message(
                        400,
                        "A file with this name doesn't exist",
                    ));
                }
            }
            "move" => {
                let prev = a
                    .get("previous_path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::error(400, "actions[previous_path] is missing"))?;
                let old = tree
                    .remove(prev)
                    .ok_or_else(|| ApiError::message(400, "A file with this name doesn't exist"))?;
                let data = if a.get("content").is_some() {
                    content()?
                } else {
                    old
                };
                tree.insert(path, data);
            }
            "chmod" => {
                if !tree.contains_key(&path) {
                    return Err(ApiError::message(
                        400,
                        "A file with this name doesn't exist",
                    ));
                }
            }
            _ => {
                return Err(ApiError::error(
                    400,
                    "actions[action] does not have a valid value",
                ))
            }
        }
    }
    let sha = commit_new(
        st,
        pid,
        start.into_iter().collect(),
        tree,
        &message,
        caller.id,
    );
    set_head(st, pid, &branch, &sha, caller.id);
    let c = find_commit(st, pid, &sha)?;
    Ok(Reply::json(201, &commit_full(st, pid, &c)))
}

fn commit_action(st: &mut State, ctx: &Ctx, action: &str) -> ApiResult<Option<Reply>> {
    let pid = ctx.project_id();
    let key = ctx
        .arg("sha")
        .or_else(|| ctx.id.clone())
        .unwrap_or_default();
    let c = find_commit(st, pid, &key)?;
    let r = match action {
        "diff" => {
            let old = first_parent_tree(st, pid, &c);
            let v = diff_json(r::tree_diff(&old, &c.tree));
            values_reply(st, ctx.req, &v)?
        }
        "refs" => {
            let kind = ctx
                .req
                .params
                .nonblank("type")
                .unwrap_or_else(|| "all".into());
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            let mut v = Vec::new();
            if kind == "all" || kind == "branch" {
                if let Some(bs) = st.store.coll(st.reg.branch, &[pid.to_string()]) {
                    for b in bs.iter() {
                        let head = b
                            .obj
                            .get("commit")
                            .and_then(|c| c.get("id"))
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if repo.is_ancestor(&c.sha, head) {
                            v.push(json!({"type": "branch", "name": b.str("name")}));
                        }
                    }
                }
            }
            if kind == "all" || kind == "tag" {
                if let Some(tres) = res_of(st, "/projects/{}/repository/tags") {
                    if let Some(ts) = st.store.coll(tres, &[pid.to_string()]) {
                        for t in ts.iter() {
                            if repo.is_ancestor(&c.sha, t.str("target").unwrap_or("")) {
                                v.push(json!({"type": "tag", "name": t.str("name")}));
                            }
                        }
                    }
                }
            }
            values_reply(st, ctx.req, &v)?
        }
        "cherry_pick" | "revert" => {
            let caller = ctx.caller()?.clone();
            let branch = ctx.req.params.required("branch")?;
            let head = branches::head_of(st, pid, &branch)
                .ok_or_else(|| ApiError::not_found(Some("Branch")))?;
            check_push(st, &caller, pid, &branch)?;
            let head_tree = commit_of(st, pid, &head)
                .map(|c| c.tree)
                .unwrap_or_default();
            let parent_tree = first_parent_tree(st, pid, &c);
            let (tree, message) = if action == "revert" {
                (
                    r::merge_trees(&c.tree, &head_tree, &parent_tree),
                    format!("Revert \"{}\"\n\nThis reverts commit {}", c.title(), c.sha),
                )
            } else {
                (
                    r::merge_trees(&parent_tree, &head_tree, &c.tree),
                    ctx.req.params.nonblank("message").unwrap_or_else(|| {
                        format!("{}\n\n(cherry picked from commit {})", c.message, c.sha)
                    }),
                )
            };
            if tree == head_tree {
                let what = if action == "revert" {
                    "revert"
                } else {
                    "cherry-pick"
                };
                return Err(ApiError::message(
                    400,
                    format!("Sorry, we cannot {what} this commit automatically. This commit may already have been {}, or a more recent commit may have updated some of its content.", if action == "revert" { "reverted" } else { "cherry-picked" }),
                ));
            }
            let sha = commit_new(st, pid, vec![head], tree, &message, caller.id);
            set_head(st, pid, &branch, &sha, caller.id);
            let nc = find_commit(st, pid, &sha)?;
            Reply::json(201, &commit_full(st, pid, &nc))
        }
        "sequence" => {
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            Reply::json(200, &json!({"count": repo.ancestry(&c.sha).len()}))
        }
        "merge_requests" => commit_merge_requests(st, ctx, pid, &c.sha)?,
        // The emulator's commits are never signed.
        "signature" => return Err(ApiError::not_found(Some("Signature"))),
        // An action without behaviour of its own: the commit exists (checked
        // above), so answer the plain action reply rather than the generic
        // handler's object lookup, which cannot see commits.
        other => {
            let suffix = format!("/{other}");
            let meta = st.reg.res[ctx.res].meta.and_then(|m| {
                m.actions.iter().find(|a| {
                    a.path.ends_with(&suffix) && Verb::from_meta(a.method) == ctx.req.verb
                })
            });
            super::generic::action(st, ctx, meta, false)?
        }
    };
    Ok(Some(r))
}

// ----- project-level repository endpoints ----------------------------------------

fn project_repo(st: &mut State, ctx: &Ctx, what: &str) -> ApiResult<Option<Reply>> {
    let pid = project_of(st, ctx)?;
    let p = &ctx.req.params;
    let default = st
        .project(pid)
        .and_then(|x| x.str("default_branch"))
        .unwrap_or("main")
        .to_string();
    let r = match what {
        "tree" => {
            let reference = p.nonblank("ref").unwrap_or(default);
            let sha = resolve_sha(st, pid, &reference)
                .ok_or_else(|| ApiError::not_found(Some("Tree")))?;
            let c = commit_of(st, pid, &sha).ok_or_else(|| ApiError::not_found(Some("Tree")))?;
            let base = p
                .nonblank("path")
                .map(|s| s.trim_matches('/').to_string())
                .unwrap_or_default();
            let recursive = p.bool("recursive")? == Some(true);
            let mut dirs = std::collections::BTreeSet::new();
            let mut blobs = Vec::new();
            for (path, data) in &c.tree {
                let rel = if base.is_empty() {
                    path.as_str()
                } else if let Some(r) = path.strip_prefix(&format!("{base}/")) {
                    r
                } else {
                    continue;
                };
                let parts: Vec<&str> = rel.split('/').collect();
                let prefix = if base.is_empty() {
                    String::new()
                } else {
                    format!("{base}/")
                };
                for i in 1..parts.len() {
                    if !recursive && i > 1 {
                        break;
                    }
                    dirs.insert(format!("{prefix}{}", parts[..i].join("/")));
                }
                if recursive || parts.len() == 1 {
                    blobs.push((path.clone(), blob_id(data)));
                }
            }
            if !base.is_empty() && dirs.is_empty() && blobs.is_empty() {
                return Err(ApiError::not_found(Some("Tree")));
            }
            let name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
            let mut v: Vec<Value> = dirs
                .iter()
                .map(|d| json!({"id": blob_id(d.as_bytes()), "name": name(d), "type": "tree", "path": d, "mode": "040000"}))
                .collect();
            v.extend(blobs.into_iter().map(|(path, id)| {
                json!({"id": id, "name": name(&path), "type": "blob", "path": path, "mode": "100644"})
            }));
            values_reply(st, ctx.req, &v)?
        }
        "compare" => {
            let from = p.required("from")?;
            let to = p.required("to")?;
            let (Some(a), Some(b)) = (resolve_sha(st, pid, &from), resolve_sha(st, pid, &to))
            else {
                return Err(ApiError::not_found(Some("Ref")));
            };
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            let straight = p.bool("straight")? == Some(true);
            let base = if straight {
                Some(a.clone())
            } else {
                repo.merge_base(&a, &b).map(|c| c.sha.clone())
            };
            let tree_of = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|s| repo.commits.get(s))
                    .map(|c| c.tree.clone())
                    .unwrap_or_default()
            };
            let exclude: Vec<String> = repo.ancestry(&a).iter().map(|c| c.sha.clone()).collect();
            let mut commits: Vec<Value> = repo
                .ancestry(&b)
                .into_iter()
                .filter(|c| !exclude.contains(&c.sha))
                .map(|c| commit_json(st, pid, c))
                .collect();
            commits.reverse();
            let head = repo.commits.get(&b).map(|c| commit_json(st, pid, c));
            let web = st
                .project(pid)
                .and_then(|x| x.str("web_url"))
                .unwrap_or("")
                .to_string();
            Reply::json(
                200,
                &json!({
                    "commit": if a == b { Value::Null } else { head.unwrap_or(Value::Null) },
                    "commits": commits,
                    "diffs": diff_json(r::tree_diff(&tree_of(&base), &tree_of(&Some(b.clone())))),
                    "compare_timeout": false,
                    "compare_same_ref": a == b,
                    "web_url": format!("{web}/-/compare/{}...{}", &a[..8.min(a.len())], &b[..8.min(b.len())]),
                }),
            )
        }
        "merge_base" => {
            let refs = p.list("refs").unwrap_or_default();
            if refs.len() < 2 {
                return Err(ApiError::message(400, "Provide at least 2 refs"));
            }
            let mut shas = Vec::new();
            for r in &refs {
                shas.push(
                    resolve_sha(st, pid, r).ok_or_else(|| {
                        ApiError::message(404, format!("Could not find ref: {r}"))
                    })?,
                );
            }
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            let mut cur = shas[0].clone();
            for s in &shas[1..] {
                cur = repo
                    .merge_base(&cur, s)
                    .map(|c| c.sha.clone())
                    .ok_or_else(|| ApiError::not_found(Some("Merge Base")))?;
            }
            let c = find_commit(st, pid, &cur)?;
            Reply::json(200, &commit_json(st, pid, &c))
        }
        "archive" => {
            // `GET …/repository/archive?format=zip`, tar.gz by default.
            let format = p.nonblank("format").unwrap_or_else(|| "tar.gz".into());
            archive(st, ctx.req, pid, &format)?
        }
        "contributors" => {
            let head = resolve_sha(st, pid, &p.nonblank("ref").unwrap_or(default));
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            let mut by: Vec<(String, String, u64)> = Vec::new();
            for c in head
                .as_deref()
                .map(|h| repo.ancestry(h))
                .unwrap_or_default()
            {
                match by.iter_mut().find(|x| x.1 == c.author_email) {
                    Some(x) => x.2 += 1,
                    None => by.push((c.author_name.clone(), c.author_email.clone(), 1)),
                }
            }
            let v: Vec<Value> = by
                .into_iter()
                .map(|(n, e, k)| json!({"name": n, "email": e, "commits": k, "additions": 0, "deletions": 0}))
                .collect();
            values_reply(st, ctx.req, &v)?
        }
        w if w.starts_with("blobs/") => {
            let rest = &w["blobs/".len()..];
            let (_, raw) = match rest.strip_suffix("/raw") {
                Some(s) => (s, true),
                None => (rest, false),
            };
            let id = ctx.arg("sha").unwrap_or_default();
            let repo = st.repos.get(&pid).cloned().unwrap_or_default();
            let data = repo
                .commits
                .values()
                .flat_map(|c| c.tree.values())
                .find(|d| blob_id(d) == id)
                .cloned()
                .ok_or_else(|| ApiError::not_found(Some("Blob")))?;
            if raw {
                Reply::text(200, data).header("content-type", "text/plain; charset=utf-8")
            } else {
                Reply::json(
                    200,
                    &json!({"size": data.len(), "encoding": "base64", "content": r::base64_encode(&data), "sha": id}),
                )
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn archive(st: &State, req: &ApiRequest, pid: u64, format: &str) -> ApiResult<Reply> {
    let p = &req.params;
    let project = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let default = project.str("default_branch").unwrap_or("main").to_string();
    let path = project.str("path").unwrap_or("project").to_string();
    let reference = p.nonblank("sha").unwrap_or(default);
    let sha = resolve_sha(st, pid, &reference).ok_or_else(|| ApiError::not_found(Some("Ref")))?;
    let c = commit_of(st, pid, &sha).ok_or_else(|| ApiError::not_found(Some("Ref")))?;
    let mut tree = c.tree.clone();
    if let Some(sub) = p.nonblank("path") {
        let sub = sub.trim_matches('/').to_string();
        tree.retain(|k, _| k == &sub || k.starts_with(&format!("{sub}/")));
    }
    let safe_ref = reference.replace('/', "-");
    let prefix = format!("{path}-{safe_ref}-{sha}");
    let mtime = crate::time::now_millis() / 1000;
    // GitLab's route only takes its archive formats: anything else is no route at all.
    let kind = r::ArchiveFormat::parse(format).ok_or_else(ApiError::no_route)?;
    let body = r::archive(kind, &prefix, &tree, mtime)
        .map_err(|e| ApiError::message(500, format!("archive failed: {e}")))?;
    Ok(Reply::text(200, body)
        .header("content-type", kind.content_type())
        .header(
            "content-disposition",
            format!("attachment; filename=\"{prefix}.{format}\""),
        ))
}

// ----- merge requests ------------------------------------------------------------

/// A merge request's head and base commits: the source branch's head (or the
/// recorded `sha` once the branch is gone), and the merge base with the target
/// (frozen at merge time for a merged request).
fn mr_range(st: &State, pid: u64, e: &Entry) -> (String, Option<String>) {
    let source = e.str("source_branch").unwrap_or("");
    let target = e.str("target_branch").unwrap_or("");
    let head = branches::head_of(st, pid, source)
        .or_else(|| e.str("sha").map(str::to_string))
        .unwrap_or_default();
    let base = if e.str("state") == Some("merged") {
        e.obj
            .get("diff_refs")
            .and_then(|d| d.get("base_sha"))
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        let repo = st.repos.get(&pid);
        branches::head_of(st, pid, target).and_then(|t| {
            repo.and_then(|r| r.merge_base(&t, &head))
                .map(|c| c.sha.clone())
        })
    };
    (head, base)
}

/// The commits a merge request adds, newest first: ancestors of its head that
/// are not ancestors of its base.
fn mr_commits<'r>(repo: &'r r::Repo, head: &str, base: Option<&str>) -> Vec<&'r Commit> {
    let exclude: Vec<&str> = base
        .map(|b| repo.ancestry(b).iter().map(|c| c.sha.as_str()).collect())
        .unwrap_or_default();
    repo.ancestry(head)
        .into_iter()
        .filter(|c| !exclude.contains(&c.sha.as_str()))
        .collect()
}

/// `GET .../commits/:sha/merge_requests`: the project's merge requests that
/// contain the commit, or whose merge or squash commit it is (GitLab's
/// "related commit" rule).
fn commit_merge_requests(st: &State, ctx: &Ctx, pid: u64, sha: &str) -> ApiResult<Reply> {
    let Some(mres) = res_of(st, "/projects/{}/merge_requests") else {
        return values_reply(st, ctx.req, &[]);
    };
    let repo = st.repos.get(&pid).cloned().unwrap_or_default();
    let v: Vec<Value> = st
        .store
        .coll(mres, &[pid.to_string()])
        .map(|c| {
            c.iter()
                .filter(|e| {
                    let (head, base) = mr_range(st, pid, e);
                    e.str("merge_commit_sha") == Some(sha)
                        || e.str("squash_commit_sha") == Some(sha)
                        || mr_commits(&repo, &head, base.as_deref())
                            .iter()
                            .any(|c| c.sha == sha)
                })
                .map(Entry::to_value)
                .collect()
        })
        .unwrap_or_default();
    values_reply(st, ctx.req, &v)
}

fn mr_content(st: &mut State, ctx: &Ctx, what: &str) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let e = st.entry(ctx)?.clone();
    let (head, base) = mr_range(st, pid, &e);
    let repo = st.repos.get(&pid).cloned().unwrap_or_default();
    let tree_of = |s: Option<&str>| {
        s.and_then(|s| repo.commits.get(s))
            .map(|c| c.tree.clone())
            .unwrap_or_default()
    };
    match what {
        "commits" => {
            let v: Vec<Value> = mr_commits(&repo, &head, base.as_deref())
                .into_iter()
                .map(|c| commit_json(st, pid, c))
                .collect();
            values_reply(st, ctx.req, &v)
        }
        _ => {
            let diffs = diff_json(r::tree_diff(
                &tree_of(base.as_deref()),
                &tree_of(Some(&head)),
            ));
            if what == "diffs" {
                return values_reply(st, ctx.req, &diffs);
            }
            let mut v = st
                .get(ctx)
                .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))?;
            v["changes_count"] = json!(diffs.len().to_string());
            v["changes"] = Value::Array(diffs);
            v["overflow"] = json!(false);
            Ok(Reply::json(200, &v))
        }
    }
}

/// The `diff_refs` of an open merge request, from the graph.
pub(crate) fn diff_refs(st: &State, pid: u64, source_head: &str, target: &str) -> Value {
    let t = branches::head_of(st, pid, target);
    let base = t.as_deref().and_then(|t| {
        st.repos
            .get(&pid)
            .and_then(|r| r.merge_base(t, source_head))
            .map(|c| c.sha.clone())
    });
    json!({"base_sha": base, "head_sha": source_head, "start_sha": t})
}

//! Issues and merge requests (ids global, iids per project), their notes, and
//! their actions: move, subscribe, merge, time tracking, participants.

use super::{equality_filters, scalar_filters_match, search_matches, Ctx, CREATED_DESC};
use crate::lists::{self, sort_entries, CursorStyle, Item, OrderRules, Paging};
use crate::registry::{Kind, ResId};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{access, State};
use crate::store::Entry;
use crate::time;
use serde_json::{json, Map, Value};

const ORDER: OrderRules = OrderRules {
    default_field: "created_at",
    default_desc: true,
    allowed: &[
        "id",
        "iid",
        "created_at",
        "updated_at",
        "title",
        "priority",
        "due_date",
        "relative_position",
        "label_priority",
        "milestone_due",
        "popularity",
        "weight",
        "merged_at",
    ],
};

/// Filters handled here rather than by plain equality.
const HANDLED: &[&str] = &[
    "state",
    "labels",
    "milestone",
    "milestone_id",
    "author_id",
    "author_username",
    "assignee_id",
    "assignee_username",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "wip",
    "my_reaction_emoji",
    "in",
    "view",
    "with_labels_details",
    "non_archived",
    "iteration_id",
    "reviewer_id",
    "approver_ids",
    "approved_by_ids",
];

/// Merge requests (and listings of them) rather than issues.
fn is_mr(st: &State, res: ResId) -> bool {
    st.reg.res[res].norm.ends_with("/merge_requests")
}

/// The issue or merge request collections a listing reads: the project's own, or
/// for `/issues`, `/groups/:id/issues` (and merge requests) those of every
/// project the caller can see there.
fn sources<'s>(st: &'s State, ctx: &Ctx) -> Vec<&'s crate::store::Collection> {
    if st.reg.res[ctx.res].kind != Kind::IssueView {
        return st.store.coll(ctx.res, &ctx.parent).into_iter().collect();
    }
    let items = if is_mr(st, ctx.res) {
        st.reg.merge_request
    } else {
        st.reg.issue
    };
    let groups = ctx
        .parent
        .first()
        .and_then(|g| g.parse::<u64>().ok())
        .map(|g| st.group_and_descendants(g));
    let Some(projects) = st.store.coll(st.reg.project, &[]) else {
        return Vec::new();
    };
    projects
        .iter()
        .filter(|p| match &groups {
            Some(gs) => matches!(
                super::projects::ns_ref(p),
                Some(crate::state::NamespaceRef::Group(g)) if gs.contains(&g)
            ),
            None => true,
        })
        .filter(|p| st.can_read_project(ctx.caller.as_ref(), p))
        .filter_map(|p| st.store.coll(items, &[super::id_string(p)]))
        .collect()
}

fn project_path(st: &State, pid: u64) -> (String, String) {
    match st.project(pid) {
        Some(p) => (
            p.str("path_with_namespace").unwrap_or("").to_string(),
            p.str("web_url").unwrap_or("").to_string(),
        ),
        None => (String::new(), String::new()),
    }
}

fn time_stats(estimate: i64, spent: i64) -> Value {
    json!({
        "time_estimate": estimate,
        "total_time_spent": spent,
        "human_time_estimate": (estimate != 0).then(|| human_duration(estimate)),
        "human_total_time_spent": (spent != 0).then(|| human_duration(spent)),
    })
}

/// What a new issue or merge request starts with.
pub(crate) struct NewItem {
    pub title: String,
    pub description: Option<String>,
    pub labels: Vec<String>,
    pub author: u64,
    pub assignees: Vec<u64>,
    pub created_at: Option<String>,
}

/// Builds and stores an issue of project `pid`; returns its iid.
pub(crate) fn insert_issue(
    st: &mut State,
    pid: u64,
    item: NewItem,
    extra: Map<String, Value>,
) -> u64 {
    let iid = store_issue(st, pid, item, extra);
    adjust_open_issues(st, pid, 1);
    iid
}

/// Stores an issue without touching the project's `open_issues_count`.
fn store_issue(st: &mut State, pid: u64, item: NewItem, extra: Map<String, Value>) -> u64 {
    let res = st.reg.issue;
    let id = st.store.next_id("issue");
    let coll = st.store.coll_mut(res, &[pid.to_string()]);
    coll.last_iid += 1;
    let iid = coll.last_iid;
    let (full, web) = project_path(st, pid);
    let now = time::now();
    let created = item.created_at.unwrap_or_else(|| now.clone());
    let assignees: Vec<Value> = item.assignees.iter().map(|u| st.user_basic(*u)).collect();
    let api = format!("{}/api/v4/projects/{pid}", st.base_url);
    let obj = json!({
        "id": id,
        "iid": iid,
        "project_id": pid,
        "title": item.title,
        "description": item.description,
        "state": "opened",
        "created_at": created,
        "updated_at": now,
        "closed_at": null,
        "closed_by": null,
        "labels": item.labels,
        "milestone": null,
        "assignees": assignees,
        "author": st.user_basic(item.author),
        "type": "ISSUE",
        "assignee": assignees.first(),
        "user_notes_count": 0,
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": null,
        "confidential": false,
        "discussion_locked": null,
        "issue_type": "issue",
        "web_url": format!("{web}/-/issues/{iid}"),
        "time_stats": time_stats(0, 0),
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_tasks": false,
        "task_status": "",
        "_links": {
            "self": format!("{api}/issues/{iid}"),
            "notes": format!("{api}/issues/{iid}/notes"),
            "award_emoji": format!("{api}/issues/{iid}/award_emoji"),
            "project": api,
            "closed_as_duplicate_of": null,
        },
        "references": {
            "short": format!("#{iid}"),
            "relative": format!("#{iid}"),
            "full": format!("{full}#{iid}"),
        },
        "severity": "UNKNOWN",
        "moved_to_id": null,
        "service_desk_reply_to": null,
        "blocking_issues_count": 0,
    });
    let Value::Object(mut obj) = obj else {
        return iid;
    };
    obj.extend(extra);
    let mut e = Entry::unserialized(obj);
    e.hidden.subscribers.push(item.author);
    st.store.insert(res, &[pid.to_string()], iid.to_string(), e);
    iid
}

fn adjust_open_issues(st: &mut State, pid: u64, delta: i64) {
    st.store.modify(st.reg.project, &[], &pid.to_string(), |e| {
        let n = e.u64("open_issues_count").unwrap_or(0) as i64 + delta;
        e.obj
            .insert("open_issues_count".into(), Value::from(n.max(0)));
    });
}

/// `Draft:`, `[Draft]`, `(Draft)` and the old `WIP:` mark a draft.
fn is_draft(title: &str) -> bool {
    let t = title.trim_start().to_ascii_lowercase();
    ["draft:", "[draft]", "(draft)", "draft -", "wip:", "[wip]"]
        .iter()
        .any(|p| t.starts_with(p))
}

fn insert_mr(
    st: &mut State,
    pid: u64,
    item: NewItem,
    source: &str,
    target: &str,
    extra: Map<String, Value>,
) -> u64 {
    let res = st.reg.merge_request;
    let id = st.store.next_id("merge_request");
    let coll = st.store.coll_mut(res, &[pid.to_string()]);
    coll.last_iid += 1;
    let iid = coll.last_iid;
    let (full, web) = project_path(st, pid);
    let now = time::now();
    let created = item.created_at.unwrap_or_else(|| now.clone());
    let assignees: Vec<Value> = item.assignees.iter().map(|u| st.user_basic(*u)).collect();
    let sha = super::branches::head_of(st, pid, source);
    let draft = is_draft(&item.title);
    let obj = json!({
        "id": id,
        "iid": iid,
        "project_id": pid,
        "title": item.title,
        "description": item.description,
        "state": "opened",
        "created_at": created,
        "updated_at": now,
        "merged_by": null,
        "merge_user": null,
        "merged_at": null,
        "closed_by": null,
        "closed_at": null,
        "target_branch": target,
        "source_branch": source,
        "user_notes_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "author": st.user_basic(item.author),
        "assignees": assignees,
        "assignee": assignees.first(),
        "reviewers": [],
        "source_project_id": pid,
        "target_project_id": pid,
        "labels": item.labels,
        "draft": draft,
        "work_in_progress": draft,
        "milestone": null,
        "merge_when_pipeline_succeeds": false,
        "merge_status": "can_be_merged",
        "detailed_merge_status": if draft { "draft_status" } else { "mergeable" },
        "sha": sha,
        "merge_commit_sha": null,
        "squash_commit_sha": null,
        "discussion_locked": null,
        "should_remove_source_branch": null,
        "force_remove_source_branch": false,
        "prepared_at": now,
        "reference": format!("!{iid}"),
        "references": {
            "short": format!("!{iid}"),
            "relative": format!("!{iid}"),
            "full": format!("{full}!{iid}"),
        },
        "web_url": format!("{web}/-/merge_requests/{iid}"),
        "time_stats": time_stats(0, 0),
        "squash": false,
        "squash_on_merge": false,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": false,
        "blocking_discussions_resolved": true,
    });
    let Value::Object(mut obj) = obj else {
        return iid;
    };
    obj.extend(extra);
    let mut e = Entry::unserialized(obj);
    e.hidden.subscribers.push(item.author);
    st.store.insert(res, &[pid.to_string()], iid.to_string(), e);
    iid
}

/// Seeds `n` issues into project `pid` quickly; returns the first and last iid.
pub(crate) fn bulk_issues(st: &mut State, pid: u64, n: usize, author: u64) -> (u64, u64) {
    let mut first = 0;
    let mut last = 0;
    for i in 0..n {
        let labels = if i % 3 == 0 {
            vec!["bulk".to_string()]
        } else {
            Vec::new()
        };
        let iid = store_issue(
            st,
            pid,
            NewItem {
                title: format!("Seeded issue {}", i + 1),
                description: Some(format!("Issue number {} of a bulk seed.", i + 1)),
                labels,
                author,
                assignees: Vec::new(),
                created_at: None,
            },
            Map::new(),
        );
        if i == 0 {
            first = iid;
        }
        last = iid;
    }
    adjust_open_issues(st, pid, n as i64);
    (first, last)
}

fn assignee_ids(st: &State, ctx: &Ctx) -> ApiResult<Option<Vec<u64>>> {
    let p = &ctx.req.params;
    let ids = match p.u64_list("assignee_ids")? {
        Some(ids) => Some(ids),
        None => p.u64("assignee_id")?.map(|id| vec![id]),
    };
    Ok(ids.map(|ids| {
        ids.into_iter()
            .filter(|id| *id != 0 && st.user(*id).is_some())
            .collect()
    }))
}

fn readable_project_entry<'s>(st: &'s State, ctx: &Ctx) -> ApiResult<&'s Entry> {
    st.project(ctx.project_id())
        .ok_or_else(|| ApiError::not_found(Some("Project")))
}

pub(super) fn create_issue(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let item = NewItem {
        title: p.nonblank("title").unwrap_or_default(),
        description: p.str("description"),
        labels: p.list("labels").unwrap_or_default(),
        author: caller,
        assignees: assignee_ids(st, ctx)?.unwrap_or_default(),
        created_at: p.nonblank("created_at"),
    };
    let mut extra = Map::new();
    if let Some(c) = p.bool("confidential")? {
        extra.insert("confidential".into(), Value::Bool(c));
    }
    if let Some(d) = p.nonblank("due_date") {
        extra.insert("due_date".into(), Value::String(d));
    }
    if let Some(w) = weight_param(ctx)? {
        extra.insert("weight".into(), w);
    }
    if let Some(t) = p.nonblank("issue_type") {
        extra.insert("issue_type".into(), Value::String(t.clone()));
        extra.insert("type".into(), Value::String(t.to_uppercase()));
    }
    let iid = insert_issue(st, pid, item, extra);
    object_reply(st, ctx.res, pid, iid, 201, Some(caller))
}

pub(super) fn create_mr(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let pid = ctx.project_id();
    let project = readable_project_entry(st, ctx)?;
    if st.project_access(ctx.caller.as_ref(), project) < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    let p = &ctx.req.params;
    let source = p.nonblank("source_branch").unwrap_or_default();
    let target = p.nonblank("target_branch").unwrap_or_default();
    let same_project = p.u64("target_project_id")?.is_none_or(|t| t == pid);
    if same_project && source == target {
        return Err(ApiError::message_list(
            422,
            "You can't use same project/branch for source and target",
        ));
    }
    if let Some(c) = st.store.coll(ctx.res, &ctx.parent) {
        if let Some(other) = c.iter().find(|m| {
            m.str("state") == Some("opened")
                && m.str("source_branch") == Some(source.as_str())
                && m.str("target_branch") == Some(target.as_str())
        }) {
            return Err(ApiError::message_list(
                409,
                format!(
                    "Another open merge request already exists for this source branch: !{}",
                    other.u64("iid").unwrap_or(0)
                ),
            ));
        }
    }
    let item = NewItem {
        title: p.nonblank("title").unwrap_or_default(),
        description: p.str("description"),
        labels: p.list("labels").unwrap_or_default(),
        author: caller,
        assignees: assignee_ids(st, ctx)?.unwrap_or_default(),
        created_at: None,
    };
    let mut extra = Map::new();
    if let Some(r) = p.bool("remove_source_branch")? {
        extra.insert("force_remove_source_branch".into(), Value::Bool(r));
    }
    if let Some(s) = p.bool("squash")? {
        extra.insert("squash".into(), Value::Bool(s));
        extra.insert("squash_on_merge".into(), Value::Bool(s));
    }
    if let Some(ids) = p.u64_list("reviewer_ids")? {
        let reviewers: Vec<Value> = ids
            .into_iter()
            .filter(|id| st.user(*id).is_some())
            .map(|id| st.user_basic(id))
            .collect();
        extra.insert("reviewers".into(), Value::Array(reviewers));
    }
    let iid = insert_mr(st, pid, item, &source, &target, extra);
    refresh_mergeability(st, pid, iid);
    object_reply(st, ctx.res, pid, iid, 201, Some(caller))
}

/// Rechecks an open merge request against its branches, as GitLab does when one
/// is fetched: `sha` follows the source branch, and `has_conflicts`,
/// `merge_status` and `detailed_merge_status` say whether the branches merge.
/// Lists show what the last check found.
fn refresh_mergeability(st: &mut State, pid: u64, iid: u64) {
    let parent = [pid.to_string()];
    let key = iid.to_string();
    let Some(e) = st.store.get(st.reg.merge_request, &parent, &key) else {
        return;
    };
    if e.str("state") != Some("opened") {
        return;
    }
    let draft = e.obj.get("draft") == Some(&Value::Bool(true));
    let source = super::branches::head_of(st, pid, e.str("source_branch").unwrap_or(""));
    let target = super::branches::head_of(st, pid, e.str("target_branch").unwrap_or(""));
    let (conflicts, detailed) = match (&source, &target) {
        (Some(h), Some(t)) => {
            let conflicts = super::repo::merge_result(st, pid, h, t).is_err();
            let detailed = if draft {
                "draft_status"
            } else if conflicts {
                "conflict"
            } else {
                "mergeable"
            };
            (conflicts, detailed)
        }
        // A missing branch: GitLab calls the merge request broken.
        _ => (false, "commits_status"),
    };
    let status = if conflicts || target.is_none() || source.is_none() {
        "cannot_be_merged"
    } else {
        "can_be_merged"
    };
    st.store.modify(st.reg.merge_request, &parent, &key, |e| {
        if let Some(h) = source {
            e.obj.insert("sha".into(), json!(h));
        }
        e.obj.insert("has_conflicts".into(), json!(conflicts));
        e.obj.insert("merge_status".into(), json!(status));
        e.obj
            .insert("detailed_merge_status".into(), json!(detailed));
    });
}

/// An issue or merge request with the fields GitLab adds to single-object answers.
fn object_reply(
    st: &State,
    res: ResId,
    pid: u64,
    iid: u64,
    status: u16,
    viewer: Option<u64>,
) -> ApiResult<Reply> {
    let e = st
        .store
        .get(res, &[pid.to_string()], &iid.to_string())
        .ok_or_else(|| ApiError::not_found(None))?;
    let mut v = e.to_value();
    v["subscribed"] = Value::Bool(viewer.is_some_and(|u| e.hidden.subscribers.contains(&u)));
    if is_mr(st, res) {
        let head = e.str("sha").map(str::to_string);
        let base = e
            .str("target_branch")
            .and_then(|t| super::branches::head_of(st, pid, t));
        let can_merge = viewer.is_some_and(|u| {
            let caller = st.user(u).map(|x| crate::state::Caller {
                id: u,
                username: x.str("username").unwrap_or("").to_string(),
                admin: x.obj.get("is_admin") == Some(&Value::Bool(true)),
            });
            st.project(pid)
                .is_some_and(|p| st.project_access(caller.as_ref(), p) >= access::DEVELOPER)
        });
        v["changes_count"] = json!("1");
        v["diff_refs"] = json!({"base_sha": base, "head_sha": head, "start_sha": base});
        v["merge_error"] = e.obj.get("merge_error").cloned().unwrap_or(Value::Null);
        v["first_contribution"] = Value::Bool(false);
        v["pipeline"] = Value::Null;
        v["head_pipeline"] = Value::Null;
        v["rebase_in_progress"] = Value::Bool(false);
        v["diverged_commits_count"] = json!(0);
        v["user"] = json!({"can_merge": can_merge});
    }
    Ok(Reply::json(status, &v))
}

pub(super) fn list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = lists::paging(ctx.req, &ORDER)?;
    let mr = is_mr(st, ctx.res);
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let p = &ctx.req.params;
        let state = match p.nonblank("state").as_deref() {
            None | Some("all") => None,
            Some(s @ ("opened" | "closed")) => Some(s.to_string()),
            Some(s @ ("merged" | "locked")) if mr => Some(s.to_string()),
            Some(_) => return Err(ApiError::error(400, "state does not have a valid value")),
        };
        let labels = p.list("labels");
        let milestone = milestone_filter(ctx, mr)?;
        let today = time::today();
        let iids = p.u64_list("iids")?;
        let author = p.u64("author_id")?;
        let author_name = p.nonblank("author_username");
        let assignee = p.nonblank("assignee_id");
        let search = p.nonblank("search");
        // `/issues` shows what the caller created unless told otherwise.
        let global = st.reg.res[ctx.res].kind == Kind::IssueView && ctx.parent.is_empty();
        let scope = p
            .nonblank("scope")
            .or_else(|| global.then(|| "created_by_me".to_string()));
        let wip = p.nonblank("wip");
        let bounds: Vec<(&str, bool, String)> = [
            ("created_after", "created_at", true),
            ("created_before", "created_at", false),
            ("updated_after", "updated_at", true),
            ("updated_before", "updated_at", false),
        ]
        .iter()
        .filter_map(|(param, field, after)| p.nonblank(param).map(|v| (*field, *after, v)))
        .collect();
        let eq = equality_filters(ctx, HANDLED);
        let uid = ctx.caller_id();
        let mut v: Vec<&Entry> = sources(st, ctx)
            .into_iter()
            .flat_map(|c| c.iter())
            .filter(|e| {
                let o = &e.obj;
                if state.as_deref().is_some_and(|s| e.str("state") != Some(s)) {
                    return false;
                }
                let have: Vec<&str> = o
                    .get("labels")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match labels.as_deref() {
                    None | Some([]) => {}
                    Some([one]) if one.eq_ignore_ascii_case("none") => {
                        if !have.is_empty() {
                            return false;
                        }
                    }
                    Some([one]) if one.eq_ignore_ascii_case("any") => {
                        if have.is_empty() {
                            return false;
                        }
                    }
                    Some(want) => {
                        if !want.iter().all(|w| have.contains(&w.as_str())) {
                            return false;
                        }
                    }
                }
                if let Some(want) = &milestone {
                    // The milestone as it is now (renamed, closed), else the copy embedded.
                    let live = o
                        .get("milestone")
                        .and_then(|m| m.get("id"))
                        .and_then(Value::as_u64)
                        .zip(e.u64("project_id"))
                        .and_then(|(mid, pid)| super::special::milestone_json(st, pid, mid));
                    if !milestone_matches(live.as_ref().or(o.get("milestone")), want, &today) {
                        return false;
                    }
                }
                if iids
                    .as_ref()
                    .is_some_and(|ids| !e.u64("iid").is_some_and(|i| ids.contains(&i)))
                {
                    return false;
                }
                let author_id = o
                    .get("author")
                    .and_then(|a| a.get("id"))
                    .and_then(Value::as_u64);
                if author.is_some_and(|a| author_id != Some(a)) {
                    return false;
                }
                if let Some(n) = &author_name {
                    let name = o
                        .get("author")
                        .and_then(|a| a.get("username"))
                        .and_then(Value::as_str);
                    if !name.is_some_and(|x| x.eq_ignore_ascii_case(n)) {
                        return false;
                    }
                }
                let assignee_ids: Vec<u64> = o
                    .get("assignees")
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|a| a.get("id").and_then(Value::as_u64))
                            .collect()
                    })
                    .unwrap_or_default();
                let assignee_ok = match assignee.as_deref() {
                    None => true,
                    Some(a) if a.eq_ignore_ascii_case("none") => assignee_ids.is_empty(),
                    Some(a) if a.eq_ignore_ascii_case("any") => !assignee_ids.is_empty(),
                    Some(a) => a.parse::<u64>().is_ok_and(|id| assignee_ids.contains(&id)),
                };
                if !assignee_ok {
                    return false;
                }
                match scope.as_deref() {
                    Some("created_by_me" | "created-by-me") if author_id != Some(uid) => {
                        return false
                    }
                    Some("assigned_to_me" | "assigned-to-me") if !assignee_ids.contains(&uid) => {
                        return false
                    }
                    _ => {}
                }
                if let Some(w) = wip.as_deref() {
                    let draft = o.get("draft") == Some(&Value::Bool(true));
                    if (w == "yes") != draft {
                        return false;
                    }
                }
                if let Some(s) = &search {
                    if !search_matches(o, &["title", "description"], s) {
                        return false;
                    }
                }
                for (field, after, bound) in &bounds {
                    let t = o.get(*field).and_then(Value::as_str).unwrap_or("");
                    let ok = if *after {
                        t >= bound.as_str()
                    } else {
                        t <= bound.as_str()
                    };
                    if !ok {
                        return false;
                    }
                }
                scalar_filters_match(o, &eq)
            })
            .collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

/// What a listing's `milestone` (or, for issues, `milestone_id`) asks for.
enum MilestoneFilter {
    /// `None`: no milestone.
    No,
    /// `Any`: some milestone.
    Any,
    /// `Upcoming`: a milestone due after today.
    Upcoming,
    /// `Started`: an open milestone whose start date has passed.
    Started,
    /// A milestone with this title.
    Title(String),
}

/// Reads the milestone filter: `milestone` is a title or one of GitLab's
/// keywords, `milestone_id` (issues only) a keyword; the two are exclusive.
fn milestone_filter(ctx: &Ctx, mr: bool) -> ApiResult<Option<MilestoneFilter>> {
    let p = &ctx.req.params;
    let by_title = p.nonblank("milestone");
    let by_id = if mr { None } else { p.nonblank("milestone_id") };
    if by_title.is_some() && by_id.is_some() {
        return Err(ApiError::error(
            400,
            "milestone, milestone_id are mutually exclusive",
        ));
    }
    let keyword = |v: &str| match v.to_ascii_lowercase().as_str() {
        "none" => Some(MilestoneFilter::No),
        "any" => Some(MilestoneFilter::Any),
        "upcoming" => Some(MilestoneFilter::Upcoming),
        "started" => Some(MilestoneFilter::Started),
        _ => None,
    };
    if let Some(id) = by_id {
        return keyword(&id)
            .map(Some)
            .ok_or_else(|| ApiError::error(400, "milestone_id does not have a valid value"));
    }
    Ok(by_title.map(|t| keyword(&t).unwrap_or(MilestoneFilter::Title(t))))
}

/// Whether an item's embedded `milestone` satisfies the filter (`today` as `YYYY-MM-DD`).
fn milestone_matches(m: Option<&Value>, want: &MilestoneFilter, today: &str) -> bool {
    let m = m.filter(|m| m.is_object());
    let field = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_str);
    match want {
        MilestoneFilter::No => m.is_none(),
        MilestoneFilter::Any => m.is_some(),
        MilestoneFilter::Upcoming => field("due_date").is_some_and(|d| date_part(d) > today),
        MilestoneFilter::Started => {
            field("state") == Some("active")
                && field("start_date").is_some_and(|d| date_part(d) <= today)
        }
        MilestoneFilter::Title(t) => field("title") == Some(t.as_str()),
    }
}

/// `2024-05-01` of `2024-05-01T00:00:00Z`.
fn date_part(d: &str) -> &str {
    d.get(..10).unwrap_or(d)
}

fn iid_of(ctx: &Ctx) -> ApiResult<u64> {
    ctx.id().parse().map_err(|_| ApiError::not_found(None))
}

pub(super) fn get(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    st.entry(ctx)?;
    let caller = ctx.caller.as_ref().map(|c| c.id);
    let iid = iid_of(ctx)?;
    if is_mr(st, ctx.res) {
        refresh_mergeability(st, ctx.project_id(), iid);
    }
    object_reply(st, ctx.res, ctx.project_id(), iid, 200, caller)
}

/// An issue's `weight` from the parameters: a whole number from 0, or `null` to clear it.
fn weight_param(ctx: &Ctx) -> ApiResult<Option<Value>> {
    let Some(v) = ctx.req.params.get("weight") else {
        return Ok(None);
    };
    if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Ok(Some(Value::Null));
    }
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::error(400, "weight is invalid"))?;
    if n < 0 {
        return Err(ApiError::validation(
            400,
            &[("weight", "must be greater than or equal to 0")],
        ));
    }
    Ok(Some(json!(n)))
}

/// Authors may edit their own items; others need reporter (issues) or developer (MRs).
fn check_edit(st: &State, ctx: &Ctx, e: &Entry) -> ApiResult<()> {
    let author = e
        .obj
        .get("author")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_u64);
    if author == Some(ctx.caller_id()) {
        return Ok(());
    }
    let need = if is_mr(st, ctx.res) {
        access::DEVELOPER
    } else {
        access::REPORTER
    };
    let level = st
        .project(ctx.project_id())
        .map_or(0, |p| st.project_access(ctx.caller.as_ref(), p));
    if level >= need {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub(super) fn update(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let e = st.entry(ctx)?;
    check_edit(st, ctx, e)?;
    let mr = is_mr(st, ctx.res);
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let mut obj = e.obj.clone();
    let was_open = e.str("state") == Some("opened");
    if let Some(t) = p.str("title") {
        if t.trim().is_empty() {
            return Err(ApiError::blank(&["title"]));
        }
        if mr {
            obj.insert("draft".into(), Value::Bool(is_draft(&t)));
            obj.insert("work_in_progress".into(), Value::Bool(is_draft(&t)));
        }
        obj.insert("title".into(), Value::String(t));
    }
    if let Some(d) = p.get("description") {
        obj.insert("description".into(), d.clone());
    }
    let mut labels: Vec<String> = obj
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if p.get("labels").is_some() {
        labels = p.list("labels").unwrap_or_default();
    }
    for add in p.list("add_labels").unwrap_or_default() {
        if !labels.contains(&add) {
            labels.push(add);
        }
    }
    let remove = p.list("remove_labels").unwrap_or_default();
    labels.retain(|l| !remove.contains(l));
    obj.insert("labels".into(), json!(labels));
    if let Some(ids) = assignee_ids(st, ctx)? {
        let a: Vec<Value> = ids.iter().map(|u| st.user_basic(*u)).collect();
        obj.insert("assignee".into(), a.first().cloned().unwrap_or(Value::Null));
        obj.insert("assignees".into(), Value::Array(a));
    }
    for k in ["confidential", "discussion_locked", "squash"] {
        if let Some(b) = p.bool(k)? {
            obj.insert(k.into(), Value::Bool(b));
        }
    }
    if let Some(r) = p.bool("remove_source_branch")? {
        obj.insert("force_remove_source_branch".into(), Value::Bool(r));
    }
    if !mr {
        if let Some(w) = weight_param(ctx)? {
            obj.insert("weight".into(), w);
        }
    }
    for k in ["due_date", "target_branch"] {
        if let Some(v) = p.get(k) {
            if k == "target_branch" && !mr {
                continue;
            }
            obj.insert(k.into(), v.clone());
        }
    }
    let now = time::now();
    let state = super::text(&obj, "state");
    match p.nonblank("state_event").as_deref() {
        None => {}
        // A merged merge request stays merged.
        Some("close") if state != "merged" => {
            obj.insert("state".into(), json!("closed"));
            obj.insert("closed_at".into(), json!(now));
            obj.insert("closed_by".into(), st.user_basic(caller));
        }
        Some("reopen") if state == "closed" => {
            obj.insert("state".into(), json!("opened"));
            obj.insert("closed_at".into(), Value::Null);
            obj.insert("closed_by".into(), Value::Null);
        }
        Some("close" | "reopen") => {}
        Some(_) => {
            return Err(ApiError::error(
                400,
                "state_event does not have a valid value",
            ));
        }
    }
    obj.insert("updated_at".into(), json!(now));
    let is_open = obj.get("state") == Some(&json!("opened"));
    st.store
        .modify(ctx.res, &ctx.parent, ctx.id(), |e| e.obj = obj);
    if !mr && was_open != is_open {
        adjust_open_issues(st, pid, if is_open { 1 } else { -1 });
    }
    object_reply(st, ctx.res, pid, iid_of(ctx)?, 200, Some(caller))
}

pub(super) fn delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    let open = e.str("state") == Some("opened");
    let pid = ctx.project_id();
    let level = st
        .project(pid)
        .map_or(0, |p| st.project_access(ctx.caller.as_ref(), p));
    if level < access::OWNER {
        return Err(ApiError::forbidden());
    }
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    let notes = if is_mr(st, ctx.res) {
        st.reg.mr_note
    } else {
        st.reg.issue_note
    };
    let parent = [pid.to_string(), ctx.id().to_string()];
    st.store.take_coll(notes, &parent);
    if let Some(d) = discussions_beside(st, notes) {
        st.store.take_coll(d, &parent);
    }
    if open && !is_mr(st, ctx.res) {
        adjust_open_issues(st, pid, -1);
    }
    Ok(Reply::empty(204))
}

// ----- notes ---------------------------------------------------------------------------
//
// GitLab keeps one table of notes: a note posted in a discussion is a note of
// its issue (merge request, snippet, epic) like any other, and every note
// belongs to a discussion; a plain comment is a discussion of its own
// (`individual_note: true`). The emulator stores notes in the noteable's notes
// collection and a discussion as the list of its note ids (`note_ids`) in the
// noteable's discussions collection. Commits have no notes collection, so
// their discussions keep their notes inline.

/// GitLab's class name for the objects of a collection (`/projects/{}/issues` →
/// `Issue`), for the kinds that take notes or award emoji.
pub(crate) fn class_of(norm: &str) -> Option<&'static str> {
    const CLASSES: &[(&str, &str)] = &[
        ("/notes", "Note"),
        ("/merge_requests", "MergeRequest"),
        ("/issues", "Issue"),
        ("/snippets", "Snippet"),
        ("/epics", "Epic"),
        ("/repository/commits", "Commit"),
    ];
    CLASSES
        .iter()
        .find(|(suffix, _)| norm.ends_with(suffix))
        .map(|(_, class)| *class)
}

/// The noteable a collection hangs off (its last parent): the resource and
/// GitLab's class name, for issues, merge requests, snippets, epics and commits.
pub(crate) fn noteable_of(st: &State, res: ResId) -> Option<(ResId, &'static str)> {
    let p = st.reg.res[res].parents.last().copied().flatten()?;
    let class = class_of(&st.reg.res[p].norm).filter(|c| *c != "Note")?;
    Some((p, class))
}

/// Whether `res` is the notes collection of a noteable (not of a discussion).
pub(crate) fn is_note_collection(st: &State, res: ResId) -> bool {
    st.reg.res[res].norm.ends_with("/notes")
        && noteable_of(st, res).is_some_and(|(_, class)| class != "Commit")
}

/// The noteable's collection named `to` next to collection `res` named `from`.
fn sibling(st: &State, res: ResId, from: &str, to: &str) -> Option<ResId> {
    let base = st.reg.res[res].norm.strip_suffix(from)?;
    super::special::res_of(st, &format!("{base}{to}"))
}

/// The notes collection beside a discussions collection.
pub(crate) fn notes_beside(st: &State, discussions: ResId) -> Option<ResId> {
    sibling(st, discussions, "/discussions", "/notes")
}

/// The discussions collection beside a notes collection.
pub(crate) fn discussions_beside(st: &State, notes: ResId) -> Option<ResId> {
    sibling(st, notes, "/notes", "/discussions")
}

/// The stored noteable whose collections have the parent values `parent`.
fn noteable_entry<'s>(st: &'s State, res: ResId, parent: &[String]) -> Option<&'s Entry> {
    let (nres, _) = noteable_of(st, res)?;
    let (key, up) = parent.split_last()?;
    st.store.get(nres, up, key)
}

/// A new note (not stored) on the noteable of collection `res` at `parent`;
/// `discussion` for a note posted as (or into) a thread.
pub(crate) fn new_note(
    st: &mut State,
    res: ResId,
    parent: &[String],
    body: &str,
    author: u64,
    created_at: Option<String>,
    discussion: bool,
) -> Map<String, Value> {
    let class = noteable_of(st, res).map_or("Issue", |(_, c)| c);
    let target = noteable_entry(st, res, parent);
    let noteable_id = target.and_then(|e| e.u64("id"));
    // Snippets have no iid; GitLab answers null.
    let noteable_iid = target.and_then(|e| e.u64("iid"));
    let project_id = st.reg.res[res]
        .norm
        .starts_with("/projects/")
        .then(|| parent.first().and_then(|p| p.parse::<u64>().ok()))
        .flatten();
    // Only merge request threads can be resolved.
    let resolvable = discussion && class == "MergeRequest";
    let id = st.store.next_id("note");
    let now = time::now();
    let mut obj = json!({
        "id": id,
        "type": if discussion { json!("DiscussionNote") } else { Value::Null },
        "body": body,
        "attachment": null,
        "author": st.user_basic(author),
        "created_at": created_at.unwrap_or_else(|| now.clone()),
        "updated_at": now,
        "system": false,
        "noteable_id": noteable_id,
        "noteable_type": class,
        "project_id": project_id,
        "noteable_iid": noteable_iid,
        "commit_id": if class == "Commit" { json!(parent.last()) } else { Value::Null },
        "resolvable": resolvable,
        "confidential": false,
        "internal": false,
        "imported": false,
        "imported_from": "none",
    });
    if resolvable {
        obj["resolved"] = json!(false);
        obj["resolved_by"] = Value::Null;
        obj["resolved_at"] = Value::Null;
    }
    match obj {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Changes the noteable's `user_notes_count` by `delta`.
fn bump_notes(st: &mut State, res: ResId, parent: &[String], delta: i64) {
    let (Some((nres, _)), Some((key, up))) = (noteable_of(st, res), parent.split_last()) else {
        return;
    };
    st.store.modify(nres, up, key, |e| {
        let n = e.u64("user_notes_count").unwrap_or(0) as i64 + delta;
        e.obj
            .insert("user_notes_count".into(), Value::from(n.max(0)));
    });
}

/// A new discussion id: 40 hex digits, as GitLab's.
pub(crate) fn new_discussion_id(st: &mut State) -> String {
    use super::branches::mix;
    let n = st.store.next_id("discussion");
    format!(
        "{:016x}{:016x}{:08x}",
        mix(n ^ 0xD15C),
        mix(n),
        mix(!n) >> 32
    )
}

/// The note ids a stored discussion lists.
pub(crate) fn discussion_note_ids(e: &Entry) -> Vec<u64> {
    e.obj
        .get("note_ids")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

/// Stores a note in notes collection `res` at `parent`, counts it, and files it in
/// discussion `did` (a new individual discussion when `None`). Returns its bytes.
pub(crate) fn store_note(
    st: &mut State,
    res: ResId,
    parent: &[String],
    obj: Map<String, Value>,
    did: Option<&str>,
) -> bytes::Bytes {
    let id = obj.get("id").and_then(Value::as_u64).unwrap_or(0);
    let bytes = st
        .store
        .insert(res, parent, id.to_string(), Entry::unserialized(obj));
    bump_notes(st, res, parent, 1);
    if let Some(dres) = discussions_beside(st, res) {
        match did {
            Some(did) => {
                st.store.modify(dres, parent, did, |e| {
                    let mut ids = discussion_note_ids(e);
                    ids.push(id);
                    e.obj.insert("note_ids".into(), json!(ids));
                });
            }
            None => {
                let did = new_discussion_id(st);
                let obj = json!({"id": did, "individual_note": true, "note_ids": [id]});
                if let Value::Object(m) = obj {
                    st.store.insert(dres, parent, did, Entry::unserialized(m));
                }
            }
        }
    }
    bytes
}

/// Removes note `id` from notes collection `res` at `parent` and from its
/// discussion (which goes when it has no notes left).
pub(crate) fn remove_note(st: &mut State, res: ResId, parent: &[String], id: u64) {
    if st.store.remove(res, parent, &id.to_string()).is_none() {
        return;
    }
    bump_notes(st, res, parent, -1);
    let Some(dres) = discussions_beside(st, res) else {
        return;
    };
    let holder = st.store.coll(dres, parent).and_then(|c| {
        c.iter()
            .find(|d| discussion_note_ids(d).contains(&id))
            .map(|d| (super::id_string(d), discussion_note_ids(d)))
    });
    if let Some((did, mut ids)) = holder {
        ids.retain(|n| *n != id);
        if ids.is_empty() {
            st.store.remove(dres, parent, &did);
        } else {
            st.store.modify(dres, parent, &did, |e| {
                e.obj.insert("note_ids".into(), json!(ids));
            });
        }
    }
}

pub(super) fn list_notes(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let paging = lists::paging(ctx.req, &CREATED_DESC)?;
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let Some(c) = st.store.coll(ctx.res, &ctx.parent) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<&Entry> = c.iter().collect();
        sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

/// Adds a comment to issue `iid` of project `pid` (for seeding).
pub(crate) fn insert_note(st: &mut State, pid: u64, iid: u64, body: &str, author: u64) {
    let res = st.reg.issue_note;
    let parent = [pid.to_string(), iid.to_string()];
    let obj = new_note(st, res, &parent, body, author, None, false);
    store_note(st, res, &parent, obj, None);
}

/// Closes issue `iid` of project `pid` (for seeding).
pub(crate) fn close_issue(st: &mut State, pid: u64, iid: u64, by: u64) {
    let now = time::now();
    let closer = st.user_basic(by);
    let changed = st
        .store
        .modify(st.reg.issue, &[pid.to_string()], &iid.to_string(), |e| {
            let open = e.str("state") == Some("opened");
            e.obj.insert("state".into(), json!("closed"));
            e.obj.insert("closed_at".into(), json!(now));
            e.obj.insert("closed_by".into(), closer);
            open
        });
    if changed == Some(true) {
        adjust_open_issues(st, pid, -1);
    }
}

/// `POST …/notes` on any noteable: a comment, which is also a discussion of its own.
pub(crate) fn create_note(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let p = &ctx.req.params;
    let body = p.str("body").unwrap_or_default();
    if body.trim().is_empty() {
        return Err(ApiError::blank(&["body"]));
    }
    let created = p.nonblank("created_at");
    let obj = new_note(st, ctx.res, &ctx.parent, &body, caller, created, false);
    let bytes = store_note(st, ctx.res, &ctx.parent, obj, None);
    Ok(Reply::raw_json(201, bytes))
}

fn note_author(e: &Entry) -> Option<u64> {
    e.obj
        .get("author")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_u64)
}

/// The caller's access level where the note lives: its project, or the
/// group of a group-level noteable (epics).
fn note_access(st: &State, ctx: &Ctx) -> u64 {
    let owner: u64 = ctx.parent.first().and_then(|p| p.parse().ok()).unwrap_or(0);
    if st.reg.res[ctx.res].norm.starts_with("/groups/") {
        st.group_access(ctx.caller.as_ref(), owner)
    } else {
        st.project(owner)
            .map_or(0, |p| st.project_access(ctx.caller.as_ref(), p))
    }
}

/// `PUT …/notes/:id`: the author (or an administrator) edits the body.
pub(crate) fn update_note(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    if note_author(e) != Some(ctx.caller_id()) && !ctx.is_admin() {
        return Err(ApiError::forbidden());
    }
    let body = ctx
        .req
        .params
        .str("body")
        .ok_or_else(|| ApiError::error(400, "body is missing"))?;
    if body.trim().is_empty() {
        return Err(ApiError::blank(&["body"]));
    }
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.obj.insert("body".into(), Value::String(body));
        e.obj
            .insert("updated_at".into(), Value::String(time::now()));
    });
    let e = st.entry(ctx)?;
    Ok(Reply::raw_json(200, e.bytes.clone()))
}

/// `DELETE …/notes/:id`: the author, or a maintainer of the project (owner of the group).
pub(crate) fn delete_note(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    let own = note_author(e) == Some(ctx.caller_id());
    let id = e.u64("id").unwrap_or(0);
    if !own && note_access(st, ctx) < access::MAINTAINER {
        return Err(ApiError::forbidden());
    }
    remove_note(st, ctx.res, &ctx.parent, id);
    Ok(Reply::empty(204))
}

// ----- actions -------------------------------------------------------------------------

pub(super) fn action(st: &mut State, ctx: &Ctx, suffix: &str) -> ApiResult<Option<Reply>> {
    let pid = ctx.project_id();
    let Ok(iid) = ctx.id().parse::<u64>() else {
        return Err(ApiError::not_found(None));
    };
    let e = st.entry(ctx)?;
    let viewer = ctx.caller.as_ref().map(|c| c.id);
    let reply = match suffix {
        "subscribe" | "unsubscribe" => {
            let me = ctx.caller()?.id;
            let subscribing = suffix == "subscribe";
            if e.hidden.subscribers.contains(&me) == subscribing {
                return Ok(Some(Reply::empty(304)));
            }
            st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
                if subscribing {
                    e.hidden.subscribers.push(me);
                } else {
                    e.hidden.subscribers.retain(|u| *u != me);
                }
            });
            object_reply(st, ctx.res, pid, iid, 201, viewer)?
        }
        "move" if !is_mr(st, ctx.res) => move_issue(st, ctx, iid)?,
        "merge" if is_mr(st, ctx.res) => merge(st, ctx, iid)?,
        "merge_ref" if is_mr(st, ctx.res) => merge_ref(st, ctx, iid)?,
        "rebase" if is_mr(st, ctx.res) => rebase(st, ctx, iid)?,
        "participants" => {
            let mut ids = Vec::new();
            if let Some(a) = note_author(e) {
                ids.push(a);
            }
            let notes = if is_mr(st, ctx.res) {
                st.reg.mr_note
            } else {
                st.reg.issue_note
            };
            if let Some(c) = st.store.coll(notes, &[pid.to_string(), iid.to_string()]) {
                for n in c.iter() {
                    if let Some(a) = note_author(n) {
                        if !ids.contains(&a) {
                            ids.push(a);
                        }
                    }
                }
            }
            let items: Vec<Item> = ids
                .iter()
                .filter_map(|id| st.user(*id))
                .map(|u| {
                    let v = crate::state::basic_user(&u.obj);
                    Item {
                        id: u.u64("id").unwrap_or(0),
                        bytes: crate::reply::to_bytes(&v).into(),
                    }
                })
                .collect();
            let paging = Paging {
                order_by: "id".into(),
                desc: false,
                keyset: false,
            };
            lists::page_reply(
                &st.base_url,
                st.count_limit,
                ctx.req,
                &items,
                &paging,
                CursorStyle::Opaque,
            )?
        }
        "time_stats" => Reply::json(200, e.obj.get("time_stats").unwrap_or(&time_stats(0, 0))),
        "time_estimate" | "add_spent_time" | "reset_time_estimate" | "reset_spent_time" => {
            ctx.caller()?;
            let ts = e.obj.get("time_stats");
            let get = |k: &str| {
                ts.and_then(|t| t.get(k))
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
            };
            let (mut estimate, mut spent) = (get("time_estimate"), get("total_time_spent"));
            let duration = || -> ApiResult<i64> {
                let d = ctx.req.params.required("duration")?;
                parse_duration(&d).ok_or_else(|| ApiError::error(400, "duration is invalid"))
            };
            match suffix {
                "time_estimate" => estimate = duration()?.max(0),
                "add_spent_time" => spent = (spent + duration()?).max(0),
                "reset_time_estimate" => estimate = 0,
                _ => spent = 0,
            }
            let stats = time_stats(estimate, spent);
            let out = stats.clone();
            st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
                e.obj.insert("time_stats".into(), stats);
            });
            let status = if suffix.starts_with("reset") {
                200
            } else {
                201
            };
            Reply::json(status, &out)
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

fn move_issue(st: &mut State, ctx: &Ctx, iid: u64) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let pid = ctx.project_id();
    let to = ctx
        .arg("to_project_id")
        .ok_or_else(|| ApiError::error(400, "to_project_id is missing"))?;
    let target = st.readable_project(Some(&caller), &to)?;
    let to_pid = target.u64("id").unwrap_or(0);
    if to_pid == pid {
        return Err(ApiError::message(
            400,
            "Cannot move issue to project it originates from!",
        ));
    }
    let source_level = st
        .project(pid)
        .map_or(0, |p| st.project_access(Some(&caller), p));
    let author_is_me = st
        .entry(ctx)
        .ok()
        .and_then(note_author)
        .is_some_and(|a| a == caller.id);
    if source_level < access::REPORTER && !author_is_me {
        return Err(ApiError::message(
            400,
            "Cannot move issue due to insufficient permissions!",
        ));
    }
    let old = st.entry(ctx)?.clone();
    let strings = |k: &str| -> Vec<String> {
        old.obj
            .get(k)
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let assignees: Vec<u64> = old
        .obj
        .get("assignees")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|a| a.get("id").and_then(Value::as_u64))
                .collect()
        })
        .unwrap_or_default();
    let mut extra = Map::new();
    for k in [
        "confidential",
        "due_date",
        "time_stats",
        "issue_type",
        "type",
    ] {
        if let Some(v) = old.obj.get(k) {
            extra.insert(k.into(), v.clone());
        }
    }
    let new_iid = insert_issue(
        st,
        to_pid,
        NewItem {
            title: old.str("title").unwrap_or("").to_string(),
            description: old.str("description").map(str::to_string),
            labels: strings("labels"),
            author: note_author(&old).unwrap_or(caller.id),
            assignees,
            created_at: None,
        },
        extra,
    );
    let new_id = st
        .store
        .get(st.reg.issue, &[to_pid.to_string()], &new_iid.to_string())
        .and_then(|e| e.u64("id"));
    // Notes follow the issue, with new ids, in the same threads.
    let notes = st.reg.issue_note;
    let from = [pid.to_string(), iid.to_string()];
    let to = [to_pid.to_string(), new_iid.to_string()];
    let copied: Vec<Entry> = st
        .store
        .coll(notes, &from)
        .map(|c| c.iter().cloned().collect())
        .unwrap_or_default();
    let threads: Vec<Entry> = discussions_beside(st, notes)
        .and_then(|d| st.store.coll(d, &from))
        .map(|c| c.iter().cloned().collect())
        .unwrap_or_default();
    // Old note id → the thread it was in (new id, created once).
    let mut new_threads: Vec<(Vec<u64>, Option<String>, bool)> = threads
        .iter()
        .map(|t| {
            let individual = t.obj.get("individual_note") == Some(&Value::Bool(true));
            (discussion_note_ids(t), None, individual)
        })
        .collect();
    for mut n in copied {
        let old_id = n.u64("id").unwrap_or(0);
        let id = st.store.next_id("note");
        n.obj.insert("id".into(), Value::from(id));
        n.obj.insert("project_id".into(), Value::from(to_pid));
        n.obj.insert("noteable_id".into(), json!(new_id));
        n.obj.insert("noteable_iid".into(), Value::from(new_iid));
        let thread = new_threads
            .iter_mut()
            .find(|(ids, ..)| ids.contains(&old_id));
        match thread {
            Some((_, Some(did), _)) => {
                let did = did.clone();
                store_note(st, notes, &to, n.obj, Some(&did));
            }
            Some((_, slot @ None, individual)) if !*individual => {
                let did = new_discussion_id(st);
                *slot = Some(did.clone());
                if let Some(dres) = discussions_beside(st, notes) {
                    let obj = json!({"id": did, "individual_note": false, "note_ids": []});
                    if let Value::Object(m) = obj {
                        st.store
                            .insert(dres, &to, did.clone(), Entry::unserialized(m));
                    }
                }
                store_note(st, notes, &to, n.obj, Some(&did));
            }
            _ => {
                store_note(st, notes, &to, n.obj, None);
            }
        }
    }
    let subscribers = old.hidden.subscribers.clone();
    st.store.modify(
        st.reg.issue,
        &[to_pid.to_string()],
        &new_iid.to_string(),
        |e| {
            e.hidden.subscribers = subscribers;
        },
    );
    let was_open = old.str("state") == Some("opened");
    let now = time::now();
    let closer = st.user_basic(caller.id);
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.obj.insert("state".into(), json!("closed"));
        e.obj.insert("closed_at".into(), json!(now));
        e.obj.insert("updated_at".into(), json!(now));
        e.obj.insert("closed_by".into(), closer);
        e.obj.insert("moved_to_id".into(), json!(new_id));
    });
    if was_open {
        adjust_open_issues(st, pid, -1);
    }
    object_reply(st, st.reg.issue, to_pid, new_iid, 201, Some(caller.id))
}

fn merge(st: &mut State, ctx: &Ctx, iid: u64) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let pid = ctx.project_id();
    let level = st
        .project(pid)
        .map_or(0, |p| st.project_access(Some(&caller), p));
    if level < access::DEVELOPER {
        return Err(ApiError::unauthorized());
    }
    refresh_mergeability(st, pid, iid);
    let e = st.entry(ctx)?;
    if e.str("state") != Some("opened") || e.obj.get("draft") == Some(&Value::Bool(true)) {
        return Err(ApiError::method_not_allowed());
    }
    let source = e.str("source_branch").unwrap_or("").to_string();
    let target = e.str("target_branch").unwrap_or("").to_string();
    let head = super::branches::head_of(st, pid, &source);
    let target_exists = super::branches::head_of(st, pid, &target).is_some();
    let (Some(head), true) = (head, target_exists) else {
        return Err(ApiError::message(406, "Branch cannot be merged"));
    };
    // GitLab checks mergeability (conflicts among it) before the sha.
    if e.obj.get("has_conflicts") == Some(&Value::Bool(true)) {
        return Err(ApiError::message(422, "Branch cannot be merged"));
    }
    let p = &ctx.req.params;
    if let Some(sha) = p.nonblank("sha") {
        if sha != head {
            return Err(ApiError::message(
                409,
                "SHA does not match HEAD of source branch: ".to_string() + &head,
            ));
        }
    }
    let title = e.str("title").unwrap_or("").to_string();
    let message = p.nonblank("merge_commit_message").unwrap_or_else(|| {
        format!("Merge branch '{source}' into '{target}'\n\n{title}\n\nSee merge request !{iid}")
    });
    let remove_source = p
        .bool("should_remove_source_branch")?
        .or_else(|| {
            e.obj
                .get("force_remove_source_branch")
                .and_then(Value::as_bool)
        })
        .unwrap_or(false);
    let squash = p
        .bool("squash")?
        .or_else(|| e.obj.get("squash").and_then(Value::as_bool))
        .unwrap_or(false);
    let squash_message = p
        .nonblank("squash_commit_message")
        .unwrap_or_else(|| title.clone());
    let refs = super::repo::diff_refs(st, pid, &head, &target);
    // GitLab's answer when the merge itself fails, conflicts among the reasons.
    let (sha, squash_sha) = super::repo::merge_branches(
        st,
        pid,
        &source,
        &target,
        &message,
        squash.then_some(squash_message.as_str()),
        caller.id,
    )
    .map_err(|_| ApiError::message(422, "Branch cannot be merged"))?;
    let now = time::now();
    let who = st.user_basic(caller.id);
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.obj.insert("state".into(), json!("merged"));
        e.obj.insert("merged_by".into(), who.clone());
        e.obj.insert("merge_user".into(), who);
        e.obj.insert("merged_at".into(), json!(now));
        e.obj.insert("updated_at".into(), json!(now));
        e.obj.insert("merge_commit_sha".into(), json!(sha));
        e.obj.insert("squash_commit_sha".into(), json!(squash_sha));
        e.obj.insert("diff_refs".into(), refs);
        e.obj.insert("merge_status".into(), json!("merged"));
        e.obj
            .insert("detailed_merge_status".into(), json!("not_open"));
        e.obj
            .insert("should_remove_source_branch".into(), json!(remove_source));
    });
    if remove_source {
        st.store.remove(st.reg.branch, &[pid.to_string()], &source);
    }
    object_reply(st, ctx.res, pid, iid, 200, Some(caller.id))
}

/// `GET …/merge_requests/:iid/merge_ref`: merges the source branch into the
/// target branch's head on the side (GitLab's `refs/merge-requests/:iid/merge`)
/// and answers that commit, `400` when the branches conflict.
fn merge_ref(st: &mut State, ctx: &Ctx, iid: u64) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    refresh_mergeability(st, pid, iid);
    let e = st.entry(ctx)?;
    let not_mergeable = || ApiError::message(400, "Merge request is not mergeable");
    if e.str("state") != Some("opened") {
        return Err(ApiError::message(400, "Merge ref cannot be updated"));
    }
    let source = e.str("source_branch").unwrap_or("").to_string();
    let target = e.str("target_branch").unwrap_or("").to_string();
    let head = super::branches::head_of(st, pid, &source).ok_or_else(not_mergeable)?;
    let base = super::branches::head_of(st, pid, &target).ok_or_else(not_mergeable)?;
    // The ref is rewritten only when a side has moved.
    let known = e.hidden.shas.clone();
    if let [h, b, merged] = known.as_slice() {
        if *h == head && *b == base {
            return Ok(Reply::json(200, &json!({"commit_id": merged})));
        }
    }
    let author = ctx.caller()?.id;
    let message = format!("Merge branch '{source}' into '{target}'");
    let sha = super::repo::merge_ref_commit(st, pid, &head, &base, &message, author)
        .map_err(|_| not_mergeable())?;
    let remember = vec![head, base, sha.clone()];
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.hidden.shas = remember;
    });
    Ok(Reply::json(200, &json!({"commit_id": sha})))
}

/// `PUT …/merge_requests/:iid/rebase`: GitLab rebases in the background and
/// answers `202 {"rebase_in_progress": true}`; the emulator has rebased by the
/// time it answers. A rebase that conflicts leaves the branch alone and sets
/// the merge request's `merge_error`, as GitLab's failed rebases do.
fn rebase(st: &mut State, ctx: &Ctx, iid: u64) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let pid = ctx.project_id();
    let level = st
        .project(pid)
        .map_or(0, |p| st.project_access(Some(&caller), p));
    if level < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    let e = st.entry(ctx)?;
    if e.str("state") != Some("opened") {
        return Err(ApiError::forbidden());
    }
    let source = e.str("source_branch").unwrap_or("").to_string();
    let target = e.str("target_branch").unwrap_or("").to_string();
    let error = match super::repo::rebase_branch(st, pid, &source, &target) {
        Ok(_) => Value::Null,
        Err(_) => {
            json!("Rebase failed: Rebase locally, resolve all conflicts, then push the branch.")
        }
    };
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.obj.insert("merge_error".into(), error);
    });
    refresh_mergeability(st, pid, iid);
    Ok(Reply::json(202, &json!({"rebase_in_progress": true})))
}

/// GitLab's time units: `1mo` = 4w, `1w` = 5d, `1d` = 8h. `"1h30m"` → 5400.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'm' if chars.peek() == Some(&'o') => {
                chars.next();
                4 * 5 * 8 * 3600
            }
            'w' => 5 * 8 * 3600,
            'd' => 8 * 3600,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    if !num.is_empty() {
        // A bare number is seconds.
        total = total.checked_add(num.parse::<i64>().ok()?)?;
        any = true;
    }
    any.then_some(if neg { -total } else { total })
}

/// 5400 → `1h 30m`.
fn human_duration(secs: i64) -> String {
    let mut rest = secs.abs();
    let mut parts = Vec::new();
    for (unit, size) in [
        ("mo", 4 * 5 * 8 * 3600),
        ("w", 5 * 8 * 3600),
        ("d", 8 * 3600),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    let s = parts.join(" ");
    if secs < 0 {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_gitlab_units() {
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("1d"), Some(8 * 3600));
        assert_eq!(parse_duration("1mo 1w"), Some(20 * 8 * 3600 + 5 * 8 * 3600));
        assert_eq!(parse_duration("-2h"), Some(-7200));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(human_duration(5400), "1h 30m");
    }
}

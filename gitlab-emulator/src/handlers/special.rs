//! Behaviour of catalogue resources the generic store cannot give: state kept
//! across resources (events, resource events, milestones on issues, deploy
//! tokens listed instance-wide…), GitLab's shapes for tokens, discussions,
//! variables and job-token scopes, and a few endpoints outside the catalogue
//! (`/markdown`, `/search`, `/keys?fingerprint=`, commit statuses, promotions).

use super::{groups, issues, projects, repo, Ctx};
use crate::lists::{self, CursorStyle, Item, Paging};
use crate::registry::{ResId, Target};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::{ApiRequest, Verb};
use crate::state::{access, Caller, NamespaceRef, State};
use crate::store::Entry;
use crate::time;
use serde_json::{json, Map, Value};

/// Where a request landed, without the action's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At<'a> {
    Coll,
    Obj,
    Act(&'a str),
}

fn at(target: &Target) -> At<'_> {
    match target {
        Target::Collection => At::Coll,
        Target::Object => At::Obj,
        Target::Action { suffix, .. } => At::Act(suffix.as_str()),
    }
}

/// The resource stored at `norm`, if the catalogue has it.
pub(crate) fn res_of(st: &State, norm: &str) -> Option<ResId> {
    st.reg.res.iter().position(|r| r.norm == norm)
}

fn parse(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or(Value::Null)
}

/// A listing of ready-made objects, paginated as GitLab does.
pub(crate) fn values_reply(st: &State, req: &ApiRequest, values: &[Value]) -> ApiResult<Reply> {
    let items: Vec<Item> = values
        .iter()
        .map(|v| Item {
            id: v.get("id").and_then(Value::as_u64).unwrap_or(0),
            bytes: bytes::Bytes::from(crate::reply::to_bytes(v)),
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
        req,
        &items,
        &paging,
        CursorStyle::Opaque,
    )
}

/// Inserts `obj` (which must carry an `id`) into `res` under `parent`, filling declared fields.
fn store_obj(st: &mut State, res: ResId, parent: &[String], key: String, obj: Value) -> Value {
    let Value::Object(m) = obj else {
        return Value::Null;
    };
    let bytes = st.store.insert(res, parent, key, Entry::unserialized(m));
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn entries(st: &State, res: ResId, parent: &[String]) -> Vec<Value> {
    st.store
        .coll(res, parent)
        .map(|c| c.iter().map(Entry::to_value).collect())
        .unwrap_or_default()
}

/// A made-up secret: `prefix` and 20 characters derived from a counter.
fn secret(st: &mut State, prefix: &str) -> String {
    let n = st.store.next_id("secret");
    let h = super::branches::mix(n ^ 0x005E_C2E7);
    let h2 = super::branches::mix(h);
    format!("{prefix}{:016x}{:04x}", h, h2 & 0xffff)
}

// ----- dispatch ------------------------------------------------------------------

/// Answers routed requests whose resource needs more than its generic handler;
/// `None` lets the usual handler answer.
pub(super) fn handle(st: &mut State, ctx: &Ctx, target: &Target) -> ApiResult<Option<Reply>> {
    let reg = st.reg.clone();
    let norm = reg.res[ctx.res].norm.as_str();
    let verb = ctx.req.verb;
    let at = at(target);
    if let Some(r) = repo::handle(st, ctx, norm, at_name(at), verb)? {
        return Ok(Some(r));
    }
    let issue_like = norm == "/projects/{}/issues" || norm == "/projects/{}/merge_requests";
    let snippets = norm == "/snippets" || norm == "/projects/{}/snippets";
    let r = match (norm, at, verb) {
        (_, At::Coll, Verb::Post) if snippets => snippet_write(st, ctx, true)?,
        (_, At::Obj, Verb::Put) if snippets => snippet_write(st, ctx, false)?,
        (_, At::Act(a), Verb::Get) if snippets && (a == "raw" || a.starts_with("files/")) => {
            snippet_raw(st, ctx, a == "raw")?
        }
        (_, At::Coll, Verb::Post) if issue_like => issue_write(st, ctx, true)?,
        (_, At::Obj, Verb::Put) if issue_like => issue_write(st, ctx, false)?,
        // Notes of every noteable (issues, merge requests, snippets, epics) behave alike.
        (_, At::Coll, Verb::Post) if issues::is_note_collection(st, ctx.res) => {
            let r = issues::create_note(st, ctx)?;
            if norm.starts_with("/projects/") {
                let note = parse(&r);
                let pid = ctx.project_id();
                record_event(st, pid, ctx.caller_id(), "commented on", "Note", &note);
            }
            r
        }
        (_, At::Coll, Verb::Get) if issues::is_note_collection(st, ctx.res) => {
            issues::list_notes(st, ctx)?
        }
        (_, At::Obj, Verb::Put) if issues::is_note_collection(st, ctx.res) => {
            issues::update_note(st, ctx)?
        }
        (_, At::Obj, Verb::Delete) if issues::is_note_collection(st, ctx.res) => {
            issues::delete_note(st, ctx)?
        }
        (n, At::Coll, Verb::Post) if n.ends_with("/award_emoji") => award_create(st, ctx)?,
        (n, At::Obj, Verb::Delete) if n.ends_with("/award_emoji") => award_delete(st, ctx)?,
        ("/projects", At::Coll, Verb::Post) => {
            let r = st.create(ctx)?;
            let p = parse(&r);
            if let Some(pid) = p.get("id").and_then(Value::as_u64) {
                record_event(st, pid, ctx.caller_id(), "created", "", &Value::Null);
                if ctx.req.params.bool("initialize_with_readme")? == Some(true) {
                    let name = p["name"].as_str().unwrap_or("").to_string();
                    repo::add_readme(st, pid, &name, ctx.caller_id());
                }
            }
            r
        }
        ("/events", At::Coll, Verb::Get) => {
            let uid = ctx.caller_id();
            let mut v: Vec<Value> = entries(st, ctx.res, &[])
                .into_iter()
                .filter(|e| e.get("author_id").and_then(Value::as_u64) == Some(uid))
                .filter(|e| event_matches(ctx, e))
                .collect();
            v.reverse();
            values_reply(st, ctx.req, &v)?
        }
        ("/projects/{}/events" | "/users/{}/events", At::Coll, Verb::Get) => {
            let mut v: Vec<Value> = entries(st, ctx.res, &ctx.parent)
                .into_iter()
                .filter(|e| event_matches(ctx, e))
                .collect();
            v.reverse();
            values_reply(st, ctx.req, &v)?
        }
        ("/projects/{}/milestones" | "/groups/{}/milestones", At::Coll, Verb::Post) => {
            milestone_create(st, ctx)?
        }
        ("/projects/{}/milestones" | "/groups/{}/milestones", At::Act(s), Verb::Get)
            if s.ends_with("issues") || s.ends_with("merge_requests") =>
        {
            milestone_items(st, ctx, s.ends_with("issues"))?
        }
        ("/projects/{}/labels" | "/groups/{}/labels", _, _) => match label(st, ctx, at)? {
            Some(r) => r,
            None => return Ok(None),
        },
        (n, At::Coll, Verb::Post) if n.ends_with("/discussions") => discussion_create(st, ctx)?,
        (n, At::Coll | At::Obj, Verb::Get) if n.ends_with("/discussions") => {
            discussion_read(st, ctx, at)?
        }
        (n, At::Obj, Verb::Put) if n.ends_with("/discussions") => discussion_resolve(st, ctx)?,
        (n, _, _) if n.ends_with("/discussions/{}/notes") => discussion_note(st, ctx, at)?,
        ("/projects/{}/job_token_scope", At::Coll, Verb::Get) => job_token_scope(st, ctx, None)?,
        ("/projects/{}/job_token_scope", At::Coll, Verb::Patch) => {
            let enabled = ctx.req.params.bool("enabled")?;
            job_token_scope(st, ctx, enabled)?;
            Reply::empty(204)
        }
        (
            "/projects/{}/job_token_scope/allowlist"
            | "/projects/{}/job_token_scope/groups_allowlist",
            _,
            _,
        ) => allowlist(st, ctx, norm.ends_with("groups_allowlist"), at)?,
        (n, At::Coll, Verb::Post) if is_token_resource(n) => token_create(st, ctx, n)?,
        // `GET /personal_access_tokens/self` (the schema's `get_self`; its literal route
        // wins over an object id `self`).
        ("/personal_access_tokens", At::Act("self"), Verb::Get) => {
            let token = ctx.req.token.clone().unwrap_or_default();
            let found = entries(st, ctx.res, &[]).into_iter().find(|e| {
                let id = e.get("id").and_then(Value::as_u64).unwrap_or(0).to_string();
                st.store
                    .get(ctx.res, &[], &id)
                    .and_then(|x| x.hidden.secret.as_deref())
                    == Some(token.as_str())
            });
            match found {
                Some(v) => Reply::json(200, &v),
                None => return Err(ApiError::not_found(Some("Personal Access Token"))),
            }
        }
        (n, At::Obj, Verb::Delete)
            if n.ends_with("access_tokens") || n.ends_with("impersonation_tokens") =>
        {
            // Revoking keeps the token, marked revoked (listed as inactive);
            // it no longer authenticates.
            if let Some(t) = st.entry(ctx)?.hidden.secret.clone() {
                st.tokens.remove(&t);
            }
            st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
                e.obj.insert("revoked".into(), json!(true));
                e.obj.insert("active".into(), json!(false));
            });
            Reply::empty(204)
        }
        (n, At::Act("rotate"), Verb::Post)
            if is_token_resource(n) || n == "/personal_access_tokens" =>
        {
            token_rotate(st, ctx)?
        }
        (
            "/projects/{}/deploy_tokens" | "/groups/{}/deploy_tokens" | "/deploy_tokens",
            At::Coll | At::Obj,
            Verb::Get,
        ) => {
            let r = if at == At::Coll {
                st.list(ctx)?
            } else {
                st.get(ctx)?
            };
            map_json(r, |v| match v {
                Value::Array(items) => {
                    Value::Array(items.into_iter().map(deploy_token_view).collect())
                }
                one => deploy_token_view(one),
            })
        }
        ("/projects/{}/deploy_tokens" | "/groups/{}/deploy_tokens", At::Obj, Verb::Delete) => {
            st.entry(ctx)?;
            st.store.remove(ctx.res, &ctx.parent, ctx.id());
            if let Some(all) = res_of(st, "/deploy_tokens") {
                st.store.remove(all, &[], ctx.id());
            }
            Reply::empty(204)
        }
        ("/projects/{}/variables" | "/groups/{}/variables", At::Coll, Verb::Post) => {
            let r = st.create(ctx)?;
            hide_variable(st, ctx, &r, true)?
        }
        ("/projects/{}/variables" | "/groups/{}/variables", At::Obj, Verb::Put) => {
            let r = st.update(ctx)?;
            hide_variable(st, ctx, &r, false)?
        }
        ("/projects/{}/integrations", At::Obj, Verb::Put) => integration_put(st, ctx)?,
        ("/projects/{}/integrations", At::Obj, Verb::Delete) => {
            st.store.remove(ctx.res, &ctx.parent, ctx.id());
            Reply::empty(204)
        }
        ("/projects/{}/wikis" | "/groups/{}/wikis", At::Coll, Verb::Post) => wiki_create(st, ctx)?,
        ("/projects/{}/wikis" | "/groups/{}/wikis", At::Act("attachments"), Verb::Post) => {
            wiki_attachment(st, ctx)?
        }
        ("/users/{}/projects", At::Coll, Verb::Get) => {
            let uid: u64 = ctx.parent.first().and_then(|p| p.parse().ok()).unwrap_or(0);
            let v: Vec<Value> = st
                .store
                .coll(st.reg.project, &[])
                .map(|c| {
                    c.iter()
                        .filter(|p| projects::ns_ref(p) == Some(NamespaceRef::User(uid)))
                        .filter(|p| st.can_read_project(ctx.caller.as_ref(), p))
                        .map(Entry::to_value)
                        .collect()
                })
                .unwrap_or_default();
            values_reply(st, ctx.req, &v)?
        }
        ("/namespaces", At::Coll, Verb::Get) => {
            let search = ctx.req.params.nonblank("search").map(|s| s.to_lowercase());
            let v: Vec<Value> = namespaces(st, ctx.caller.as_ref())
                .into_iter()
                .filter(|n| {
                    search.as_deref().is_none_or(|s| {
                        n["full_path"]
                            .as_str()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(s)
                    })
                })
                .collect();
            values_reply(st, ctx.req, &v)?
        }
        ("/namespaces", At::Obj, Verb::Get) => {
            let key = ctx.id().to_string();
            let found = namespaces(st, ctx.caller.as_ref()).into_iter().find(|n| {
                n["id"].as_u64().map(|i| i.to_string()) == Some(key.clone())
                    || n["full_path"]
                        .as_str()
                        .is_some_and(|p| p.eq_ignore_ascii_case(&key))
            });
            match found {
                Some(n) => Reply::json(200, &n),
                None => return Err(ApiError::not_found(Some("Namespace"))),
            }
        }
        ("/namespaces", At::Act(_), Verb::Get) => {
            let key = ctx.arg("namespace").unwrap_or_default();
            let parent = ctx.req.params.u64("parent_id")?;
            let exists = namespaces(st, None).iter().any(|n| {
                n["path"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(&key))
                    && n["parent_id"].as_u64() == parent
            }) || st.find_group(&key).is_some()
                || st.user_by_username(&key).is_some();
            let suggests: Vec<String> = if exists {
                vec![format!("{key}1")]
            } else {
                Vec::new()
            };
            Reply::json(200, &json!({"exists": exists, "suggests": suggests}))
        }
        ("/projects/{}/export", At::Coll, Verb::Post) => export_request(st, ctx, true)?,
        ("/groups/{}/export", At::Coll, Verb::Post) => export_request(st, ctx, false)?,
        ("/projects/{}/export", At::Coll, Verb::Get) => export_status(st, ctx)?,
        ("/projects/{}/export", At::Act("download"), Verb::Get) => export_download(st, ctx, true)?,
        ("/groups/{}/export", At::Act("download"), Verb::Get) => export_download(st, ctx, false)?,
        ("/projects/{}/import", At::Coll, Verb::Get) => import_status(st, ctx)?,
        ("/projects", At::Act("import"), Verb::Post) => project_import(st, ctx)?,
        ("/groups", At::Act("import"), Verb::Post) => group_import(st, ctx)?,
        ("/projects/{}/deploy_keys" | "/deploy_keys", At::Coll, Verb::Post) => {
            deploy_key_create(st, ctx)?
        }
        ("/projects/{}/deploy_keys", At::Act(_), Verb::Post) => deploy_key_enable(st, ctx)?,
        ("/projects/{}/deploy_keys", At::Obj, Verb::Delete) => deploy_key_delete(st, ctx)?,
        ("/deploy_keys", At::Coll, Verb::Get) => {
            let r = st.list(ctx)?;
            map_json(r, |v| match v {
                Value::Array(items) => {
                    Value::Array(items.into_iter().map(|k| deploy_key_view(st, k)).collect())
                }
                one => one,
            })
        }
        ("/users/{}/keys" | "/user/keys", At::Coll, Verb::Post) => user_key_create(st, ctx)?,
        ("/user/keys", At::Coll, Verb::Get) => st.list(&own_keys_ctx(st, ctx)?)?,
        ("/user/keys", At::Obj, Verb::Get) => st.get(&own_keys_ctx(st, ctx)?)?,
        ("/user/keys", At::Obj, Verb::Delete) => st.delete(&own_keys_ctx(st, ctx)?)?,
        ("/projects/{}/groups", At::Coll, Verb::Get) => project_groups(st, ctx)?,
        ("/projects", At::Act("share"), Verb::Post) => share(st, ctx, true)?,
        ("/groups", At::Act("share"), Verb::Post) => share(st, ctx, false)?,
        ("/projects" | "/groups", At::Act(s), Verb::Delete) if s.starts_with("share/") => {
            unshare(st, ctx, norm == "/projects")?
        }
        ("/groups", At::Act("transfer"), Verb::Post) => {
            let g = st.readable_group(ctx.caller.as_ref(), ctx.id())?;
            let gid = g.u64("id").unwrap_or(0);
            if st.group_access(ctx.caller.as_ref(), gid) < access::OWNER {
                return Err(ApiError::forbidden());
            }
            let parent = ctx.req.params.u64("group_id")?;
            groups::transfer(st, gid, parent)?
        }
        ("/projects" | "/groups", At::Act("search"), Verb::Get) => {
            let scope_id = if norm == "/projects" {
                let p = st.readable_project(ctx.caller.as_ref(), ctx.id())?;
                SearchIn::Project(p.u64("id").unwrap_or(0))
            } else {
                let g = st.readable_group(ctx.caller.as_ref(), ctx.id())?;
                SearchIn::Group(g.u64("id").unwrap_or(0))
            };
            search(st, ctx.req, ctx.caller.as_ref(), scope_id)?
        }
        ("/projects/{}/releases", At::Coll, Verb::Post) => release_create(st, ctx)?,
        // GitLab answers the deleted release.
        ("/projects/{}/releases", At::Obj, Verb::Delete) => {
            let old = st.entry(ctx)?.to_value();
            st.store.remove(ctx.res, &ctx.parent, ctx.id());
            if let Some(links) = res_of(st, "/projects/{}/releases/{}/assets/links") {
                let parent = [ctx.project_id().to_string(), ctx.id().to_string()];
                st.store.take_coll(links, &parent);
            }
            Reply::json(200, &old)
        }
        ("/projects/{}/releases/{}/assets/links", _, v) if v != Verb::Get => {
            let r = match at {
                At::Coll => st.create(ctx)?,
                At::Obj if v == Verb::Delete => {
                    let old = st.entry(ctx)?.to_value();
                    st.store.remove(ctx.res, &ctx.parent, ctx.id());
                    Reply::json(200, &old)
                }
                _ => st.update(ctx)?,
            };
            sync_release_links(st, ctx);
            r
        }
        ("/projects/{}/issues/{}/links", At::Coll, Verb::Post) => issue_link_create(st, ctx)?,
        ("/projects/{}/issues/{}/links", At::Coll, Verb::Get) => issue_links(st, ctx)?,
        ("/projects/{}/issues/{}/links", At::Obj, Verb::Delete) => issue_link_delete(st, ctx)?,
        ("/projects/{}/feature_flags", At::Coll, Verb::Post) => feature_flag_write(st, ctx, true)?,
        ("/projects/{}/feature_flags", At::Obj | At::Act(_), Verb::Put) => {
            feature_flag_write(st, ctx, false)?
        }
        ("/projects/{}/packages/generic", At::Act(_), Verb::Put | Verb::Get) => {
            generic_package(st, ctx)?
        }
        ("/projects/{}/repository/commits/{}/comments", At::Coll, Verb::Post) => {
            let res = ctx.res;
            let id = st.store.next_id("note");
            let p = &ctx.req.params;
            let note = p.str("note").unwrap_or_default();
            if note.trim().is_empty() {
                return Err(ApiError::error(400, "note is missing"));
            }
            let obj = json!({
                "id": id,
                "note": note,
                "path": p.str("path"),
                "line": p.u64("line")?,
                "line_type": p.str("line_type"),
                "author": st.user_basic(ctx.caller_id()),
                "created_at": time::now(),
            });
            let v = store_obj(st, res, &ctx.parent, id.to_string(), obj);
            Reply::json(201, &v)
        }
        (_, At::Obj, Verb::Put | Verb::Patch) if ctx.req.params.has("state_event") => {
            let event = ctx.req.params.nonblank("state_event").unwrap_or_default();
            let state = match event.as_str() {
                "close" => "closed",
                "activate" => "active",
                "reopen" => "opened",
                _ => {
                    return Err(ApiError::error(
                        400,
                        "state_event does not have a valid value",
                    ))
                }
            };
            st.update(ctx)?;
            let bytes = st
                .store
                .modify(ctx.res, &ctx.parent, ctx.id(), |e| {
                    e.obj.remove("state_event");
                    e.obj.insert("state".into(), json!(state));
                    e.obj.insert("updated_at".into(), json!(time::now()));
                })
                .and_then(|_| st.store.get(ctx.res, &ctx.parent, ctx.id()))
                .map(|e| e.bytes.clone())
                .ok_or_else(|| st.not_found(ctx))?;
            Reply::raw_json(200, bytes)
        }
        ("/groups/{}/epics", At::Coll, Verb::Get) => epic_list(st, ctx)?,
        ("/groups/{}/epics", At::Coll, Verb::Post) => {
            let r = st.create(ctx)?;
            let v = parse(&r);
            let key = v["iid"].as_u64().unwrap_or(0).to_string();
            let author = st.user_basic(ctx.caller_id());
            let bytes = st
                .store
                .modify(ctx.res, &ctx.parent, &key, |e| {
                    e.obj.insert("state".into(), json!("opened"));
                    e.obj.insert("author".into(), author);
                    let gid = ctx.parent.first().and_then(|g| g.parse::<u64>().ok());
                    e.obj.insert("group_id".into(), json!(gid));
                })
                .and_then(|_| st.store.get(ctx.res, &ctx.parent, &key))
                .map(|e| e.bytes.clone());
            match bytes {
                Some(b) => Reply::raw_json(201, b),
                None => r,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

/// `GET /groups/:id/epics`: the group's epics and, unless
/// `include_descendant_groups=false`, those of the subgroups the caller can
/// see (also its ancestors' with `include_ancestor_groups=true`), newest first.
fn epic_list(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    const ORDER: lists::OrderRules = lists::OrderRules {
        default_field: "created_at",
        default_desc: true,
        allowed: &["created_at", "updated_at", "title"],
    };
    let paging = lists::paging(ctx.req, &ORDER)?;
    let p = &ctx.req.params;
    let gid: u64 = ctx.parent.first().and_then(|g| g.parse().ok()).unwrap_or(0);
    let mut groups = if p.bool("include_descendant_groups")?.unwrap_or(true) {
        st.group_and_descendants(gid)
    } else {
        vec![gid]
    };
    if p.bool("include_ancestor_groups")?.unwrap_or(false) {
        let mut up = st.group(gid).and_then(|g| g.u64("parent_id"));
        while let Some(g) = up {
            groups.push(g);
            up = st.group(g).and_then(|x| x.u64("parent_id"));
        }
    }
    groups.retain(|g| {
        st.readable_group(ctx.caller.as_ref(), &g.to_string())
            .is_ok()
    });
    let state = match p.nonblank("state").as_deref() {
        None | Some("all") => None,
        Some(s @ ("opened" | "closed")) => Some(s.to_string()),
        Some(_) => return Err(ApiError::error(400, "state does not have a valid value")),
    };
    let labels = p.list("labels").unwrap_or_default();
    let author = p.u64("author_id")?;
    let search = p.nonblank("search");
    st.list_reply(ctx, "", paging, CursorStyle::Opaque, |st, paging| {
        let mut v: Vec<&Entry> = groups
            .iter()
            .filter_map(|g| st.store.coll(ctx.res, &[g.to_string()]))
            .flat_map(|c| c.iter())
            .filter(|e| state.as_deref().is_none_or(|s| e.str("state") == Some(s)))
            .filter(|e| {
                let have = labels_of(&e.to_value());
                labels.iter().all(|l| have.contains(l))
            })
            .filter(|e| {
                author.is_none_or(|a| {
                    e.obj
                        .get("author")
                        .and_then(|x| x.get("id"))
                        .and_then(Value::as_u64)
                        == Some(a)
                })
            })
            .filter(|e| {
                search
                    .as_deref()
                    .is_none_or(|s| super::search_matches(&e.obj, &["title", "description"], s))
            })
            .collect();
        lists::sort_entries(&mut v, &paging.order_by, paging.desc);
        Ok(v.into_iter().map(Item::of).collect())
    })
}

fn at_name(at: At<'_>) -> &str {
    match at {
        At::Coll => "",
        At::Obj => "{id}",
        At::Act(s) => s,
    }
}

// ----- endpoints outside the catalogue (listed in `super::EXTRA_ROUTES`) ----------

fn need(caller: Option<&Caller>) -> ApiResult<&Caller> {
    caller.ok_or_else(ApiError::unauthorized)
}

/// `POST /markdown`.
pub(super) fn markdown(
    _st: &mut State,
    req: &ApiRequest,
    _caller: Option<&Caller>,
    _args: &[&str],
) -> ApiResult<Reply> {
    let text = req
        .params
        .str("text")
        .ok_or_else(|| ApiError::error(400, "text is missing"))?;
    Ok(Reply::json(201, &json!({ "html": render_markdown(&text) })))
}

/// `GET /search`.
pub(super) fn search_all(
    st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    _args: &[&str],
) -> ApiResult<Reply> {
    need(caller)?;
    search(st, req, caller, SearchIn::All)
}

/// `GET /keys?fingerprint=` (MD5 or SHA-256 fingerprint).
pub(super) fn key_by_fingerprint(
    st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    _args: &[&str],
) -> ApiResult<Reply> {
    need(caller)?;
    let fp = req.params.required("fingerprint")?;
    match find_key(st, |k| {
        k.get("fingerprint").and_then(Value::as_str) == Some(fp.as_str())
            || k.get("fingerprint_sha256").and_then(Value::as_str) == Some(fp.as_str())
    }) {
        Some(k) => Ok(Reply::json(200, &k)),
        None => Err(ApiError::not_found(Some("Key"))),
    }
}

/// `GET /keys/:id` (a user's key or a deploy key; an unknown id is GitLab's
/// record-not-found `404 Not found`).
pub(super) fn key_by_id(
    st: &mut State,
    _req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    need(caller)?;
    let id: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| ApiError::not_found(None))?;
    match find_key(st, |k| k.get("id").and_then(Value::as_u64) == Some(id)) {
        Some(k) => Ok(Reply::json(200, &k)),
        None => Err(ApiError::not_found(None)),
    }
}

/// `POST /features/:name`.
pub(super) fn feature_set(
    st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    let c = need(caller)?;
    if !c.admin {
        return Err(ApiError::forbidden());
    }
    let name = args.first().copied().unwrap_or("");
    let value = req
        .params
        .get("value")
        .cloned()
        .ok_or_else(|| ApiError::error(400, "value is missing"))?;
    let on = crate::request::value_bool(&value);
    let (state, gate) = match on {
        Some(b) => (
            if b { "on" } else { "off" },
            json!({"key": "boolean", "value": b}),
        ),
        None => (
            "conditional",
            json!({"key": "percentage_of_time", "value": crate::request::value_u64(&value)}),
        ),
    };
    let obj = json!({
        "name": name,
        "state": state,
        "gates": [gate],
        "definition": null,
    });
    if let Some(res) = res_of(st, "/features") {
        store_obj(st, res, &[], name.to_string(), obj.clone());
    }
    Ok(Reply::json(201, &obj))
}

/// The caller and the project id of `args[0]`, which the caller must be able to read.
fn caller_and_project(
    st: &State,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<(Caller, u64)> {
    let c = need(caller)?.clone();
    let p = st.readable_project(Some(&c), args.first().copied().unwrap_or(""))?;
    let pid = p.u64("id").unwrap_or(0);
    Ok((c, pid))
}

/// `POST /projects/:id/statuses/:sha`.
pub(super) fn commit_status_post(
    st: &mut State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    let (c, pid) = caller_and_project(st, caller, args)?;
    commit_status(st, req, &c, pid, args.get(1).copied().unwrap_or(""))
}

/// `PUT /projects/:id/labels/:label/promote`.
pub(super) fn label_promote(
    st: &mut State,
    _req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    let (c, pid) = caller_and_project(st, caller, args)?;
    promote(st, &c, pid, "labels", args.get(1).copied().unwrap_or(""))
}

/// `POST /projects/:id/milestones/:id/promote`.
pub(super) fn milestone_promote(
    st: &mut State,
    _req: &ApiRequest,
    caller: Option<&Caller>,
    args: &[&str],
) -> ApiResult<Reply> {
    let (c, pid) = caller_and_project(st, caller, args)?;
    promote(
        st,
        &c,
        pid,
        "milestones",
        args.get(1).copied().unwrap_or(""),
    )
}

// ----- events --------------------------------------------------------------------

fn event_matches(ctx: &Ctx, e: &Value) -> bool {
    let p = &ctx.req.params;
    let action_ok = p.nonblank("action").is_none_or(|a| {
        let name = e["action_name"].as_str().unwrap_or("");
        match a.as_str() {
            "created" => name == "created" || name == "opened",
            "commented" => name == "commented on",
            "merged" => name == "accepted",
            other => name == other,
        }
    });
    let type_ok = p.nonblank("target_type").is_none_or(|t| {
        e["target_type"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(&t.replace('_', "")))
    });
    action_ok && type_ok
}

/// Records a user's event in `/events`, the project's and the user's listings.
pub(crate) fn record_event(
    st: &mut State,
    pid: u64,
    author: u64,
    action: &str,
    target_type: &str,
    target: &Value,
) {
    let id = st.store.next_id("event");
    let user = st.user_basic(author);
    let typed = !target_type.is_empty();
    let title = target
        .get("title")
        .or_else(|| target.get("body"))
        .cloned()
        .unwrap_or(Value::Null);
    let ev = json!({
        "id": id,
        "project_id": pid,
        "action_name": action,
        "target_id": if typed { target.get("id").cloned().unwrap_or(Value::Null) } else { Value::Null },
        "target_iid": if typed { target.get("iid").cloned().unwrap_or(Value::Null) } else { Value::Null },
        "target_type": if typed { json!(target_type) } else { Value::Null },
        "target_title": if typed { title } else { Value::Null },
        "author_id": author,
        "author": user,
        "author_username": user.get("username"),
        "created_at": time::now(),
        "imported": false,
        "imported_from": "none",
    });
    for (norm, parent) in [
        ("/events", vec![]),
        ("/projects/{}/events", vec![pid.to_string()]),
        ("/users/{}/events", vec![author.to_string()]),
    ] {
        if let Some(res) = res_of(st, norm) {
            store_obj(st, res, &parent, id.to_string(), ev.clone());
        }
    }
}

/// Records a resource event (`resource_state_events`, `…label…`, `…milestone…`).
fn resource_event(st: &mut State, ctx: &Ctx, kind: &str, iid: u64, body: Value) {
    let base = st.reg.res[ctx.res].norm.clone();
    let base = base.strip_suffix("/{}").map(str::to_string).unwrap_or(base);
    let Some(res) = res_of(st, &format!("{base}/{{}}/resource_{kind}_events")) else {
        return;
    };
    let id = st.store.next_id(&format!("resource_{kind}_event"));
    let is_mr = base.ends_with("merge_requests");
    let resource_id = st
        .store
        .get(
            ctx.res,
            &ctx.parent[..1.min(ctx.parent.len())],
            &iid.to_string(),
        )
        .and_then(|e| e.u64("id"));
    let mut obj = json!({
        "id": id,
        "user": st.user_basic(ctx.caller_id()),
        "created_at": time::now(),
        "resource_type": if is_mr { "MergeRequest" } else { "Issue" },
        "resource_id": resource_id,
    });
    if let (Value::Object(o), Value::Object(b)) = (&mut obj, body) {
        o.extend(b);
    }
    let parent = vec![ctx.project_id().to_string(), iid.to_string()];
    store_obj(st, res, &parent, id.to_string(), obj);
}

/// Records a resource weight event: GitLab's shape has `issue_id` and the new
/// `weight` instead of the other events' `resource_type` / `resource_id`.
fn weight_event(st: &mut State, ctx: &Ctx, iid: u64, issue: &Value) {
    let Some(res) = res_of(st, "/projects/{}/issues/{}/resource_weight_events") else {
        return;
    };
    let id = st.store.next_id("resource_weight_event");
    let obj = json!({
        "id": id,
        "user": st.user_basic(ctx.caller_id()),
        "created_at": time::now(),
        "issue_id": issue.get("id"),
        "weight": issue.get("weight"),
    });
    let parent = vec![ctx.project_id().to_string(), iid.to_string()];
    store_obj(st, res, &parent, id.to_string(), obj);
}

fn labels_of(v: &Value) -> Vec<String> {
    v.get("labels")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().or_else(|| x.get("name").and_then(Value::as_str)))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn label_json(st: &State, pid: u64, name: &str) -> Value {
    match find_label(st, pid, name) {
        Some(l) => json!({
            "id": l.obj.get("id"),
            "name": name,
            "color": l.obj.get("color"),
            "description": l.obj.get("description"),
        }),
        None => json!({"id": null, "name": name, "color": null, "description": null}),
    }
}

/// A project milestone (or one of its groups') as embedded in issues.
pub(crate) fn milestone_json(st: &State, pid: u64, mid: u64) -> Option<Value> {
    let pres = res_of(st, "/projects/{}/milestones")?;
    if let Some(m) = st.store.get(pres, &[pid.to_string()], &mid.to_string()) {
        return Some(m.to_value());
    }
    let gres = res_of(st, "/groups/{}/milestones")?;
    let project = st.project(pid)?;
    let mut gid = match projects::ns_ref(project) {
        Some(NamespaceRef::Group(g)) => Some(g),
        _ => None,
    };
    while let Some(g) = gid {
        if let Some(m) = st.store.get(gres, &[g.to_string()], &mid.to_string()) {
            return Some(m.to_value());
        }
        gid = st.group(g).and_then(|x| x.u64("parent_id"));
    }
    None
}

/// Issue and merge request create/update, plus what GitLab records alongside:
/// the milestone object, resource state/label/milestone events and user events.
fn issue_write(st: &mut State, ctx: &Ctx, create: bool) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let is_mr = st.reg.res[ctx.res].norm.ends_with("merge_requests");
    let before = if create {
        Value::Null
    } else {
        st.entry(ctx)?.to_value()
    };
    let p = &ctx.req.params;
    let milestone = match p.get("milestone_id") {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => match crate::request::value_u64(v) {
            Some(0) => Some(Value::Null),
            Some(id) => Some(
                milestone_json(st, pid, id)
                    .ok_or_else(|| ApiError::not_found(Some("Milestone")))?,
            ),
            None => return Err(ApiError::error(400, "milestone_id is invalid")),
        },
    };
    let mut reply = if create {
        st.create(ctx)?
    } else {
        st.update(ctx)?
    };
    if reply.status >= 300 {
        return Ok(reply);
    }
    let mut after = parse(&reply);
    let Some(iid) = after.get("iid").and_then(Value::as_u64) else {
        return Ok(reply);
    };
    let key = iid.to_string();
    if let Some(m) = &milestone {
        st.store.modify(ctx.res, &ctx.parent, &key, |e| {
            e.obj.insert("milestone".into(), m.clone());
        });
        after["milestone"] = m.clone();
        reply = Reply::json(reply.status, &after);
    }
    let kind = if is_mr { "MergeRequest" } else { "Issue" };
    // State.
    let (was, now) = (before["state"].as_str(), after["state"].as_str());
    if create {
        record_event(st, pid, ctx.caller_id(), "opened", kind, &after);
    } else if was != now {
        let (state, action) = match now {
            Some("closed") => ("closed", "closed"),
            Some("merged") => ("merged", "accepted"),
            _ => ("reopened", "reopened"),
        };
        resource_event(st, ctx, "state", iid, json!({"state": state}));
        record_event(st, pid, ctx.caller_id(), action, kind, &after);
    }
    // Labels.
    let (old, new) = (labels_of(&before), labels_of(&after));
    ensure_labels(st, pid, &new);
    for l in new.iter().filter(|l| !old.contains(l)) {
        let label = label_json(st, pid, l);
        resource_event(
            st,
            ctx,
            "label",
            iid,
            json!({"label": label, "action": "add"}),
        );
    }
    for l in old.iter().filter(|l| !new.contains(l)) {
        let label = label_json(st, pid, l);
        resource_event(
            st,
            ctx,
            "label",
            iid,
            json!({"label": label, "action": "remove"}),
        );
    }
    // Weight (issues): GitLab records each change, not the weight an issue starts with.
    if !create && !is_mr && before.get("weight") != after.get("weight") {
        weight_event(st, ctx, iid, &after);
    }
    // Milestone.
    let old_m = before.get("milestone").and_then(|m| m.get("id")).cloned();
    let new_m = after.get("milestone").and_then(|m| m.get("id")).cloned();
    if old_m != new_m {
        if let Some(m) = before.get("milestone").filter(|m| !m.is_null()) {
            resource_event(
                st,
                ctx,
                "milestone",
                iid,
                json!({"milestone": m, "action": "remove"}),
            );
        }
        if let Some(m) = after.get("milestone").filter(|m| !m.is_null()) {
            let m = m.clone();
            resource_event(
                st,
                ctx,
                "milestone",
                iid,
                json!({"milestone": m, "action": "add"}),
            );
        }
    }
    Ok(reply)
}

// ----- milestones and labels -----------------------------------------------------

fn milestone_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = st.create(ctx)?;
    let v = parse(&r);
    let Some(id) = v.get("id").and_then(Value::as_u64) else {
        return Ok(r);
    };
    let key = id.to_string();
    let iid = {
        let c = st.store.coll_mut(ctx.res, &ctx.parent);
        c.last_iid += 1;
        c.last_iid
    };
    let is_group = st.reg.res[ctx.res].norm.starts_with("/groups");
    let owner = ctx.parent.first().cloned().unwrap_or_default();
    let web = if is_group {
        let path = st
            .group(owner.parse().unwrap_or(0))
            .and_then(|g| g.str("full_path"))
            .unwrap_or("")
            .to_string();
        st.web_url(&format!("groups/{path}/-/milestones/{iid}"))
    } else {
        let path = st
            .project(owner.parse().unwrap_or(0))
            .and_then(|p| p.str("path_with_namespace"))
            .unwrap_or("")
            .to_string();
        st.web_url(&format!("{path}/-/milestones/{iid}"))
    };
    let now = time::now();
    let bytes = st
        .store
        .modify(ctx.res, &ctx.parent, &key, |e| {
            e.obj.insert("iid".into(), json!(iid));
            e.obj.insert("state".into(), json!("active"));
            e.obj.remove("state_event");
            e.obj.insert("updated_at".into(), json!(now));
            e.obj.insert("expired".into(), json!(false));
            e.obj.insert("web_url".into(), json!(web));
            let owner_id: Value = owner.parse::<u64>().map_or(Value::Null, Value::from);
            if is_group {
                e.obj.insert("group_id".into(), owner_id);
            } else {
                e.obj.insert("project_id".into(), owner_id);
            }
        })
        .and_then(|_| st.store.get(ctx.res, &ctx.parent, &key))
        .map(|e| e.bytes.clone())
        .ok_or_else(|| st.not_found(ctx))?;
    Ok(Reply::raw_json(201, bytes))
}

fn milestone_items(st: &mut State, ctx: &Ctx, issues: bool) -> ApiResult<Reply> {
    st.entry(ctx)?;
    let mid: u64 = ctx.id().parse().unwrap_or(0);
    let is_group = st.reg.res[ctx.res].norm.starts_with("/groups");
    let res = if issues {
        st.reg.issue
    } else {
        st.reg.merge_request
    };
    let pids: Vec<u64> = if is_group {
        let gid: u64 = ctx.parent.first().and_then(|g| g.parse().ok()).unwrap_or(0);
        let gs = st.group_and_descendants(gid);
        st.store
            .coll(st.reg.project, &[])
            .map(|c| {
                c.iter()
                    .filter(|p| matches!(projects::ns_ref(p), Some(NamespaceRef::Group(g)) if gs.contains(&g)))
                    .filter_map(|p| p.u64("id"))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![ctx.project_id()]
    };
    let mut v = Vec::new();
    for pid in pids {
        if let Some(c) = st.store.coll(res, &[pid.to_string()]) {
            v.extend(
                c.iter()
                    .filter(|e| {
                        e.obj
                            .get("milestone")
                            .and_then(|m| m.get("id"))
                            .and_then(Value::as_u64)
                            == Some(mid)
                    })
                    .map(Entry::to_value),
            );
        }
    }
    values_reply(st, ctx.req, &v)
}

/// The stored key (the name) of a label addressed by name or numeric id.
fn label_key(st: &State, res: ResId, parent: &[String], raw: &str) -> Option<String> {
    if st.store.get(res, parent, raw).is_some() {
        return Some(raw.to_string());
    }
    let id: u64 = raw.parse().ok()?;
    st.store
        .coll(res, parent)?
        .iter()
        .find(|e| e.u64("id") == Some(id))
        .and_then(|e| e.str("name"))
        .map(str::to_string)
}

fn with_id<'a>(ctx: &Ctx<'a>, id: String) -> Ctx<'a> {
    Ctx {
        req: ctx.req,
        caller: ctx.caller.clone(),
        res: ctx.res,
        parent: ctx.parent.clone(),
        id: Some(id),
        args: ctx.args.clone(),
    }
}

/// GitLab's color for labels created without one.
const DEFAULT_LABEL_COLOR: &str = "#6699cc";

/// Gives a stored label (key `name`) the fields GitLab fills in: an id from
/// the one label counter, its color, counts. Returns its bytes.
fn finish_label(
    st: &mut State,
    res: ResId,
    parent: &[String],
    name: &str,
    color: Option<String>,
    is_group: bool,
) -> Option<bytes::Bytes> {
    let id = st.store.next_id("label");
    let color = color.unwrap_or_else(|| DEFAULT_LABEL_COLOR.into());
    st.store.modify(res, parent, name, |e| {
        e.obj.insert("id".into(), json!(id));
        e.obj.insert("name".into(), json!(name));
        e.obj.insert("color".into(), json!(color));
        e.obj.insert("text_color".into(), json!("#FFFFFF"));
        e.obj.entry("description").or_insert(Value::Null);
        e.obj.insert("subscribed".into(), json!(false));
        e.obj.insert("is_project_label".into(), json!(!is_group));
        for k in [
            "open_issues_count",
            "closed_issues_count",
            "open_merge_requests_count",
        ] {
            e.obj.insert(k.into(), json!(0));
        }
    })?;
    st.store.get(res, parent, name).map(|e| e.bytes.clone())
}

/// The label `name` a project sees: its own, else one of its groups' (nearest first).
fn find_label<'s>(st: &'s State, pid: u64, name: &str) -> Option<&'s Entry> {
    let pres = res_of(st, "/projects/{}/labels")?;
    if let Some(l) = st.store.get(pres, &[pid.to_string()], name) {
        return Some(l);
    }
    let gres = res_of(st, "/groups/{}/labels")?;
    let mut gid = match projects::ns_ref(st.project(pid)?) {
        Some(NamespaceRef::Group(g)) => Some(g),
        _ => None,
    };
    while let Some(g) = gid {
        if let Some(l) = st.store.get(gres, &[g.to_string()], name) {
            return Some(l);
        }
        gid = st.group(g).and_then(|x| x.u64("parent_id"));
    }
    None
}

/// Creates project labels for the names an issue or merge request was given
/// that the project does not see yet, as GitLab does.
fn ensure_labels(st: &mut State, pid: u64, names: &[String]) {
    let Some(pres) = res_of(st, "/projects/{}/labels") else {
        return;
    };
    let parent = [pid.to_string()];
    for name in names {
        if name.trim().is_empty() || find_label(st, pid, name).is_some() {
            continue;
        }
        let obj = json!({"name": name, "description": null, "created_at": time::now()});
        store_obj(st, pres, &parent, name.clone(), obj);
        finish_label(st, pres, &parent, name, None, false);
    }
}

fn label(st: &mut State, ctx: &Ctx, at: At) -> ApiResult<Option<Reply>> {
    let is_group = st.reg.res[ctx.res].norm.starts_with("/groups");
    let verb = ctx.req.verb;
    let label404 = || ApiError::not_found(Some("Label"));
    Ok(Some(match (at, verb) {
        (At::Coll, Verb::Post) => {
            let name = ctx.req.params.nonblank("name").unwrap_or_default();
            if st.store.get(ctx.res, &ctx.parent, &name).is_some() {
                return Err(ApiError::validation(
                    409,
                    &[("title", "has already been taken")],
                ));
            }
            let r = st.create(ctx)?;
            let color = ctx.req.params.nonblank("color");
            match finish_label(st, ctx.res, &ctx.parent, &name, color, is_group) {
                Some(b) => Reply::raw_json(201, b),
                None => r,
            }
        }
        // `PUT …/labels` names the label in the body; `PUT …/labels/:id` in the path.
        (At::Coll | At::Act(""), Verb::Put) | (At::Obj, Verb::Put) => {
            let raw = if at == At::Obj {
                ctx.id().to_string()
            } else {
                ctx.req
                    .params
                    .nonblank("name")
                    .or_else(|| ctx.req.params.nonblank("label_id"))
                    .ok_or_else(|| ApiError::error(400, "name is missing"))?
            };
            let key = label_key(st, ctx.res, &ctx.parent, &raw).ok_or_else(label404)?;
            let p = &ctx.req.params;
            if !p.has("new_name") && !p.has("color") && !p.has("description") && !p.has("priority")
            {
                return Err(ApiError::error(
                    400,
                    "new_name, color, description, priority are missing, at least one parameter must be provided",
                ));
            }
            let mut obj = st
                .store
                .get(ctx.res, &ctx.parent, &key)
                .map(|e| e.obj.clone())
                .ok_or_else(label404)?;
            for k in ["color", "description", "priority"] {
                if let Some(v) = p.get(k) {
                    obj.insert(k.into(), v.clone());
                }
            }
            let mut new_key = key.clone();
            if let Some(n) = p.nonblank("new_name") {
                obj.insert("name".into(), json!(n));
                new_key = n;
            }
            st.store.remove(ctx.res, &ctx.parent, &key);
            let bytes = st
                .store
                .insert(ctx.res, &ctx.parent, new_key, Entry::unserialized(obj));
            Reply::raw_json(200, bytes)
        }
        (At::Obj, Verb::Get) => {
            let key = label_key(st, ctx.res, &ctx.parent, ctx.id()).ok_or_else(label404)?;
            let e = st
                .store
                .get(ctx.res, &ctx.parent, &key)
                .ok_or_else(label404)?;
            Reply::raw_json(200, e.bytes.clone())
        }
        (At::Obj | At::Coll, Verb::Delete) => {
            let raw = if at == At::Obj {
                ctx.id().to_string()
            } else {
                ctx.req.params.nonblank("name").unwrap_or_default()
            };
            let key = label_key(st, ctx.res, &ctx.parent, &raw).ok_or_else(label404)?;
            st.store.remove(ctx.res, &ctx.parent, &key);
            Reply::empty(204)
        }
        (At::Act(s @ ("subscribe" | "unsubscribe")), Verb::Post) => {
            let raw = ctx.id().to_string();
            let key = label_key(st, ctx.res, &ctx.parent, &raw).ok_or_else(label404)?;
            let on = s == "subscribe";
            let was = st
                .store
                .get(ctx.res, &ctx.parent, &key)
                .and_then(|e| e.obj.get("subscribed").and_then(Value::as_bool))
                .unwrap_or(false);
            if was == on {
                return Ok(Some(Reply::empty(304)));
            }
            st.store.modify(ctx.res, &ctx.parent, &key, |e| {
                e.obj.insert("subscribed".into(), json!(on));
            });
            let c2 = with_id(ctx, key);
            let e = st.entry(&c2)?;
            Reply::raw_json(201, e.bytes.clone())
        }
        _ => return Ok(None),
    }))
}

/// Moves a project label or milestone to the project's group.
fn promote(st: &mut State, c: &Caller, pid: u64, what: &str, raw: &str) -> ApiResult<Reply> {
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    if st.project_access(Some(c), p) < access::REPORTER {
        return Err(ApiError::forbidden());
    }
    let Some(NamespaceRef::Group(gid)) = projects::ns_ref(p) else {
        return Err(ApiError::message(
            403,
            "403 Forbidden - Promotion is only supported for projects in groups",
        ));
    };
    let (Some(pres), Some(gres)) = (
        res_of(st, &format!("/projects/{{}}/{what}")),
        res_of(st, &format!("/groups/{{}}/{what}")),
    ) else {
        return Err(ApiError::no_route());
    };
    let parent = [pid.to_string()];
    let key = if what == "labels" {
        label_key(st, pres, &parent, raw)
    } else {
        st.store.get(pres, &parent, raw).map(|_| raw.to_string())
    };
    let label = if what == "labels" {
        "Label"
    } else {
        "Milestone"
    };
    let key = key.ok_or_else(|| ApiError::not_found(Some(label)))?;
    let mut e = st
        .store
        .remove(pres, &parent, &key)
        .ok_or_else(|| ApiError::not_found(Some(label)))?;
    e.obj.remove("project_id");
    e.obj.insert("group_id".into(), json!(gid));
    if what == "labels" {
        e.obj.insert("is_project_label".into(), json!(false));
    }
    let bytes = st
        .store
        .insert(gres, &[gid.to_string()], key, Entry::unserialized(e.obj));
    Ok(Reply::raw_json(200, bytes))
}

// ----- discussions and award emoji -------------------------------------------------
//
// Notes live in the noteable's notes collection (see `issues`' notes section); a
// stored discussion is `{id, individual_note, note_ids}` and is shown with its notes.

/// A stored discussion as GitLab shows it, its notes read from `notes` (or
/// kept inline, for commits).
fn discussion_json(st: &State, notes: Option<ResId>, parent: &[String], d: &Entry) -> Value {
    let Some(nres) = notes else {
        return d.to_value();
    };
    let list: Vec<Value> = issues::discussion_note_ids(d)
        .into_iter()
        .filter_map(|id| st.store.get(nres, parent, &id.to_string()))
        .map(Entry::to_value)
        .collect();
    json!({
        "id": d.obj.get("id"),
        "individual_note": d.obj.get("individual_note").cloned().unwrap_or(json!(false)),
        "notes": list,
    })
}

/// `GET …/discussions` and `GET …/discussions/:id`, oldest first.
fn discussion_read(st: &mut State, ctx: &Ctx, at: At) -> ApiResult<Reply> {
    let notes = issues::notes_beside(st, ctx.res);
    if at == At::Obj {
        let d = st
            .store
            .get(ctx.res, &ctx.parent, ctx.id())
            .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
        return Ok(Reply::json(
            200,
            &discussion_json(st, notes, &ctx.parent, d),
        ));
    }
    let v: Vec<Value> = st
        .store
        .coll(ctx.res, &ctx.parent)
        .map(|c| {
            c.iter()
                .map(|d| discussion_json(st, notes, &ctx.parent, d))
                .collect()
        })
        .unwrap_or_default();
    values_reply(st, ctx.req, &v)
}

fn required_body(ctx: &Ctx) -> ApiResult<String> {
    let body = ctx.req.params.str("body").unwrap_or_default();
    if body.trim().is_empty() {
        return Err(ApiError::error(400, "body is missing"));
    }
    Ok(body)
}

/// `POST …/discussions`: a new thread whose first note is a note of the noteable.
fn discussion_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let body = required_body(ctx)?;
    let created = ctx.req.params.nonblank("created_at");
    let notes = issues::notes_beside(st, ctx.res);
    let did = issues::new_discussion_id(st);
    let pid = ctx.project_id();
    match notes {
        Some(nres) => {
            let obj = json!({"id": did, "individual_note": false, "note_ids": []});
            store_obj(st, ctx.res, &ctx.parent, did.clone(), obj);
            let note = issues::new_note(st, nres, &ctx.parent, &body, caller, created, true);
            let nv = Value::Object(note.clone());
            issues::store_note(st, nres, &ctx.parent, note, Some(&did));
            if st.reg.res[ctx.res].norm.starts_with("/projects/") {
                record_event(st, pid, caller, "commented on", "DiscussionNote", &nv);
            }
        }
        None => {
            let note = issues::new_note(st, ctx.res, &ctx.parent, &body, caller, created, true);
            let obj = json!({"id": did, "individual_note": false, "notes": [note]});
            store_obj(st, ctx.res, &ctx.parent, did.clone(), obj);
        }
    }
    let d = st
        .store
        .get(ctx.res, &ctx.parent, &did)
        .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
    Ok(Reply::json(
        201,
        &discussion_json(st, notes, &ctx.parent, d),
    ))
}

/// Marks every resolvable note of notes collection `nres` in `ids` resolved or not.
fn resolve_notes(
    st: &mut State,
    nres: ResId,
    parent: &[String],
    ids: &[u64],
    caller: u64,
    on: bool,
) {
    let who = st.user_basic(caller);
    let now = time::now();
    for id in ids {
        st.store.modify(nres, parent, &id.to_string(), |e| {
            if e.obj.get("resolvable") != Some(&Value::Bool(true)) {
                return;
            }
            e.obj.insert("resolved".into(), json!(on));
            e.obj.insert(
                "resolved_by".into(),
                if on { who.clone() } else { Value::Null },
            );
            e.obj.insert(
                "resolved_at".into(),
                if on { json!(now) } else { Value::Null },
            );
        });
    }
}

/// `PUT …/discussions/:id` with `resolved`: resolves or reopens the whole thread.
fn discussion_resolve(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let on = ctx
        .req
        .params
        .bool("resolved")?
        .ok_or_else(|| ApiError::error(400, "resolved is missing"))?;
    let d = st
        .store
        .get(ctx.res, &ctx.parent, ctx.id())
        .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
    let ids = issues::discussion_note_ids(d);
    let notes = issues::notes_beside(st, ctx.res);
    if let Some(nres) = notes {
        resolve_notes(st, nres, &ctx.parent, &ids, caller, on);
    }
    let d = st
        .store
        .get(ctx.res, &ctx.parent, ctx.id())
        .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
    Ok(Reply::json(
        200,
        &discussion_json(st, notes, &ctx.parent, d),
    ))
}

/// `…/discussions/:id/notes[/:note_id]`: the notes of one thread, which are
/// notes of the noteable.
fn discussion_note(st: &mut State, ctx: &Ctx, at: At) -> ApiResult<Reply> {
    let reg = st.reg.clone();
    let Some(dres) = reg.res[ctx.res].parents.last().copied().flatten() else {
        return Err(ApiError::no_route());
    };
    let Some(nres) = issues::notes_beside(st, dres) else {
        return inline_discussion_note(st, ctx, at, dres);
    };
    let (did, dparent) = match ctx.parent.split_last() {
        Some((d, up)) => (d.clone(), up.to_vec()),
        None => return Err(ApiError::no_route()),
    };
    let d = st
        .store
        .get(dres, &dparent, &did)
        .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
    let ids = issues::discussion_note_ids(d);
    let individual = d.obj.get("individual_note") == Some(&Value::Bool(true));
    let note_id: Option<u64> = ctx.id.as_deref().and_then(|i| i.parse().ok());
    let note_id = note_id.filter(|id| ids.contains(id));
    let note404 = || ApiError::not_found(Some("Note"));
    // The same note through the noteable's notes collection.
    let as_note = |id: u64| Ctx {
        req: ctx.req,
        caller: ctx.caller.clone(),
        res: nres,
        parent: dparent.clone(),
        id: Some(id.to_string()),
        args: Vec::new(),
    };
    match (at, ctx.req.verb) {
        (At::Coll, Verb::Get) => {
            let v = discussion_json(st, Some(nres), &dparent, d);
            values_reply(st, ctx.req, v["notes"].as_array().map_or(&[][..], |a| a))
        }
        (At::Coll, Verb::Post) => {
            let caller = ctx.caller()?.id;
            let body = required_body(ctx)?;
            let created = ctx.req.params.nonblank("created_at");
            if individual {
                // Replying to a lone comment turns it into a thread.
                let mr = issues::noteable_of(st, nres).is_some_and(|(_, c)| c == "MergeRequest");
                for id in &ids {
                    st.store.modify(nres, &dparent, &id.to_string(), |e| {
                        e.obj.insert("type".into(), json!("DiscussionNote"));
                        if mr {
                            e.obj.insert("resolvable".into(), json!(true));
                            e.obj.insert("resolved".into(), json!(false));
                        }
                    });
                }
                st.store.modify(dres, &dparent, &did, |e| {
                    e.obj.insert("individual_note".into(), json!(false));
                });
            }
            let note = issues::new_note(st, nres, &dparent, &body, caller, created, true);
            let bytes = issues::store_note(st, nres, &dparent, note, Some(&did));
            Ok(Reply::raw_json(201, bytes))
        }
        (At::Obj, Verb::Get) => {
            let id = note_id.ok_or_else(note404)?;
            let e = st.entry(&as_note(id)).map_err(|_| note404())?;
            Ok(Reply::raw_json(200, e.bytes.clone()))
        }
        (At::Obj, Verb::Put) => {
            let id = note_id.ok_or_else(note404)?;
            let nctx = as_note(id);
            if let Some(on) = ctx.req.params.bool("resolved")? {
                resolve_notes(st, nres, &dparent, &[id], ctx.caller()?.id, on);
            }
            if ctx.req.params.has("body") {
                return issues::update_note(st, &nctx);
            }
            let e = st.entry(&nctx).map_err(|_| note404())?;
            Ok(Reply::raw_json(200, e.bytes.clone()))
        }
        (At::Obj, Verb::Delete) => {
            let id = note_id.ok_or_else(note404)?;
            issues::delete_note(st, &as_note(id))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// Discussion notes of a noteable without a notes collection (commits), kept
/// in the discussion's `notes` array.
fn inline_discussion_note(st: &mut State, ctx: &Ctx, at: At, dres: ResId) -> ApiResult<Reply> {
    let dparent = ctx.parent[..ctx.parent.len().saturating_sub(1)].to_vec();
    let did = ctx.parent.last().cloned().unwrap_or_default();
    let d = st
        .store
        .get(dres, &dparent, &did)
        .ok_or_else(|| ApiError::not_found(Some("Discussion")))?;
    let mut notes: Vec<Value> = d
        .obj
        .get("notes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let note_id: Option<u64> = ctx.id.as_deref().and_then(|i| i.parse().ok());
    let pos = note_id.and_then(|id| notes.iter().position(|n| n["id"].as_u64() == Some(id)));
    let note404 = || ApiError::not_found(Some("Note"));
    let reply = match (at, ctx.req.verb) {
        (At::Coll, Verb::Get) => return values_reply(st, ctx.req, &notes),
        (At::Coll, Verb::Post) => {
            let caller = ctx.caller()?.id;
            let body = required_body(ctx)?;
            let note = issues::new_note(st, dres, &dparent, &body, caller, None, true);
            let v = Value::Object(note);
            notes.push(v.clone());
            Reply::json(201, &v)
        }
        (At::Obj, Verb::Get) => {
            let i = pos.ok_or_else(note404)?;
            return Ok(Reply::json(200, &notes[i]));
        }
        (At::Obj, Verb::Put) => {
            let i = pos.ok_or_else(note404)?;
            if let Some(b) = ctx.req.params.str("body") {
                notes[i]["body"] = json!(b);
            }
            notes[i]["updated_at"] = json!(time::now());
            Reply::json(200, &notes[i])
        }
        (At::Obj, Verb::Delete) => {
            let i = pos.ok_or_else(note404)?;
            notes.remove(i);
            Reply::empty(204)
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    if notes.is_empty() {
        st.store.remove(dres, &dparent, &did);
    } else {
        st.store.modify(dres, &dparent, &did, |e| {
            e.obj.insert("notes".into(), Value::Array(notes));
        });
    }
    Ok(reply)
}

/// What an award emoji collection hangs off: the awarded object's resource,
/// its collection's parent values and key, and its GitLab class.
fn awardable(st: &State, ctx: &Ctx) -> ApiResult<(ResId, Vec<String>, String, &'static str)> {
    let p = st.reg.res[ctx.res]
        .parents
        .last()
        .copied()
        .flatten()
        .ok_or_else(ApiError::no_route)?;
    // Commits take notes but no award emoji.
    let class = issues::class_of(&st.reg.res[p].norm)
        .filter(|c| *c != "Commit")
        .ok_or_else(ApiError::no_route)?;
    let (key, up) = ctx.parent.split_last().ok_or_else(ApiError::no_route)?;
    Ok((p, up.to_vec(), key.clone(), class))
}

/// GitLab's names for the votes counted in `upvotes` / `downvotes`.
fn award_name(raw: &str) -> String {
    match raw.trim_matches(':') {
        "+1" | "thumbs_up" => "thumbsup".into(),
        "-1" | "thumbs_down" => "thumbsdown".into(),
        other => other.to_string(),
    }
}

/// Keeps the awarded object's `upvotes` / `downvotes` in step with its votes.
fn count_vote(st: &mut State, res: ResId, parent: &[String], key: &str, name: &str, delta: i64) {
    let field = match name {
        "thumbsup" => "upvotes",
        "thumbsdown" => "downvotes",
        _ => return,
    };
    st.store.modify(res, parent, key, |e| {
        if e.obj.contains_key(field) {
            let n = e.u64(field).unwrap_or(0) as i64 + delta;
            e.obj.insert(field.into(), json!(n.max(0)));
        }
    });
}

/// `POST …/award_emoji`: the caller's reaction to the awarded object; one
/// reaction of a name per user. Ids come from one counter for every awardable.
fn award_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.id;
    let name = award_name(&ctx.req.params.str("name").unwrap_or_default());
    if name.trim().is_empty() {
        return Err(ApiError::not_found(Some(
            "Award Emoji Name is not a valid emoji name",
        )));
    }
    let (ares, aparent, akey, class) = awardable(st, ctx)?;
    let target_id = st
        .store
        .get(ares, &aparent, &akey)
        .and_then(|e| e.u64("id"));
    let taken = st.store.coll(ctx.res, &ctx.parent).is_some_and(|c| {
        c.iter().any(|a| {
            a.str("name") == Some(name.as_str())
                && a.obj
                    .get("user")
                    .and_then(|u| u.get("id"))
                    .and_then(Value::as_u64)
                    == Some(caller)
        })
    });
    if taken {
        return Err(ApiError::not_found(Some(
            "Award Emoji Name has already been taken",
        )));
    }
    let id = st.store.next_id("award_emoji");
    let now = time::now();
    let obj = json!({
        "id": id,
        "name": name,
        "user": st.user_basic(caller),
        "created_at": now,
        "updated_at": now,
        "awardable_id": target_id,
        "awardable_type": class,
    });
    let v = store_obj(st, ctx.res, &ctx.parent, id.to_string(), obj);
    count_vote(st, ares, &aparent, &akey, &name, 1);
    Ok(Reply::json(201, &v))
}

/// `DELETE …/award_emoji/:id`: only the user who reacted, or an administrator.
fn award_delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    let owner = e
        .obj
        .get("user")
        .and_then(|u| u.get("id"))
        .and_then(Value::as_u64);
    if owner != Some(ctx.caller_id()) && !ctx.is_admin() {
        return Err(ApiError::unauthorized());
    }
    let name = e.str("name").unwrap_or("").to_string();
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    let (ares, aparent, akey, _) = awardable(st, ctx)?;
    count_vote(st, ares, &aparent, &akey, &name, -1);
    Ok(Reply::empty(204))
}

// ----- CI/CD job token scope -----------------------------------------------------

fn job_token_scope(st: &mut State, ctx: &Ctx, set: Option<bool>) -> ApiResult<Reply> {
    let key = "";
    if st.store.get(ctx.res, &ctx.parent, key).is_none() {
        store_obj(
            st,
            ctx.res,
            &ctx.parent,
            key.into(),
            json!({"inbound_enabled": true, "outbound_enabled": false}),
        );
    }
    if let Some(b) = set {
        st.store.modify(ctx.res, &ctx.parent, key, |e| {
            e.obj.insert("inbound_enabled".into(), json!(b));
        });
    }
    let e = st
        .store
        .get(ctx.res, &ctx.parent, key)
        .ok_or_else(|| st.not_found(ctx))?;
    let mut m = Map::new();
    for k in ["inbound_enabled", "outbound_enabled"] {
        m.insert(
            k.into(),
            e.obj.get(k).cloned().unwrap_or(Value::Bool(false)),
        );
    }
    Ok(Reply::json(200, &Value::Object(m)))
}

fn allowlist(st: &mut State, ctx: &Ctx, groups: bool, at: At) -> ApiResult<Reply> {
    let source = ctx.project_id();
    let attr = if groups {
        "target_group_id"
    } else {
        "target_project_id"
    };
    match (at, ctx.req.verb) {
        (At::Coll, Verb::Get) => {
            let ids: Vec<u64> = entries(st, ctx.res, &ctx.parent)
                .iter()
                .filter_map(|e| e[attr].as_u64())
                .collect();
            let v: Vec<Value> = ids
                .iter()
                .filter_map(|id| {
                    if groups {
                        st.group(*id).map(Entry::to_value)
                    } else {
                        st.project(*id).map(Entry::to_value)
                    }
                })
                .collect();
            values_reply(st, ctx.req, &v)
        }
        (At::Coll, Verb::Post) => {
            let target = ctx
                .req
                .params
                .u64(attr)?
                .ok_or_else(|| ApiError::error(400, format!("{attr} is missing")))?;
            let exists = if groups {
                st.group(target).is_some()
            } else {
                st.project(target).is_some()
            };
            if !exists {
                return Err(ApiError::not_found(Some(if groups {
                    "Group"
                } else {
                    "Project"
                })));
            }
            if st
                .store
                .get(ctx.res, &ctx.parent, &target.to_string())
                .is_some()
            {
                return Err(ApiError::message(
                    400,
                    "Target project is already in the job token scope",
                ));
            }
            let obj = json!({"id": target, "source_project_id": source, attr: target});
            store_obj(st, ctx.res, &ctx.parent, target.to_string(), obj);
            Ok(Reply::json(
                201,
                &json!({"source_project_id": source, attr: target}),
            ))
        }
        (At::Obj, Verb::Delete) => {
            st.entry(ctx)?;
            st.store.remove(ctx.res, &ctx.parent, ctx.id());
            Ok(Reply::empty(204))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

// ----- tokens, variables ---------------------------------------------------------

fn is_token_resource(norm: &str) -> bool {
    norm.ends_with("/access_tokens")
        || norm.ends_with("/personal_access_tokens")
        || norm.ends_with("/impersonation_tokens")
        || norm.ends_with("/deploy_tokens")
}

/// A created token carries `token` in this one answer and, unless it is a
/// deploy token (which GitLab does not accept on the REST API), authenticates
/// as its user from then on: personal and impersonation tokens as their user,
/// project and group access tokens as a bot user GitLab creates for each one
/// and makes a member of the project or group at the token's access level.
fn token_create(st: &mut State, ctx: &Ctx, norm: &str) -> ApiResult<Reply> {
    let p = &ctx.req.params;
    let name = p.required("name")?;
    let scopes = p.list("scopes").unwrap_or_default();
    if scopes.is_empty() {
        return Err(ApiError::error(400, "scopes is missing"));
    }
    let deploy = norm.ends_with("deploy_tokens");
    let counter = if deploy {
        "deploy_token"
    } else {
        "access_token"
    };
    let id = st.store.next_id(counter);
    let prefix = if deploy { "gldt-" } else { "glpat-" };
    let token = secret(st, prefix);
    let now = time::now();
    let resource_token = matches!(
        norm,
        "/projects/{}/access_tokens" | "/groups/{}/access_tokens"
    );
    let mut bot_level = None;
    let user_id: Option<u64> = if deploy {
        None
    } else if resource_token {
        let (bot, level) = token_bot(st, ctx, norm, &name)?;
        bot_level = Some(level);
        Some(bot)
    } else if norm.starts_with("/users/") {
        ctx.parent.first().and_then(|u| u.parse().ok())
    } else if norm.contains("/service_accounts/") {
        // `/{projects,groups}/{}/service_accounts/{user_id}/personal_access_tokens`
        ctx.parent.get(1).and_then(|u| u.parse().ok())
    } else {
        ctx.caller.as_ref().map(|c| c.id)
    };
    let mut obj = if deploy {
        json!({
            "id": id,
            "name": name,
            "username": p.nonblank("username").unwrap_or_else(|| format!("gitlab+deploy-token-{id}")),
            "expires_at": p.nonblank("expires_at").map(|t| datetime_text(&t)),
            "scopes": scopes,
            "revoked": false,
            "expired": false,
        })
    } else {
        json!({
            "id": id,
            "name": name,
            "description": p.get("description"),
            "revoked": false,
            "created_at": now,
            "scopes": scopes,
            "user_id": user_id,
            "last_used_at": null,
            "active": true,
            "expires_at": p.get("expires_at"),
            "impersonation": norm.ends_with("impersonation_tokens"),
        })
    };
    if let Some(level) = bot_level {
        obj["access_level"] = json!(level);
    }
    let Value::Object(m) = obj.clone() else {
        return Err(ApiError::no_route());
    };
    let mut e = Entry::unserialized(m);
    e.hidden.secret = Some(token.clone());
    let stored = st
        .store
        .insert(ctx.res, &ctx.parent, id.to_string(), e.clone());
    // Personal tokens are also listed at /personal_access_tokens, deploy tokens at /deploy_tokens.
    let global = if deploy {
        Some("/deploy_tokens")
    } else if matches!(
        norm,
        "/users/{}/personal_access_tokens" | "/user/personal_access_tokens"
    ) {
        Some("/personal_access_tokens")
    } else {
        None
    };
    if let Some(g) = global.and_then(|g| res_of(st, g)) {
        st.store.insert(g, &[], id.to_string(), e);
    }
    if let Some(uid) = user_id {
        st.tokens.insert(token.clone(), uid);
    }
    let mut v: Value = serde_json::from_slice(&stored).unwrap_or(obj);
    if deploy {
        v = deploy_token_view(v);
    }
    v["token"] = json!(token);
    Ok(Reply::json(201, &v))
}

/// A timestamp as GitLab renders a time column: a bare date (`2026-12-02`)
/// is that day's midnight UTC (`2026-12-02T00:00:00.000Z`), a UTC time without
/// milliseconds gets `.000`; anything else is kept as sent.
fn datetime_text(t: &str) -> String {
    let b = t.as_bytes();
    let is_date = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if is_date {
        format!("{t}T00:00:00.000Z")
    } else if b.len() == 20 && t.ends_with('Z') && t.is_char_boundary(19) {
        format!("{}.000Z", &t[..19])
    } else {
        t.to_string()
    }
}

/// A deploy token as GitLab shows it outside its create answer: no `token`,
/// and `expired` once `expires_at` has passed.
fn deploy_token_view(mut v: Value) -> Value {
    let expired = v["expires_at"]
        .as_str()
        .is_some_and(|t| t < time::now().as_str());
    if let Value::Object(m) = &mut v {
        m.remove("token");
        m.insert("expired".into(), Value::Bool(expired));
    }
    v
}

/// `reply` with its JSON body rewritten by `f` (status and headers kept); a
/// body that is not JSON is left alone.
fn map_json(reply: Reply, f: impl FnOnce(Value) -> Value) -> Reply {
    if !reply.json {
        return reply;
    }
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(v) => Reply {
            body: bytes::Bytes::from(crate::reply::to_bytes(&f(v))),
            ..reply
        },
        Err(_) => reply,
    }
}

/// The bot user behind a new project or group access token: named after the
/// token, `project_<id>_bot_<hex>` (or `group_…`), a member of the project or
/// group at the token's `access_level` (Maintainer by default).
fn token_bot(st: &mut State, ctx: &Ctx, norm: &str, name: &str) -> ApiResult<(u64, u64)> {
    let group = norm.starts_with("/groups/");
    let source = ctx.project_id();
    // A token's role is one of the member roles from Guest up.
    let level = match ctx.req.params.get("access_level") {
        None | Some(Value::Null) => access::MAINTAINER,
        Some(_) => ctx
            .req
            .params
            .u64("access_level")?
            .filter(|l| *l >= access::GUEST && access::VALID.contains(l))
            .ok_or_else(|| ApiError::error(400, "access_level does not have a valid value"))?,
    };
    let hex = secret(st, "");
    let username = format!(
        "{}_{source}_bot_{hex}",
        if group { "group" } else { "project" }
    );
    let host = st
        .base_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or("localhost")
        .to_string();
    let email = format!("{username}@noreply.{host}");
    let bot = super::users::insert_user(st, &username, name, &email, false);
    st.store.modify(st.reg.user, &[], &bot.to_string(), |e| {
        e.obj.insert("bot".into(), json!(true));
    });
    let members = if group {
        st.reg.group_member
    } else {
        st.reg.project_member
    };
    let creator = ctx.caller.as_ref().map_or(bot, |c| c.id);
    super::members::add_member(st, members, source, bot, level, creator);
    Ok((bot, level))
}

fn token_rotate(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let old = st.entry(ctx)?.clone();
    if old.obj.get("revoked") == Some(&Value::Bool(true)) {
        return Err(ApiError::message(400, "Token already revoked"));
    }
    let owner = old
        .hidden
        .secret
        .as_ref()
        .and_then(|t| st.tokens.get(t).copied());
    if let Some(t) = &old.hidden.secret {
        st.tokens.remove(t);
    }
    st.store.modify(ctx.res, &ctx.parent, ctx.id(), |e| {
        e.obj.insert("revoked".into(), json!(true));
        e.obj.insert("active".into(), json!(false));
    });
    let id = st.store.next_id("access_token");
    let token = secret(st, "glpat-");
    let mut obj = old.obj.clone();
    obj.insert("id".into(), json!(id));
    obj.insert("created_at".into(), json!(time::now()));
    if let Some(exp) = ctx.req.params.get("expires_at") {
        obj.insert("expires_at".into(), exp.clone());
    }
    let mut e = Entry::unserialized(obj);
    e.hidden.secret = Some(token.clone());
    let bytes = st.store.insert(ctx.res, &ctx.parent, id.to_string(), e);
    if let Some(uid) = owner {
        st.tokens.insert(token.clone(), uid);
    }
    let mut v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    v["token"] = json!(token);
    Ok(Reply::json(200, &v))
}

/// Masked-and-hidden variables never show their value again, not even at creation.
fn hide_variable(st: &mut State, ctx: &Ctx, r: &Reply, create: bool) -> ApiResult<Reply> {
    let mut v = parse(r);
    let Some(key) = v.get("key").and_then(Value::as_str).map(str::to_string) else {
        return Ok(r.clone());
    };
    let hidden = if create {
        ctx.req.params.bool("masked_and_hidden")? == Some(true)
    } else {
        v.get("hidden") == Some(&Value::Bool(true))
    };
    if create {
        st.store.modify(ctx.res, &ctx.parent, &key, |e| {
            e.obj.remove("masked_and_hidden");
            e.obj.insert("hidden".into(), json!(hidden));
            if hidden {
                e.obj.insert("masked".into(), json!(true));
            }
            // GitLab's defaults for what was not sent; the store has already
            // given every declared field a null, so null counts as not sent.
            for (name, default) in [
                ("masked", json!(false)),
                ("protected", json!(false)),
                ("variable_type", json!("env_var")),
                ("environment_scope", json!("*")),
                ("raw", json!(false)),
            ] {
                let slot = e.obj.entry(name).or_insert(Value::Null);
                if slot.is_null() {
                    *slot = default;
                }
            }
        });
    }
    if hidden {
        st.store.modify(ctx.res, &ctx.parent, &key, |e| {
            if let Some(Value::String(val)) = e.obj.insert("value".into(), Value::Null) {
                e.hidden.secret = Some(val);
            }
        });
    }
    if let Some(e) = st.store.get(ctx.res, &ctx.parent, &key) {
        v = e.to_value();
    }
    Ok(Reply::json(r.status, &v))
}

// ----- snippets ---------------------------------------------------------------------

/// A snippet create or update: the generic write, then its files. GitLab keeps a
/// snippet's files in a repository and shows them as `files: [{path, raw_url}]`,
/// the first one's name as `file_name`; `/raw` and `/files/:ref/:path/raw` serve them.
fn snippet_write(st: &mut State, ctx: &Ctx, create: bool) -> ApiResult<Reply> {
    let r = if create {
        st.create(ctx)?
    } else {
        st.update(ctx)?
    };
    if r.status >= 300 {
        return Ok(r);
    }
    let Some(id) = parse(&r)["id"].as_u64() else {
        return Ok(r);
    };
    let key = id.to_string();
    let p = &ctx.req.params;
    let mut files = st
        .store
        .get(ctx.res, &ctx.parent, &key)
        .map(|e| e.hidden.files.clone())
        .unwrap_or_default();
    if let Some(Value::Array(list)) = p.get("files") {
        for f in list {
            let text = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
            let Some(path) = text("file_path") else {
                continue;
            };
            let content = text("content");
            match text("action").as_deref() {
                Some("delete") => files.retain(|(fp, _)| *fp != path),
                Some("move") => {
                    let from = text("previous_path").unwrap_or_else(|| path.clone());
                    if let Some(f) = files.iter_mut().find(|(fp, _)| *fp == from) {
                        f.0 = path;
                        if let Some(c) = content {
                            f.1 = c;
                        }
                    }
                }
                _ => match files.iter_mut().find(|(fp, _)| *fp == path) {
                    Some(f) => f.1 = content.unwrap_or_default(),
                    None => files.push((path, content.unwrap_or_default())),
                },
            }
        }
    } else if create || p.present("content") || p.present("file_name") {
        let (old_name, old_content) = files.first().cloned().unwrap_or_default();
        let name = p
            .nonblank("file_name")
            .or(Some(old_name).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| "snippetfile1.txt".to_string());
        let content = p.str("content").unwrap_or(old_content);
        files = vec![(name, content)];
    }
    let web = match ctx.parent.first().and_then(|p| p.parse::<u64>().ok()) {
        Some(pid) => {
            let project = st
                .project(pid)
                .and_then(|e| e.obj.get("web_url"))
                .and_then(Value::as_str)
                .unwrap_or(&st.base_url)
                .to_string();
            format!("{project}/-/snippets/{id}")
        }
        None => format!("{}/-/snippets/{id}", st.base_url),
    };
    let shown: Vec<Value> = files
        .iter()
        .map(|(path, _)| json!({"path": path, "raw_url": format!("{web}/raw/main/{path}")}))
        .collect();
    let first = files.first().map(|(n, _)| n.clone());
    let bytes = st
        .store
        .modify(ctx.res, &ctx.parent, &key, |e| {
            e.hidden.files = files;
            e.obj.insert("files".into(), Value::Array(shown));
            e.obj.insert("file_name".into(), json!(first));
            e.obj.insert("web_url".into(), json!(web));
            e.obj.insert("raw_url".into(), json!(format!("{web}/raw")));
        })
        .and_then(|_| st.store.get(ctx.res, &ctx.parent, &key))
        .map(|e| e.bytes.clone());
    Ok(match bytes {
        Some(b) => Reply::raw_json(r.status, b),
        None => r,
    })
}

/// `GET …/snippets/:id/raw` (the first file) or `…/files/:ref/:file_path/raw`.
fn snippet_raw(st: &mut State, ctx: &Ctx, first: bool) -> ApiResult<Reply> {
    let e = st.entry(ctx)?;
    let file = if first {
        e.hidden.files.first()
    } else {
        let want = ctx
            .args
            .iter()
            .find(|(k, _)| k == "file_path")
            .map(|(_, v)| v.clone());
        e.hidden
            .files
            .iter()
            .find(|(p, _)| Some(p) == want.as_ref())
    };
    match file {
        Some((_, content)) => Ok(Reply::text(200, content.clone().into_bytes())
            .header("content-type", "text/plain; charset=utf-8")),
        None => Err(ApiError::message(404, "404 File Not Found")),
    }
}

// ----- integrations, wikis --------------------------------------------------------

fn integration_put(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let slug = ctx.id().to_string();
    let now = time::now();
    let existing = st
        .store
        .get(ctx.res, &ctx.parent, &slug)
        .map(|e| e.obj.clone());
    let mut obj = existing.unwrap_or_else(|| {
        let id = st.store.next_id("integration");
        let title: String = slug
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("title".into(), json!(title));
        m.insert("slug".into(), json!(slug));
        m.insert("created_at".into(), json!(now));
        m.insert("properties".into(), json!({}));
        m
    });
    obj.insert("active".into(), json!(true));
    obj.insert("updated_at".into(), json!(now));
    let mut props = obj
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in ctx.req.params.iter() {
        if k.ends_with("_events") || k == "active" {
            obj.insert(k.clone(), v.clone());
        } else if !["password", "token", "api_key", "webhook"].contains(&k.as_str()) {
            props.insert(k.clone(), v.clone());
        }
    }
    obj.insert("properties".into(), Value::Object(props));
    let bytes = st
        .store
        .insert(ctx.res, &ctx.parent, slug, Entry::unserialized(obj));
    Ok(Reply::raw_json(200, bytes))
}

/// GitLab's wiki slug: the title with spaces as dashes.
fn wiki_slug(title: &str) -> String {
    title.trim().replace(' ', "-")
}

fn wiki_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let p = &ctx.req.params;
    let title = p.required("title")?;
    let content = p
        .str("content")
        .ok_or_else(|| ApiError::error(400, "content is missing"))?;
    let slug = wiki_slug(&title);
    if st.store.get(ctx.res, &ctx.parent, &slug).is_some() {
        return Err(ApiError::message(
            400,
            "Duplicate page: A page with that title already exists",
        ));
    }
    let obj = json!({
        "title": title,
        "slug": slug,
        "format": p.nonblank("format").unwrap_or_else(|| "markdown".into()),
        "content": content,
        "encoding": "UTF-8",
        "front_matter": {"title": title},
    });
    let v = store_obj(st, ctx.res, &ctx.parent, slug, obj);
    Ok(Reply::json(201, &v))
}

fn wiki_attachment(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let file = ctx
        .req
        .params
        .get("file")
        .ok_or_else(|| ApiError::error(400, "file is missing"))?;
    let name = file
        .get("filename")
        .and_then(Value::as_str)
        .unwrap_or("file")
        .to_string();
    let n = st.store.next_id("upload");
    let path = format!("uploads/{:016x}{:016x}/{name}", super::branches::mix(n), n);
    Ok(Reply::json(
        201,
        &json!({
            "file_name": name,
            "file_path": path,
            "branch": ctx.req.params.nonblank("branch").unwrap_or_else(|| "main".into()),
            "link": {"url": path, "markdown": format!("[{name}]({path})")},
        }),
    ))
}

// ----- namespaces, keys, groups of a project, shares ------------------------------

fn namespaces(st: &State, caller: Option<&Caller>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(users) = st.store.coll(st.reg.user, &[]) {
        for u in users.iter() {
            let Some(uid) = u.u64("id") else { continue };
            if caller.is_some_and(|c| !c.admin && c.id != uid) {
                continue;
            }
            if let Some(mut n) = st.namespace_json(NamespaceRef::User(uid)) {
                n["members_count_with_descendants"] = Value::Null;
                n["billable_members_count"] = json!(1);
                out.push(n);
            }
        }
    }
    if let Some(groups) = st.store.coll(st.reg.group, &[]) {
        for g in groups.iter() {
            let Some(gid) = g.u64("id") else { continue };
            if caller.is_some_and(|c| !c.admin) && st.group_access(caller, gid) == access::NONE {
                continue;
            }
            if let Some(n) = st.namespace_json(NamespaceRef::Group(gid)) {
                out.push(n);
            }
        }
    }
    out.sort_by_key(|n| n["id"].as_u64().unwrap_or(0));
    out
}

/// GitLab keeps user SSH keys and deploy keys in one `keys` table: one id sequence.
const KEY_COUNTER: &str = "key";

/// `ctx` re-aimed at `/users/:caller/keys`: `/user/keys` is the caller's own keys,
/// the same records `/users/:id/keys` shows.
fn own_keys_ctx<'a>(st: &State, ctx: &Ctx<'a>) -> ApiResult<Ctx<'a>> {
    let caller = ctx.caller()?.id;
    let res = res_of(st, "/users/{}/keys").ok_or_else(ApiError::no_route)?;
    Ok(Ctx {
        req: ctx.req,
        caller: ctx.caller.clone(),
        res,
        parent: vec![caller.to_string()],
        id: ctx.id.clone(),
        args: ctx.args.clone(),
    })
}

/// `POST /user/keys` and `POST /users/:id/keys` (administrators, or the user).
fn user_key_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let uid: u64 = match ctx.parent.first() {
        Some(u) => u.parse().unwrap_or(0),
        None => caller.id,
    };
    if !caller.admin && caller.id != uid {
        return Err(ApiError::forbidden());
    }
    let res = res_of(st, "/users/{}/keys").ok_or_else(ApiError::no_route)?;
    let p = &ctx.req.params;
    let title = p.required("title")?;
    let key = p.required("key")?.trim().to_string();
    let id = st.store.next_id(KEY_COUNTER);
    let obj = json!({
        "id": id,
        "title": title,
        "key": key,
        "created_at": time::now(),
        "expires_at": p.nonblank("expires_at").map(|t| datetime_text(&t)),
        "usage_type": p.nonblank("usage_type").unwrap_or_else(|| "auth_and_signing".into()),
    });
    let v = store_obj(st, res, &[uid.to_string()], id.to_string(), obj);
    Ok(Reply::json(201, &v))
}

/// A key with its MD5 and SHA-256 fingerprints filled in.
fn with_fingerprints(mut v: Value) -> Value {
    let key = v["key"].as_str().unwrap_or("").to_string();
    for (field, f) in [
        ("fingerprint", fingerprint as fn(&str) -> Option<String>),
        ("fingerprint_sha256", fingerprint_sha256),
    ] {
        if v.get(field).is_none_or(Value::is_null) {
            if let Some(fp) = f(&key) {
                v[field] = json!(fp);
            }
        }
    }
    v
}

/// The SSH key (a user's or a deploy key) that `pred` picks, as `/keys` shows it:
/// with its owner in `user`, and for a deploy key its `deploy_keys_projects`.
fn find_key(st: &State, pred: impl Fn(&Value) -> bool) -> Option<Value> {
    if let (Some(res), Some(users)) = (
        res_of(st, "/users/{}/keys"),
        st.store.coll(st.reg.user, &[]),
    ) {
        for u in users.iter() {
            let uid = u.u64("id").unwrap_or(0);
            let Some(c) = st.store.coll(res, &[uid.to_string()]) else {
                continue;
            };
            for k in c.iter() {
                let mut v = with_fingerprints(k.to_value());
                if pred(&v) {
                    v["user"] = u.to_value();
                    return Some(v);
                }
            }
        }
    }
    let all = res_of(st, "/deploy_keys")?;
    st.store.coll(all, &[])?.iter().find_map(|k| {
        let raw = with_fingerprints(k.to_value());
        if !pred(&raw) {
            return None;
        }
        let owner = raw["user_id"].as_u64();
        let mut v = deploy_key_view(st, raw);
        v["user"] = owner
            .and_then(|o| st.user(o))
            .map_or(Value::Null, Entry::to_value);
        v["deploy_keys_projects"] = Value::Array(
            deploy_key_links(st, k)
                .into_iter()
                .map(|l| {
                    json!({"id": l.link_id, "deploy_key_id": l.key_id, "project_id": l.pid,
                           "created_at": l.created_at, "updated_at": l.created_at, "can_push": l.can_push})
                })
                .collect(),
        );
        Some(v)
    })
}

/// The MD5 fingerprint GitLab shows for an OpenSSH public key (`aa:bb:…`).
pub(crate) fn fingerprint(key: &str) -> Option<String> {
    use md5::{Digest, Md5};
    let raw = key_blob(key)?;
    let d = Md5::digest(&raw);
    Some(
        d.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// The SHA-256 fingerprint as OpenSSH and GitLab write it (`SHA256:` and unpadded base64).
pub(crate) fn fingerprint_sha256(key: &str) -> Option<String> {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let raw = key_blob(key)?;
    let d = Sha256::digest(&raw);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)
    ))
}

/// The decoded key of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`).
fn key_blob(key: &str) -> Option<Vec<u8>> {
    crate::repo::base64_decode(key.split_whitespace().nth(1)?)
}

/// One project a deploy key is enabled in (GitLab's `deploy_keys_projects` row).
struct KeyLink {
    link_id: u64,
    key_id: u64,
    pid: u64,
    can_push: bool,
    created_at: Value,
}

/// The projects deploy key `k` (its `/deploy_keys` record) is enabled in, read
/// from the projects' own deploy key lists so that updates and deletions show.
fn deploy_key_links(st: &State, k: &Entry) -> Vec<KeyLink> {
    let (Some(pres), Some(projects)) = (
        res_of(st, "/projects/{}/deploy_keys"),
        st.store.coll(st.reg.project, &[]),
    ) else {
        return Vec::new();
    };
    let key_id = k.u64("id").unwrap_or(0);
    projects
        .iter()
        .filter_map(|p| {
            let pid = p.u64("id")?;
            let e = st
                .store
                .get(pres, &[pid.to_string()], &key_id.to_string())?;
            let link_id = k
                .obj
                .get("link_ids")
                .and_then(|l| l.get(pid.to_string()))
                .and_then(Value::as_u64)
                .unwrap_or(key_id);
            Some(KeyLink {
                link_id,
                key_id,
                pid,
                can_push: e.obj.get("can_push") == Some(&Value::Bool(true)),
                created_at: e.obj.get("created_at").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// A `/deploy_keys` record as GitLab shows it: the projects it is enabled in,
/// split by write access, and none of the emulator's bookkeeping.
fn deploy_key_view(st: &State, mut v: Value) -> Value {
    let id = v["id"].as_u64().unwrap_or(0).to_string();
    let links = res_of(st, "/deploy_keys")
        .and_then(|all| st.store.get(all, &[], &id))
        .map(|k| deploy_key_links(st, k))
        .unwrap_or_default();
    let project = |pid: u64| {
        st.project(pid).map_or(Value::Null, |p| {
            json!({"id": pid, "name": p.obj.get("name"), "name_with_namespace": p.obj.get("name_with_namespace"),
                   "path": p.obj.get("path"), "path_with_namespace": p.obj.get("path_with_namespace"),
                   "created_at": p.obj.get("created_at")})
        })
    };
    let (write, read): (Vec<&KeyLink>, Vec<&KeyLink>) = links.iter().partition(|l| l.can_push);
    if let Value::Object(m) = &mut v {
        m.remove("user_id");
        m.remove("link_ids");
        m.insert(
            "projects_with_write_access".into(),
            write.iter().map(|l| project(l.pid)).collect(),
        );
        m.insert(
            "projects_with_readonly_access".into(),
            read.iter().map(|l| project(l.pid)).collect(),
        );
    }
    v
}

/// Enables deploy key `key_id` (a `/deploy_keys` record) in the request's project.
fn link_deploy_key(st: &mut State, ctx: &Ctx, key_id: &str, can_push: bool) -> ApiResult<Value> {
    let all = res_of(st, "/deploy_keys").ok_or_else(ApiError::no_route)?;
    let pid = ctx.project_id();
    let link_id = st.store.next_id("deploy_keys_project");
    let k = st
        .store
        .modify(all, &[], key_id, |e| {
            let links = e.obj.entry("link_ids").or_insert_with(|| json!({}));
            links[pid.to_string()] = json!(link_id);
            e.to_value()
        })
        .ok_or_else(|| ApiError::not_found(Some("Deploy Key")))?;
    let obj = json!({
        "id": k["id"], "title": k["title"], "key": k["key"],
        "fingerprint": k["fingerprint"], "fingerprint_sha256": k["fingerprint_sha256"],
        "created_at": time::now(), "expires_at": k["expires_at"], "can_push": can_push,
    });
    Ok(store_obj(st, ctx.res, &ctx.parent, key_id.to_string(), obj))
}

/// `POST /projects/:id/deploy_keys` (and the instance's `POST /deploy_keys`):
/// a key already enabled here is answered as it is; a key the caller can
/// already use elsewhere is enabled here (same id, GitLab's documented reuse);
/// otherwise a new key takes the next id of the one `keys` sequence.
fn deploy_key_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let p = &ctx.req.params;
    let title = p.required("title")?;
    let key = p.required("key")?.trim().to_string();
    let can_push = p.bool("can_push")?.unwrap_or(false);
    let all = res_of(st, "/deploy_keys").ok_or_else(ApiError::no_route)?;
    let in_project = !ctx.parent.is_empty();
    if in_project {
        let here = entries(st, ctx.res, &ctx.parent)
            .into_iter()
            .find(|k| k["key"].as_str() == Some(key.as_str()));
        if let Some(k) = here {
            return Ok(Reply::json(201, &k));
        }
        let usable = st.store.coll(all, &[]).and_then(|c| {
            c.iter()
                .find(|k| {
                    k.str("key") == Some(key.as_str())
                        && (caller.admin
                            || k.u64("user_id") == Some(caller.id)
                            || deploy_key_links(st, k).iter().any(|l| {
                                st.project(l.pid).is_some_and(|pr| {
                                    st.project_access(Some(&caller), pr) >= access::MAINTAINER
                                })
                            }))
                })
                .and_then(|k| k.u64("id"))
        });
        if let Some(id) = usable {
            let v = link_deploy_key(st, ctx, &id.to_string(), can_push)?;
            return Ok(Reply::json(201, &v));
        }
    }
    let id = st.store.next_id(KEY_COUNTER);
    let obj = json!({
        "id": id,
        "title": title,
        "key": key,
        "fingerprint": fingerprint(&key),
        "fingerprint_sha256": fingerprint_sha256(&key),
        "created_at": time::now(),
        "expires_at": p.nonblank("expires_at").map(|t| datetime_text(&t)),
        "user_id": caller.id,
    });
    let stored = store_obj(st, all, &[], id.to_string(), obj);
    if !in_project {
        return Ok(Reply::json(201, &deploy_key_view(st, stored)));
    }
    let v = link_deploy_key(st, ctx, &id.to_string(), can_push)?;
    Ok(Reply::json(201, &v))
}

/// `POST /projects/:id/deploy_keys/:key_id/enable`.
fn deploy_key_enable(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let key_id = ctx
        .arg("key_id")
        .ok_or_else(|| ApiError::not_found(Some("Deploy Key")))?;
    if let Some(k) = st.store.get(ctx.res, &ctx.parent, &key_id) {
        return Ok(Reply::json(201, &k.to_value()));
    }
    let v = link_deploy_key(st, ctx, &key_id, false)?;
    Ok(Reply::json(201, &v))
}

/// `DELETE /projects/:id/deploy_keys/:key_id`: unlinks the key, and deletes it
/// once no project uses it any more (GitLab's documented rule).
fn deploy_key_delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    st.entry(ctx)?;
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    if let Some(all) = res_of(st, "/deploy_keys") {
        let unused = st
            .store
            .get(all, &[], ctx.id())
            .is_some_and(|k| deploy_key_links(st, k).is_empty());
        if unused {
            st.store.remove(all, &[], ctx.id());
        }
    }
    Ok(Reply::empty(204))
}

fn project_groups(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let mut ids = Vec::new();
    let mut gid = match projects::ns_ref(p) {
        Some(NamespaceRef::Group(g)) => Some(g),
        _ => None,
    };
    while let Some(g) = gid {
        if ids.contains(&g) || ids.len() > 64 {
            break;
        }
        ids.push(g);
        gid = st.group(g).and_then(|x| x.u64("parent_id"));
    }
    let with_shared = ctx.req.params.bool("with_shared")?.unwrap_or(false);
    if with_shared {
        if let Some(Value::Array(shares)) = p.obj.get("shared_with_groups") {
            ids.extend(shares.iter().filter_map(|s| s["group_id"].as_u64()));
        }
    }
    let search = ctx.req.params.nonblank("search").map(|s| s.to_lowercase());
    let v: Vec<Value> = ids
        .iter()
        .filter_map(|g| st.group(*g))
        .filter(|g| {
            search.as_deref().is_none_or(|s| {
                g.str("full_path").unwrap_or("").to_lowercase().contains(s)
                    || g.str("name").unwrap_or("").to_lowercase().contains(s)
            })
        })
        .map(|g| {
            let mut m = Map::new();
            for k in [
                "id",
                "name",
                "avatar_url",
                "web_url",
                "full_name",
                "full_path",
            ] {
                m.insert(k.into(), g.obj.get(k).cloned().unwrap_or(Value::Null));
            }
            Value::Object(m)
        })
        .collect();
    values_reply(st, ctx.req, &v)
}

fn share(st: &mut State, ctx: &Ctx, project: bool) -> ApiResult<Reply> {
    let p = &ctx.req.params;
    let gid = p
        .u64("group_id")?
        .ok_or_else(|| ApiError::error(400, "group_id is missing"))?;
    let level = p
        .u64("group_access")?
        .ok_or_else(|| ApiError::error(400, "group_access is missing"))?;
    let g = st
        .group(gid)
        .ok_or_else(|| ApiError::not_found(Some("Group")))?;
    let share = json!({
        "group_id": gid,
        "group_name": g.obj.get("name"),
        "group_full_path": g.obj.get("full_path"),
        "group_access_level": level,
        "expires_at": p.get("expires_at"),
    });
    let (res, key) = if project {
        let e = st.readable_project(ctx.caller.as_ref(), ctx.id())?;
        (st.reg.project, e.u64("id").unwrap_or(0))
    } else {
        let e = st.readable_group(ctx.caller.as_ref(), ctx.id())?;
        (st.reg.group, e.u64("id").unwrap_or(0))
    };
    let mut dup = false;
    st.store.modify(res, &[], &key.to_string(), |e| {
        let list = e
            .obj
            .entry("shared_with_groups")
            .or_insert_with(|| json!([]));
        if let Value::Array(l) = list {
            dup = l.iter().any(|s| s["group_id"].as_u64() == Some(gid));
            if !dup {
                l.push(share.clone());
            }
        }
    });
    if dup {
        return Err(ApiError::message(
            409,
            "The group has already been shared with this project",
        ));
    }
    if project {
        Ok(Reply::json(
            201,
            &json!({
                "id": st.store.next_id("group_link"),
                "project_id": key,
                "group_id": gid,
                "group_access": level,
                "expires_at": p.get("expires_at"),
            }),
        ))
    } else {
        let e = st
            .group(key)
            .ok_or_else(|| ApiError::not_found(Some("Group")))?;
        Ok(Reply::raw_json(201, e.bytes.clone()))
    }
}

fn unshare(st: &mut State, ctx: &Ctx, project: bool) -> ApiResult<Reply> {
    let gid: u64 = ctx
        .arg("group_id")
        .and_then(|g| g.parse().ok())
        .ok_or_else(|| ApiError::not_found(Some("Group Link")))?;
    let (res, key) = if project {
        let e = st.readable_project(ctx.caller.as_ref(), ctx.id())?;
        (st.reg.project, e.u64("id").unwrap_or(0))
    } else {
        let e = st.readable_group(ctx.caller.as_ref(), ctx.id())?;
        (st.reg.group, e.u64("id").unwrap_or(0))
    };
    let mut found = false;
    st.store.modify(res, &[], &key.to_string(), |e| {
        if let Some(Value::Array(l)) = e.obj.get_mut("shared_with_groups") {
            let n = l.len();
            l.retain(|s| s["group_id"].as_u64() != Some(gid));
            found = l.len() != n;
        }
    });
    if !found {
        return Err(ApiError::not_found(Some("Group Link")));
    }
    Ok(Reply::empty(204))
}

// ----- search, markdown ----------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum SearchIn {
    All,
    Group(u64),
    Project(u64),
}

fn search(
    st: &State,
    req: &ApiRequest,
    caller: Option<&Caller>,
    within: SearchIn,
) -> ApiResult<Reply> {
    let p = &req.params;
    let scope = p.required("scope")?;
    let term = p
        .str("search")
        .ok_or_else(|| ApiError::error(400, "search is missing"))?
        .to_lowercase();
    let allowed: &[&str] = match within {
        SearchIn::All => &[
            "projects",
            "issues",
            "merge_requests",
            "milestones",
            "snippet_titles",
            "users",
            "groups",
        ],
        SearchIn::Group(_) => &[
            "projects",
            "issues",
            "merge_requests",
            "milestones",
            "users",
        ],
        SearchIn::Project(_) => &[
            "issues",
            "merge_requests",
            "milestones",
            "notes",
            "wiki_blobs",
            "commits",
            "blobs",
            "users",
        ],
    };
    if !allowed.contains(&scope.as_str())
        && !["wiki_blobs", "commits", "blobs", "notes"].contains(&scope.as_str())
    {
        return Err(ApiError::error(400, "scope does not have a valid value"));
    }
    let hit = |e: &Entry, fields: &[&str]| super::search_matches(&e.obj, fields, &term);
    let project_ok = |pe: &Entry| {
        let pid = pe.u64("id").unwrap_or(0);
        st.can_read_project(caller, pe)
            && match within {
                SearchIn::All => true,
                SearchIn::Project(id) => id == pid,
                SearchIn::Group(g) => {
                    matches!(projects::ns_ref(pe), Some(NamespaceRef::Group(x)) if st.group_and_descendants(g).contains(&x))
                }
            }
    };
    let projects_in: Vec<&Entry> = st
        .store
        .coll(st.reg.project, &[])
        .map(|c| c.iter().filter(|p| project_ok(p)).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    match scope.as_str() {
        "projects" => out.extend(
            projects_in
                .iter()
                .filter(|p| hit(p, &["name", "path", "description", "path_with_namespace"]))
                .map(|p| p.to_value()),
        ),
        "issues" | "merge_requests" | "milestones" => {
            let res = match scope.as_str() {
                "issues" => Some(st.reg.issue),
                "merge_requests" => Some(st.reg.merge_request),
                _ => res_of(st, "/projects/{}/milestones"),
            };
            if let Some(res) = res {
                for pe in &projects_in {
                    let pid = pe.u64("id").unwrap_or(0).to_string();
                    if let Some(c) = st.store.coll(res, &[pid]) {
                        out.extend(
                            c.iter()
                                .filter(|e| hit(e, &["title", "description"]))
                                .map(Entry::to_value),
                        );
                    }
                }
            }
        }
        "users" => {
            if let Some(c) = st.store.coll(st.reg.user, &[]) {
                out.extend(
                    c.iter()
                        .filter(|u| hit(u, &["username", "name"]))
                        .map(|u| crate::state::basic_user(&u.obj)),
                );
            }
        }
        "groups" => {
            if let Some(c) = st.store.coll(st.reg.group, &[]) {
                out.extend(
                    c.iter()
                        .filter(|g| {
                            st.can_read_group(caller, g) && hit(g, &["name", "path", "full_path"])
                        })
                        .map(Entry::to_value),
                );
            }
        }
        "blobs" => {
            if let SearchIn::Project(pid) = within {
                out.extend(repo::search_blobs(st, pid, &term));
            }
        }
        _ => {}
    }
    values_reply(st, req, &out)
}

/// A small Markdown renderer: paragraphs, ATX headings, inline code; text escaped.
pub(crate) fn render_markdown(text: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = Vec::new();
    for (i, block) in text.split("\n\n").enumerate() {
        let b = block.trim();
        if b.is_empty() {
            continue;
        }
        let line = i + 1;
        let level = b.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&level) && b[level..].starts_with(' ') {
            let t = esc(b[level..].trim());
            let anchor: String = t
                .to_lowercase()
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { '-' })
                .collect();
            out.push(format!(
                "<h{level} data-sourcepos=\"{line}:1-{line}:{}\" dir=\"auto\">\n<a href=\"#{anchor}\" aria-hidden=\"true\" class=\"anchor\" id=\"user-content-{anchor}\"></a>{t}</h{level}>",
                b.len()
            ));
            continue;
        }
        let mut html = String::new();
        for (k, part) in esc(b).split('`').enumerate() {
            if k % 2 == 1 {
                html.push_str(&format!("<code>{part}</code>"));
            } else {
                html.push_str(part);
            }
        }
        out.push(format!(
            "<p data-sourcepos=\"{line}:1-{line}:{}\" dir=\"auto\">{html}</p>",
            b.len()
        ));
    }
    out.join("\n")
}

// ----- commit statuses, releases, issue links, feature flags, packages ----------------

fn commit_status(
    st: &mut State,
    req: &ApiRequest,
    c: &Caller,
    pid: u64,
    sha: &str,
) -> ApiResult<Reply> {
    let p = &req.params;
    let state = p.required("state")?;
    const STATES: &[&str] = &[
        "pending", "running", "success", "failed", "canceled", "skipped",
    ];
    if !STATES.contains(&state.as_str()) {
        return Err(ApiError::error(400, "state does not have a valid value"));
    }
    let full =
        repo::resolve_sha(st, pid, sha).ok_or_else(|| ApiError::not_found(Some("Commit")))?;
    let res =
        res_of(st, "/projects/{}/repository/commits/{}/statuses").ok_or_else(ApiError::no_route)?;
    let name = p
        .nonblank("name")
        .or_else(|| p.nonblank("context"))
        .unwrap_or_else(|| "default".into());
    let parent = vec![pid.to_string(), full.clone()];
    let reference = p
        .nonblank("ref")
        .or_else(|| repo::branch_of(st, pid, &full));
    let id = st.store.next_id("commit_status");
    let now = time::now();
    let obj = json!({
        "id": id,
        "sha": full,
        "ref": reference,
        "status": state,
        "name": name,
        "target_url": p.get("target_url"),
        "description": p.get("description"),
        "created_at": now,
        "started_at": if state == "pending" { Value::Null } else { json!(now) },
        "finished_at": if ["success", "failed", "canceled", "skipped"].contains(&state.as_str()) { json!(now) } else { Value::Null },
        "allow_failure": false,
        "coverage": p.get("coverage"),
        "pipeline_id": p.get("pipeline_id"),
        "author": st.user_basic(c.id),
    });
    let v = store_obj(st, res, &parent, id.to_string(), obj);
    Ok(Reply::json(201, &v))
}

fn release_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = &ctx.req.params;
    let tag = p.required("tag_name")?;
    if st.store.get(ctx.res, &ctx.parent, &tag).is_some() {
        return Err(ApiError::message(409, "Release already exists"));
    }
    let commit = repo::ensure_tag(st, pid, &tag, p.nonblank("ref").as_deref(), ctx.caller_id())?;
    let now = time::now();
    let web = st
        .project(pid)
        .and_then(|x| x.str("web_url"))
        .unwrap_or("")
        .to_string();
    let obj = json!({
        "tag_name": tag,
        "name": p.nonblank("name").unwrap_or_else(|| tag.clone()),
        "description": p.get("description"),
        "created_at": now,
        "released_at": p.get("released_at").cloned().unwrap_or_else(|| json!(now)),
        "upcoming_release": false,
        "author": st.user_basic(ctx.caller_id()),
        "commit": commit,
        "milestones": [],
        "commit_path": null,
        "tag_path": format!("/-/tags/{tag}"),
        "assets": {"count": 4, "sources": [], "links": []},
        "evidences": [],
        "_links": {"self": format!("{web}/-/releases/{tag}")},
    });
    store_obj(st, ctx.res, &ctx.parent, tag.clone(), obj);
    if let Some(Value::Object(assets)) = p.get("assets") {
        if let (Some(Value::Array(links)), Some(lres)) = (
            assets.get("links"),
            res_of(st, "/projects/{}/releases/{}/assets/links"),
        ) {
            let parent = vec![pid.to_string(), tag.clone()];
            for l in links {
                let id = st.store.next_id("/projects/{}/releases/{}/assets/links");
                let obj = json!({
                    "id": id,
                    "name": l.get("name"),
                    "url": l.get("url"),
                    "direct_asset_url": l.get("direct_asset_path").or_else(|| l.get("url")),
                    "link_type": l.get("link_type").cloned().unwrap_or_else(|| json!("other")),
                });
                store_obj(st, lres, &parent, id.to_string(), obj);
            }
        }
    }
    let c2 = with_id(ctx, tag.clone());
    let lctx = Ctx {
        parent: vec![pid.to_string(), tag.clone()],
        ..with_id(ctx, tag)
    };
    sync_release_links(st, &lctx);
    let e = st.entry(&c2)?;
    Ok(Reply::raw_json(201, e.bytes.clone()))
}

/// Copies a release's links into its `assets`.
fn sync_release_links(st: &mut State, ctx: &Ctx) {
    let (Some(rres), Some(lres)) = (
        res_of(st, "/projects/{}/releases"),
        res_of(st, "/projects/{}/releases/{}/assets/links"),
    ) else {
        return;
    };
    let pid = ctx.project_id().to_string();
    let tag = ctx.parent.get(1).cloned().unwrap_or_default();
    let links = entries(st, lres, &[pid.clone(), tag.clone()]);
    let project = st.project(ctx.project_id());
    let web = project
        .and_then(|p| p.str("web_url"))
        .unwrap_or("")
        .to_string();
    let path = project
        .and_then(|p| p.str("path"))
        .unwrap_or("")
        .to_string();
    let sources: Vec<Value> = ["zip", "tar.gz", "tar.bz2", "tar"]
        .iter()
        .map(|f| json!({"format": f, "url": format!("{web}/-/archive/{tag}/{path}-{tag}.{f}")}))
        .collect();
    st.store.modify(rres, &[pid], &tag, |e| {
        e.obj.insert(
            "assets".into(),
            json!({"count": sources.len() + links.len(), "sources": sources, "links": links}),
        );
    });
}

fn issue_link_target(st: &State, ctx: &Ctx) -> ApiResult<(u64, u64)> {
    let p = &ctx.req.params;
    let tp = p.required("target_project_id")?;
    let tiid = p
        .u64("target_issue_iid")?
        .ok_or_else(|| ApiError::error(400, "target_issue_iid is missing"))?;
    let proj = st.readable_project(ctx.caller.as_ref(), &tp)?;
    let tpid = proj.u64("id").unwrap_or(0);
    st.store
        .get(st.reg.issue, &[tpid.to_string()], &tiid.to_string())
        .ok_or_else(|| ApiError::not_found(Some("Issue")))?;
    Ok((tpid, tiid))
}

fn issue_link_create(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let (tpid, tiid) = issue_link_target(st, ctx)?;
    let pid = ctx.project_id();
    let iid: u64 = ctx.parent.get(1).and_then(|i| i.parse().ok()).unwrap_or(0);
    if pid == tpid && iid == tiid {
        return Err(ApiError::message(400, "Cannot link an issue to itself"));
    }
    let link_type = ctx
        .req
        .params
        .nonblank("link_type")
        .unwrap_or_else(|| "relates_to".into());
    let inverse = match link_type.as_str() {
        "blocks" => "is_blocked_by",
        "is_blocked_by" => "blocks",
        "relates_to" => "relates_to",
        _ => {
            return Err(ApiError::error(
                400,
                "link_type does not have a valid value",
            ))
        }
    };
    let exists = entries(st, ctx.res, &ctx.parent).iter().any(|l| {
        l["target_project_id"].as_u64() == Some(tpid)
            && l["target_issue_iid"].as_u64() == Some(tiid)
    });
    if exists {
        return Err(ApiError::message(409, "Issue(s) already assigned"));
    }
    let id = st.store.next_id("issue_link");
    let now = time::now();
    let link = |a_pid: u64, a_iid: u64, b_pid: u64, b_iid: u64, t: &str| {
        json!({"id": id, "issue_link_id": id, "source_project_id": a_pid, "source_issue_iid": a_iid,
               "target_project_id": b_pid, "target_issue_iid": b_iid, "link_type": t, "link_created_at": now})
    };
    store_obj(
        st,
        ctx.res,
        &ctx.parent,
        id.to_string(),
        link(pid, iid, tpid, tiid, &link_type),
    );
    store_obj(
        st,
        ctx.res,
        &[tpid.to_string(), tiid.to_string()],
        id.to_string(),
        link(tpid, tiid, pid, iid, inverse),
    );
    let issue = |p: u64, i: u64| {
        st.store
            .get(st.reg.issue, &[p.to_string()], &i.to_string())
            .map_or(Value::Null, Entry::to_value)
    };
    Ok(Reply::json(
        201,
        &json!({"source_issue": issue(pid, iid), "target_issue": issue(tpid, tiid), "link_type": link_type}),
    ))
}

fn issue_links(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let v: Vec<Value> = entries(st, ctx.res, &ctx.parent)
        .iter()
        .filter_map(|l| {
            let tp = l["target_project_id"].as_u64()?;
            let ti = l["target_issue_iid"].as_u64()?;
            let mut issue = st
                .store
                .get(st.reg.issue, &[tp.to_string()], &ti.to_string())?
                .to_value();
            issue["issue_link_id"] = l["issue_link_id"].clone();
            issue["link_type"] = l["link_type"].clone();
            issue["link_created_at"] = l["link_created_at"].clone();
            issue["link_updated_at"] = l["link_created_at"].clone();
            Some(issue)
        })
        .collect();
    values_reply(st, ctx.req, &v)
}

fn issue_link_delete(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let l = st.entry(ctx)?.to_value();
    st.store.remove(ctx.res, &ctx.parent, ctx.id());
    let (tp, ti) = (
        l["target_project_id"].as_u64().unwrap_or(0),
        l["target_issue_iid"].as_u64().unwrap_or(0),
    );
    st.store
        .remove(ctx.res, &[tp.to_string(), ti.to_string()], ctx.id());
    let issue = |p: u64, i: u64| {
        st.store
            .get(st.reg.issue, &[p.to_string()], &i.to_string())
            .map_or(Value::Null, Entry::to_value)
    };
    let pid = ctx.project_id();
    let iid: u64 = ctx.parent.get(1).and_then(|i| i.parse().ok()).unwrap_or(0);
    Ok(Reply::json(
        200,
        &json!({"source_issue": issue(pid, iid), "target_issue": issue(tp, ti), "link_type": l["link_type"]}),
    ))
}

fn feature_flag_write(st: &mut State, ctx: &Ctx, create: bool) -> ApiResult<Reply> {
    let p = &ctx.req.params;
    let now = time::now();
    let (old_key, mut obj) = if create {
        let name = p.required("name")?;
        if st.store.get(ctx.res, &ctx.parent, &name).is_some() {
            return Err(ApiError::message(400, "Name has already been taken"));
        }
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        m.insert(
            "description".into(),
            p.get("description").cloned().unwrap_or(Value::Null),
        );
        m.insert("active".into(), json!(true));
        m.insert(
            "version".into(),
            json!(p
                .nonblank("version")
                .unwrap_or_else(|| "new_version_flag".into())),
        );
        m.insert("created_at".into(), json!(now));
        m.insert("scopes".into(), json!([]));
        m.insert("strategies".into(), json!([]));
        (None, m)
    } else {
        let key = ctx.id().to_string();
        let e = st
            .store
            .get(ctx.res, &ctx.parent, &key)
            .ok_or_else(|| ApiError::not_found(Some("Feature Flag")))?;
        (Some(key), e.obj.clone())
    };
    if !create {
        if let Some(n) = p.nonblank("name") {
            obj.insert("name".into(), json!(n));
        }
        if let Some(d) = p.get("description") {
            obj.insert("description".into(), d.clone());
        }
    }
    if let Some(a) = p.bool("active")? {
        obj.insert("active".into(), json!(a));
    }
    let mut strategies: Vec<Value> = obj
        .get("strategies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let sent = match p.get("strategies") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    if let Value::Array(list) = sent {
        for s in list {
            let destroy = s.get("_destroy").and_then(crate::request::value_bool) == Some(true);
            let sid = s.get("id").and_then(crate::request::value_u64);
            let pos =
                sid.and_then(|id| strategies.iter().position(|x| x["id"].as_u64() == Some(id)));
            if destroy {
                if let Some(i) = pos {
                    strategies.remove(i);
                }
                continue;
            }
            let mut scopes: Vec<Value> = pos
                .and_then(|i| strategies[i]["scopes"].as_array().cloned())
                .unwrap_or_default();
            if let Some(Value::Array(sc)) = s.get("scopes") {
                for scope in sc {
                    let destroy =
                        scope.get("_destroy").and_then(crate::request::value_bool) == Some(true);
                    let scid = scope.get("id").and_then(crate::request::value_u64);
                    let at = scid
                        .and_then(|id| scopes.iter().position(|x| x["id"].as_u64() == Some(id)));
                    match (destroy, at) {
                        (true, Some(i)) => {
                            scopes.remove(i);
                        }
                        (true, None) => {}
                        (false, Some(i)) => {
                            scopes[i]["environment_scope"] = scope["environment_scope"].clone();
                        }
                        (false, None) => {
                            let id = st.store.next_id("ff_scope");
                            scopes.push(json!({"id": id, "environment_scope": scope.get("environment_scope").cloned().unwrap_or(json!("*"))}));
                        }
                    }
                }
            }
            let entry = json!({
                "id": match pos { Some(i) => strategies[i]["id"].clone(), None => json!(st.store.next_id("ff_strategy")) },
                "name": s.get("name").cloned().unwrap_or(json!("default")),
                "parameters": s.get("parameters").cloned().unwrap_or(json!({})),
                "scopes": scopes,
                "user_list": s.get("user_list").cloned().unwrap_or(Value::Null),
            });
            match pos {
                Some(i) => strategies[i] = entry,
                None => strategies.push(entry),
            }
        }
    }
    obj.insert("strategies".into(), Value::Array(strategies));
    obj.insert("updated_at".into(), json!(now));
    let new_key = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(k) = &old_key {
        st.store.remove(ctx.res, &ctx.parent, k);
    }
    let bytes = st
        .store
        .insert(ctx.res, &ctx.parent, new_key, Entry::unserialized(obj));
    Ok(Reply::raw_json(if create { 201 } else { 200 }, bytes))
}

/// The MD5, SHA-1 and SHA-256 of an uploaded file, in hex.
fn digests(data: &[u8]) -> (String, String, String) {
    use md5::{Digest, Md5};
    use sha1::Sha1;
    let hex = crate::repo::hex;
    (
        hex(&Md5::digest(data)),
        hex(&Sha1::digest(data)),
        crate::repo::sha256_hex(data),
    )
}

/// `PUT /projects/:id/packages/generic/:name/:version/:file` (and its download):
/// the file is the raw request body; `select=package_file` answers the stored
/// file record instead of GitLab's `201 Created` message.
fn generic_package(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let (Some(name), Some(version), Some(file)) = (
        ctx.arg("package_name").or_else(|| ctx.id.clone()),
        ctx.arg("package_version"),
        ctx.arg("file_name"),
    ) else {
        return Err(ApiError::no_route());
    };
    let key = format!("{pid}/{name}/{version}/{file}");
    if ctx.req.verb == Verb::Get {
        let body = st
            .packages
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(None))?;
        return Ok(Reply::text(200, body)
            .header("content-type", "application/octet-stream")
            .header(
                "content-disposition",
                format!("attachment; filename=\"{file}\""),
            ));
    }
    let caller = ctx.caller()?.clone();
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    if st.project_access(Some(&caller), p) < access::DEVELOPER {
        return Err(ApiError::forbidden());
    }
    let body = ctx.req.body.clone();
    let size = body.len();
    let (md5, sha1, sha256) = digests(&body);
    st.packages.insert(key, body);
    let status = ctx
        .req
        .params
        .nonblank("status")
        .unwrap_or_else(|| "default".into());
    let mut file_record = Value::Null;
    if let Some(res) = res_of(st, "/projects/{}/packages") {
        let parent = vec![pid.to_string()];
        let existing = entries(st, res, &parent)
            .into_iter()
            .find(|e| e["name"] == json!(name) && e["version"] == json!(version));
        let pkg_id = match existing.and_then(|e| e["id"].as_u64()) {
            Some(id) => id,
            None => {
                let id = st.store.next_id("/projects/{}/packages");
                let obj = json!({"id": id, "name": name, "version": version, "package_type": "generic",
                                 "status": status, "created_at": time::now(), "tags": [], "pipelines": []});
                store_obj(st, res, &parent, id.to_string(), obj);
                id
            }
        };
        let fid = st.store.next_id("package_file");
        let now = time::now();
        let obj = json!({"id": fid, "package_id": pkg_id, "file_name": file, "size": size,
                         "created_at": now, "file_md5": md5, "file_sha1": sha1, "file_sha256": sha256});
        if let Some(fres) = res_of(st, "/projects/{}/packages/{}/package_files") {
            store_obj(
                st,
                fres,
                &[pid.to_string(), pkg_id.to_string()],
                fid.to_string(),
                obj.clone(),
            );
        }
        // The upload's answer with `select=package_file`: GitLab's full file record.
        file_record = obj;
        file_record["updated_at"] = json!(now);
        file_record["file_store"] = json!(1);
        let disk = crate::repo::sha256_hex(pid.to_string().as_bytes());
        file_record["file"] = json!({"url": format!(
            "/{}/{}/{disk}/packages/{pkg_id}/files/{fid}/{file}",
            &disk[..2],
            &disk[2..4]
        )});
    }
    if ctx.req.params.nonblank("select").as_deref() == Some("package_file")
        && !file_record.is_null()
    {
        return Ok(Reply::json(201, &file_record));
    }
    Ok(Reply::json(201, &json!({"message": "201 Created"})))
}

// ----- project and group export / import -------------------------------------------

/// Where an export request is remembered: the export resource's own collection.
const EXPORT_KEY: &str = "export";
/// Where a finished import is remembered, in the import resource's collection.
const IMPORT_KEY: &str = "import";

/// `POST /projects/:id/export`, `POST /groups/:id/export`: exports are made at
/// once, so the request is accepted (202) and the export is finished.
fn export_request(st: &mut State, ctx: &Ctx, project: bool) -> ApiResult<Reply> {
    let caller = ctx.caller()?.clone();
    let id: u64 = ctx.parent.first().and_then(|p| p.parse().ok()).unwrap_or(0);
    let level = if project {
        let p = st
            .project(id)
            .ok_or_else(|| ApiError::not_found(Some("Project")))?;
        st.project_access(Some(&caller), p)
    } else {
        st.group_access(Some(&caller), id)
    };
    // Exporting takes the Maintainer role (projects) or Owner (groups).
    let needed = if project {
        access::MAINTAINER
    } else {
        access::OWNER
    };
    if !caller.admin && level < needed {
        return Err(ApiError::forbidden());
    }
    let obj = json!({"id": id, "export_status": "finished", "requested_at": time::now(),
                     "description": ctx.req.params.str("description")});
    let Value::Object(m) = obj else {
        return Err(ApiError::no_route());
    };
    st.store.insert(
        ctx.res,
        &ctx.parent,
        EXPORT_KEY.into(),
        Entry::unserialized(m),
    );
    Ok(Reply::json(202, &json!({"message": "202 Accepted"})))
}

/// `GET /projects/:id/export`: `export_status` is `none` until an export was
/// requested, then `finished`, with the download links.
fn export_status(st: &State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?;
    let done = st.store.get(ctx.res, &ctx.parent, EXPORT_KEY).is_some();
    let mut v = json!({
        "id": pid,
        "description": p.obj.get("description"),
        "name": p.obj.get("name"),
        "name_with_namespace": p.obj.get("name_with_namespace"),
        "path": p.obj.get("path"),
        "path_with_namespace": p.obj.get("path_with_namespace"),
        "created_at": p.obj.get("created_at"),
        "export_status": if done { "finished" } else { "none" },
    });
    if done {
        v["_links"] = json!({
            "api_url": format!("{}/api/v4/projects/{pid}/export/download", st.base_url),
            "web_url": format!("{}/download_export", p.str("web_url").unwrap_or("")),
        });
    }
    Ok(Reply::json(200, &v))
}

/// `GET .../export/download`: a tar.gz holding the export's `VERSION` and the
/// project's or group's JSON; 404 until an export was requested.
fn export_download(st: &State, ctx: &Ctx, project: bool) -> ApiResult<Reply> {
    let export_res = res_of(
        st,
        if project {
            "/projects/{}/export"
        } else {
            "/groups/{}/export"
        },
    )
    .ok_or_else(ApiError::no_route)?;
    if st.store.get(export_res, &ctx.parent, EXPORT_KEY).is_none() {
        return Err(ApiError::message(404, "404 Not found or has expired"));
    }
    let id: u64 = ctx.parent.first().and_then(|p| p.parse().ok()).unwrap_or(0);
    let (e, json_path) = if project {
        (st.project(id), "tree/project.json".to_string())
    } else {
        (st.group(id), format!("tree/groups/{id}.json"))
    };
    let e = e.ok_or_else(|| ApiError::not_found(None))?;
    let full_path = e
        .str(if project {
            "path_with_namespace"
        } else {
            "full_path"
        })
        .unwrap_or("")
        .replace('/', "_");
    let mut files = crate::repo::Tree::new();
    files.insert("VERSION".into(), bytes::Bytes::from_static(b"0.2.4"));
    files.insert(
        json_path,
        bytes::Bytes::from(crate::reply::to_bytes(&e.to_value())),
    );
    let secs = time::now_millis() / 1000;
    let data = crate::repo::archive(crate::repo::ArchiveFormat::TarGz, ".", &files, secs)
        .map_err(|_| ApiError::message(500, "500 Internal Server Error"))?;
    let stamp = time::now().replace([':', '.'], "-");
    Ok(Reply::text(200, data)
        .header("content-type", "application/gzip")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{stamp}_{full_path}_export.tar.gz\""),
        ))
}

/// `POST /projects/import`: creates the project named by `path`/`name` in
/// `namespace` (the archive's content is not read) and answers GitLab's import
/// object (201); its import is then finished.
fn project_import(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    ctx.req.params.required("path")?;
    let r = st.create(ctx)?;
    let p = parse(&r);
    let Some(pid) = p.get("id").and_then(Value::as_u64) else {
        return Ok(r);
    };
    record_event(st, pid, ctx.caller_id(), "created", "", &Value::Null);
    if let Some(ires) = res_of(st, "/projects/{}/import") {
        let m = Map::from_iter([("import_status".to_string(), json!("finished"))]);
        st.store.insert(
            ires,
            &[pid.to_string()],
            IMPORT_KEY.into(),
            Entry::unserialized(m),
        );
    }
    let mut v = import_json(&p, "scheduled");
    v["correlation_id"] = json!(secret(st, ""));
    Ok(Reply::json(201, &v))
}

/// A project as GitLab's import endpoints show it.
fn import_json(p: &Value, status: &str) -> Value {
    json!({
        "id": p["id"], "description": p["description"], "name": p["name"],
        "name_with_namespace": p["name_with_namespace"], "path": p["path"],
        "path_with_namespace": p["path_with_namespace"], "created_at": p["created_at"],
        "import_status": status, "import_type": if status == "none" { Value::Null } else { json!("gitlab_project") },
        "correlation_id": null, "failed_relations": [], "import_error": null,
    })
}

/// `GET /projects/:id/import`: `finished` for a project made by an import, else `none`.
fn import_status(st: &State, ctx: &Ctx) -> ApiResult<Reply> {
    let pid = ctx.project_id();
    let p = st
        .project(pid)
        .ok_or_else(|| ApiError::not_found(Some("Project")))?
        .to_value();
    let imported = st.store.get(ctx.res, &ctx.parent, IMPORT_KEY).is_some();
    let v = import_json(&p, if imported { "finished" } else { "none" });
    Ok(Reply::json(200, &v))
}

/// `POST /groups/import`: creates the group named by `name`/`path` (under
/// `parent_id`) and answers 202, as GitLab does before it reads the archive.
fn group_import(st: &mut State, ctx: &Ctx) -> ApiResult<Reply> {
    let r = st.create(ctx)?;
    if r.status != 201 {
        return Ok(r);
    }
    Ok(Reply::json(202, &json!({"message": "202 Accepted"})))
}

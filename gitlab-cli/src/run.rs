//! Running one action against the server and printing its result.

use crate::args::Invocation;
use crate::catalog::Kind;
use crate::output::Printer;
use crate::progress::Progress;
use crate::Failure;
use gitlab_client::meta::{Operation, ResourceMeta, Returns};
use gitlab_client::{
    ActionResult, Attrs, CallOptions, DynManager, Gitlab, Op, PageInfo, Param, ServerConfig, Value,
};
use std::io::Write;

/// Settings python-gitlab applies to every listing unless the command gives
/// them: `pagination` and `order_by`, from `--pagination`/`--order-by`, else
/// `GITLAB_PAGINATION`/`GITLAB_ORDER_BY`, else the configuration file (server
/// section, then `[global]`). They belong to the command line, not the library.
#[derive(Debug, Clone, Default)]
pub struct ListDefaults {
    pub pagination: Option<String>,
    pub order_by: Option<String>,
}

impl ListDefaults {
    pub fn resolve(
        g: &crate::args::Globals,
        env: &dyn Fn(&str) -> Option<String>,
        cfg: &gitlab_client::Config,
        section: Option<&str>,
    ) -> Result<ListDefaults, Failure> {
        let pick =
            |flag: &Option<String>, var: &str, key: &str| -> Result<Option<String>, Failure> {
                if let Some(v) = flag.clone().filter(|v| !v.is_empty()) {
                    return Ok(Some(v));
                }
                if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                    return Ok(Some(v));
                }
                Ok(cfg.value(section, key)?)
            };
        Ok(ListDefaults {
            pagination: pick(&g.pagination, "GITLAB_PAGINATION", "pagination")?,
            order_by: pick(&g.order_by, "GITLAB_ORDER_BY", "order_by")?,
        })
    }
}

pub async fn execute<W: Write + Send>(
    gl: &Gitlab,
    server: &ServerConfig,
    defaults: &ListDefaults,
    meta: &'static ResourceMeta,
    kind: Kind,
    mut inv: Invocation,
    printer: &mut Printer<W>,
) -> Result<(), Failure> {
    let mut mgr = DynManager::new(gl, meta);
    for (placeholder, value) in inv.parents.drain(..) {
        mgr = mgr.with_parent(placeholder, value);
    }
    let query = std::mem::take(&mut inv.query);
    if inv.sudo.is_some() || !query.is_empty() {
        mgr = mgr.options(CallOptions {
            sudo: inv.sudo.take(),
            query,
            ..CallOptions::default()
        });
    }
    match kind {
        Kind::Op(Operation::List) => list(&mgr, server, defaults, inv, printer).await,
        Kind::Op(Operation::Get) => {
            let id = inv.id.unwrap_or(Value::Null);
            let obj = mgr.get(id).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Op(Operation::GetWithoutId) => {
            let obj = mgr
                .fetch_filtered(
                    Op::Resource(gitlab_client::meta::Operation::Get),
                    &inv.attrs,
                )
                .await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Op(Operation::Create) => {
            let obj = mgr.create(inv.attrs).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Op(Operation::Update) => {
            let obj = mgr.update(inv.id, inv.attrs).await?;
            // python-gitlab's update returns the server's dict, which its CLI prints whole.
            printer.value(&obj.to_json())?;
            Ok(())
        }
        Kind::Op(Operation::Delete) => {
            mgr.delete(inv.id).await?;
            Ok(())
        }
        Kind::Op(Operation::Set) => {
            let mut extra = inv.attrs;
            let value = match extra.remove("value") {
                Some(Param::Value(v)) => v,
                _ => Value::Null,
            };
            let obj = mgr.set(inv.id.unwrap_or(Value::Null), value, extra).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Custom(a) if a.returns == Returns::Raw => {
            // A download goes to stdout as it arrives, whatever its size (no
            // `--max-response-size`); it can take a while, so show that it runs
            // (terminal only).
            let progress = Progress::start("downloading");
            let result = mgr
                .call_action_to(inv.id, a, inv.required, inv.attrs, &mut printer.raw_out())
                .await;
            drop(progress);
            result?;
            printer.flush()?;
            Ok(())
        }
        // python-gitlab's CLI runs every `validate` action as a lint: the
        // verdict decides the exit status and nothing is printed.
        Kind::Custom(a) if a.name == "validate" => {
            let answer = mgr
                .call_action(inv.id, a, inv.required, inv.attrs)
                .await
                .map_err(|e| Failure::Exit {
                    message: format!("Cannot validate CI YAML ({e})"),
                    code: 1,
                })?;
            match answer {
                ActionResult::Json(v) => lint_verdict(&v),
                _ => Ok(()),
            }
        }
        Kind::Custom(a) => {
            match mgr.call_action(inv.id, a, inv.required, inv.attrs).await? {
                ActionResult::None => {}
                // The object's new state, which python-gitlab's methods return
                // as the server's dict and its CLI prints whole (merge, rotate…).
                ActionResult::Json(v) => printer.value(&v)?,
                ActionResult::List(items) => printer.value(&Value::Array(items))?,
                ActionResult::Raw(bytes) => printer.raw(&bytes)?,
                ActionResult::Headers(h) => printer.headers(&h)?,
            }
            printer.flush()?;
            Ok(())
        }
    }
}

async fn list<W: Write>(
    mgr: &DynManager,
    server: &ServerConfig,
    defaults: &ListDefaults,
    inv: Invocation,
    printer: &mut Printer<W>,
) -> Result<(), Failure> {
    let mut filters: Attrs = inv.attrs;
    // Settings that python-gitlab applies to every listing unless given.
    if let (Some(p), false) = (&defaults.pagination, filters.contains("pagination")) {
        filters.insert("pagination", p.clone());
    }
    if let (Some(o), false) = (&defaults.order_by, filters.contains("order_by")) {
        filters.insert("order_by", o.clone());
    }
    let per_page = inv.per_page.or(server.per_page);
    if !inv.get_all {
        // One page, and `page` is only sent when asked for (as python-gitlab does).
        let page = mgr.pages(&filters, per_page, inv.page)?.next_page().await?;
        let (items, info) = page.map(|p| (p.items, p.info)).unwrap_or_default();
        printer.begin_list()?;
        for o in &items {
            printer.item_object(o)?;
        }
        printer.end_list()?;
        if inv.page.is_none() && !inv.no_get_all {
            if let Some(note) = truncation_warning(items.len(), &info) {
                eprintln!("{note}");
            }
        }
        return Ok(());
    }
    let mut pages = mgr.pages(&filters, per_page, inv.page)?;
    let mut progress = Progress::start("fetching the first page");
    let mut started = false;
    let result = async {
        loop {
            let Some(page) = pages.next_page().await? else {
                break;
            };
            progress.page(page.items.len(), page.info.total);
            if !started {
                printer.begin_list()?;
                started = true;
            }
            // Items go out as each page arrives, so memory holds one page.
            for o in &page.items {
                printer.item_object(o)?;
            }
            printer.flush()?;
        }
        Ok::<(), Failure>(())
    }
    .await;
    result?;
    if !started {
        printer.begin_list()?;
    }
    printer.end_list()?;
    Ok(())
}

/// A lint answer: valid when `valid` is true (or, from the instance linter
/// GitLab removed, `status` is `valid`); otherwise a failure listing its
/// `errors` the way python-gitlab's CLI does, with exit status 1.
fn lint_verdict(answer: &Value) -> Result<(), Failure> {
    let valid = match answer.get("valid") {
        Some(v) => v.as_bool() == Some(true),
        None => answer.get("status").and_then(Value::as_str) == Some("valid"),
    };
    if valid {
        return Ok(());
    }
    let errors: Vec<String> = answer
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Err(Failure::Exit {
        message: format!("CI YAML Lint failed ({})", errors.join(",\n")),
        code: 1,
    })
}

/// python-gitlab's warning when a listing shows only its first page: when
/// the server gave a page size, the page is full and the total (if known)
/// is larger than what was shown.
fn truncation_warning(shown: usize, info: &PageInfo) -> Option<String> {
    let per_page = info.per_page?;
    if (shown as u64) < u64::from(per_page) {
        return None;
    }
    let of = match info.total {
        Some(total) if shown as u64 >= total => return None,
        Some(total) => total.to_string(),
        None => "more".to_string(),
    };
    Some(format!(
        "warning: this is page 1 only ({shown} of {of} items); \
         --get-all fetches every page, --no-get-all hides this warning"
    ))
}

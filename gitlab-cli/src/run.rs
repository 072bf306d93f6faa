//! Running one action against the server and printing its result.

use crate::args::Invocation;
use crate::catalog::Kind;
use crate::output::Printer;
use crate::progress::Progress;
use crate::Failure;
use gitlab_client::meta::{ResourceMeta, Returns};
use gitlab_client::{
    ActionResult, Attrs, CallOptions, DynManager, Gitlab, Op, PageInfo, Param, ServerConfig, Value,
};
use std::io::Write;

pub async fn execute<W: Write>(
    gl: &Gitlab,
    server: &ServerConfig,
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
        Kind::List => list(&mgr, server, inv, printer).await,
        Kind::Get => {
            let id = inv.id.unwrap_or(Value::Null);
            let obj = mgr.get(id).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Fetch => {
            let obj = mgr.fetch_filtered(Op::Get, &inv.attrs).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Create => {
            let obj = mgr.create(inv.attrs).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Update => {
            let obj = mgr.update(inv.id, inv.attrs).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Delete => {
            mgr.delete(inv.id).await?;
            Ok(())
        }
        Kind::Set => {
            let mut extra = inv.attrs;
            let value = match extra.remove("value") {
                Some(Param::Value(v)) => v,
                _ => Value::Null,
            };
            let obj = mgr.set(inv.id.unwrap_or(Value::Null), value, extra).await?;
            printer.object(&obj.to_json())?;
            Ok(())
        }
        Kind::Custom(a) => {
            // A download can take a while: show that it runs (terminal only).
            let progress = (a.returns == Returns::Raw).then(|| Progress::start("downloading"));
            let result = mgr.call_action(inv.id, a, inv.required, inv.attrs).await;
            drop(progress);
            match result? {
                ActionResult::None => {}
                // The object's new state prints like `get` and `create` do.
                ActionResult::Json(v) if a.returns == Returns::SelfObject && v.is_object() => {
                    printer.object(&v)?
                }
                ActionResult::Json(v) => printer.value(&v)?,
                ActionResult::List(items) => printer.value(&Value::Array(items))?,
                ActionResult::Raw(bytes) => printer.raw(&bytes)?,
            }
            printer.flush()?;
            Ok(())
        }
    }
}

async fn list<W: Write>(
    mgr: &DynManager,
    server: &ServerConfig,
    inv: Invocation,
    printer: &mut Printer<W>,
) -> Result<(), Failure> {
    let mut filters: Attrs = inv.attrs;
    // Settings that python-gitlab applies to every listing unless given.
    if let (Some(p), false) = (&server.pagination, filters.contains("pagination")) {
        filters.insert("pagination", p.clone());
    }
    if let (Some(o), false) = (&server.order_by, filters.contains("order_by")) {
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

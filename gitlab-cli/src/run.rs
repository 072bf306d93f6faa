//! Running one action against the server and printing its result.

use crate::args::Invocation;
use crate::catalog::Kind;
use crate::output::Printer;
use crate::Failure;
use gitlab_client::meta::{Operation, ResourceMeta};
use gitlab_client::{
    ActionResult, Attrs, CallOptions, DynManager, Gitlab, Op, Param, ServerConfig, Value,
};
use std::io::{IsTerminal, Write};

/// Progress of a `--get-all` listing on stderr, only when stderr is a terminal.
struct Progress {
    on: bool,
    pages: u32,
    items: u64,
    total: Option<u64>,
}

impl Progress {
    fn new() -> Self {
        Progress {
            on: std::io::stderr().is_terminal(),
            pages: 0,
            items: 0,
            total: None,
        }
    }

    fn record(&mut self, items: usize, total: Option<u64>) {
        self.pages += 1;
        self.items += items as u64;
        self.total = total.or(self.total);
    }

    /// Shows how far the listing got while the next page is on its way.
    fn show(&self) {
        if self.on && self.pages > 0 {
            let of = self.total.map(|t| format!(" of {t}")).unwrap_or_default();
            let mut e = std::io::stderr().lock();
            let items = plural(self.items, "item");
            let pages = plural(u64::from(self.pages), "page");
            let _ = write!(
                e,
                "\r\x1b[Kfetched {items}{of} in {pages}, fetching more..."
            );
            let _ = e.flush();
        }
    }

    /// Clears the line before anything else goes to the terminal.
    fn clear(&self) {
        if self.on && self.pages > 0 {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[K");
            let _ = e.flush();
        }
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

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

pub async fn execute<W: Write>(
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
    if let Some(user) = inv.sudo.take() {
        mgr = mgr.options(CallOptions {
            sudo: Some(user),
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
            printer.object(&obj.to_json())?;
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
        Kind::Custom(a) => {
            match mgr.call_action(inv.id, a, inv.required, inv.attrs).await? {
                ActionResult::None => {}
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
        let page = mgr
            .list_page(&filters, per_page, inv.page.unwrap_or(1))
            .await?;
        printer.begin_list()?;
        for o in &page.items {
            printer.item_object(o)?;
        }
        printer.end_list()?;
        return Ok(());
    }
    let mut pages = mgr.pages(&filters, per_page, inv.page)?;
    let mut progress = Progress::new();
    let mut started = false;
    let result = async {
        loop {
            progress.show();
            let page = pages.next_page().await;
            progress.clear();
            let Some(page) = page? else { break };
            progress.record(page.items.len(), page.info.total);
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

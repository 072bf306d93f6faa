//! What the schema says about one resource (`make describe RESOURCE=ProjectIssue`).
//!
//! `cargo run -p gitlab-client --example describe -- ProjectIssue` prints what the
//! schema says about a resource: manager, path, operations, and the
//! `get_create_attrs()` / `get_update_attrs()` tables. With `GITLAB_URL` (and
//! optionally `GITLAB_PRIVATE_TOKEN`) set, it also lists the first page of
//! projects from that server, read-only.

use gitlab_client::meta::{AttrTable, ResourceMeta};
use gitlab_client::{resources, Gitlab};
use std::process::ExitCode;

fn table(label: &str, t: Option<&AttrTable>) {
    match t {
        None => println!("  {label}: not supported"),
        Some(t) => {
            println!("  {label}:");
            println!("    required:  {}", list(t.required));
            println!("    optional:  {}", list(t.optional));
            println!("    exclusive: {}", list(t.exclusive));
        }
    }
}

fn list(items: impl IntoIterator<Item = &'static str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
    }
}

fn describe(r: &ResourceMeta) {
    println!("{} ({})", r.name, r.manager);
    println!("  path:        {}", r.path);
    if !r.from_parent.is_empty() {
        let p: Vec<String> = r
            .from_parent
            .iter()
            .map(|(k, v)| format!("{{{k}}} <- parent.{v}"))
            .collect();
        println!("  parents:     {}", p.join(", "));
    }
    println!(
        "  id:          {}",
        r.id_attr.unwrap_or("(none: singleton)")
    );
    if let Some(a) = r.accessor {
        println!("  reach with:  gl.{a}()");
    }
    let ops: Vec<&str> = r.operations.iter().map(|o| o.as_str()).collect();
    println!("  operations:  {}", list(ops));
    table("get_create_attrs()", r.create.as_ref());
    table("get_update_attrs()", r.update.as_ref());
    if r.update.is_some() {
        println!("  update via:  {}", r.update_method);
    }
    println!("  list filters: {}", list(r.list_filters));
    if !r.attr_types.is_empty() {
        let t: Vec<String> = r
            .attr_types
            .iter()
            .map(|(k, t)| format!("{k}: {t:?}"))
            .collect();
        println!("  wire types:  {}", t.join(", "));
    }
    for s in r.sub_resources {
        println!("  .{}() -> {}", s.accessor, s.resource.manager);
    }
    for a in r.actions {
        let mut args: Vec<String> = a.required.iter().map(|s| s.to_string()).collect();
        args.extend(a.optional.iter().map(|s| format!("[{s}]")));
        println!(
            "  action {}({}) -> {} {} ({:?})",
            a.name,
            args.join(", "),
            a.method,
            a.path,
            a.returns
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ProjectIssue".to_string());
    let Some(meta) = resources::find(&name) else {
        eprintln!("unknown resource '{name}'. Known resources:");
        for r in resources::CATALOGUE {
            eprintln!("  {}", r.name);
        }
        return ExitCode::from(2);
    };
    describe(meta);

    let Ok(url) = std::env::var("GITLAB_URL") else {
        println!("\n(set GITLAB_URL and GITLAB_PRIVATE_TOKEN to also list projects from a server)");
        return ExitCode::SUCCESS;
    };
    let mut builder = Gitlab::builder(&url).per_page(20);
    if let Ok(token) = std::env::var("GITLAB_PRIVATE_TOKEN") {
        builder = builder.private_token(token);
    }
    let gl = match builder.build() {
        Ok(gl) => gl,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("\nFirst page of projects on {}:", gl.url());
    match gl.projects().list().page(1).await {
        Ok(page) => {
            for p in &page.items {
                let id = p.id().map(|v| v.to_string()).unwrap_or_default();
                let name: Option<String> = p.get("path_with_namespace").unwrap_or(None);
                println!("  {id:>8}  {}", name.unwrap_or_default());
            }
            if let Some(total) = page.info.total {
                println!("  ({} of {total} projects)", page.items.len());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

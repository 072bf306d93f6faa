//! `gitlab-codegen check [--schema DIR]` validates the schema;
//! `gitlab-codegen dump --format json [--schema DIR]` prints the resolved catalogue;
//! `gitlab-codegen generate [--schema DIR] [--out FILE]` prints or writes the Rust code (formatted);
//! `gitlab-codegen generate --checked-in DIR [--schema DIR]` writes the files gitlab-client
//! compiles without its `regenerate` feature (`make generate`);
//! `gitlab-codegen endpoints [--schema DIR]` prints every generated endpoint (method, path, origin);
//! `gitlab-codegen import --reference FILE [--schema DIR] [--dry-run]` adds types,
//! response fields, enums and docs URLs from a reference (see `codegen::import`).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  gitlab-codegen check [--schema DIR]
  gitlab-codegen dump --format json [--schema DIR]
  gitlab-codegen generate [--schema DIR] [--out FILE]
  gitlab-codegen generate --checked-in DIR [--schema DIR]
  gitlab-codegen endpoints [--schema DIR]
  gitlab-codegen import --reference FILE [--schema DIR] [--dry-run]

DIR defaults to ./schema.";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut it = args.into_iter();
    let cmd = it
        .next()
        .ok_or_else(|| format!("missing command\n{USAGE}"))?;
    if cmd == "--help" || cmd == "-h" || cmd == "help" {
        println!("{USAGE}");
        return Ok(());
    }
    let mut schema = PathBuf::from("schema");
    let mut format = None;
    let mut out = None;
    let mut checked_in: Option<PathBuf> = None;
    let mut reference = None;
    let mut dry_run = false;
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--schema" => schema = PathBuf::from(value("--schema")?),
            "--format" => format = Some(value("--format")?),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--checked-in" => checked_in = Some(PathBuf::from(value("--checked-in")?)),
            "--reference" => reference = Some(PathBuf::from(value("--reference")?)),
            "--dry-run" => dry_run = true,
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    if !schema.is_dir() {
        return Err(format!(
            "schema directory '{}' not found: run from the repository root or pass --schema DIR",
            schema.display()
        ));
    }
    if cmd == "import" {
        let reference =
            reference.ok_or_else(|| format!("import needs --reference FILE\n{USAGE}"))?;
        let report = codegen::import::import(&schema, &reference, !dry_run)?;
        print!("{report}");
        if dry_run {
            eprintln!("(dry run: nothing written)");
        }
        return Ok(());
    }
    let cat = codegen::load_dir(&schema).map_err(|d| d.to_string())?;
    match cmd.as_str() {
        "check" => {
            eprintln!(
                "{}: {} resources, no problems",
                schema.display(),
                cat.resources.len()
            );
            Ok(())
        }
        "dump" => match format.as_deref() {
            Some("json") => {
                println!("{}", cat.to_json());
                Ok(())
            }
            Some(f) => Err(format!("unknown format '{f}': only 'json' is supported")),
            None => Err(format!("dump needs --format json\n{USAGE}")),
        },
        "endpoints" => {
            // Tab-separated: METHOD, path below /api/v4 ({} placeholders), origin, docs_url.
            for e in cat.endpoints() {
                println!(
                    "{}\t{}\t{}\t{}",
                    e.method,
                    e.path,
                    e.origin(),
                    e.docs_url().unwrap_or("-")
                );
            }
            Ok(())
        }
        "generate" => {
            if let Some(dir) = checked_in {
                codegen::write_checked_in(&cat, &schema, &dir)?;
                eprintln!(
                    "wrote {}/{{resources.rs,resources/*.rs,blocking.rs,schema.stamp}}",
                    dir.display()
                );
                return Ok(());
            }
            let code = codegen::generate(&cat);
            match out {
                Some(p) => std::fs::write(&p, code)
                    .map_err(|e| format!("cannot write {}: {e}", p.display())),
                None => {
                    print!("{code}");
                    Ok(())
                }
            }
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}

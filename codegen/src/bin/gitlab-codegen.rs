//! `gitlab-codegen check [--schema DIR]` validates the schema;
//! `gitlab-codegen dump --format json [--schema DIR]` prints the resolved catalogue;
//! `gitlab-codegen generate [--schema DIR] [--out FILE]` prints or writes the Rust code.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  gitlab-codegen check [--schema DIR]
  gitlab-codegen dump --format json [--schema DIR]
  gitlab-codegen generate [--schema DIR] [--out FILE]

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
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--schema" => schema = PathBuf::from(value("--schema")?),
            "--format" => format = Some(value("--format")?),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    if !schema.is_dir() {
        return Err(format!(
            "schema directory '{}' not found: run from the repository root or pass --schema DIR",
            schema.display()
        ));
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
        "generate" => {
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

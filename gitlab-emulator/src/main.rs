//! `gitlab-emulator --port 0 --seed demo`: runs the emulator until Ctrl-C.

use gitlab_emulator::{Emulator, Seed};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: gitlab-emulator [--port N] [--seed empty|demo]

Runs an in-memory GitLab REST API v4 emulator on 127.0.0.1 until Ctrl-C.
  --port N     port to listen on (default 0: a free port)
  --seed NAME  starting data: 'empty' (only the admin root) or 'demo' (default)";

fn parse_args() -> Result<(u16, Seed), String> {
    let mut port = 0u16;
    let mut seed = Seed::Demo;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--port" | "-p" => {
                let v = value("a port number")?;
                port = v.parse().map_err(|_| format!("invalid port '{v}'"))?;
            }
            "--seed" | "-s" => seed = value("a seed name")?.parse()?,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok((port, seed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (port, seed) = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("gitlab-emulator: {msg}");
            }
            eprintln!("{USAGE}");
            return if msg.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let emu = match Emulator::builder().seed(seed).port(port).start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "GitLab emulator listening on {}", emu.url());
    let _ = writeln!(out, "GITLAB_URL={}", emu.url());
    let _ = writeln!(out, "GITLAB_PRIVATE_TOKEN={}", emu.admin_token());
    for u in emu.users() {
        let role = if u.admin { "admin" } else { "user" };
        let _ = writeln!(
            out,
            "token {} -> {} ({role}, id {})",
            u.token, u.username, u.id
        );
    }
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
    ExitCode::SUCCESS
}

//! `gitlab-bench` measures the client against a bare reqwest + serde_json loop
//! doing the same HTTP work, in the same run, on the embedded emulator.
//!
//! `gitlab-bench [--quick]` starts the emulator, seeds issues, and runs every
//! scenario in a child process of its own (so peak RSS is the scenario's alone),
//! alternating baseline and client runs and keeping the median. It prints a
//! table of ratios (client / baseline). `gitlab-bench scenario NAME URL TOKEN
//! PROJECT N` is the child side.

use futures_util::StreamExt;
use std::process::{Command, ExitCode};
use std::time::Instant;

const PER_PAGE: u32 = 100;

fn rss_peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One scenario, run in this process; prints `seconds rss_kib items`.
async fn scenario(
    name: &str,
    url: &str,
    token: &str,
    project: u64,
    n: usize,
) -> Result<usize, String> {
    let api = format!("{url}/api/v4");
    let bare = reqwest::Client::new();
    let gl = gitlab_client::Gitlab::builder(url)
        .private_token(token)
        .build()
        .map_err(|e| e.to_string())?;
    let issues = format!("{api}/projects/{project}/issues");
    let count = match name {
        // Bare: the loop a careful hand-written client would do.
        "list-bare" | "list-bare-collect" => {
            let mut page = Some(1u32);
            let mut count = 0;
            let mut kept: Vec<serde_json::Value> = Vec::new();
            while let Some(p) = page {
                let resp = bare
                    .get(&issues)
                    .header("PRIVATE-TOKEN", token)
                    .query(&[("per_page", PER_PAGE), ("page", p)])
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                page = resp
                    .headers()
                    .get("x-next-page")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok());
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                let items: Vec<serde_json::Value> =
                    serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                // Read one attribute of each item, as any real consumer would.
                count += items.iter().filter(|v| v["iid"].is_u64()).count();
                if name == "list-bare-collect" {
                    kept.extend(items);
                }
            }
            count
        }
        "list-stream" | "list-stream-offset" => {
            let mut list = gl
                .projects()
                .get_lazy(project)
                .issues()
                .list()
                .per_page(PER_PAGE);
            if name == "list-stream-offset" {
                list = list.offset_pagination();
            }
            let mut s = std::pin::pin!(list.stream());
            let mut count = 0;
            while let Some(item) = s.next().await {
                let item = item.map_err(|e| e.to_string())?;
                count += usize::from(item.attr("iid").is_some_and(|v| v.is_u64()));
            }
            count
        }
        "list-all" | "list-all-read" => {
            let all = gl
                .projects()
                .get_lazy(project)
                .issues()
                .list()
                .per_page(PER_PAGE)
                .all()
                .await
                .map_err(|e| e.to_string())?;
            if name == "list-all-read" {
                // Reading an attribute parses each object's JSON.
                all.iter()
                    .filter(|i| i.attr("iid").is_some_and(|v| v.is_u64()))
                    .count()
            } else {
                all.len()
            }
        }
        // A native process doing one GET: what a CLI's start-up is compared with.
        "get-one-bare" => {
            let v = bare_json(
                bare.get(format!("{api}/projects/{project}"))
                    .header("PRIVATE-TOKEN", token),
            )
            .await?;
            println!("{v}");
            1
        }
        "get-bare" => {
            for iid in 1..=n {
                bare_json(
                    bare.get(format!("{issues}/{iid}"))
                        .header("PRIVATE-TOKEN", token),
                )
                .await?;
            }
            n
        }
        "get-lib" => {
            let mgr = gl.projects().get_lazy(project).issues();
            for iid in 1..=n {
                mgr.get(iid as u64).await.map_err(|e| e.to_string())?;
            }
            n
        }
        "create-bare" => {
            for i in 0..n {
                let body = serde_json::json!({"title": format!("bench {i}"), "labels": "bench"});
                let req = bare
                    .post(&issues)
                    .header("PRIVATE-TOKEN", token)
                    .header("content-type", "application/json")
                    .body(body.to_string());
                bare_json(req).await?;
            }
            n
        }
        "create-lib" => {
            let mgr = gl.projects().get_lazy(project).issues();
            for i in 0..n {
                let attrs = gitlab_client::resources::ProjectIssueCreate::new(format!("bench {i}"))
                    .labels(vec!["bench"]);
                mgr.create(attrs).await.map_err(|e| e.to_string())?;
            }
            n
        }
        other => return Err(format!("unknown scenario '{other}'")),
    };
    Ok(count)
}

/// The baseline's request: send, read the body, parse it as JSON.
async fn bare_json(req: reqwest::RequestBuilder) -> Result<serde_json::Value, String> {
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

struct Sample {
    secs: f64,
    rss_kib: u64,
    items: usize,
}

fn run_child(name: &str, url: &str, token: &str, project: u64, n: usize) -> Result<Sample, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "scenario",
            name,
            url,
            token,
            &project.to_string(),
            &n.to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot run the scenario process: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scenario {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text.split_whitespace();
    let parse_err = || format!("scenario {name} printed '{text}'");
    Ok(Sample {
        secs: f
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(parse_err)?,
        rss_kib: f
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(parse_err)?,
        items: f
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(parse_err)?,
    })
}

/// Runs a command through `gitlab-bench measure`: a fresh, small process that
/// spawns it and reports its wall time and peak RSS. (Measuring directly from
/// this process would count the emulator's memory: a forked child's peak RSS
/// starts from its parent's.)
fn run_measured(cmd: &mut Command) -> Result<(f64, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut m = Command::new(exe);
    m.arg("measure").arg(cmd.get_program()).args(cmd.get_args());
    if cmd.get_envs().len() > 0 {
        m.env_clear();
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                m.env(k, v);
            }
        }
    }
    let out = m
        .output()
        .map_err(|e| format!("cannot run the measuring process: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text.split_whitespace();
    match (
        f.next().and_then(|v| v.parse().ok()),
        f.next().and_then(|v| v.parse().ok()),
    ) {
        (Some(secs), Some(rss)) => Ok((secs, rss)),
        _ => Err(format!("measure printed '{text}'")),
    }
}

/// The `measure` side: spawn, wait4, print `seconds peak_rss_kib`.
fn measure_child(program: &str, args: &[String]) -> Result<(f64, u64), String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let started = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for this child only.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unwaited child; both pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{cmd:?} failed (status {status})"));
    }
    Ok((secs, usage.ru_maxrss as u64))
}

/// The `gitlab` command: start-up of one GET against a native one-GET process,
/// and `--get-all` of every issue to JSON against the library streaming them.
async fn cli_benches(
    url: &str,
    token: &str,
    p_list: u64,
    p_get: u64,
    n_list: usize,
) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let cli = exe.with_file_name("gitlab");
    if !cli.exists() {
        println!("
(no {} next to gitlab-bench: build it with `cargo build --release -p gitlab-cli`; CLI benchmarks skipped)", cli.display());
        return Ok(());
    }
    let (url, token, exe, cli) = (url.to_string(), token.to_string(), exe.clone(), cli.clone());
    let rows = tokio::task::spawn_blocking(move || -> Result<Vec<String>, String> {
        let env = |c: &mut Command| {
            c.env_clear().env("GITLAB_URL", &url).env("GITLAB_PRIVATE_TOKEN", &token);
        };
        let runs = 50;
        let (mut cli_t, mut base_t, mut cli_rss, mut base_rss) = (Vec::new(), Vec::new(), 0, 0);
        for _ in 0..runs {
            let mut c = Command::new(&cli);
            env(&mut c);
            c.args(["-o", "json", "project", "get", "--id", &p_get.to_string()]);
            let (t, r) = run_measured(&mut c)?;
            cli_t.push(t);
            cli_rss = cli_rss.max(r);
            let mut b = Command::new(&exe);
            b.args(["scenario", "get-one-bare", &url, &token, &p_get.to_string(), "1"]);
            let (t, r) = run_measured(&mut b)?;
            base_t.push(t);
            base_rss = base_rss.max(r);
        }
        let mut rows = vec![format!(
            "| `gitlab project get --id N` (process start to exit, {runs} runs) | {:.1} ms | {:.1} ms | {:.2}x | {:.1} / {:.1} MiB |",
            median(base_t.clone()) * 1e3,
            median(cli_t.clone()) * 1e3,
            median(cli_t) / median(base_t),
            base_rss as f64 / 1024.0,
            cli_rss as f64 / 1024.0
        )];
        let mut lib = Command::new(&exe);
        lib.args(["scenario", "list-stream-offset", &url, &token, &p_list.to_string(), "0"]);
        let (lib_t, lib_rss) = run_measured(&mut lib)?;
        let mut c = Command::new(&cli);
        env(&mut c);
        c.args(["-o", "json", "project-issue", "list", "--project-id", &p_list.to_string(), "--per-page", "100", "--get-all"]);
        let (cli_t, cli_rss) = run_measured(&mut c)?;
        rows.push(format!(
            "| `gitlab project-issue list --get-all -o json` ({n_list} items) vs library stream | {:.3} s | {:.3} s | {:.2}x | {:.1} / {:.1} MiB |",
            lib_t,
            cli_t,
            cli_t / lib_t,
            lib_rss as f64 / 1024.0,
            cli_rss as f64 / 1024.0
        ));
        Ok(rows)
    })
    .await
    .map_err(|e| e.to_string())??;
    println!(
        "
| command line | native baseline | gitlab | ratio | peak RSS baseline / gitlab |"
    );
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Baseline against client: median seconds and peak RSS of each, items handled.
struct Comparison {
    label: &'static str,
    base_secs: f64,
    cand_secs: f64,
    base_rss_kib: u64,
    cand_rss_kib: u64,
    items: usize,
}

/// Runs baseline and candidate `rounds` times each, interleaved; medians.
#[allow(clippy::too_many_arguments)]
fn compare(
    label: &'static str,
    base: &str,
    cand: &str,
    url: &str,
    token: &str,
    project: u64,
    n: usize,
    rounds: usize,
) -> Result<Comparison, String> {
    let (mut b, mut c, mut b_rss, mut c_rss, mut items) = (Vec::new(), Vec::new(), 0, 0, 0);
    for _ in 0..rounds {
        let s = run_child(base, url, token, project, n)?;
        b.push(s.secs);
        b_rss = b_rss.max(s.rss_kib);
        let s = run_child(cand, url, token, project, n)?;
        c.push(s.secs);
        c_rss = c_rss.max(s.rss_kib);
        items = s.items;
    }
    Ok(Comparison {
        label,
        base_secs: median(b),
        cand_secs: median(c),
        base_rss_kib: b_rss,
        cand_rss_kib: c_rss,
        items,
    })
}

async fn main_all(quick: bool) -> Result<(), String> {
    let emu = gitlab_emulator::Emulator::builder()
        .seed(gitlab_emulator::Seed::Demo)
        .request_log_capacity(1000)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let url = emu.url().to_string();
    let token = emu.admin_token().to_string();
    let (n_list, n_ops, rounds) = if quick {
        (2_000, 100, 1)
    } else {
        (20_000, 1_000, 3)
    };
    let gl = emu.client().map_err(|e| e.to_string())?;
    let mk = |name: String| async {
        gl.projects()
            .create(gitlab_client::Attrs::new().set("name", name))
            .await
            .map_err(|e| e.to_string())
            .and_then(|p| {
                p.id()
                    .and_then(|v| v.as_num())
                    .ok_or_else(|| "project without id".to_string())
            })
    };
    let p20 = mk("bench-list".into()).await?;
    emu.seed_issues(p20, n_list).map_err(|e| e.to_string())?;
    let p40 = mk("bench-list-double".into()).await?;
    emu.seed_issues(p40, n_list * 2)
        .map_err(|e| e.to_string())?;
    let pget = mk("bench-get".into()).await?;
    emu.seed_issues(pget, n_ops).map_err(|e| e.to_string())?;
    let pc_bare = mk("bench-create-bare".into()).await?;
    let pc_lib = mk("bench-create-lib".into()).await?;

    println!("gitlab-bench: emulator at {url}; {rounds} round(s) per scenario, medians; ratio = client / bare baseline\n");
    println!(
        "| scenario | bare reqwest + serde_json | gitlab-client | ratio | peak RSS bare / client |"
    );
    println!("|---|---|---|---|---|");
    let tokio_rt = tokio::runtime::Handle::current();
    // Children talk to the emulator served by this process's runtime, so run them off it.
    let (u, t) = (url.clone(), token.clone());
    let results = tokio_rt
        .spawn_blocking(move || -> Result<Vec<Comparison>, String> {
            let mut creates = compare(
                "create loop",
                "create-bare",
                "create-lib",
                &u,
                &t,
                pc_bare,
                n_ops,
                1,
            )?;
            // Each side writes into its own project; the client side is re-run against its own.
            creates.cand_secs = run_child("create-lib", &u, &t, pc_lib, n_ops)?.secs;
            Ok(vec![
                compare(
                    "list streamed, keyset",
                    "list-bare",
                    "list-stream",
                    &u,
                    &t,
                    p20,
                    0,
                    rounds,
                )?,
                compare(
                    "list streamed, offset",
                    "list-bare",
                    "list-stream-offset",
                    &u,
                    &t,
                    p20,
                    0,
                    rounds,
                )?,
                compare(
                    "list collected (all), not read",
                    "list-bare-collect",
                    "list-all",
                    &u,
                    &t,
                    p20,
                    0,
                    rounds,
                )?,
                compare(
                    "list collected (all), each item read",
                    "list-bare-collect",
                    "list-all-read",
                    &u,
                    &t,
                    p20,
                    0,
                    rounds,
                )?,
                compare(
                    "list streamed, 2x items",
                    "list-bare",
                    "list-stream",
                    &u,
                    &t,
                    p40,
                    0,
                    rounds,
                )?,
                compare(
                    "sequential GETs",
                    "get-bare",
                    "get-lib",
                    &u,
                    &t,
                    pget,
                    n_ops,
                    rounds,
                )?,
                creates,
            ])
        })
        .await
        .map_err(|e| e.to_string())??;
    for r in results {
        println!(
            "| {} ({} items) | {:.3} s | {:.3} s | {:.2}x | {:.1} / {:.1} MiB |",
            r.label,
            r.items,
            r.base_secs,
            r.cand_secs,
            r.cand_secs / r.base_secs,
            r.base_rss_kib as f64 / 1024.0,
            r.cand_rss_kib as f64 / 1024.0
        );
    }

    cli_benches(&url, &token, p20, pget, n_list).await?;

    let started = Instant::now();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema");
    let cat = codegen::load_dir(&dir).map_err(|d| d.to_string())?;
    let code = codegen::generate(&cat);
    let took = started.elapsed();
    println!(
        "\ncodegen of the whole schema ({} resources, {} lines of Rust): {:.3} s",
        cat.resources.len(),
        code.lines().count(),
        took.as_secs_f64()
    );
    emu.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.first().map(String::as_str) == Some("measure") {
        let Some(program) = args.get(1) else {
            eprintln!("usage: gitlab-bench measure PROGRAM [ARGS...]");
            return ExitCode::from(2);
        };
        return match measure_child(program, &args[2..]) {
            Ok((secs, rss)) => {
                println!("{secs} {rss}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("scenario") {
        let [_, name, url, token, project, n] = args.as_slice() else {
            eprintln!("usage: gitlab-bench scenario NAME URL TOKEN PROJECT N");
            return ExitCode::from(2);
        };
        let (Ok(project), Ok(n)) = (project.parse(), n.parse()) else {
            eprintln!("PROJECT and N must be numbers");
            return ExitCode::from(2);
        };
        // The measured work runs on a current-thread runtime, as a small tool would.
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("cannot start tokio: {e}");
                return ExitCode::FAILURE;
            }
        };
        let started = Instant::now();
        return match rt.block_on(scenario(name, url, token, project, n)) {
            Ok(items) => {
                println!(
                    "{} {} {items}",
                    started.elapsed().as_secs_f64(),
                    rss_peak_kib()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let quick = args.iter().any(|a| a == "--quick");
    match rt.block_on(main_all(quick)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gitlab-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

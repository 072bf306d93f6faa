//! `gitlab`: a command-line client for the GitLab REST API v4 with
//! python-gitlab's commands, options and configuration files, generated from
//! the resource catalogue of `gitlab-client`.
//!
//! ```text
//! gitlab [GLOBAL OPTIONS] <resource> <action> [--attribute value ...]
//! gitlab -g work -o json project-issue create --project-id 1 --title hi
//! ```
//!
//! Start-up stays in the milliseconds: only the global options and the one
//! resource/action named on the command line get a clap command; the
//! catalogue is static data. Exit status: 0 success, 1 a request failed,
//! 2 the command could not be run as given (arguments, configuration).

mod args;
mod catalog;
mod complete;
mod debug;
mod output;
mod progress;
mod repr;
mod run;

use args::{Format, Globals};
use gitlab_client::{Auth, Config, ServerConfig, SslVerify};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Why the command stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The command line or the configuration is wrong; nothing was sent.
    Usage(String),
    /// clap's own message (usage errors, or `--help` output).
    Clap(clap::Error),
    /// The client refused or a request failed.
    Client(gitlab_client::Error),
    /// `--version`.
    Version,
    /// Writing the output failed.
    Io(std::io::Error),
    /// A message python-gitlab prints as is (no `error:` prefix), and the exit status.
    Exit { message: String, code: u8 },
}

impl From<gitlab_client::Error> for Failure {
    fn from(e: gitlab_client::Error) -> Self {
        Failure::Client(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<gitlab_client::ConfigError> for Failure {
    /// Configuration problems python-gitlab names start with its words
    /// (scripts match on them), followed by ours, which say where and why.
    fn from(e: gitlab_client::ConfigError) -> Self {
        let key = e.key.as_deref();
        let python = if key == Some("PYTHON_GITLAB_CFG") {
            Some("Cannot read config from PYTHON_GITLAB_CFG")
        } else if matches!(key, Some("api_version" | "GITLAB_API_VERSION")) {
            Some("Unsupported API version")
        } else if e.file.is_some() && e.section.is_none() && key.is_none() {
            // A file that cannot be read (or is not a configuration file at all).
            Some("Cannot read config from file")
        } else {
            None
        };
        match python {
            Some(p) => Failure::Exit {
                message: format!("{p}: {e}"),
                code: 2,
            },
            None => Failure::Usage(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let mut argv = Vec::new();
    for a in std::env::args_os() {
        match a.into_string() {
            Ok(s) => argv.push(s),
            Err(bad) => {
                eprintln!("error: argument {bad:?} is not valid UTF-8");
                return ExitCode::from(2);
            }
        }
    }
    match real_main(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(f),
    }
}

/// Prints a failure and picks the exit status.
fn report(f: Failure) -> ExitCode {
    match f {
        Failure::Version => {
            println!("{}", args::VERSION);
            ExitCode::SUCCESS
        }
        Failure::Clap(e) => {
            let _ = e.print();
            // Help and version requests are not errors.
            ExitCode::from(if e.use_stderr() { 2 } else { 0 })
        }
        Failure::Usage(m) => {
            eprintln!("error: {}", printable(&m));
            ExitCode::from(2)
        }
        Failure::Exit { message, code } => {
            eprintln!("{}", printable(&message));
            ExitCode::from(code)
        }
        Failure::Client(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
            use gitlab_client::Error as E;
            // Errors found before any request (bad attributes, configuration) are usage errors.
            let before_request = matches!(
                e,
                E::InvalidAttrs { .. }
                    | E::Unsupported { .. }
                    | E::MissingParent { .. }
                    | E::Config(_)
            );
            ExitCode::from(if before_request { 2 } else { 1 })
        }
        // A closed pipe (`gitlab … | head`) ends the command quietly.
        Failure::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Failure::Io(e) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}

fn real_main(argv: &[String]) -> Result<(), Failure> {
    let env = gitlab_client::process_env;
    let (globals, rest) = args::parse_globals(argv, &env)?;
    let Some(resource) = rest.first() else {
        return Err(Failure::Usage(
            "no resource given: gitlab [OPTIONS] <RESOURCE> <ACTION> [ARGUMENTS]; \
             `gitlab --help` lists the resources"
                .into(),
        ));
    };
    match resource.as_str() {
        "completion" => return completion(&rest[1..]),
        "__complete" => {
            let mut out = std::io::stdout().lock();
            for c in complete::candidates(&rest[1..]) {
                writeln!(out, "{c}")?;
            }
            return Ok(());
        }
        _ => {}
    }
    let Some(meta) = catalog::find_resource(resource) else {
        let names = catalog::resources();
        let hint = catalog::suggest(resource, names.iter().map(|(n, _)| n.as_str()));
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", quoted(&hint))
        };
        return Err(Failure::Usage(format!(
            "unknown resource '{resource}'{hint} (`gitlab --help` lists the resources)"
        )));
    };
    let actions = catalog::actions(meta);
    let action_word = rest.get(1).map(String::as_str);
    let action = match action_word {
        None | Some("-h" | "--help" | "help") => {
            let help = args::resource_help(resource, meta, &actions);
            return if action_word.is_some() {
                print!("{help}");
                Ok(())
            } else {
                Err(Failure::Usage(format!(
                    "no action given for '{resource}'\n\n{help}"
                )))
            };
        }
        Some(word) => match actions.iter().find(|a| a.name == word) {
            Some(a) => a.clone(),
            None => {
                let hint = catalog::suggest(word, actions.iter().map(|a| a.name.as_str()));
                let list: Vec<&str> = actions.iter().map(|a| a.name.as_str()).collect();
                let hint = if hint.is_empty() {
                    String::new()
                } else {
                    format!("did you mean {}? ", quoted(&hint))
                };
                return Err(Failure::Usage(format!(
                    "'{resource}' has no action '{word}'; {hint}its actions: {}",
                    list.join(", ")
                )));
            }
        },
    };
    let specs = catalog::args(meta, action.kind);
    let cmd = args::action_command(resource, meta, &action, &specs);
    let words = args::attach_dash_values(&cmd, &rest[2..]);
    let matches = cmd.try_get_matches_from(&words).map_err(|e| {
        match args::misplaced_global(resource, &action.name, &rest[2..], &specs) {
            Some(hint) => Failure::Usage(hint),
            None => Failure::Clap(e),
        }
    })?;
    let inv = args::invocation(action.kind, &specs, &matches)?;

    // Only now, with a valid command, read the configuration.
    let cfg = Config::load_or_search(&globals.config_files, &env)?;
    let from_files = cfg.server_with_env(globals.gitlab.as_deref(), &env)?;
    let defaults = run::ListDefaults::resolve(&globals, &env, &cfg, from_files.section.as_deref())?;
    let server = ServerConfig::layered(flag_layer(&globals, &env), from_files, &env)?;
    if cfg.files().is_empty() {
        eprintln!(
            "note: no configuration file found; using {}",
            gitlab_client::redact_url(server.effective_url())
        );
    }
    if globals.debug || progress::enabled() {
        debug::install(globals.debug);
    }
    if globals.debug {
        describe_server(&server, &cfg);
    }
    let gl = match globals.max_response_size {
        Some(n) => server.builder()?.max_response_size(n).build()?,
        None => server.build()?,
    };

    let format = globals.output.unwrap_or(Format::Legacy);
    // `Stdout` rather than its lock, which cannot cross an `.await` of a download.
    let mut printer = output::Printer::new(
        std::io::BufWriter::new(std::io::stdout()),
        format,
        globals.fields.clone(),
        globals.verbose,
        output::Naming::of(meta),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    let result = rt.block_on(run::execute(
        &gl,
        &server,
        &defaults,
        meta,
        action.kind,
        inv,
        &mut printer,
    ));
    // Whatever was printed before a failure still reaches stdout.
    let flushed = printer.flush();
    result?;
    flushed?;
    Ok(())
}

/// Text fit for a terminal: control characters (ESC, BEL, CR, …) that a server
/// put in a message are shown escaped (`\u{1b}`), so they cannot clear the
/// screen, retitle the window or fake a prompt. Line breaks stay.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The settings given as global options: the highest layer.
fn flag_layer(g: &Globals, env: &dyn Fn(&str) -> Option<String>) -> ServerConfig {
    let ssl_verify = if g.no_ssl_verify {
        Some(SslVerify::No)
    } else {
        g.ssl_verify.as_deref().map(|v| SslVerify::parse(v, env))
    };
    let secret = |s: &Option<String>| {
        s.as_ref()
            .filter(|t| !t.is_empty())
            .map(gitlab_client::Secret::new)
    };
    ServerConfig {
        url: g.server_url.clone(),
        private_token: secret(&g.private_token),
        oauth_token: secret(&g.oauth_token),
        job_token: secret(&g.job_token),
        ssl_verify,
        timeout: g.timeout.map(Duration::from_secs),
        per_page: g.per_page,
        user_agent: g.user_agent.clone(),
        ..ServerConfig::default()
    }
}

/// `--debug`: which server and credentials are used, with the token masked.
fn describe_server(s: &ServerConfig, cfg: &Config) {
    let auth = match s.auth() {
        Auth::Anonymous => "anonymous".to_string(),
        Auth::PrivateToken(_) => "PRIVATE-TOKEN: [MASKED]".to_string(),
        Auth::OAuth(_) => "Authorization: Bearer [MASKED]".to_string(),
        Auth::JobToken(_) => "JOB-TOKEN: [MASKED]".to_string(),
    };
    let files: Vec<String> = cfg
        .files()
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let files = if files.is_empty() {
        "no configuration file".to_string()
    } else {
        files.join(", ")
    };
    let section = s
        .section
        .as_deref()
        .map(|x| format!("section [{x}], "))
        .unwrap_or_default();
    eprintln!(
        "debug: server {} ({section}{files}); {auth}",
        gitlab_client::redact_url(s.effective_url())
    );
}

fn completion(words: &[String]) -> Result<(), Failure> {
    match words.first().map(String::as_str) {
        Some(shell) => match complete::script(shell) {
            Some(s) => {
                print!("{s}");
                Ok(())
            }
            None => Err(Failure::Usage(format!(
                "no completion for shell '{shell}': use bash, zsh or fish"
            ))),
        },
        None => Err(Failure::Usage(
            "gitlab completion <bash|zsh|fish> prints a completion script; e.g. eval \"$(gitlab completion bash)\"".into(),
        )),
    }
}

//! Parsing the command line: global options with a small fixed clap command,
//! then a clap command built for the one resource and action asked for.

use crate::catalog::{self, Action, ArgSpec, FileRole, Group, Kind};
use crate::Failure;
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command};
use gitlab_client::meta::{AttrType, Operation, ResourceMeta};
use gitlab_client::{Attrs, FilePart, Param, Value};
use std::path::PathBuf;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Legacy,
    Json,
    Yaml,
}

/// Options given before the resource.
#[derive(Debug, Default)]
pub struct Globals {
    pub config_files: Vec<PathBuf>,
    pub gitlab: Option<String>,
    pub output: Option<Format>,
    pub fields: Vec<String>,
    pub verbose: bool,
    pub debug: bool,
    pub server_url: Option<String>,
    pub private_token: Option<String>,
    pub oauth_token: Option<String>,
    pub job_token: Option<String>,
    pub ssl_verify: Option<String>,
    pub no_ssl_verify: bool,
    pub timeout: Option<u64>,
    pub max_response_size: Option<u64>,
    pub api_version: Option<String>,
    pub per_page: Option<u32>,
    pub pagination: Option<String>,
    pub order_by: Option<String>,
    pub user_agent: Option<String>,
}

/// A byte count: digits with an optional K, M or G suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => {
            return Err(format!(
                "'{text}' is not a size: use bytes, or a number with K, M or G (e.g. 512M)"
            ))
        }
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("'{text}' is not a size: use bytes, or a number with K, M or G (e.g. 512M)")
    })?;
    match n.checked_mul(1u64 << shift) {
        Some(0) => Err("the size must be at least 1 byte".into()),
        Some(v) => Ok(v),
        None => Err(format!("'{text}' is too large")),
    }
}

fn value_arg(id: &'static str, long: &'static str, name: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(long)
        .value_name(name)
        .action(ArgAction::Set)
        .help(help)
}

fn flag(id: &'static str, long: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(long)
        .action(ArgAction::SetTrue)
        .help(help)
}

/// The top-level command: global options, then `<RESOURCE> <ACTION> …` collected raw.
pub fn global_command() -> Command {
    Command::new("gitlab")
        .about("GitLab API command-line interface (python-gitlab compatible)")
        .override_usage("gitlab [OPTIONS] <RESOURCE> <ACTION> [ARGUMENTS]\n       gitlab completion <bash|zsh|fish>")
        .disable_version_flag(true)
        .allow_external_subcommands(true)
        .args_override_self(true)
        .arg(flag("version", "version", "Print the version and exit"))
        .arg(flag("verbose", "verbose", "Show every attribute (legacy output) [env: GITLAB_VERBOSE]").short('v').alias("fancy"))
        .arg(flag("debug", "debug", "Print each request on stderr (tokens are never shown) [env: GITLAB_DEBUG]").short('d'))
        .arg(
            value_arg("config_file", "config-file", "FILE", "Configuration file; repeat for several [env: PYTHON_GITLAB_CFG]")
                .short('c')
                .action(ArgAction::Append),
        )
        .arg(value_arg("gitlab", "gitlab", "SECTION", "Server section of the configuration (default: `default` in [global])").short('g'))
        .arg(
            value_arg("output", "output", "FORMAT", "Output format: legacy (default), json or yaml")
                .short('o')
                .value_parser(["legacy", "json", "yaml"]),
        )
        .arg(value_arg("fields", "fields", "LIST", "Only these attributes, comma-separated").short('f'))
        .arg(value_arg("server_url", "server-url", "URL", "GitLab server URL [env: GITLAB_URL]"))
        .arg(value_arg("private_token", "private-token", "TOKEN", "Private or personal access token [env: GITLAB_PRIVATE_TOKEN]"))
        .arg(value_arg("oauth_token", "oauth-token", "TOKEN", "OAuth token [env: GITLAB_OAUTH_TOKEN]"))
        .arg(value_arg("job_token", "job-token", "TOKEN", "CI job token [env: CI_JOB_TOKEN, in CI only]"))
        .group(ArgGroup::new("tokens").args(["private_token", "oauth_token", "job_token"]))
        .arg(value_arg("ssl_verify", "ssl-verify", "BOOL|CA_BUNDLE", "true, false, or the path of a CA bundle [env: GITLAB_SSL_VERIFY]"))
        .arg(flag("no_ssl_verify", "no-ssl-verify", "Do not verify TLS certificates").conflicts_with("ssl_verify"))
        .arg(
            value_arg("timeout", "timeout", "SECONDS", "Timeout of each request [env: GITLAB_TIMEOUT]")
                .value_parser(clap::value_parser!(u64).range(1..)),
        )
        .arg(
            value_arg(
                "max_response_size",
                "max-response-size",
                "BYTES",
                "Largest response body held in memory, e.g. 512M or 2G (default 256M) [env: GITLAB_MAX_RESPONSE_SIZE]",
            )
            .value_parser(parse_size),
        )
        .arg(value_arg("api_version", "api-version", "4", "GitLab API version; only 4 [env: GITLAB_API_VERSION]"))
        .arg(
            value_arg("per_page", "per-page", "N", "Page size of listings, 1-100 [env: GITLAB_PER_PAGE]")
                .value_parser(clap::value_parser!(u32).range(1..=100)),
        )
        .arg(value_arg("pagination", "pagination", "keyset|offset", "Pagination of listings [env: GITLAB_PAGINATION]"))
        .arg(value_arg("order_by", "order-by", "FIELD", "Default ordering of listings [env: GITLAB_ORDER_BY]"))
        .arg(value_arg("user_agent", "user-agent", "STRING", "User-Agent header [env: GITLAB_USER_AGENT]"))
        .arg(flag("skip_login", "skip-login", "Accepted for compatibility: no login check is ever made"))
        .arg(flag("no_mask_credentials", "no-mask-credentials", "Accepted for compatibility: credentials are always masked"))
        // python-gitlab's help starts with its usage line.
        .help_template("usage: {usage}\n\n{about}\n\n{all-args}{after-help}")
        .after_help(resource_list())
}

/// The resource names for the top-level help, one a line under `resource:`
/// as python-gitlab's help lists them.
fn resource_list() -> String {
    let mut out = String::from("resource:\n");
    for (name, _) in catalog::resources() {
        out.push_str("  ");
        out.push_str(&name);
        out.push('\n');
    }
    out.push_str("\n`gitlab <RESOURCE> --help` lists a resource's actions.");
    out
}

fn truthy_env(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    env(name).is_some_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off"
        )
    })
}

/// Reads the global options; returns them and the words after them (resource, action, …).
pub fn parse_globals(
    argv: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Globals, Vec<String>), Failure> {
    let m = global_command()
        .try_get_matches_from(argv)
        .map_err(Failure::Clap)?;
    let s = |id: &str| m.get_one::<String>(id).cloned();
    let output = match m.get_one::<String>("output").map(String::as_str) {
        Some("json") => Some(Format::Json),
        Some("yaml") => Some(Format::Yaml),
        Some(_) => Some(Format::Legacy),
        None => None,
    };
    let g = Globals {
        config_files: m
            .get_many::<String>("config_file")
            .map(|v| v.map(PathBuf::from).collect())
            .unwrap_or_default(),
        gitlab: s("gitlab"),
        output,
        fields: s("fields")
            .map(|f| {
                f.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        verbose: m.get_flag("verbose") || truthy_env(env, "GITLAB_VERBOSE"),
        debug: m.get_flag("debug") || truthy_env(env, "GITLAB_DEBUG"),
        server_url: s("server_url"),
        private_token: s("private_token"),
        oauth_token: s("oauth_token"),
        job_token: s("job_token"),
        ssl_verify: s("ssl_verify"),
        no_ssl_verify: m.get_flag("no_ssl_verify"),
        timeout: m.get_one::<u64>("timeout").copied(),
        max_response_size: match m.get_one::<u64>("max_response_size") {
            Some(n) => Some(*n),
            None => match env("GITLAB_MAX_RESPONSE_SIZE") {
                Some(v) => Some(
                    parse_size(&v)
                        .map_err(|e| Failure::Usage(format!("GITLAB_MAX_RESPONSE_SIZE: {e}")))?,
                ),
                None => None,
            },
        },
        api_version: s("api_version"),
        per_page: m.get_one::<u32>("per_page").copied(),
        pagination: s("pagination"),
        order_by: s("order_by"),
        user_agent: s("user_agent"),
    };
    if m.get_flag("version") {
        return Err(Failure::Version);
    }
    if let Some(v) = &g.api_version {
        if v.trim() != "4" {
            return Err(Failure::Exit {
                message: format!(
                    "Unsupported API version: --api-version {v}: only API version 4 is available"
                ),
                code: 2,
            });
        }
    }
    let rest = match m.subcommand() {
        Some((name, sub)) => {
            let mut rest = vec![name.to_string()];
            if let Some(vals) = sub.get_many::<std::ffi::OsString>("") {
                for v in vals {
                    rest.push(v.to_string_lossy().into_owned());
                }
            }
            rest
        }
        None => Vec::new(),
    };
    Ok((g, rest))
}

/// A hint when the words after the action hold a global option (`-f id`
/// after `project get`): those go before the resource. `None` when no word is
/// one, or when the action has a flag of that name itself.
pub fn misplaced_global(
    resource: &str,
    action: &str,
    words: &[String],
    specs: &[ArgSpec],
) -> Option<String> {
    let globals = global_command();
    for (i, w) in words.iter().enumerate() {
        let flag = w.split('=').next().unwrap_or(w);
        let found = globals.get_arguments().find(|a| {
            if let Some(long) = flag.strip_prefix("--") {
                a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|v| v.contains(&long))
            } else if let Some(short) = flag.strip_prefix('-').filter(|s| s.chars().count() == 1) {
                a.get_short().map(String::from).as_deref() == Some(short)
            } else {
                false
            }
        });
        let Some(global) = found else { continue };
        let name = global.get_long().unwrap_or_default();
        // The action's own flags, and the ones every listing has, are not misplaced.
        if specs.iter().any(|s| s.long == name) || ["per-page", "sudo", "help"].contains(&name) {
            continue;
        }
        // The option with its value, moved before the resource.
        let takes_value = global.get_action().takes_values() && !w.contains('=');
        let end = if takes_value {
            (i + 2).min(words.len())
        } else {
            i + 1
        };
        let moved = words[i..end].join(" ");
        let others: Vec<&str> = words[..i]
            .iter()
            .chain(&words[end..])
            .map(String::as_str)
            .collect();
        let mut fixed = format!("gitlab {moved} {resource} {action}");
        if !others.is_empty() {
            fixed.push(' ');
            fixed.push_str(&others.join(" "));
        }
        return Some(format!(
            "'{flag}' is a global option and goes before the resource: {fixed}"
        ));
    }
    None
}

/// The long names (and aliases) of `cmd`'s arguments, with whether each takes a value.
fn long_names(cmd: &Command) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    for a in cmd.get_arguments() {
        let takes = a.get_action().takes_values();
        if let Some(l) = a.get_long() {
            out.push((l, takes));
        }
        for alias in a.get_all_aliases().unwrap_or_default() {
            out.push((alias, takes));
        }
    }
    out
}

/// Whether argparse would read `word` as an option of `cmd`: a known long
/// option (or an abbreviation of one, with or without `=value`), or a known
/// short one, possibly with its value attached.
fn names_option(cmd: &Command, word: &str) -> bool {
    if let Some(rest) = word.strip_prefix("--") {
        let name = rest.split('=').next().unwrap_or(rest);
        return !name.is_empty() && long_names(cmd).iter().any(|(l, _)| l.starts_with(name));
    }
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some('-'), Some(c)) => cmd.get_arguments().any(|a| a.get_short() == Some(c)),
        _ => false,
    }
}

/// Joins `--flag VALUE` into `--flag=VALUE` where VALUE starts with `-` but,
/// as argparse decides, is not an option: it names no option of the action
/// and holds a space (`--content "---\n:job: ..."`). clap would otherwise
/// refuse it as an unknown argument. Anything else is left alone, so a
/// mistyped option still gets clap's error.
pub fn attach_dash_values(cmd: &Command, words: &[String]) -> Vec<String> {
    let longs = long_names(cmd);
    // The flag a word names, when it takes a value: exact, or the one option it abbreviates.
    let value_flag = |w: &str| -> bool {
        let Some(name) = w
            .strip_prefix("--")
            .filter(|n| !n.is_empty() && !n.contains('='))
        else {
            return false;
        };
        if let Some((_, takes)) = longs.iter().find(|(l, _)| *l == name) {
            return *takes;
        }
        let mut hits = longs.iter().filter(|(l, _)| l.starts_with(name));
        match (hits.next(), hits.next()) {
            (Some((_, takes)), None) => *takes,
            _ => false,
        }
    };
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        match words.get(i + 1) {
            Some(next)
                if value_flag(w)
                    && next.starts_with('-')
                    && next.contains(' ')
                    && !names_option(cmd, next) =>
            {
                out.push(format!("{w}={next}"));
                i += 2;
            }
            _ => {
                out.push(w.clone());
                i += 1;
            }
        }
    }
    out
}

/// The usage line of an action: its required flags, then `[OPTIONS]`.
fn usage_line(resource: &str, action: &str, specs: &[ArgSpec]) -> String {
    let mut line = format!("gitlab [GLOBAL OPTIONS] {resource} {action}");
    for s in specs.iter().filter(|s| s.required) {
        line.push_str(&format!(" --{} <{}>", s.long, value_name(s)));
    }
    let exclusive: Vec<String> = specs
        .iter()
        .filter(|s| s.group == Group::Exclusive)
        .map(|s| format!("--{} <{}>", s.long, value_name(s)))
        .collect();
    if !exclusive.is_empty() {
        line.push_str(&format!(" <{}>", exclusive.join("|")));
    }
    // Every action has optional flags (at least --sudo).
    line.push_str(" [OPTIONS]");
    line
}

/// `gitlab <resource> --help`: the resource's actions, one name a line under
/// `action:` as python-gitlab's help lists them, then what each requests.
pub fn resource_help(name: &str, meta: &'static ResourceMeta, actions: &[Action]) -> String {
    let mut out = format!(
        "usage: gitlab [GLOBAL OPTIONS] {name} <ACTION> [ARGUMENTS]\n\n{}\n\naction:\n",
        resource_about(meta)
    );
    for a in actions {
        out.push_str(&format!("  {}\n", a.name));
    }
    out.push_str(&format!(
        "\nRequests (`gitlab {name} <ACTION> --help` lists an action's arguments):\n"
    ));
    let width = actions.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in actions {
        out.push_str(&format!(
            "  {:width$}  {}\n",
            a.name,
            catalog::describe(meta, a.kind)
        ));
    }
    out
}

fn resource_about(meta: &ResourceMeta) -> String {
    let first = meta.doc.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        format!("{} at {}", meta.name, meta.path)
    } else {
        format!("{first} ({} at {})", meta.name, meta.path)
    }
}

fn arg_help(meta: &ResourceMeta, s: &ArgSpec, ty: Option<&str>) -> String {
    if s.id {
        return format!("The {}'s {}", meta.name, s.attr);
    }
    if s.parent {
        return format!("Fills {{{}}} in the path", s.attr);
    }
    let role = if s.group == Group::Filter {
        "filter"
    } else {
        "sent as"
    };
    // The schema's value type, where it has one (files and raw bodies keep their own words).
    if let Some(t) = ty.filter(|_| !matches!(s.ty, AttrType::File | AttrType::Body)) {
        return if t.starts_with("array<") {
            format!("{role} `{}`: comma-separated list ({t})", s.attr)
        } else {
            format!("{role} `{}`: {t}", s.attr)
        };
    }
    let what = match s.ty {
        AttrType::Array | AttrType::CommaSeparated => "comma-separated list",
        AttrType::File => "path of a file to upload",
        AttrType::Body => "the request body: text, or @FILE",
        AttrType::Json => "a JSON value",
        _ => "text",
    };
    format!("{role} `{}`: {what}", s.attr)
}

/// The schema's value type of an argument of `kind` (an action's own, else the resource's).
fn value_type(meta: &ResourceMeta, kind: Kind, attr: &str) -> Option<&'static str> {
    let own = match kind {
        Kind::Custom(a) => a.attributes.get(attr),
        Kind::Op(_) => None,
    };
    own.or_else(|| meta.value_type(attr))
}

/// The placeholder shown in help for a value of schema type `ty`:
/// `true|false`, an enum's values, `INT`, `YYYY-MM-DD`…
fn typed_value_name(ty: &str) -> Option<String> {
    Some(match ty {
        "boolean" => "true|false".into(),
        "integer" => "INT".into(),
        "number" => "NUMBER".into(),
        "date" => "YYYY-MM-DD".into(),
        "datetime" => "DATETIME".into(),
        t if t.starts_with("array<") => "LIST".into(),
        t => {
            let name = t.strip_prefix("enum:")?;
            let e = gitlab_client::resources::ENUMS
                .iter()
                .find(|e| e.name == name)?;
            e.values.join("|")
        }
    })
}

/// Checks a command-line value against its schema type, without changing it:
/// the request carries the text as given (as python-gitlab sends it). Enum
/// values are not checked: GitLab may know values the schema does not yet.
fn check_typed(
    ty: &'static str,
) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |v: &str| {
        if v.starts_with('@') {
            return Ok(v.to_string()); // a value read from a file is checked by GitLab
        }
        let ok = match ty {
            "boolean" => gitlab_client::meta::gitlab_boolean(v).is_some(),
            "integer" => {
                let d = v.strip_prefix('-').unwrap_or(v);
                !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())
            }
            "number" => v.parse::<f64>().is_ok_and(f64::is_finite),
            "date" => gitlab_client::Date::parse(v).is_some() && v.len() == 10,
            "datetime" => {
                gitlab_client::DateTime::parse(v).is_some()
                    || (gitlab_client::Date::parse(v).is_some() && v.len() == 10)
            }
            _ => true,
        };
        if ok {
            Ok(v.to_string())
        } else {
            let want = match ty {
                "boolean" => "true or false",
                "integer" => "a whole number",
                "number" => "a number",
                "date" => "a date, YYYY-MM-DD",
                _ => "a date-time with a zone, e.g. 2026-12-01T10:00:00Z (or a date)",
            };
            Err(format!("expected {want}"))
        }
    }
}

/// A short placeholder for the value, by kind.
fn value_name(s: &ArgSpec) -> &'static str {
    if s.id || s.parent {
        return "ID";
    }
    match s.ty {
        AttrType::Array | AttrType::CommaSeparated => "LIST",
        AttrType::File => "FILE",
        AttrType::Json => "JSON",
        _ => "VALUE",
    }
}

/// The clap command of one action, built from its argument specs.
pub fn action_command(
    resource: &str,
    meta: &'static ResourceMeta,
    action: &Action,
    specs: &[ArgSpec],
) -> Command {
    let mut cmd = Command::new(action.name.clone())
        .bin_name(format!("gitlab {resource} {}", action.name))
        // clap's own usage line lists the flags given so far, which makes
        // optional filters look required; ours shows what is required.
        .override_usage(usage_line(resource, &action.name, specs))
        .about(catalog::describe(meta, action.kind))
        .no_binary_name(true)
        .args_override_self(true)
        // python-gitlab (argparse) takes unambiguous prefixes of long flags.
        .infer_long_args(true)
        .allow_negative_numbers(true)
        .after_help(
            "Values: @FILE reads a value from a file (@@ for a literal @); \
             list attributes take comma-separated values.",
        );
    let mut exclusive: Vec<&'static str> = Vec::new();
    for s in specs {
        let ty = (!s.id && !s.parent)
            .then(|| value_type(meta, action.kind, s.attr))
            .flatten();
        let shown = ty
            .and_then(typed_value_name)
            .unwrap_or_else(|| value_name(s).to_string());
        let mut arg = Arg::new(s.attr)
            .long(s.long.clone())
            .value_name(shown)
            .action(ArgAction::Set)
            .required(s.required)
            .help(arg_help(meta, s, ty))
            .help_heading(s.group.heading());
        if let Some(t) =
            ty.filter(|t| matches!(*t, "boolean" | "integer" | "number" | "date" | "datetime"))
        {
            arg = arg.value_parser(check_typed(t));
        }
        if PYTHON_KEYWORDS.contains(&s.attr) {
            // python-gitlab names such arguments with a trailing `_` (`from_`), so its flag is `--from-`.
            arg = arg.alias(format!("{}-", s.long));
        }
        if s.group == Group::Exclusive {
            exclusive.push(s.attr);
        }
        cmd = cmd.arg(arg);
    }
    // A file given python-gitlab's way (`--filepath`) or directly.
    for s in specs
        .iter()
        .filter(|s| matches!(s.file_of, Some((_, FileRole::Path))))
    {
        if let Some((attr, _)) = s.file_of {
            if specs.iter().any(|t| t.attr == attr && t.sent && !t.parent) {
                let required = specs.iter().any(|t| {
                    t.attr == attr
                        && matches!(action.kind, Kind::Custom(a) if a.required.contains(attr))
                });
                cmd = cmd.group(
                    ArgGroup::new("file_source")
                        .args([attr, s.attr])
                        .required(required)
                        .multiple(false),
                );
            }
        }
    }
    if !exclusive.is_empty() {
        cmd = cmd.group(
            ArgGroup::new("exactly_one")
                .args(exclusive)
                .required(true)
                .multiple(false),
        );
    }
    if matches!(action.kind, Kind::Op(Operation::List)) {
        // python-gitlab reads `all` as a synonym of `get_all` unless `--get-all`
        // or `--no-get-all` is given: then, where the listing has a filter of
        // that name (commits of every branch), `--all` is that filter, `True`
        // when given without a value.
        let all_filter = meta.list_filters.contains("all");
        let mut all = Arg::new("all")
            .long("all")
            .value_name("BOOL")
            .num_args(0..=1);
        all = if all_filter {
            all.default_missing_value("True").help(
                "Like --get-all; with --get-all or --no-get-all, the `all` filter (True without a value)",
            )
        } else {
            all.default_missing_value("true")
                .help("Like --get-all; `--all false` fetches one page")
                .conflicts_with_all(["get_all", "no_get_all"])
        };
        cmd = cmd
            .next_help_heading("Pagination")
            .arg(
                Arg::new("page")
                    .long("page")
                    .value_name("N")
                    .help("Page to fetch (default 1)")
                    .value_parser(clap::value_parser!(u32).range(1..)),
            )
            .arg(
                Arg::new("per_page")
                    .long("per-page")
                    .value_name("N")
                    .help("Items per page, 1-100")
                    .value_parser(clap::value_parser!(u32).range(1..=100)),
            )
            .arg(
                Arg::new("get_all")
                    .long("get-all")
                    .action(ArgAction::SetTrue)
                    .help("Fetch every page, streaming the items"),
            )
            .arg(
                Arg::new("no_get_all")
                    .long("no-get-all")
                    .action(ArgAction::SetTrue)
                    .conflicts_with("get_all")
                    .help("Fetch one page, without the warning that more exist"),
            )
            .arg(all);
    }
    cmd.next_help_heading("Other options").arg(
        Arg::new("sudo")
            .long("sudo")
            .value_name("USER")
            .help("Run as another user (admin tokens only)"),
    )
}

/// Python keywords: python-gitlab spells arguments of these names with a trailing `_`.
const PYTHON_KEYWORDS: [&str; 8] = [
    "from", "import", "in", "is", "as", "global", "class", "with",
];

/// The values of one parsed action.
#[derive(Debug, Default)]
pub struct Invocation {
    pub parents: Vec<(&'static str, Value)>,
    pub id: Option<Value>,
    /// Attributes, filters or optional action arguments.
    pub attrs: Attrs,
    /// A custom action's required arguments, in its order.
    pub required: Vec<Param>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub get_all: bool,
    /// `--no-get-all`: one page, and no warning when more exist.
    pub no_get_all: bool,
    /// Extra query parameters (the id given to a manager action).
    pub query: Vec<(String, String)>,
    pub sudo: Option<String>,
}

/// Turns clap's matches into request values.
pub fn invocation(kind: Kind, specs: &[ArgSpec], m: &ArgMatches) -> Result<Invocation, Failure> {
    let mut inv = Invocation::default();
    let mut values: Vec<(&ArgSpec, Param)> = Vec::new();
    let mut file_name: Option<String> = None;
    let mut file_from_path: Option<(&'static str, FilePart)> = None;
    for s in specs {
        let Some(raw) = m.get_one::<String>(s.attr) else {
            continue;
        };
        if let Some((attr, role)) = s.file_of {
            match role {
                FileRole::Name => file_name = Some(raw.clone()),
                FileRole::Path => {
                    let part = FilePart::from_path(raw).map_err(|e| {
                        Failure::Usage(format!("--{} {raw}: cannot read the file: {e}", s.long))
                    })?;
                    file_from_path = Some((attr, part));
                }
            }
            continue;
        }
        let param = convert(s, raw)?;
        if s.query {
            if let Param::Value(v) = &param {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                inv.query.push((s.attr.to_string(), text));
            }
        }
        if s.parent || s.id {
            let Param::Value(v) = &param else {
                return Err(Failure::Usage(format!(
                    "--{}: a path argument cannot be a file",
                    s.long
                )));
            };
            if s.parent {
                inv.parents.push((s.attr, v.clone()));
            }
            if s.id {
                inv.id = Some(v.clone());
            }
        }
        if s.sent {
            values.push((s, param));
        }
    }
    // File attributes of create and update are uploaded under python-gitlab's
    // names; an action's file keeps its own name unless `--filename` gives one.
    if matches!(
        kind,
        Kind::Op(Operation::Create) | Kind::Op(Operation::Update)
    ) {
        for (s, p) in values.iter_mut() {
            if let (Param::File(part), AttrType::File) = (p, s.ty) {
                part.file_name = python_file_name(s.attr);
            }
        }
    }
    if let Some((attr, mut part)) = file_from_path {
        if let Some(name) = file_name {
            part.file_name = name;
        }
        values.retain(|(s, _)| s.attr != attr);
        if let Some(spec) = specs.iter().find(|s| s.attr == attr) {
            values.push((spec, Param::File(part)));
        }
    }
    let multipart = values
        .iter()
        .any(|(s, p)| s.ty == AttrType::File && matches!(p, Param::File(_)));
    if multipart {
        // python-gitlab's multipart bodies always carry `file` and `avatar`
        // fields, empty when not given; GitLab ignores the empty one.
        for field in ["file", "avatar"] {
            if !values.iter().any(|(s, _)| s.attr == field) {
                inv.attrs.insert(field, Value::String(String::new()));
            }
        }
    }
    match kind {
        Kind::Custom(a) => {
            for r in a.required {
                match values.iter().position(|(s, _)| s.attr == r) {
                    Some(i) => inv.required.push(values.remove(i).1),
                    None => inv.required.push(Param::Value(Value::Null)),
                }
            }
            for (s, p) in values {
                inv.attrs.insert(s.attr, p);
            }
        }
        _ => {
            for (s, p) in values {
                inv.attrs.insert(s.attr, p);
            }
        }
    }
    if matches!(kind, Kind::Op(Operation::List)) {
        inv.page = m.get_one::<u32>("page").copied();
        inv.per_page = m.get_one::<u32>("per_page").copied();
        let explicit = m.get_flag("get_all") || m.get_flag("no_get_all");
        let raw_all = m.get_one::<String>("all");
        // Both given: `--all` is the listing's own filter (clap allows the
        // pair only where the listing has one).
        let all = match raw_all {
            Some(v) if explicit => {
                inv.attrs.insert("all", Value::String(v.clone()));
                None
            }
            other => other.map(|v| {
                !matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "" | "0" | "false" | "no" | "off"
                )
            }),
        };
        inv.get_all = m.get_flag("get_all") || all == Some(true);
        inv.no_get_all = m.get_flag("no_get_all") || all == Some(false);
    }
    inv.sudo = m.get_one::<String>("sudo").cloned();
    Ok(inv)
}

/// The file name python-gitlab gives a file attribute of a create or update:
/// `avatar.png` for an avatar (an image), else the attribute's name (it reads
/// only the file's content, not its name).
fn python_file_name(attr: &str) -> String {
    if attr == "avatar" {
        "avatar.png".to_string()
    } else {
        attr.to_string()
    }
}

/// Largest file read as a text value with `@path`: 16 MiB.
const MAX_VALUE_FILE: u64 = 16 * 1024 * 1024;

/// A value as typed: `@@x` is the literal `@x`, `@path` the text of a file.
fn read_value(flag: &str, raw: &str) -> Result<String, Failure> {
    if let Some(lit) = raw.strip_prefix("@@") {
        return Ok(format!("@{lit}"));
    }
    if let Some(path) = raw.strip_prefix('@') {
        let cannot =
            |why: String| Failure::Usage(format!("--{flag} @{path}: cannot read the file: {why}"));
        let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
        if !meta.is_file() {
            return Err(cannot(
                "not a regular file (devices and pipes are not read)".into(),
            ));
        }
        if meta.len() > MAX_VALUE_FILE {
            return Err(cannot(format!(
                "{} bytes is more than the {MAX_VALUE_FILE} a text value may have; upload it as a file argument",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| cannot(e.to_string()))?;
        return String::from_utf8(bytes).map_err(|_| {
            Failure::Usage(format!(
                "--{flag} @{path}: the file is not UTF-8 text; only file and body arguments take binary files"
            ))
        });
    }
    Ok(raw.to_string())
}

/// Converts one typed value according to the attribute's wire type.
///
/// Plain attributes are sent as strings, like python-gitlab does (GitLab
/// converts them); list types split on commas; `json` is parsed; `file`
/// reads the file at the path given (with or without a leading `@`); `body`
/// takes the text, or `@FILE` for a file's bytes.
pub fn convert(s: &ArgSpec, raw: &str) -> Result<Param, Failure> {
    if s.parent || s.id {
        return Ok(Param::Value(Value::String(read_value(&s.long, raw)?)));
    }
    match s.ty {
        AttrType::File => {
            let path = raw.strip_prefix('@').unwrap_or(raw);
            let part = FilePart::from_path(path).map_err(|e| {
                Failure::Usage(format!("--{} {path}: cannot read the file: {e}", s.long))
            })?;
            Ok(Param::File(part))
        }
        AttrType::Body => {
            if raw.starts_with('@') && !raw.starts_with("@@") {
                let path = &raw[1..];
                let part = FilePart::from_path(path).map_err(|e| {
                    Failure::Usage(format!("--{} @{path}: cannot read the file: {e}", s.long))
                })?;
                Ok(Param::File(part))
            } else {
                Ok(Param::Value(Value::String(read_value(&s.long, raw)?)))
            }
        }
        AttrType::Array | AttrType::CommaSeparated => {
            let text = read_value(&s.long, raw)?;
            let items: Vec<Value> = if text.is_empty() {
                Vec::new()
            } else {
                text.split(',')
                    .map(|x| Value::String(x.to_string()))
                    .collect()
            };
            Ok(Param::Value(Value::Array(items)))
        }
        AttrType::Json => {
            let text = read_value(&s.long, raw)?;
            serde_json::from_str(&text).map(Param::Value).map_err(|e| {
                // python-gitlab's words first, then which flag and why.
                Failure::Usage(format!(
                    "Could not parse JSON data: --{} expects a JSON value ({e}); quote it for the shell, e.g. '{{\"a\": 1}}'",
                    s.long
                ))
            })
        }
        _ => Ok(Param::Value(Value::String(read_value(&s.long, raw)?))),
    }
}

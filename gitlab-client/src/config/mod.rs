//! Configuration in python-gitlab's format: INI files, environment variables
//! and the variables GitLab CI sets.
//!
//! ```ini
//! [global]
//! default = work
//! timeout = 10
//!
//! [work]
//! url = https://gitlab.example.com
//! private_token = helper: pass show gitlab/token
//! ```
//!
//! * Files: explicit paths, else `PYTHON_GITLAB_CFG` (then the only file read,
//!   and it must exist), else whichever of `/etc/python-gitlab.cfg`,
//!   `~/.python-gitlab.cfg` and `$XDG_CONFIG_HOME/python-gitlab.cfg`
//!   (`~/.config/python-gitlab.cfg`) exist. Several files are merged in that
//!   order, key by key, later files winning (as Python's `configparser` does).
//! * `[global]` names the `default` server section and gives defaults for the
//!   connection settings; a server section overrides them. `url` and the tokens
//!   are only read from the server section.
//! * A token written `helper: command args` is the first line the command
//!   prints (`~` and `$VARS` expanded, no shell involved). The helper is
//!   killed after `helper_timeout` seconds (server section, else `[global]`;
//!   the `GITLAB_HELPER_TIMEOUT` variable wins over both; default 10), may
//!   print at most 64 KiB, and what it writes to stderr is never repeated in
//!   errors, since it may hold the secret.
//! * As in Python's strict `configparser`, a key given twice in one section of
//!   one file, or a section header given twice, is an error naming both lines.
//! * Only regular files up to 1 MiB are read. A file holding a literal token
//!   that other users can read is reported by [`Config::warnings`].
//! * A value that interpolates a credential (`%(private_token)s`) is never
//!   shown in an error message.
//! * Values may use `configparser` interpolation: `%%` is a literal `%`,
//!   `%(key)s` the value of another key of the same section (or `[DEFAULT]`).
//!
//! [`ServerConfig`] layers sources: command-line flags over the environment
//! (`GITLAB_URL`, `GITLAB_PRIVATE_TOKEN`, …) over the files over the CI
//! variables (`CI_SERVER_URL`, `CI_JOB_TOKEN`).

mod helpers;
mod ini;
mod interpolate;
mod layering;
#[cfg(test)]
mod tests;

pub use ini::Config;
pub use layering::ServerConfig;

use crate::error::{Error, Result};
use crate::transport::Gitlab;
use interpolate::expand_home;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The server used when nothing names one (as python-gitlab does).
pub const DEFAULT_URL: &str = "https://gitlab.com";

/// Section with defaults for every server section.
pub(super) const GLOBAL: &str = "global";
/// `configparser`'s own defaults section: its keys appear in every section.
pub(super) const DEFAULTS: &str = "DEFAULT";
/// Keys whose values are credentials: never shown, may come from a helper.
pub(super) const SECRET_KEYS: [&str; 3] = ["private_token", "oauth_token", "job_token"];
/// Prefix of a value that names a credential helper command.
pub(super) const HELPER_PREFIX: &str = "helper:";

/// Reads one environment variable; injectable so tests need not touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, for [`EnvLookup`] parameters.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A configuration problem, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the bad value came from.
    pub file: Option<PathBuf>,
    /// Section of the configuration file, when the problem is in one.
    pub section: Option<String>,
    /// The key, or the environment variable, at fault.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            file: None,
            section: None,
            key: None,
            message: message.into(),
        }
    }

    pub(super) fn at(
        file: Option<&Path>,
        section: &str,
        key: &str,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.map(Path::to_path_buf),
            section: Some(section.to_string()),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    pub(super) fn env(var: &str, message: impl Into<String>) -> Self {
        ConfigError {
            file: None,
            section: None,
            key: Some(var.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        match (&self.section, &self.key) {
            (Some(s), Some(k)) => write!(f, "[{s}] {k}: ")?,
            (Some(s), None) => write!(f, "[{s}]: ")?,
            (None, Some(k)) => write!(f, "{k}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e.to_string())
    }
}

/// How TLS certificates are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SslVerify {
    /// Against the built-in roots (the default).
    Yes,
    /// Not at all: for throwaway test servers only.
    No,
    /// Against the PEM certificates in this file, or in the files of this directory, only.
    CaBundle(PathBuf),
}

impl Gitlab {
    /// A client from python-gitlab configuration files: `section` (or
    /// `[global] default`) of `files`, or of the files python-gitlab would find
    /// when `files` is empty. Environment variables other than
    /// `PYTHON_GITLAB_CFG` are not consulted; see [`ServerConfig::layered`] for that.
    pub fn from_config(section: Option<&str>, files: &[PathBuf]) -> Result<Gitlab> {
        let cfg = Config::load_or_search(files, &process_env)?;
        let server = cfg.server(section)?;
        if server.url.is_none() {
            return Err(ConfigError::new(
                "no GitLab server is configured: add a server section with `url` and name it in `default` of [global]",
            )
            .into());
        }
        server.build()
    }
}

/// Whether two server URLs name the same GitLab (ignoring a trailing `/` or `/api/v4`).
pub(super) fn same_server(a: &str, b: &str) -> bool {
    pub(super) fn norm(s: &str) -> String {
        let s = s.trim().trim_end_matches('/');
        s.strip_suffix("/api/v4")
            .unwrap_or(s)
            .trim_end_matches('/')
            .to_ascii_lowercase()
    }
    norm(a) == norm(b)
}

pub(super) fn check_api_version(v: &str) -> std::result::Result<(), String> {
    if v.trim() == "4" {
        Ok(())
    } else {
        Err(format!(
            "unsupported API version '{v}': only 4 is available"
        ))
    }
}

/// configparser's boolean words.
pub(super) fn parse_bool(v: &str) -> std::result::Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(format!(
            "'{v}' is not a boolean (use true/false, yes/no, on/off or 1/0)"
        )),
    }
}

impl SslVerify {
    /// Reads an `ssl_verify` value as python-gitlab does: a boolean word
    /// (`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`) or else the path of a
    /// CA bundle, with a leading `~` expanded from `HOME`.
    pub fn parse(v: &str, env: EnvLookup<'_>) -> SslVerify {
        match parse_bool(v) {
            Ok(true) => SslVerify::Yes,
            Ok(false) => SslVerify::No,
            Err(_) => SslVerify::CaBundle(
                expand_home(v.trim(), env).map_or_else(|| PathBuf::from(v.trim()), PathBuf::from),
            ),
        }
    }
}

pub(super) fn parse_timeout(v: &str) -> std::result::Result<Duration, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("'{v}' is not a number of seconds greater than 0")),
    }
}

pub(super) fn parse_per_page(v: &str) -> std::result::Result<u32, String> {
    match v.trim().parse::<u32>() {
        Ok(n @ 1..=100) => Ok(n),
        Ok(n) => Err(format!(
            "{n} is out of range: per_page must be between 1 and 100"
        )),
        Err(_) => Err(format!("'{v}' is not a whole number between 1 and 100")),
    }
}

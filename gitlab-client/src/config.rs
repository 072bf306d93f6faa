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
//!   prints (`~` and `$VARS` expanded, no shell involved).
//! * Values may use `configparser` interpolation: `%%` is a literal `%`,
//!   `%(key)s` the value of another key of the same section (or `[DEFAULT]`).
//!
//! [`ServerConfig`] layers sources: command-line flags over the environment
//! (`GITLAB_URL`, `GITLAB_PRIVATE_TOKEN`, …) over the files over the CI
//! variables (`CI_SERVER_URL`, `CI_JOB_TOKEN`).

use crate::client::GitlabBuilder;
use crate::transport::{Auth, Gitlab, Secret};
use crate::error::{Error, Result};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The server used when nothing names one (as python-gitlab does).
pub const DEFAULT_URL: &str = "https://gitlab.com";

/// Section with defaults for every server section.
const GLOBAL: &str = "global";
/// `configparser`'s own defaults section: its keys appear in every section.
const DEFAULTS: &str = "DEFAULT";
/// Keys whose values are credentials: never shown, may come from a helper.
const SECRET_KEYS: [&str; 3] = ["private_token", "oauth_token", "job_token"];
/// Prefix of a value that names a credential helper command.
const HELPER_PREFIX: &str = "helper:";

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
    pub section: Option<String>,
    /// The key, or the environment variable, at fault.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        ConfigError {
            file: None,
            section: None,
            key: None,
            message: message.into(),
        }
    }

    fn at(file: Option<&Path>, section: &str, key: &str, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.map(Path::to_path_buf),
            section: Some(section.to_string()),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    fn env(var: &str, message: impl Into<String>) -> Self {
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

/// One raw value and the file it was read from.
#[derive(Clone)]
struct Entry {
    key: String,
    value: String,
    file: PathBuf,
}

#[derive(Clone)]
struct Section {
    name: String,
    /// The file that first declared the section.
    file: PathBuf,
    entries: Vec<Entry>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for e in &self.entries {
            if SECRET_KEYS.contains(&e.key.as_str()) {
                m.entry(&e.key, &"***");
            } else {
                m.entry(&e.key, &e.value);
            }
        }
        m.finish()
    }
}

/// The merged content of one or more python-gitlab configuration files.
#[derive(Clone, Default)]
pub struct Config {
    files: Vec<PathBuf>,
    sections: Vec<Section>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        m.entry(&"files", &self.files);
        for s in &self.sections {
            m.entry(&s.name, s);
        }
        m.finish()
    }
}

impl Config {
    /// No files: only the environment and flags will count.
    pub fn empty() -> Config {
        Config::default()
    }

    /// The files python-gitlab would read: `PYTHON_GITLAB_CFG` alone when set
    /// (an error if it cannot be read), else the default locations that exist.
    pub fn search_paths(env: EnvLookup<'_>) -> std::result::Result<Vec<PathBuf>, ConfigError> {
        if let Some(p) = env("PYTHON_GITLAB_CFG").filter(|p| !p.is_empty()) {
            let path = expand_home(&p, env).map_or_else(|| PathBuf::from(&p), PathBuf::from);
            if !path.is_file() {
                return Err(ConfigError::env(
                    "PYTHON_GITLAB_CFG",
                    format!(
                        "names '{}', which is not a readable file; fix or unset the variable",
                        path.display()
                    ),
                ));
            }
            return Ok(vec![path]);
        }
        let mut candidates = vec![PathBuf::from("/etc/python-gitlab.cfg")];
        let home = env("HOME").filter(|h| !h.is_empty());
        if let Some(h) = &home {
            candidates.push(Path::new(h).join(".python-gitlab.cfg"));
        }
        match env("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
            Some(x) => candidates.push(Path::new(&x).join("python-gitlab.cfg")),
            None => {
                if let Some(h) = &home {
                    candidates.push(Path::new(h).join(".config").join("python-gitlab.cfg"));
                }
            }
        }
        Ok(candidates.into_iter().filter(|p| p.is_file()).collect())
    }

    /// Reads `files` in order (each must exist), later files overriding earlier ones key by key.
    pub fn load(files: &[PathBuf]) -> std::result::Result<Config, ConfigError> {
        let mut cfg = Config::empty();
        for f in files {
            let text = std::fs::read_to_string(f).map_err(|e| ConfigError {
                file: Some(f.clone()),
                section: None,
                key: None,
                message: format!("cannot read the configuration file: {e}"),
            })?;
            cfg.merge(Config::parse(&text, f)?);
        }
        Ok(cfg)
    }

    /// `files` when given, else the files of [`search_paths`](Self::search_paths).
    pub fn load_or_search(
        files: &[PathBuf],
        env: EnvLookup<'_>,
    ) -> std::result::Result<Config, ConfigError> {
        if files.is_empty() {
            Config::load(&Config::search_paths(env)?)
        } else {
            Config::load(files)
        }
    }

    /// Parses INI text; `origin` is the file name used in messages.
    pub fn parse(text: &str, origin: &Path) -> std::result::Result<Config, ConfigError> {
        let opts = ini::ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            enabled_indented_mutiline_value: true,
            ..Default::default()
        };
        let parsed = ini::Ini::load_from_str_opt(text, opts).map_err(|e| ConfigError {
            file: Some(origin.to_path_buf()),
            section: None,
            key: None,
            message: format!("not a valid INI file: {e}"),
        })?;
        let mut cfg = Config {
            files: vec![origin.to_path_buf()],
            sections: Vec::new(),
        };
        for (name, props) in parsed.iter() {
            let Some(name) = name else {
                if let Some((k, _)) = props.iter().next() {
                    return Err(ConfigError {
                        file: Some(origin.to_path_buf()),
                        section: None,
                        key: Some(k.to_string()),
                        message:
                            "key outside any [section]; put it under [global] or a server section"
                                .into(),
                    });
                }
                continue;
            };
            let mut section = Section {
                name: name.trim().to_string(),
                file: origin.to_path_buf(),
                entries: Vec::new(),
            };
            for (k, v) in props.iter() {
                // configparser folds option names to lower case.
                set_entry(
                    &mut section.entries,
                    Entry {
                        key: k.trim().to_lowercase(),
                        value: v.trim().to_string(),
                        file: origin.to_path_buf(),
                    },
                );
            }
            cfg.merge_section(section);
        }
        Ok(cfg)
    }

    fn merge(&mut self, other: Config) {
        self.files.extend(other.files);
        for s in other.sections {
            self.merge_section(s);
        }
    }

    fn merge_section(&mut self, s: Section) {
        match self.sections.iter_mut().find(|x| x.name == s.name) {
            Some(existing) => {
                for e in s.entries {
                    set_entry(&mut existing.entries, e);
                }
            }
            None => self.sections.push(s),
        }
    }

    /// The files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Server sections: every section except `[global]` and `[DEFAULT]`.
    pub fn server_names(&self) -> Vec<&str> {
        self.sections
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| *n != GLOBAL && *n != DEFAULTS)
            .collect()
    }

    /// `default` of `[global]`: the server used when none is named.
    pub fn default_server(&self) -> Option<&str> {
        self.section(GLOBAL)?
            .get("default")
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// A raw value after interpolation: the section's own, then `[DEFAULT]`'s.
    fn raw(&self, section: &str, key: &str) -> std::result::Result<Option<Located>, ConfigError> {
        let entry = self
            .section(section)
            .and_then(|s| s.get(key))
            .or_else(|| self.section(DEFAULTS).and_then(|s| s.get(key)));
        let Some(e) = entry else { return Ok(None) };
        let value = self.interpolate(section, e, 0)?;
        Ok(Some(Located {
            value,
            file: e.file.clone(),
            section: section.to_string(),
            key: key.to_string(),
        }))
    }

    /// Expands `%%` and `%(name)s` the way Python's `configparser` does.
    fn interpolate(
        &self,
        section: &str,
        e: &Entry,
        depth: usize,
    ) -> std::result::Result<String, ConfigError> {
        let fail = |m: String| ConfigError::at(Some(&e.file), section, &e.key, m);
        if !e.value.contains('%') {
            return Ok(e.value.clone());
        }
        if depth > 10 {
            return Err(fail(
                "interpolation nests too deeply (a %(key)s loop?)".into(),
            ));
        }
        let mut out = String::with_capacity(e.value.len());
        let mut rest = e.value.as_str();
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('%') {
                out.push('%');
                rest = r;
            } else if let Some(r) = after.strip_prefix('(') {
                let Some(close) = r.find(")s") else {
                    return Err(fail(
                        "'%(' must be followed by a key name and ')s'; write %% for a literal %"
                            .into(),
                    ));
                };
                let name = r[..close].to_lowercase();
                let target = self
                    .section(section)
                    .and_then(|s| s.get(&name))
                    .or_else(|| self.section(DEFAULTS).and_then(|s| s.get(&name)))
                    .ok_or_else(|| {
                        fail(format!(
                            "%({name})s refers to a key that [{section}] does not have"
                        ))
                    })?;
                out.push_str(&self.interpolate(section, target, depth + 1)?);
                rest = &r[close + 2..];
            } else {
                return Err(fail(
                    "a '%' must be written %% (or start %(key)s interpolation)".into(),
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A connection setting: the server section's value, else `[global]`'s.
    fn setting(
        &self,
        server: Option<&str>,
        key: &str,
    ) -> std::result::Result<Option<Located>, ConfigError> {
        if let Some(s) = server {
            if let Some(v) = self.raw(s, key)? {
                return Ok(Some(v));
            }
        }
        self.raw(GLOBAL, key)
    }

    /// The settings of server section `name`, or of `[global] default` when
    /// `None`. Tokens written `helper: …` are resolved by running the helper.
    ///
    /// Without a name and without `default`, only `[global]` settings are
    /// returned (no url) when the files define no server; otherwise that is an error.
    pub fn server(&self, name: Option<&str>) -> std::result::Result<ServerConfig, ConfigError> {
        self.server_with_env(name, &process_env)
    }

    /// [`server`](Self::server) with an explicit environment (for `$VARS` and `~` in helpers).
    pub fn server_with_env(
        &self,
        name: Option<&str>,
        env: EnvLookup<'_>,
    ) -> std::result::Result<ServerConfig, ConfigError> {
        let known = || {
            let names = self.server_names();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let files_list = || {
            if self.files.is_empty() {
                "no configuration file was found".to_string()
            } else {
                let list: Vec<String> =
                    self.files.iter().map(|f| f.display().to_string()).collect();
                format!("read {}", list.join(", "))
            }
        };
        let chosen: Option<(String, Option<PathBuf>)> = match name {
            Some(n) => Some((n.to_string(), None)),
            None => match self.default_server() {
                Some(d) => {
                    let file = self
                        .section(GLOBAL)
                        .and_then(|s| s.get("default"))
                        .map(|e| e.file.clone());
                    Some((d.to_string(), file))
                }
                None if self.server_names().is_empty() => None,
                None => {
                    return Err(ConfigError {
                        file: self.files.last().cloned(),
                        section: Some(GLOBAL.into()),
                        key: Some("default".into()),
                        message: format!(
                            "no GitLab server chosen: name a section (sections: {}) or set `default` in [global]",
                            known()
                        ),
                    })
                }
            },
        };
        if let Some((n, default_file)) = &chosen {
            if n == GLOBAL || n == DEFAULTS || self.section(n).is_none() {
                let mut e = ConfigError::new(format!(
                    "no server section [{n}] in the configuration ({}); known sections: {}",
                    files_list(),
                    known()
                ));
                if let Some(f) = default_file {
                    e.file = Some(f.clone());
                    e.section = Some(GLOBAL.into());
                    e.key = Some("default".into());
                }
                return Err(e);
            }
        }
        let server = chosen.as_ref().map(|(n, _)| n.as_str());
        let mut out = ServerConfig {
            section: server.map(str::to_string),
            ..ServerConfig::default()
        };
        if let Some(s) = server {
            match self.raw(s, "url")? {
                Some(v) if !v.value.is_empty() => out.url = Some(v.value),
                found => {
                    let file = found
                        .map(|v| v.file)
                        .or_else(|| self.section(s).map(|x| x.file.clone()));
                    return Err(ConfigError::at(
                        file.as_deref(),
                        s,
                        "url",
                        "missing: every server section needs `url = https://gitlab.example.com`",
                    ));
                }
            }
            let mut tokens = Vec::new();
            for key in SECRET_KEYS {
                if let Some(v) = self.raw(s, key)? {
                    if let Some(secret) = resolve_secret(&v, env)? {
                        tokens.push((key, secret));
                    }
                }
            }
            for (key, secret) in tokens {
                match key {
                    "private_token" => out.private_token = Some(secret),
                    "oauth_token" => out.oauth_token = Some(secret),
                    _ => out.job_token = Some(secret),
                }
            }
        }
        if let Some(v) = self.setting(server, "api_version")? {
            check_api_version(&v.value).map_err(|m| v.error(m))?;
        }
        if let Some(v) = self.setting(server, "ssl_verify")? {
            out.ssl_verify = Some(parse_ssl_verify(&v.value, env));
        }
        if let Some(v) = self.setting(server, "timeout")? {
            out.timeout = Some(parse_timeout(&v.value).map_err(|m| v.error(m))?);
        }
        if let Some(v) = self.setting(server, "per_page")? {
            out.per_page = Some(parse_per_page(&v.value).map_err(|m| v.error(m))?);
        }
        for (key, slot) in [
            ("pagination", &mut out.pagination),
            ("order_by", &mut out.order_by),
            ("user_agent", &mut out.user_agent),
        ] {
            if let Some(v) = self.setting(server, key)? {
                if !v.value.is_empty() {
                    *slot = Some(v.value);
                }
            }
        }
        for (key, slot) in [
            ("retry_transient_errors", &mut out.retry_transient_errors),
            ("keep_base_url", &mut out.keep_base_url),
            ("obey_rate_limit", &mut out.obey_rate_limit),
        ] {
            if let Some(v) = self.setting(server, key)? {
                *slot = Some(parse_bool(&v.value).map_err(|m| v.error(m))?);
            }
        }
        if let Some(v) = self.setting(server, "max_retries")? {
            out.max_retries = Some(v.value.parse::<i64>().map_err(|_| {
                v.error(format!(
                    "'{}' is not a whole number (use -1 for no limit)",
                    v.value
                ))
            })?);
        }
        Ok(out)
    }
}

/// A value with where it was found, for error messages.
struct Located {
    value: String,
    file: PathBuf,
    section: String,
    key: String,
}

impl Located {
    fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::at(Some(&self.file), &self.section, &self.key, message)
    }
}

fn set_entry(entries: &mut Vec<Entry>, e: Entry) {
    match entries.iter_mut().find(|x| x.key == e.key) {
        Some(slot) => *slot = e,
        None => entries.push(e),
    }
}

/// Connection settings from one source, or several layered with [`or`](Self::or).
/// Every field is optional so that a missing value can come from a lower layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// The configuration section these settings came from, if any.
    pub section: Option<String>,
    pub url: Option<String>,
    pub private_token: Option<Secret>,
    pub oauth_token: Option<Secret>,
    pub job_token: Option<Secret>,
    pub ssl_verify: Option<SslVerify>,
    pub timeout: Option<Duration>,
    pub per_page: Option<u32>,
    /// `keyset` or `offset`; applied to listings by callers (the CLI), not by [`Gitlab`].
    pub pagination: Option<String>,
    /// Default `order_by` of listings; applied by callers (the CLI), not by [`Gitlab`].
    pub order_by: Option<String>,
    pub user_agent: Option<String>,
    pub retry_transient_errors: Option<bool>,
    /// Accepted for compatibility: this client always keeps the configured
    /// base URL when following pagination links.
    pub keep_base_url: Option<bool>,
    pub obey_rate_limit: Option<bool>,
    pub max_retries: Option<i64>,
}

impl ServerConfig {
    fn has_token(&self) -> bool {
        self.private_token.is_some() || self.oauth_token.is_some() || self.job_token.is_some()
    }

    /// `self`'s values, with `lower`'s where `self` has none. The three tokens
    /// count as one setting: a layer that gives any token replaces all tokens below it.
    pub fn or(self, lower: ServerConfig) -> ServerConfig {
        let tokens_from_self = self.has_token();
        let (p, o, j) = if tokens_from_self {
            (self.private_token, self.oauth_token, self.job_token)
        } else {
            (lower.private_token, lower.oauth_token, lower.job_token)
        };
        ServerConfig {
            section: self.section.or(lower.section),
            url: self.url.or(lower.url),
            private_token: p,
            oauth_token: o,
            job_token: j,
            ssl_verify: self.ssl_verify.or(lower.ssl_verify),
            timeout: self.timeout.or(lower.timeout),
            per_page: self.per_page.or(lower.per_page),
            pagination: self.pagination.or(lower.pagination),
            order_by: self.order_by.or(lower.order_by),
            user_agent: self.user_agent.or(lower.user_agent),
            retry_transient_errors: self.retry_transient_errors.or(lower.retry_transient_errors),
            keep_base_url: self.keep_base_url.or(lower.keep_base_url),
            obey_rate_limit: self.obey_rate_limit.or(lower.obey_rate_limit),
            max_retries: self.max_retries.or(lower.max_retries),
        }
    }

    /// python-gitlab's environment variables: `GITLAB_URL`, `GITLAB_PRIVATE_TOKEN`,
    /// `GITLAB_OAUTH_TOKEN`, `GITLAB_SSL_VERIFY`, `GITLAB_TIMEOUT`, `GITLAB_API_VERSION`,
    /// `GITLAB_PER_PAGE`, `GITLAB_PAGINATION`, `GITLAB_ORDER_BY`, `GITLAB_USER_AGENT`.
    /// Empty variables count as unset.
    pub fn from_env(env: EnvLookup<'_>) -> std::result::Result<ServerConfig, ConfigError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let mut out = ServerConfig {
            url: get("GITLAB_URL"),
            private_token: get("GITLAB_PRIVATE_TOKEN").map(Secret::new),
            oauth_token: get("GITLAB_OAUTH_TOKEN").map(Secret::new),
            pagination: get("GITLAB_PAGINATION"),
            order_by: get("GITLAB_ORDER_BY"),
            user_agent: get("GITLAB_USER_AGENT"),
            ..ServerConfig::default()
        };
        if let Some(v) = get("GITLAB_API_VERSION") {
            check_api_version(&v).map_err(|m| ConfigError::env("GITLAB_API_VERSION", m))?;
        }
        if let Some(v) = get("GITLAB_SSL_VERIFY") {
            out.ssl_verify = Some(parse_ssl_verify(&v, env));
        }
        if let Some(v) = get("GITLAB_TIMEOUT") {
            out.timeout =
                Some(parse_timeout(&v).map_err(|m| ConfigError::env("GITLAB_TIMEOUT", m))?);
        }
        if let Some(v) = get("GITLAB_PER_PAGE") {
            out.per_page =
                Some(parse_per_page(&v).map_err(|m| ConfigError::env("GITLAB_PER_PAGE", m))?);
        }
        Ok(out)
    }

    /// The CI job's server and token (`CI_SERVER_URL`, `CI_JOB_TOKEN`): the lowest layer.
    pub fn from_ci(env: EnvLookup<'_>) -> ServerConfig {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        ServerConfig {
            url: get("CI_SERVER_URL"),
            job_token: get("CI_JOB_TOKEN").map(Secret::new),
            ..ServerConfig::default()
        }
    }

    /// Adds the CI layer below `self`. The job token is only used when no
    /// other layer gives a token and the server is the CI job's own, so a job
    /// token never travels to another host.
    pub fn or_ci(self, ci: ServerConfig) -> ServerConfig {
        let mut out = self;
        if out.url.is_none() {
            out.url = ci.url.clone();
        }
        if !out.has_token() {
            if let (Some(mine), Some(theirs), Some(t)) = (&out.url, &ci.url, ci.job_token) {
                if same_server(mine, theirs) {
                    out.job_token = Some(t);
                }
            }
        }
        out
    }

    /// All layers in python-gitlab's order: `flags` > environment > `files` > CI variables.
    pub fn layered(
        flags: ServerConfig,
        files: ServerConfig,
        env: EnvLookup<'_>,
    ) -> std::result::Result<ServerConfig, ConfigError> {
        Ok(flags
            .or(ServerConfig::from_env(env)?)
            .or(files)
            .or_ci(ServerConfig::from_ci(env)))
    }

    /// The credentials to send: a private token wins over an OAuth token, which
    /// wins over a job token (python-gitlab's order); none is anonymous.
    pub fn auth(&self) -> Auth {
        if let Some(t) = &self.private_token {
            Auth::PrivateToken(t.clone())
        } else if let Some(t) = &self.oauth_token {
            Auth::OAuth(t.clone())
        } else if let Some(t) = &self.job_token {
            Auth::JobToken(t.clone())
        } else {
            Auth::Anonymous
        }
    }

    /// The URL used: `url`, or [`DEFAULT_URL`].
    pub fn effective_url(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_URL)
    }

    /// A client builder with these settings (a CA bundle becomes an `http_client`).
    pub fn builder(&self) -> Result<GitlabBuilder> {
        let mut b = Gitlab::builder(self.effective_url()).auth(self.auth());
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(n) = self.per_page {
            b = b.per_page(n);
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.clone());
        }
        if let Some(x) = self.retry_transient_errors {
            b = b.retry_transient_errors(x);
        }
        if let Some(x) = self.obey_rate_limit {
            b = b.obey_rate_limit(x);
        }
        if let Some(n) = self.max_retries {
            b = b.max_retries(n);
        }
        match &self.ssl_verify {
            None | Some(SslVerify::Yes) => {}
            Some(SslVerify::No) => b = b.danger_accept_invalid_certs(true),
            Some(SslVerify::CaBundle(p)) => b = b.http_client(client_with_ca(p)?),
        }
        Ok(b)
    }

    /// Builds the client (no request is made).
    pub fn build(&self) -> Result<Gitlab> {
        self.builder()?.build()
    }
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
fn same_server(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().trim_end_matches('/');
        s.strip_suffix("/api/v4")
            .unwrap_or(s)
            .trim_end_matches('/')
            .to_ascii_lowercase()
    }
    norm(a) == norm(b)
}

fn check_api_version(v: &str) -> std::result::Result<(), String> {
    if v.trim() == "4" {
        Ok(())
    } else {
        Err(format!(
            "unsupported API version '{v}': only 4 is available"
        ))
    }
}

/// configparser's boolean words.
fn parse_bool(v: &str) -> std::result::Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(format!(
            "'{v}' is not a boolean (use true/false, yes/no, on/off or 1/0)"
        )),
    }
}

fn parse_ssl_verify(v: &str, env: EnvLookup<'_>) -> SslVerify {
    match parse_bool(v) {
        Ok(true) => SslVerify::Yes,
        Ok(false) => SslVerify::No,
        Err(_) => SslVerify::CaBundle(
            expand_home(v.trim(), env).map_or_else(|| PathBuf::from(v.trim()), PathBuf::from),
        ),
    }
}

fn parse_timeout(v: &str) -> std::result::Result<Duration, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("'{v}' is not a number of seconds greater than 0")),
    }
}

fn parse_per_page(v: &str) -> std::result::Result<u32, String> {
    match v.trim().parse::<u32>() {
        Ok(n @ 1..=100) => Ok(n),
        Ok(n) => Err(format!(
            "{n} is out of range: per_page must be between 1 and 100"
        )),
        Err(_) => Err(format!("'{v}' is not a whole number between 1 and 100")),
    }
}

/// A reqwest client that trusts only the certificates at `path` (a PEM file, or
/// a directory of them), with redirects left to the runtime.
fn client_with_ca(path: &Path) -> Result<reqwest::Client> {
    let fail = |m: String| Error::Config(format!("ssl_verify '{}': {m}", path.display()));
    let mut files = Vec::new();
    if path.is_dir() {
        let dir = std::fs::read_dir(path).map_err(|e| fail(format!("cannot list: {e}")))?;
        for entry in dir.flatten() {
            let p = entry.path();
            if p.is_file() {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(false);
    let mut count = 0;
    for f in &files {
        let bytes = std::fs::read(f).map_err(|e| {
            fail(format!(
                "cannot read CA bundle {}: {e} (ssl_verify takes true, false or the path of a CA bundle)",
                f.display()
            ))
        })?;
        // In a directory, files that hold no PEM certificate are skipped.
        let certs = match reqwest::Certificate::from_pem_bundle(&bytes) {
            Ok(c) => c,
            Err(_) if path.is_dir() => continue,
            Err(e) => return Err(fail(format!("not a PEM certificate bundle: {e}"))),
        };
        for c in certs {
            builder = builder.add_root_certificate(c);
            count += 1;
        }
    }
    if count == 0 {
        return Err(fail("holds no PEM certificate".into()));
    }
    builder
        .build()
        .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))
}

/// The secret of a token value: the value itself, or what its helper prints.
/// Empty values count as unset.
fn resolve_secret(
    v: &Located,
    env: EnvLookup<'_>,
) -> std::result::Result<Option<Secret>, ConfigError> {
    let value = v.value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let is_helper = value
        .get(..HELPER_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(HELPER_PREFIX));
    if !is_helper {
        return Ok(Some(Secret::new(value)));
    }
    let command = value[HELPER_PREFIX.len()..].trim();
    run_helper(command, env)
        .map(|s| Some(Secret::new(s)))
        .map_err(|m| v.error(m))
}

/// Runs a credential helper without a shell and returns the first line it prints.
fn run_helper(command: &str, env: EnvLookup<'_>) -> std::result::Result<String, String> {
    let words = shlex::split(command)
        .ok_or_else(|| format!("credential helper `{command}` has unbalanced quotes"))?;
    let words: Vec<String> = words
        .iter()
        .map(|w| {
            let w = expand_vars(w, env);
            expand_home(&w, env).unwrap_or(w)
        })
        .collect();
    let Some((program, args)) = words.split_first() else {
        return Err("credential helper is empty: write `helper: command args`".into());
    };
    let out = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run credential helper `{program}`: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let detail: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .collect();
        let status = match out.status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        return Err(if detail.is_empty() {
            format!("credential helper `{command}` failed with {status}")
        } else {
            format!(
                "credential helper `{command}` failed with {status}: {}",
                detail.join(" / ")
            )
        });
    }
    let stdout = String::from_utf8(out.stdout).map_err(|_| {
        format!("credential helper `{command}` printed something that is not UTF-8")
    })?;
    let first = stdout.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(format!(
            "credential helper `{command}` printed nothing on its first line; it must print the secret"
        ));
    }
    Ok(first.to_string())
}

/// `$NAME` and `${NAME}` replaced from `env`; unknown variables stay as written
/// (like Python's `os.path.expandvars`).
fn expand_vars(s: &str, env: EnvLookup<'_>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(r) = after.strip_prefix('{') {
            match r.find('}') {
                Some(end) => (&r[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (name.is_empty(), env(name)) {
            (false, Some(v)) => out.push_str(&v),
            _ => out.push_str(&rest[i..i + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// `~` or `~/x` with the home directory from `HOME`; `None` when nothing changes.
fn expand_home(s: &str, env: EnvLookup<'_>) -> Option<String> {
    let rest = s.strip_prefix('~')?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let home = env("HOME").filter(|h| !h.is_empty())?;
    Some(format!("{}{rest}", home.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir.
    fn temp_dir() -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let d = std::env::temp_dir().join(format!(
            "gitlab-client-config-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Config {
        Config::parse(text, Path::new("test.cfg")).unwrap()
    }

    fn secret(s: &Option<Secret>) -> Option<&str> {
        s.as_ref().map(Secret::expose)
    }

    const BASIC: &str = "\
[global]
default = work
ssl_verify = true
timeout = 5
per_page = 50

[work]
url = https://gitlab.work.example
private_token = glpat-work
timeout = 1

[home]
url = http://gitlab.home.example:8080
oauth_token = oauth-home
";

    #[test]
    fn default_section_and_global_defaults() {
        let c = parse(BASIC);
        assert_eq!(c.server_names(), ["work", "home"]);
        assert_eq!(c.default_server(), Some("work"));
        let s = c.server_with_env(None, &no_env).unwrap();
        assert_eq!(s.section.as_deref(), Some("work"));
        assert_eq!(s.url.as_deref(), Some("https://gitlab.work.example"));
        assert_eq!(secret(&s.private_token), Some("glpat-work"));
        // The server section overrides [global]; unset keys fall back to it.
        assert_eq!(s.timeout, Some(Duration::from_secs(1)));
        assert_eq!(s.per_page, Some(50));
        assert_eq!(s.ssl_verify, Some(SslVerify::Yes));
        assert_eq!(s.auth(), Auth::PrivateToken(Secret::new("glpat-work")));
    }

    #[test]
    fn a_named_section_wins_over_default() {
        let s = parse(BASIC).server_with_env(Some("home"), &no_env).unwrap();
        assert_eq!(s.url.as_deref(), Some("http://gitlab.home.example:8080"));
        assert_eq!(s.timeout, Some(Duration::from_secs(5)));
        assert_eq!(s.auth(), Auth::OAuth(Secret::new("oauth-home")));
    }

    #[test]
    fn unknown_section_lists_the_known_ones() {
        let e = parse(BASIC)
            .server_with_env(Some("nope"), &no_env)
            .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("no server section [nope]"), "{m}");
        assert!(m.contains("known sections: work, home"), "{m}");
        // `global` is not a server.
        assert!(parse(BASIC)
            .server_with_env(Some("global"), &no_env)
            .is_err());
    }

    #[test]
    fn a_default_naming_a_missing_section_points_at_the_default_key() {
        let e = parse("[global]\ndefault = gone\n[a]\nurl = https://a\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("default"));
        assert_eq!(e.section.as_deref(), Some("global"));
        assert!(
            e.to_string().starts_with("test.cfg: [global] default: "),
            "{e}"
        );
    }

    #[test]
    fn missing_url_names_file_section_and_key() {
        let e = parse("[global]\ndefault = a\n[a]\nprivate_token = x\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert_eq!(e.file.as_deref(), Some(Path::new("test.cfg")));
        assert_eq!(e.section.as_deref(), Some("a"));
        assert_eq!(e.key.as_deref(), Some("url"));
        assert!(
            e.to_string().starts_with("test.cfg: [a] url: missing"),
            "{e}"
        );
    }

    #[test]
    fn no_default_with_several_servers_is_an_error_but_no_servers_is_fine() {
        let e = parse("[a]\nurl = https://a\n[b]\nurl = https://b\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert!(e.to_string().contains("no GitLab server chosen"), "{e}");
        assert!(e.to_string().contains("sections: a, b"), "{e}");
        let s = parse("[global]\ntimeout = 3\n")
            .server_with_env(None, &no_env)
            .unwrap();
        assert_eq!(s.url, None);
        assert_eq!(s.timeout, Some(Duration::from_secs(3)));
        assert_eq!(s.section, None);
    }

    #[test]
    fn bad_values_are_located() {
        let cases = [
            (
                "retry_transient_errors = maybe",
                "retry_transient_errors",
                "not a boolean",
            ),
            ("per_page = 101", "per_page", "between 1 and 100"),
            ("per_page = 0", "per_page", "between 1 and 100"),
            ("per_page = many", "per_page", "not a whole number"),
            ("api_version = 3", "api_version", "only 4"),
            ("timeout = soon", "timeout", "number of seconds"),
            ("max_retries = lots", "max_retries", "whole number"),
            (
                "keep_base_url = yes please",
                "keep_base_url",
                "not a boolean",
            ),
        ];
        for (line, key, what) in cases {
            let text = format!("[global]\ndefault = s\n[s]\nurl = https://s\n{line}\n");
            let e = parse(&text).server_with_env(None, &no_env).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{line}");
            assert_eq!(e.section.as_deref(), Some("s"), "{line}");
            assert!(e.to_string().contains(what), "{line}: {e}");
            assert!(
                e.to_string().starts_with(&format!("test.cfg: [s] {key}: ")),
                "{e}"
            );
        }
        // A bad value in [global] is reported there.
        let e = parse("[global]\ndefault = s\nper_page = 500\n[s]\nurl = https://s\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert_eq!(e.section.as_deref(), Some("global"));
    }

    #[test]
    fn booleans_and_numbers_in_configparser_spelling() {
        let s = parse(
            "[global]\ndefault = s\n[s]\nurl = https://s\nretry_transient_errors = On\n\
             obey_rate_limit = 0\nkeep_base_url = YES\nmax_retries = -1\ntimeout = 2.5\napi_version = 4\n\
             pagination = keyset\norder_by = id\nuser_agent = my-agent/1\n",
        )
        .server_with_env(None, &no_env)
        .unwrap();
        assert_eq!(s.retry_transient_errors, Some(true));
        assert_eq!(s.obey_rate_limit, Some(false));
        assert_eq!(s.keep_base_url, Some(true));
        assert_eq!(s.max_retries, Some(-1));
        assert_eq!(s.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(s.pagination.as_deref(), Some("keyset"));
        assert_eq!(s.order_by.as_deref(), Some("id"));
        assert_eq!(s.user_agent.as_deref(), Some("my-agent/1"));
        assert!(s.build().is_ok());
    }

    #[test]
    fn ssl_verify_false_or_a_path() {
        let env = env_of(&[("HOME", "/home/me")]);
        let s = parse("[global]\ndefault = s\nssl_verify = False\n[s]\nurl = https://s\n")
            .server_with_env(None, &env)
            .unwrap();
        assert_eq!(s.ssl_verify, Some(SslVerify::No));
        let s = parse("[global]\ndefault = s\n[s]\nurl = https://s\nssl_verify = ~/ca.pem\n")
            .server_with_env(None, &env)
            .unwrap();
        assert_eq!(
            s.ssl_verify,
            Some(SslVerify::CaBundle(PathBuf::from("/home/me/ca.pem")))
        );
        // A bundle that does not exist fails when the client is built, naming the path.
        let e = s.build().unwrap_err().to_string();
        assert!(e.contains("/home/me/ca.pem"), "{e}");
    }

    #[test]
    fn ca_bundle_path_builds_a_client_and_garbage_does_not() {
        let dir = temp_dir();
        // A self-signed test CA made for these tests (never used to connect).
        let pem = "-----BEGIN CERTIFICATE-----
MIIBljCCAT2gAwIBAgIUJ4BIk17j+LPqMToLz/WOUK5MS1UwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVZ2l0bGFiLWNsaWVudCB0ZXN0IENBMCAXDTI2MTEyNTIwMDIy
NVoYDzIxMjYxMTAxMjAwMjI1WjAgMR4wHAYDVQQDDBVnaXRsYWItY2xpZW50IHRl
c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATaG5EOnRhpU7+3gHQ3wkqJ
Fmp/HFqTh5HSUtgulIOxERqovrrrEO+5h/pj047JNpwdEbxe2yu3gXnlXXybDYJf
o1MwUTAdBgNVHQ4EFgQUte8dp4lFZaS32+yH83Oxp2YJr6owHwYDVR0jBBgwFoAU
te8dp4lFZaS32+yH83Oxp2YJr6owDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNHADBEAiA0iMsOQ6iXRngMLGep+lxCupf6pZv/gGquoxYc2jNCEAIgASLAludV
6U0ptQIYuJd3m7hsTdd7S0egjhD2+aQ2LIw=
-----END CERTIFICATE-----
";
        let ca = write(&dir, "ca.pem", pem);
        let s = ServerConfig {
            url: Some("https://s".into()),
            ssl_verify: Some(SslVerify::CaBundle(ca)),
            ..Default::default()
        };
        assert!(s.build().is_ok());
        // A directory of bundles works too.
        let s = ServerConfig {
            ssl_verify: Some(SslVerify::CaBundle(dir.clone())),
            ..s
        };
        assert!(s.build().is_ok());
        let junk = write(&dir, "junk.pem", "not a certificate");
        let s = ServerConfig {
            ssl_verify: Some(SslVerify::CaBundle(junk)),
            ..s
        };
        let e = s.build().unwrap_err().to_string();
        assert!(e.contains("junk.pem"), "{e}");
    }

    #[test]
    fn tokens_come_only_from_the_server_section() {
        let s = parse("[global]\ndefault = s\nprivate_token = from-global\n[s]\nurl = https://s\n")
            .server_with_env(None, &no_env)
            .unwrap();
        assert_eq!(s.private_token, None);
        assert_eq!(s.auth(), Auth::Anonymous);
    }

    #[test]
    fn empty_tokens_are_unset() {
        let s =
            parse("[global]\ndefault = s\n[s]\nurl = https://s\nprivate_token =\njob_token = j\n")
                .server_with_env(None, &no_env)
                .unwrap();
        assert_eq!(s.private_token, None);
        assert_eq!(s.auth(), Auth::JobToken(Secret::new("j")));
    }

    #[test]
    fn private_beats_oauth_beats_job_token_in_one_source() {
        let s = parse(
            "[global]\ndefault = s\n[s]\nurl = https://s\njob_token = j\noauth_token = o\nprivate_token = p\n",
        )
        .server_with_env(None, &no_env)
        .unwrap();
        assert_eq!(s.auth(), Auth::PrivateToken(Secret::new("p")));
        let s = ServerConfig {
            private_token: None,
            ..s
        };
        assert_eq!(s.auth(), Auth::OAuth(Secret::new("o")));
    }

    #[test]
    fn files_merge_key_by_key_later_files_win() {
        let dir = temp_dir();
        let a = write(
            &dir,
            "a.cfg",
            "[global]\ndefault = s\ntimeout = 7\n[s]\nurl = https://old\nprivate_token = keep\n",
        );
        let b = write(&dir, "b.cfg", "[s]\nurl = https://new\n");
        let c = Config::load(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(c.files(), [a, b]);
        let s = c.server_with_env(None, &no_env).unwrap();
        assert_eq!(s.url.as_deref(), Some("https://new"));
        assert_eq!(secret(&s.private_token), Some("keep"));
        assert_eq!(s.timeout, Some(Duration::from_secs(7)));
    }

    #[test]
    fn an_explicit_file_that_is_missing_is_an_error() {
        let dir = temp_dir();
        let e = Config::load(&[dir.join("nope.cfg")]).unwrap_err();
        assert!(e.to_string().contains("nope.cfg: cannot read"), "{e}");
    }

    #[test]
    fn search_order_prefers_python_gitlab_cfg_alone() {
        let dir = temp_dir();
        let home = dir.join("home");
        std::fs::create_dir_all(home.join(".config")).unwrap();
        let user = write(&home, ".python-gitlab.cfg", "[global]\n");
        let xdg = write(&home.join(".config"), "python-gitlab.cfg", "[global]\n");
        let only = write(&dir, "only.cfg", "[global]\n");
        let h = home.to_string_lossy().into_owned();
        let found = Config::search_paths(&env_of(&[("HOME", &h)])).unwrap();
        // /etc/python-gitlab.cfg may exist on the machine running the tests.
        let found: Vec<PathBuf> = found.into_iter().filter(|p| p.starts_with(&dir)).collect();
        assert_eq!(found, [user.clone(), xdg]);
        let o = only.to_string_lossy().into_owned();
        let found =
            Config::search_paths(&env_of(&[("HOME", &h), ("PYTHON_GITLAB_CFG", &o)])).unwrap();
        assert_eq!(found, [only]);
        // XDG_CONFIG_HOME moves the third location.
        let x = dir.to_string_lossy().into_owned();
        let found =
            Config::search_paths(&env_of(&[("HOME", &h), ("XDG_CONFIG_HOME", &x)])).unwrap();
        let found: Vec<PathBuf> = found.into_iter().filter(|p| p.starts_with(&dir)).collect();
        assert_eq!(found, [user]);
    }

    #[test]
    fn python_gitlab_cfg_naming_a_missing_file_is_an_error() {
        let e = Config::search_paths(&env_of(&[("PYTHON_GITLAB_CFG", "/nonexistent/x.cfg")]))
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("PYTHON_GITLAB_CFG"));
        assert!(e.to_string().contains("/nonexistent/x.cfg"), "{e}");
    }

    #[test]
    fn ini_syntax_follows_configparser() {
        let c = parse(
            "# comment\n; other comment\n[global]\nDefault: s\n\n[s]\nURL = https://s/path#frag\n\
             description = first\n  second\nprivate_token = a;b#c\n",
        );
        let s = c.server_with_env(None, &no_env).unwrap();
        // Keys are case-insensitive, `:` works as a delimiter, no inline comments.
        assert_eq!(s.url.as_deref(), Some("https://s/path#frag"));
        assert_eq!(secret(&s.private_token), Some("a;b#c"));
        // Backslashes are not escapes (Windows paths stay intact).
        let s =
            parse("[global]\ndefault = s\n[s]\nurl = https://s\nssl_verify = C:\\certs\\ca.pem\n")
                .server_with_env(None, &no_env)
                .unwrap();
        assert_eq!(
            s.ssl_verify,
            Some(SslVerify::CaBundle(PathBuf::from("C:\\certs\\ca.pem")))
        );
        let e = Config::parse("url = https://x\n", Path::new("bad.cfg")).unwrap_err();
        assert!(e.to_string().contains("outside any [section]"), "{e}");
    }

    #[test]
    fn interpolation_and_percent_escapes() {
        let s = parse(
            "[DEFAULT]\nhost = gl.example\n[global]\ndefault = s\n[s]\nurl = https://%(host)s\n\
             private_token = 50%%off\n",
        )
        .server_with_env(None, &no_env)
        .unwrap();
        assert_eq!(s.url.as_deref(), Some("https://gl.example"));
        assert_eq!(secret(&s.private_token), Some("50%off"));
        let e = parse("[global]\ndefault = s\n[s]\nurl = https://s\nprivate_token = 50%off\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("private_token"));
        assert!(e.to_string().contains("%%"), "{e}");
        let e = parse("[global]\ndefault = s\n[s]\nurl = %(url)s\n")
            .server_with_env(None, &no_env)
            .unwrap_err();
        assert!(e.to_string().contains("too deeply"), "{e}");
    }

    #[cfg(unix)]
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = write(dir, name, &format!("#!/bin/sh\n{body}\n"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[cfg(unix)]
    #[test]
    fn credential_helper_output_becomes_the_token() {
        let dir = temp_dir();
        script(&dir, "helper.sh", "echo \"token-for-$1\"\necho second line");
        let d = dir.to_string_lossy().into_owned();
        let env = env_of(&[("HOME", &d), ("WHO", "alice")]);
        let text = "[global]\ndefault = s\n[s]\nurl = https://s\n\
                    private_token = helper: ~/helper.sh \"$WHO\"\n\
                    oauth_token = HELPER: ${HOME}/helper.sh 'two words'\n";
        let s = parse(text).server_with_env(None, &env).unwrap();
        assert_eq!(secret(&s.private_token), Some("token-for-alice"));
        assert_eq!(secret(&s.oauth_token), Some("token-for-two words"));
        // The Debug form of config and settings never shows a secret.
        let dbg = format!("{:?} {:?}", parse(text), s);
        assert!(!dbg.contains("token-for"), "{dbg}");
        assert!(!dbg.contains("helper.sh"), "{dbg}");
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_helper_is_a_located_error_never_an_empty_token() {
        let dir = temp_dir();
        let fail = script(&dir, "fail.sh", "echo 'vault is locked' >&2\nexit 3");
        let empty = script(&dir, "empty.sh", "echo");
        for (helper, what) in [
            (fail.display().to_string(), "exit status 3: vault is locked"),
            (empty.display().to_string(), "printed nothing"),
            (dir.join("missing.sh").display().to_string(), "cannot run"),
            ("'unbalanced".to_string(), "unbalanced quotes"),
        ] {
            let text = format!(
                "[global]\ndefault = s\n[s]\nurl = https://s\njob_token = helper: {helper}\n"
            );
            let e = Config::parse(&text, Path::new("/etc/gl.cfg"))
                .unwrap()
                .server_with_env(None, &no_env)
                .unwrap_err();
            let m = e.to_string();
            assert!(m.starts_with("/etc/gl.cfg: [s] job_token: "), "{m}");
            assert!(m.contains(what), "{m}");
        }
    }

    #[test]
    fn environment_layer_and_its_errors() {
        let env = env_of(&[
            ("GITLAB_URL", "https://env.example"),
            ("GITLAB_OAUTH_TOKEN", "env-oauth"),
            ("GITLAB_TIMEOUT", "9"),
            ("GITLAB_PER_PAGE", "30"),
            ("GITLAB_PRIVATE_TOKEN", ""),
        ]);
        let s = ServerConfig::from_env(&env).unwrap();
        assert_eq!(s.url.as_deref(), Some("https://env.example"));
        assert_eq!(s.private_token, None, "empty variables are unset");
        assert_eq!(s.auth(), Auth::OAuth(Secret::new("env-oauth")));
        assert_eq!(s.timeout, Some(Duration::from_secs(9)));
        assert_eq!(s.per_page, Some(30));
        let e = ServerConfig::from_env(&env_of(&[("GITLAB_PER_PAGE", "1000")])).unwrap_err();
        assert!(e.to_string().starts_with("GITLAB_PER_PAGE: "), "{e}");
        let e = ServerConfig::from_env(&env_of(&[("GITLAB_API_VERSION", "3")])).unwrap_err();
        assert!(e.to_string().contains("only 4"), "{e}");
    }

    #[test]
    fn precedence_flags_then_env_then_files_then_ci() {
        let files = parse(BASIC).server_with_env(None, &no_env).unwrap();
        let env = env_of(&[
            ("GITLAB_PRIVATE_TOKEN", "env-token"),
            ("CI_SERVER_URL", "https://ci.example"),
            ("CI_JOB_TOKEN", "ci-job"),
        ]);
        // Environment beats files.
        let s = ServerConfig::layered(ServerConfig::default(), files.clone(), &env).unwrap();
        assert_eq!(s.url.as_deref(), Some("https://gitlab.work.example"));
        assert_eq!(s.auth(), Auth::PrivateToken(Secret::new("env-token")));
        assert_eq!(s.timeout, Some(Duration::from_secs(1)));
        // Flags beat the environment; a flag token replaces every lower token.
        let flags = ServerConfig {
            oauth_token: Some(Secret::new("flag-oauth")),
            timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        };
        let s = ServerConfig::layered(flags, files.clone(), &env).unwrap();
        assert_eq!(s.auth(), Auth::OAuth(Secret::new("flag-oauth")));
        assert_eq!(s.private_token, None);
        assert_eq!(s.timeout, Some(Duration::from_secs(30)));
        // CI variables are the last resort.
        let ci_only = env_of(&[
            ("CI_SERVER_URL", "https://ci.example/"),
            ("CI_JOB_TOKEN", "ci-job"),
        ]);
        let s = ServerConfig::layered(ServerConfig::default(), ServerConfig::default(), &ci_only)
            .unwrap();
        assert_eq!(s.url.as_deref(), Some("https://ci.example/"));
        assert_eq!(s.auth(), Auth::JobToken(Secret::new("ci-job")));
    }

    #[test]
    fn the_ci_job_token_never_goes_to_another_server() {
        let ci = env_of(&[
            ("CI_SERVER_URL", "https://ci.example"),
            ("CI_JOB_TOKEN", "ci-job"),
        ]);
        let files = ServerConfig {
            url: Some("https://elsewhere.example".into()),
            ..Default::default()
        };
        let s = ServerConfig::layered(ServerConfig::default(), files, &ci).unwrap();
        assert_eq!(s.auth(), Auth::Anonymous);
        // Same server spelled with /api/v4: the token is used.
        let files = ServerConfig {
            url: Some("https://CI.example/api/v4/".into()),
            ..Default::default()
        };
        let s = ServerConfig::layered(ServerConfig::default(), files, &ci).unwrap();
        assert_eq!(s.auth(), Auth::JobToken(Secret::new("ci-job")));
    }

    #[test]
    fn nothing_configured_means_gitlab_com_anonymously() {
        let s = ServerConfig::layered(ServerConfig::default(), ServerConfig::default(), &no_env)
            .unwrap();
        assert_eq!(s.effective_url(), DEFAULT_URL);
        assert_eq!(s.auth(), Auth::Anonymous);
        assert_eq!(s.build().unwrap().url(), "https://gitlab.com/api/v4");
    }

    #[test]
    fn from_config_reads_the_named_section() {
        let dir = temp_dir();
        let f = write(&dir, "gl.cfg", BASIC);
        let gl = Gitlab::from_config(Some("home"), std::slice::from_ref(&f)).unwrap();
        assert_eq!(gl.url(), "http://gitlab.home.example:8080/api/v4");
        let gl = Gitlab::from_config(None, std::slice::from_ref(&f)).unwrap();
        assert_eq!(gl.url(), "https://gitlab.work.example/api/v4");
        assert!(!format!("{gl:?}").contains("glpat-work"));
        let e = Gitlab::from_config(Some("nope"), &[f]).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        let empty = write(&dir, "empty.cfg", "[global]\n");
        let e = Gitlab::from_config(None, &[empty]).unwrap_err();
        assert!(
            e.to_string().contains("no GitLab server is configured"),
            "{e}"
        );
    }

    #[test]
    fn variable_and_home_expansion() {
        let env = env_of(&[("HOME", "/home/me/"), ("A", "x")]);
        assert_eq!(expand_vars("$A-${A}-$B-${B}-$", &env), "x-x-$B-${B}-$");
        assert_eq!(
            expand_home("~/bin/h", &env).as_deref(),
            Some("/home/me/bin/h")
        );
        assert_eq!(expand_home("~", &env).as_deref(), Some("/home/me"));
        assert_eq!(expand_home("~other/x", &env), None);
        assert_eq!(expand_home("/abs", &env), None);
    }
}

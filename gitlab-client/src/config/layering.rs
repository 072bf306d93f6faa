//! Layering the sources of connection settings: command-line flags over the
//! environment over the files over GitLab CI's variables.

use super::helpers::resolve_secret;
use super::ini::{Config, Located};
use super::*;
use crate::client::GitlabBuilder;
use crate::transport::{Auth, Secret};

impl Config {
    /// A connection setting: the server section's value, else `[global]`'s.
    pub(super) fn setting(
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

    /// How long a credential helper may run: `GITLAB_HELPER_TIMEOUT`, else
    /// `helper_timeout` of the server section or `[global]` (seconds), else
    /// [`DEFAULT_HELPER_TIMEOUT`](super::helpers::DEFAULT_HELPER_TIMEOUT).
    pub(super) fn helper_timeout(
        &self,
        server: Option<&str>,
        env: EnvLookup<'_>,
    ) -> std::result::Result<Duration, ConfigError> {
        if let Some(v) = env("GITLAB_HELPER_TIMEOUT").filter(|v| !v.trim().is_empty()) {
            return parse_timeout(&v).map_err(|m| ConfigError::env("GITLAB_HELPER_TIMEOUT", m));
        }
        match self.setting(server, "helper_timeout")? {
            Some(v) => parse_timeout(&v.value).map_err(|m| v.error(m)),
            None => Ok(super::helpers::DEFAULT_HELPER_TIMEOUT),
        }
    }

    /// One setting as written for server section `server` (after interpolation),
    /// else in `[global]`: for keys this library does not use itself, such as
    /// the CLI's `pagination` and `order_by`. Credentials are not read this way
    /// (they may name helpers): use [`server`](Self::server).
    pub fn value(
        &self,
        server: Option<&str>,
        key: &str,
    ) -> std::result::Result<Option<String>, ConfigError> {
        if SECRET_KEYS.contains(&key) {
            return Err(ConfigError::new(format!(
                "'{key}' is a credential; read it with Config::server"
            )));
        }
        Ok(self
            .setting(server, key)?
            .map(|v| v.value)
            .filter(|v| !v.is_empty()))
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
            let helper_timeout = self.helper_timeout(server, env)?;
            let mut tokens = Vec::new();
            for key in SECRET_KEYS {
                if let Some(v) = self.raw(s, key)? {
                    if let Some(secret) = resolve_secret(&v, env, helper_timeout)? {
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
            out.ssl_verify = Some(SslVerify::parse(&v.value, env));
        }
        if let Some(v) = self.setting(server, "timeout")? {
            out.timeout = Some(parse_timeout(&v.value).map_err(|m| v.error(m))?);
        }
        if let Some(v) = self.setting(server, "per_page")? {
            out.per_page = Some(parse_per_page(&v.value).map_err(|m| v.error(m))?);
        }
        if let Some(v) = self.setting(server, "user_agent")? {
            if !v.value.is_empty() {
                out.user_agent = Some(v.value);
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

/// Connection settings from one source, or several layered with [`or`](Self::or).
/// Every field is optional so that a missing value can come from a lower layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// The configuration section these settings came from, if any.
    pub section: Option<String>,
    /// GitLab URL.
    pub url: Option<String>,
    /// Personal, project or group access token.
    pub private_token: Option<Secret>,
    /// OAuth2 token.
    pub oauth_token: Option<Secret>,
    /// CI job token.
    pub job_token: Option<Secret>,
    /// How TLS certificates are checked.
    pub ssl_verify: Option<SslVerify>,
    /// Timeout of one request.
    pub timeout: Option<Duration>,
    /// Default page size.
    pub per_page: Option<u32>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
    /// Whether 5xx answers are retried.
    pub retry_transient_errors: Option<bool>,
    /// Accepted for compatibility: this client always keeps the configured
    /// base URL when following pagination links.
    pub keep_base_url: Option<bool>,
    /// Whether 429 answers are waited out and retried.
    pub obey_rate_limit: Option<bool>,
    /// Retries before giving up (negative: no limit).
    pub max_retries: Option<i64>,
}

impl ServerConfig {
    pub(super) fn has_token(&self) -> bool {
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
            user_agent: get("GITLAB_USER_AGENT"),
            ..ServerConfig::default()
        };
        if let Some(v) = get("GITLAB_API_VERSION") {
            check_api_version(&v).map_err(|m| ConfigError::env("GITLAB_API_VERSION", m))?;
        }
        if let Some(v) = get("GITLAB_SSL_VERIFY") {
            out.ssl_verify = Some(SslVerify::parse(&v, env));
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

/// A reqwest client that trusts only the certificates at `path` (a PEM file, or
/// a directory of them), with redirects left to the runtime.
pub(super) fn client_with_ca(path: &Path) -> Result<reqwest::Client> {
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

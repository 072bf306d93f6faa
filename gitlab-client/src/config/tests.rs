//! Configuration tests: files, interpolation, helpers, layering.

use super::*;
use crate::transport::{Auth, Secret};
use interpolate::expand_vars;
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
    let cfg = parse(
        "[global]\ndefault = s\norder_by = name\n[s]\nurl = https://s\nretry_transient_errors = On\n\
         obey_rate_limit = 0\nkeep_base_url = YES\nmax_retries = -1\ntimeout = 2.5\napi_version = 4\n\
         pagination = keyset\nuser_agent = my-agent/1\n",
    );
    let s = cfg.server_with_env(None, &no_env).unwrap();
    assert_eq!(s.retry_transient_errors, Some(true));
    assert_eq!(s.obey_rate_limit, Some(false));
    assert_eq!(s.keep_base_url, Some(true));
    assert_eq!(s.max_retries, Some(-1));
    assert_eq!(s.timeout, Some(Duration::from_millis(2500)));
    // Keys the library does not use itself are read with `value` (server section, then global).
    assert_eq!(
        cfg.value(Some("s"), "pagination").unwrap().as_deref(),
        Some("keyset")
    );
    assert_eq!(
        cfg.value(Some("s"), "order_by").unwrap().as_deref(),
        Some("name")
    );
    assert_eq!(cfg.value(Some("s"), "nothing").unwrap(), None);
    assert!(cfg.value(Some("s"), "private_token").is_err());
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
    let s = parse("[global]\ndefault = s\n[s]\nurl = https://s\nprivate_token =\njob_token = j\n")
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
    let found = Config::search_paths(&env_of(&[("HOME", &h), ("PYTHON_GITLAB_CFG", &o)])).unwrap();
    assert_eq!(found, [only]);
    // XDG_CONFIG_HOME moves the third location.
    let x = dir.to_string_lossy().into_owned();
    let found = Config::search_paths(&env_of(&[("HOME", &h), ("XDG_CONFIG_HOME", &x)])).unwrap();
    let found: Vec<PathBuf> = found.into_iter().filter(|p| p.starts_with(&dir)).collect();
    assert_eq!(found, [user]);
}

#[test]
fn python_gitlab_cfg_naming_a_missing_file_is_an_error() {
    let e =
        Config::search_paths(&env_of(&[("PYTHON_GITLAB_CFG", "/nonexistent/x.cfg")])).unwrap_err();
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
    let s = parse("[global]\ndefault = s\n[s]\nurl = https://s\nssl_verify = C:\\certs\\ca.pem\n")
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
fn continuation_lines_join_with_newlines_and_keep_inner_blank_lines() {
    let c = parse(
        "[s]\nurl = https://s\nnote = first\n  second\n\n  # not part of it\n  third\n\nother = x\n",
    );
    assert_eq!(
        c.value(Some("s"), "note").unwrap().as_deref(),
        Some("first\nsecond\n\nthird")
    );
    // A line as deep as its key starts the next key; trailing blank lines are not kept.
    assert_eq!(c.value(Some("s"), "other").unwrap().as_deref(), Some("x"));
    // A byte-order mark before the first header is not part of it.
    let c = parse("\u{feff}[s]\r\nurl = https://s\r\n");
    assert_eq!(c.server_names(), ["s"]);
    // An empty value continued on the next line starts with the line break, as in Python.
    let c = parse("[s]\nurl = https://s\nnote =\n  later\n");
    assert_eq!(
        c.value(Some("s"), "note").unwrap().as_deref(),
        Some("\nlater")
    );
}

#[test]
fn malformed_lines_are_errors_naming_file_and_line() {
    let cases = [
        (
            "[s]\nurl = https://s\njust words\n",
            "line 3: expected `key = value`",
        ),
        (
            "[s\nurl = https://s\n",
            "line 1: a section header must end with ']'",
        ),
        ("[s]\n = orphan\n", "line 2: no key before the '='"),
        ("[s]\n: orphan\n", "line 2: no key before the ':'"),
    ];
    for (text, want) in cases {
        let e = Config::parse(text, Path::new("bad.cfg")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("bad.cfg"), "{msg}");
        assert!(msg.contains(want), "{text:?}: {msg}");
    }
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
        (
            fail.display().to_string(),
            "exit status 3 (its stderr, 16 bytes in 1 line(s), is not shown",
        ),
        (empty.display().to_string(), "printed nothing"),
        (dir.join("missing.sh").display().to_string(), "cannot run"),
        ("'unbalanced".to_string(), "unbalanced quotes"),
    ] {
        let text =
            format!("[global]\ndefault = s\n[s]\nurl = https://s\njob_token = helper: {helper}\n");
        let e = Config::parse(&text, Path::new("/etc/gl.cfg"))
            .unwrap()
            .server_with_env(None, &no_env)
            .unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with("/etc/gl.cfg: [s] job_token: "), "{m}");
        assert!(m.contains(what), "{m}");
        assert!(!m.contains("vault is locked"), "{m}");
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
    let s =
        ServerConfig::layered(ServerConfig::default(), ServerConfig::default(), &ci_only).unwrap();
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
    let s =
        ServerConfig::layered(ServerConfig::default(), ServerConfig::default(), &no_env).unwrap();
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

#[cfg(unix)]
fn helper_error(dir: &Path, body: &str, extra: &str, env: &[(&str, &str)]) -> String {
    let h = script(dir, &format!("h{}.sh", body.len()), body);
    let text = format!(
        "[global]\ndefault = s\n{extra}[s]\nurl = https://s\nprivate_token = helper: {}\n",
        h.display()
    );
    Config::parse(&text, Path::new("/etc/gl.cfg"))
        .unwrap()
        .server_with_env(None, &env_of(env))
        .unwrap_err()
        .to_string()
}

#[cfg(unix)]
#[test]
fn a_hanging_helper_is_killed_after_its_timeout() {
    let dir = temp_dir();
    let t = std::time::Instant::now();
    let m = helper_error(
        &dir,
        "echo glpat-early\nexec sleep 30",
        "helper_timeout = 0.3\n",
        &[],
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(m.starts_with("/etc/gl.cfg: [s] private_token: "), "{m}");
    assert!(m.contains("did not finish within 0.3s"), "{m}");
    assert!(!m.contains("glpat-early"), "{m}");
    // A child left behind holding the pipe does not hang us either; the variable wins.
    let t = std::time::Instant::now();
    let m = helper_error(
        &dir,
        "sleep 30 &\nsleep 30",
        "helper_timeout = 100\n",
        &[("GITLAB_HELPER_TIMEOUT", "0.3")],
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(m.contains("did not finish"), "{m}");
    let m = helper_error(&dir, "echo x", "helper_timeout = soon\n", &[]);
    assert!(m.contains("[global] helper_timeout: 'soon'"), "{m}");
}

#[cfg(unix)]
#[test]
fn a_helper_failing_loudly_does_not_leak_its_stderr() {
    let dir = temp_dir();
    let m = helper_error(
        &dir,
        "echo 'token glpat-secret rejected' >&2\necho more >&2\nexit 1",
        "",
        &[],
    );
    assert!(m.contains("exit status 1"), "{m}");
    assert!(m.contains("2 line(s)"), "{m}");
    assert!(!m.contains("glpat-secret"), "{m}");
}

#[cfg(unix)]
#[test]
fn a_helper_printing_too_much_is_refused() {
    let dir = temp_dir();
    let m = helper_error(&dir, "exec head -c 50000000 /dev/zero", "", &[]);
    assert!(m.contains("printed more than 64 KiB"), "{m}");
    // Just under the bound is fine: the token is the first line.
    let h = script(
        &dir,
        "big.sh",
        "echo glpat-first\nhead -c 60000 /dev/zero | tr '\\0' x",
    );
    let text = format!(
        "[global]\ndefault = s\n[s]\nurl = https://s\nprivate_token = helper: {}\n",
        h.display()
    );
    let s = parse(&text).server_with_env(None, &no_env).unwrap();
    assert_eq!(secret(&s.private_token), Some("glpat-first"));
}

#[test]
fn interpolated_credentials_never_appear_in_errors() {
    for (key, value) in [
        ("per_page", "%(private_token)s"),
        ("timeout", "x%(private_token)sy"),
        ("max_retries", "%(alias)s"),
        ("retry_transient_errors", "%(oauth_token)s"),
        ("api_version", "%(job_token)s"),
    ] {
        let text = format!(
            "[global]\ndefault = s\n[s]\nurl = https://s\nprivate_token = glpat-SECRET\n\
             oauth_token = oauth-SECRET\njob_token = job-SECRET\nalias = %(private_token)s\n{key} = {value}\n"
        );
        let e = parse(&text).server_with_env(None, &no_env).unwrap_err();
        let m = e.to_string();
        assert_eq!(e.key.as_deref(), Some(key), "{m}");
        assert!(!m.contains("SECRET"), "{m}");
        assert!(m.contains("hidden"), "{m}");
    }
    // Values without credentials are still quoted.
    let e = parse("[global]\ndefault = s\n[s]\nurl = https://s\nn = 7x\nper_page = %(n)s\n")
        .server_with_env(None, &no_env)
        .unwrap_err();
    assert!(e.to_string().contains("'7x'"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_token_in_a_file_others_can_read_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let open = write(
        &dir,
        "open.cfg",
        "[s]\nurl = https://s\nprivate_token = glpat-x\n",
    );
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = Config::load(std::slice::from_ref(&open)).unwrap();
    assert_eq!(c.warnings().len(), 1, "{:?}", c.warnings());
    let w = &c.warnings()[0];
    assert!(
        w.contains("open.cfg is readable by other users (mode 644) and holds a token"),
        "{w}"
    );
    assert!(!w.contains("glpat-x"), "{w}");
    // Private files, and files whose tokens come from helpers, are fine.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Config::load(&[open]).unwrap().warnings().is_empty());
    let helper = write(
        &dir,
        "helper.cfg",
        "[s]\nurl = https://s\nprivate_token = helper: pass gl\n",
    );
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(Config::load(&[helper]).unwrap().warnings().is_empty());
}

#[test]
fn duplicate_keys_and_sections_are_located_errors() {
    let e = Config::parse(
        "[global]\ndefault = s\n[s]\nurl = https://a\n# comment\nprivate_token = x\n  continued\nURL: https://b\n",
        Path::new("/etc/gl.cfg"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "/etc/gl.cfg: [s] url: given twice in this section (lines 4 and 8); keep one (Python's configparser refuses this too)"
    );
    let e = Config::parse(
        "[s]\nurl = a\n[t]\nurl = b\n[s]\ntimeout = 1\n",
        Path::new("x.cfg"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.cfg: [s]: section [s] appears twice (lines 1 and 5); merge them into one"
    );
    // The same key in two sections, or in two files, is fine.
    parse("[a]\nurl = x\n[b]\nurl = y\n");
}

#[test]
fn only_regular_files_of_bounded_size_are_loaded() {
    let e = Config::load(&[PathBuf::from("/dev/zero")]).unwrap_err();
    assert!(
        e.to_string().starts_with("/dev/zero: not a regular file"),
        "{e}"
    );
    let dir = temp_dir();
    let e = Config::load(std::slice::from_ref(&dir)).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let big = dir.join("big.cfg");
    std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
    let e = Config::load(&[big]).unwrap_err();
    assert!(e.to_string().contains("larger than 1 MiB"), "{e}");
}

/// Thousands of generated files built line by line from the syntax's pieces
/// (headers, both delimiters, comments, continuation lines, interpolation,
/// byte-order marks, CRLF, non-ASCII, junk): reading them and resolving each
/// server never panics, a file the parser refuses is named in the error, and
/// a token value never shows in an error.
#[test]
fn generated_config_files_never_panic_or_leak_the_token() {
    const HEADERS: &[&str] = &["[global]", "[DEFAULT]", "[s]", "[t]", "[s", "[]", "[ s ]"];
    const KEYS: &[&str] = &[
        "url",
        "default",
        "private_token",
        "oauth_token",
        "job_token",
        "api_version",
        "timeout",
        "per_page",
        "ssl_verify",
        "keep_base_url",
        "retry_transient_errors",
        "user_agent",
        "x",
        "URL",
        "é",
        "",
    ];
    const DELIMS: &[&str] = &[" = ", "=", ": ", ":", " =: ", " "];
    const VALUES: &[&str] = &[
        "https://s.example",
        "http://",
        "s",
        "t",
        "4",
        "3",
        "true",
        "false",
        "-1",
        "0",
        "1e3",
        "9999999999999999999999",
        "%(",
        ")s",
        "%(url)s",
        "%(missing)s",
        "%%",
        "%",
        "\u{feff}",
        "é",
        "\\",
        "\"",
        "'",
        "x",
        "~",
        "$HOME",
        "%(private_token)s",
        "%(oauth_token)s",
        " ",
        "=",
        ":",
        "#",
        "]",
    ];
    const ENDS: &[&str] = &["\n", "\n", "\n", "\r\n"];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        // xorshift64*: a fixed sequence, so a failure reproduces.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    };
    let origin = Path::new("gen.cfg");
    let (mut refused, mut resolved) = (0, 0);
    for case in 0..20_000 {
        let mut text = String::new();
        if next(2) == 0 {
            text.push_str("[global]\ndefault = s\n[s]\nurl = https://s.example\n");
        }
        let lines = next(12);
        for n in 0..lines {
            let value = |next: &mut dyn FnMut(usize) -> usize| -> String {
                (0..next(4)).map(|_| VALUES[next(VALUES.len())]).collect()
            };
            let line = match next(20) {
                0..=2 => HEADERS[next(HEADERS.len())].to_string(),
                3..=12 => format!(
                    "{}{}{}",
                    KEYS[next(KEYS.len())],
                    DELIMS[next(DELIMS.len())],
                    value(&mut next)
                ),
                13 | 14 => format!("{}{}", ["# ", ";", "  #"][next(3)], value(&mut next)),
                15 | 16 => format!("{}{}", ["  ", "\t"][next(2)], value(&mut next)),
                17 => String::new(),
                18 => [
                    "private_token = glpat-SECRETVALUE",
                    "oauth_token:SECRETVALUE",
                    "job_token = SECRETVALUE%%",
                ][next(3)]
                .to_string(),
                _ => value(&mut next),
            };
            text.push_str(&line);
            // The last line may also end the file without a line break.
            if n + 1 < lines || next(3) > 0 {
                text.push_str(ENDS[next(ENDS.len())]);
            }
        }
        let leak = |msg: &str| msg.contains("SECRETVALUE");
        match Config::parse(&text, origin) {
            Err(e) => {
                refused += 1;
                let msg = e.to_string();
                assert!(msg.contains("gen.cfg"), "case {case}: {msg}\n{text:?}");
                assert!(!leak(&msg), "case {case}: {msg}\n{text:?}");
            }
            Ok(cfg) => {
                let _ = cfg.default_server();
                let names: Vec<String> = cfg.server_names().iter().map(|s| s.to_string()).collect();
                for name in names.iter().map(|n| Some(n.as_str())).chain([None]) {
                    match cfg.server_with_env(name, &no_env) {
                        Ok(server) => {
                            resolved += 1;
                            assert!(!leak(&format!("{server:?}")), "case {case}: {server:?}");
                        }
                        Err(e) => {
                            let msg = e.to_string();
                            assert!(!leak(&msg), "case {case}: {msg}\n{text:?}");
                        }
                    }
                }
            }
        }
    }
    // The generator reaches both the parser's refusals and resolved servers.
    assert!(
        refused > 500 && resolved > 500,
        "refused {refused}, resolved {resolved}"
    );
}

#[cfg(unix)]
#[test]
fn a_helper_busy_for_a_moment_is_run_once_it_is_free() {
    let dir = temp_dir();
    let h = script(&dir, "busy.sh", "echo glpat-after-wait");
    // An open writer makes exec fail with ETXTBSY until it is closed.
    let writer = std::fs::OpenOptions::new().append(true).open(&h).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(writer);
    });
    let no_env = |_: &str| None;
    let got = super::helpers::run_helper(&h.display().to_string(), &no_env, Duration::from_secs(5));
    release.join().unwrap();
    assert_eq!(got.as_deref(), Ok("glpat-after-wait"));
}

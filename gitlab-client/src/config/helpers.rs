//! Credential helpers: a token written `helper: command args` is the first
//! line the command prints, run without a shell.

use super::ini::Located;
use super::interpolate::{expand_home, expand_vars};
use super::{ConfigError, EnvLookup, HELPER_PREFIX};
use crate::transport::Secret;

/// The secret of a token value: the value itself, or what its helper prints.
/// Empty values count as unset.
pub(super) fn resolve_secret(
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
pub(super) fn run_helper(command: &str, env: EnvLookup<'_>) -> std::result::Result<String, String> {
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

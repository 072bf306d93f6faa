//! Credential helpers: a token written `helper: command args` is the first
//! line the command prints, run without a shell.
//!
//! A helper is untrusted input like any other: it gets [`DEFAULT_HELPER_TIMEOUT`]
//! (or `helper_timeout`) to finish and is killed after it, at most
//! [`MAX_HELPER_OUTPUT`] bytes of what it prints are read, and nothing it writes
//! to stderr is repeated (it may hold the very secret being fetched).

use super::ini::Located;
use super::interpolate::{expand_home, expand_vars};
use super::{ConfigError, EnvLookup, HELPER_PREFIX};
use crate::transport::Secret;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a credential helper may run when neither `helper_timeout` nor
/// `GITLAB_HELPER_TIMEOUT` says otherwise.
pub const DEFAULT_HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a credential helper may print on stdout (a token is one short line).
pub const MAX_HELPER_OUTPUT: usize = 64 * 1024;

/// The secret of a token value: the value itself, or what its helper prints.
/// Empty values count as unset.
pub(super) fn resolve_secret(
    v: &Located,
    env: EnvLookup<'_>,
    timeout: Duration,
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
    run_helper(command, env, timeout)
        .map(|s| Some(Secret::new(s)))
        .map_err(|m| v.error(m))
}

/// Runs a credential helper without a shell and returns the first line it prints.
pub(super) fn run_helper(
    command: &str,
    env: EnvLookup<'_>,
    timeout: Duration,
) -> std::result::Result<String, String> {
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
    // A helper that is being written at this moment, or whose file another
    // thread's freshly forked child still holds open, cannot be executed yet
    // (ETXTBSY): try again a few times, 150 ms in all, before giving up.
    let mut busy_retries = 0;
    let mut child = loop {
        let spawned = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && busy_retries < 5 => {
                busy_retries += 1;
                std::thread::sleep(Duration::from_millis(10 * busy_retries));
            }
            other => {
                break other
                    .map_err(|e| format!("cannot run credential helper `{program}`: {e}"))?
            }
        }
    };
    let deadline = Instant::now() + timeout;
    let too_slow = || {
        format!(
            "credential helper `{command}` did not finish within {}s and was stopped \
             (raise `helper_timeout` or GITLAB_HELPER_TIMEOUT if it needs longer)",
            timeout.as_secs_f64()
        )
    };
    // Readers run on their own threads and report over channels, so a helper
    // (or a child it left behind holding the pipes) can never block us past the deadline.
    let (out_tx, out_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let r = stdout
                .take(MAX_HELPER_OUTPUT as u64 + 1)
                .read_to_end(&mut buf);
            let _ = out_tx.send(r.map(|_| buf));
        });
    }
    let (err_tx, err_rx) = mpsc::channel();
    if let Some(mut stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            // Counted, never kept: stderr may hold the secret.
            let (mut bytes, mut lines, mut chunk) = (0usize, 0usize, [0u8; 4096]);
            while let Ok(n @ 1..) = stderr.read(&mut chunk) {
                bytes += n;
                lines += chunk[..n].iter().filter(|b| **b == b'\n').count();
            }
            let _ = err_tx.send((bytes, lines));
        });
    }
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let stdout = match out_rx.recv_timeout(remaining()) {
        Ok(Ok(buf)) if buf.len() > MAX_HELPER_OUTPUT => {
            stop(&mut child);
            return Err(format!(
                "credential helper `{command}` printed more than {} KiB; it must print only the secret",
                MAX_HELPER_OUTPUT / 1024
            ));
        }
        Ok(Ok(buf)) => buf,
        Ok(Err(e)) => {
            stop(&mut child);
            return Err(format!(
                "cannot read the output of credential helper `{command}`: {e}"
            ));
        }
        Err(_) => {
            stop(&mut child);
            return Err(too_slow());
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                stop(&mut child);
                return Err(too_slow());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                stop(&mut child);
                return Err(format!(
                    "cannot wait for credential helper `{command}`: {e}"
                ));
            }
        }
    };
    if !status.success() {
        let status = match status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        let wait = remaining().min(Duration::from_millis(500));
        let stderr = match err_rx.recv_timeout(wait) {
            Ok((0, _)) => String::new(),
            Ok((bytes, lines)) => format!(
                " (its stderr, {bytes} bytes in {} line(s), is not shown because it may hold secrets)",
                lines.max(1)
            ),
            Err(_) => " (its stderr is not shown because it may hold secrets)".to_string(),
        };
        return Err(format!(
            "credential helper `{command}` failed with {status}{stderr}"
        ));
    }
    let stdout = String::from_utf8(stdout).map_err(|_| {
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

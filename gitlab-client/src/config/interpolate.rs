//! `configparser` interpolation (`%%`, `%(key)s`) and the `$VAR` / `~`
//! expansion python-gitlab applies to helper commands and file paths.

use super::ini::{Config, Entry, Located};
use super::{ConfigError, EnvLookup, DEFAULTS, SECRET_KEYS};

impl Config {
    /// A raw value after interpolation: the section's own, then `[DEFAULT]`'s.
    pub(super) fn raw(
        &self,
        section: &str,
        key: &str,
    ) -> std::result::Result<Option<Located>, ConfigError> {
        let entry = self
            .section(section)
            .and_then(|s| s.get(key))
            .or_else(|| self.section(DEFAULTS).and_then(|s| s.get(key)));
        let Some(e) = entry else { return Ok(None) };
        let mut secrets = Vec::new();
        let value = self.interpolate(section, e, 0, &mut secrets)?;
        Ok(Some(Located {
            value,
            file: e.file.clone(),
            section: section.to_string(),
            key: key.to_string(),
            secrets,
        }))
    }

    /// Expands `%%` and `%(name)s` the way Python's `configparser` does. The
    /// expansions of credential keys are added to `secrets`, so that messages
    /// about the value can hide them.
    pub(super) fn interpolate(
        &self,
        section: &str,
        e: &Entry,
        depth: usize,
        secrets: &mut Vec<String>,
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
                let expanded = self.interpolate(section, target, depth + 1, secrets)?;
                if SECRET_KEYS.contains(&name.as_str()) {
                    secrets.push(expanded.clone());
                }
                out.push_str(&expanded);
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
}

/// `$NAME` and `${NAME}` replaced from `env`; unknown variables stay as written
/// (like Python's `os.path.expandvars`).
pub(super) fn expand_vars(s: &str, env: EnvLookup<'_>) -> String {
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
pub(super) fn expand_home(s: &str, env: EnvLookup<'_>) -> Option<String> {
    let rest = s.strip_prefix('~')?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let home = env("HOME").filter(|h| !h.is_empty())?;
    Some(format!("{}{rest}", home.trim_end_matches('/')))
}

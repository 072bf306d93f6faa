//! Reading python-gitlab's INI files the way Python's `configparser` does:
//! sections, `key = value` / `key: value`, continuation lines, comments, and
//! files merged key by key.

use super::interpolate::expand_home;
use super::{ConfigError, EnvLookup, DEFAULTS, GLOBAL, SECRET_KEYS};
use std::fmt;
use std::path::{Path, PathBuf};

/// One raw value and the file it was read from.
#[derive(Clone)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) value: String,
    pub(super) file: PathBuf,
}

#[derive(Clone)]
pub(super) struct Section {
    pub(super) name: String,
    /// The file that first declared the section.
    pub(super) file: PathBuf,
    pub(super) entries: Vec<Entry>,
}

impl Section {
    pub(super) fn get(&self, key: &str) -> Option<&Entry> {
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

/// The largest configuration file [`Config::load`] reads.
pub const MAX_CONFIG_FILE_SIZE: u64 = 1024 * 1024;

/// The merged content of one or more python-gitlab configuration files.
#[derive(Clone, Default)]
pub struct Config {
    pub(super) files: Vec<PathBuf>,
    pub(super) sections: Vec<Section>,
    pub(super) warnings: Vec<String>,
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
    ///
    /// Only regular files of at most 1 MiB are read
    /// (`/dev/zero` or a directory is an error, not an endless read). On unix,
    /// a file that holds a token (not a `helper:`) and that other users may
    /// read adds a [warning](Self::warnings), also logged with `tracing`.
    pub fn load(files: &[PathBuf]) -> std::result::Result<Config, ConfigError> {
        let mut cfg = Config::empty();
        for f in files {
            let text = read_config_file(f)?;
            let mut one = Config::parse(&text, f)?;
            if let Some(w) = readable_by_others(f, &one) {
                tracing::warn!("{w}");
                one.warnings.push(w);
            }
            cfg.merge(one);
        }
        Ok(cfg)
    }

    /// Problems worth telling the user that do not stop the configuration from
    /// being used, such as a token in a file other users can read.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
        let mut cfg = Config {
            files: vec![origin.to_path_buf()],
            sections: Vec::new(),
            warnings: Vec::new(),
        };
        for section in parse_sections(text, origin)? {
            cfg.merge_section(section);
        }
        Ok(cfg)
    }

    pub(super) fn merge(&mut self, other: Config) {
        self.files.extend(other.files);
        self.warnings.extend(other.warnings);
        for s in other.sections {
            self.merge_section(s);
        }
    }

    pub(super) fn merge_section(&mut self, s: Section) {
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

    pub(super) fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// A value with where it was found, for error messages.
pub(super) struct Located {
    pub(super) value: String,
    pub(super) file: PathBuf,
    pub(super) section: String,
    pub(super) key: String,
    /// What `%(private_token)s`-style interpolation of credentials put into `value`.
    pub(super) secrets: Vec<String>,
}

impl Located {
    /// An error about this value. When interpolation pulled a credential into
    /// it, the value and the credential are hidden from the message.
    pub(super) fn error(&self, message: impl Into<String>) -> ConfigError {
        let mut message = message.into();
        if !self.secrets.is_empty() {
            if !self.value.is_empty() {
                message =
                    message.replace(&self.value, "<hidden: the value interpolates a credential>");
            }
            for s in self.secrets.iter().filter(|s| !s.is_empty()) {
                message = message.replace(s.as_str(), "***");
            }
        }
        ConfigError::at(Some(&self.file), &self.section, &self.key, message)
    }
}

pub(super) fn set_entry(entries: &mut Vec<Entry>, e: Entry) {
    match entries.iter_mut().find(|x| x.key == e.key) {
        Some(slot) => *slot = e,
        None => entries.push(e),
    }
}

/// A configuration file's text: a regular file of at most [`MAX_CONFIG_FILE_SIZE`] bytes.
fn read_config_file(f: &Path) -> std::result::Result<String, ConfigError> {
    use std::io::Read;
    let fail = |message: String| ConfigError {
        file: Some(f.to_path_buf()),
        section: None,
        key: None,
        message,
    };
    let not_regular = || {
        fail("not a regular file: a configuration file must be a plain file (not a device, pipe or directory)".into())
    };
    // Checked before opening, so that opening a FIFO cannot block.
    let meta = std::fs::metadata(f)
        .map_err(|e| fail(format!("cannot read the configuration file: {e}")))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(f)
        .map_err(|e| fail(format!("cannot read the configuration file: {e}")))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read the configuration file: {e}")))?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_SIZE {
        return Err(fail(format!(
            "larger than {} MiB: this is not a python-gitlab configuration file",
            MAX_CONFIG_FILE_SIZE / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))
}

/// The warning for a file holding a literal token that other users may read.
#[cfg(unix)]
fn readable_by_others(f: &Path, cfg: &Config) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(f).ok()?.permissions().mode();
    if mode & 0o044 == 0 {
        return None;
    }
    let holds_token = cfg.sections.iter().flat_map(|s| &s.entries).any(|e| {
        let v = e.value.trim();
        SECRET_KEYS.contains(&e.key.as_str())
            && !v.is_empty()
            && !v
                .get(..super::HELPER_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(super::HELPER_PREFIX))
    });
    holds_token.then(|| {
        format!(
            "{} is readable by other users (mode {:03o}) and holds a token: run `chmod 600` on it or use `helper:`",
            f.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path, _: &Config) -> Option<String> {
    None
}

/// The sections of one file, read as Python's `configparser` reads with its
/// defaults: `key = value` or `key: value` (the first `=` or `:` splits), keys
/// folded to lower case, whole-line `#` and `;` comments, no inline comments,
/// quotes or escapes, and lines indented deeper than their key continuing its
/// value (blank lines between them kept). Like its strict mode, a key given
/// twice in one section or a section header given twice is an error naming
/// both lines, rather than one silently winning.
fn parse_sections(text: &str, origin: &Path) -> std::result::Result<Vec<Section>, ConfigError> {
    let fail = |section: Option<&Section>, key: Option<&str>, message: String| ConfigError {
        file: Some(origin.to_path_buf()),
        section: section.map(|s| s.name.clone()),
        key: key.map(str::to_string),
        message,
    };
    // Each section and entry with the line that declared it.
    let mut sections: Vec<(Section, usize, Vec<usize>)> = Vec::new();
    // The indentation of the key whose value the next deeper line continues.
    let mut open_value: Option<usize> = None;
    let mut blank_lines = 0;
    // A byte-order mark (Windows editors write one) is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.starts_with(['#', ';']) {
            continue;
        }
        if line.is_empty() {
            blank_lines += 1;
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let (Some(key_indent), Some((section, _, _))) = (open_value, sections.last_mut()) {
            if indent > key_indent {
                if let Some(e) = section.entries.last_mut() {
                    e.value.push_str(&"\n".repeat(blank_lines + 1));
                    e.value.push_str(line);
                }
                blank_lines = 0;
                continue;
            }
        }
        blank_lines = 0;
        open_value = None;
        if let Some(rest) = line.strip_prefix('[') {
            let Some(inner) = rest.strip_suffix(']') else {
                return Err(fail(
                    None,
                    None,
                    format!("line {n}: a section header must end with ']'"),
                ));
            };
            let name = inner.trim().to_string();
            if let Some((s, first, _)) = sections.iter().find(|(s, _, _)| s.name == name) {
                return Err(fail(
                    Some(s),
                    None,
                    format!(
                        "section [{name}] appears twice (lines {first} and {n}); merge them into one"
                    ),
                ));
            }
            let section = Section {
                name,
                file: origin.to_path_buf(),
                entries: Vec::new(),
            };
            sections.push((section, n, Vec::new()));
            continue;
        }
        let Some(cut) = line.find(['=', ':']) else {
            return Err(fail(
                sections.last().map(|(s, _, _)| s),
                None,
                format!("line {n}: expected `key = value`, a [section] header or a comment"),
            ));
        };
        let key = line[..cut].trim().to_lowercase();
        let Some((section, _, lines)) = sections.last_mut() else {
            return Err(fail(
                None,
                Some(&key),
                "key outside any [section]; put it under [global] or a server section".into(),
            ));
        };
        if key.is_empty() {
            return Err(fail(
                Some(section),
                None,
                format!("line {n}: no key before the '{}'", &line[cut..=cut]),
            ));
        }
        if let Some(at) = section.entries.iter().position(|e| e.key == key) {
            let first = lines[at];
            return Err(fail(
                Some(section),
                Some(&key),
                format!(
                    "given twice in this section (lines {first} and {n}); keep one (Python's configparser refuses this too)"
                ),
            ));
        }
        section.entries.push(Entry {
            key,
            value: line[cut + 1..].trim().to_string(),
            file: origin.to_path_buf(),
        });
        lines.push(n);
        open_value = Some(indent);
    }
    Ok(sections.into_iter().map(|(s, _, _)| s).collect())
}

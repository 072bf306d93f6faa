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

/// The merged content of one or more python-gitlab configuration files.
#[derive(Clone, Default)]
pub struct Config {
    pub(super) files: Vec<PathBuf>,
    pub(super) sections: Vec<Section>,
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

    pub(super) fn merge(&mut self, other: Config) {
        self.files.extend(other.files);
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
}

impl Located {
    pub(super) fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::at(Some(&self.file), &self.section, &self.key, message)
    }
}

pub(super) fn set_entry(entries: &mut Vec<Entry>, e: Entry) {
    match entries.iter_mut().find(|x| x.key == e.key) {
        Some(slot) => *slot = e,
        None => entries.push(e),
    }
}

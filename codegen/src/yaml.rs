//! The only place that names the YAML crate.
//!
//! `serde_yaml` is archived upstream; switching to a maintained fork with the same
//! API (e.g. `serde_norway`) means changing the `use` below and the workspace dependency.

use serde::de::DeserializeOwned;
use serde_yaml as backend;

/// A YAML parse or shape error with the 1-based position the parser reported, if any.
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// Deserialize `src` into `T`, keeping the parser's location on failure.
pub fn from_str<T: DeserializeOwned>(src: &str) -> Result<T, YamlError> {
    backend::from_str(src).map_err(|e| {
        let loc = e.location();
        YamlError {
            message: strip_location(&e.to_string()),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
        }
    })
}

/// serde_yaml appends " at line X column Y" to its messages; we print the location ourselves.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

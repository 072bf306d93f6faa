//! Response headers as a value: what a `returns: headers` action (a `HEAD`
//! request, whose answer has no body) gives back.

use crate::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The headers of a response, by lower-cased name.
///
/// GitLab answers some `HEAD` requests with the facts in headers, e.g. a
/// repository file's `X-Gitlab-Size` and `X-Gitlab-Blob-Id`. Names are
/// lower-cased (look-ups ignore case), values are text (bytes that are not
/// UTF-8 are replaced), a header sent several times keeps its values joined
/// with `", "`, and `Set-Cookie` is never kept.
///
/// ```
/// # use gitlab_client::ResponseHeaders;
/// let h = ResponseHeaders::from_pairs([("X-Gitlab-Size", "42"), ("X-Gitlab-Ref", "main")]);
/// assert_eq!(h.get("x-gitlab-ref"), Some("main"));
/// assert_eq!(h.parse::<u64>("X-GitLab-Size"), Some(42));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    map: BTreeMap<String, String>,
}

/// Headers never kept: a session cookie is a credential.
const DROPPED: &[&str] = &["set-cookie", "set-cookie2"];

impl ResponseHeaders {
    /// Headers from `(name, value)` pairs, with the same rules as a response's
    /// (names lower-cased, repeats joined, `Set-Cookie` left out).
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        let mut h = ResponseHeaders::default();
        for (n, v) in pairs {
            h.add(n.as_ref(), v.as_ref());
        }
        h
    }

    pub(crate) fn from_header_map(headers: &reqwest::header::HeaderMap) -> Self {
        let mut h = ResponseHeaders::default();
        for (name, value) in headers {
            h.add(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
        }
        h
    }

    fn add(&mut self, name: &str, value: &str) {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || DROPPED.contains(&name.as_str()) {
            return;
        }
        let value = value.trim();
        self.map
            .entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }

    /// The value of the header `name` (any case), if it was sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name.to_ascii_lowercase().as_str())
            .map(String::as_str)
    }

    /// The header `name` read as a `T` (`h.parse::<u64>("x-gitlab-size")`);
    /// `None` when it is missing or does not parse.
    pub fn parse<T: FromStr>(&self, name: &str) -> Option<T> {
        self.get(name)?.parse().ok()
    }

    /// Whether the header `name` (any case) was sent.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every header as `(lower-cased name, value)`, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The headers as a JSON object of strings, sorted by name.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.map
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }
}

impl fmt::Debug for ResponseHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a ResponseHeaders {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn names_fold_case_repeats_join_and_cookies_stay_out() {
        let mut m = HeaderMap::new();
        m.insert("X-Gitlab-Size", HeaderValue::from_static("12"));
        m.append("vary", HeaderValue::from_static("Origin"));
        m.append("vary", HeaderValue::from_static("Accept"));
        m.insert(
            "set-cookie",
            HeaderValue::from_static("_gitlab_session=abc"),
        );
        m.insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let h = ResponseHeaders::from_header_map(&m);
        assert_eq!(h.get("X-GITLAB-SIZE"), Some("12"));
        assert_eq!(h.parse::<u64>("x-gitlab-size"), Some(12));
        assert_eq!(h.parse::<u64>("vary"), None);
        assert_eq!(h.get("vary"), Some("Origin, Accept"));
        assert!(!h.contains("set-cookie"));
        assert!(!format!("{h:?}").contains("_gitlab_session"));
        assert_eq!(h.get("x-odd"), Some("caf\u{fffd}"));
        assert_eq!(h.len(), 3);
        assert_eq!(
            h.to_json(),
            serde_json::json!({"vary": "Origin, Accept", "x-gitlab-size": "12", "x-odd": "caf\u{fffd}"})
        );
        let names: Vec<&str> = h.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["vary", "x-gitlab-size", "x-odd"]);
    }
}

//! Printing results: `json` and `yaml` documents of the server's objects, and
//! python-gitlab's `legacy` `key: value` blocks. Lists can be written item by
//! item so a `--get-all` listing never sits in memory whole.

use crate::args::Format;
use gitlab_client::{ResponseHeaders, Value};
use std::io::{self, Write};

/// The printer's output as the `AsyncWrite` a streamed download writes to.
/// Writes go straight to the output: the CLI runs one request at a time on a
/// single-threaded runtime, so a blocking write holds up nothing else.
pub struct RawOut<'a, W>(&'a mut W);

impl<W: Write> tokio::io::AsyncWrite for RawOut<'_, W> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Writes results to stdout in one format.
pub struct Printer<W: Write> {
    out: W,
    format: Format,
    fields: Vec<String>,
    verbose: bool,
    /// How the resource's own objects are named in short legacy output.
    naming: Naming,
    /// Items written so far in the open list.
    in_list: usize,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, format: Format, fields: Vec<String>, verbose: bool, naming: Naming) -> Self {
        Printer {
            out,
            format,
            fields,
            verbose,
            naming,
            in_list: 0,
        }
    }

    /// Keeps only the `--fields` attributes of an object.
    fn select(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if !self.fields.is_empty() => Value::Object(
                self.fields
                    .iter()
                    .filter_map(|f| m.get(f).map(|x| (f.clone(), x.clone())))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// One object of the resource (get, create, update…).
    pub fn object(&mut self, v: &Value) -> io::Result<()> {
        let v = self.select(v);
        match self.format {
            Format::Json => writeln!(self.out, "{}", json_line(&v)),
            Format::Yaml => self.out.write_all(yaml_doc(&v).as_bytes()),
            Format::Legacy => {
                let text = legacy_object(&v, self.naming, self.verbose || !self.fields.is_empty());
                self.out.write_all(text.as_bytes())
            }
        }
    }

    /// Any JSON a custom action or an update returned: objects are shown
    /// whole, as python-gitlab shows the dict such a method returns; the
    /// items of a list, whose class is not known, in short form.
    pub fn value(&mut self, v: &Value) -> io::Result<()> {
        let guess = Naming::Guess {
            id_attr: self.naming.id_attr(),
        };
        match (self.format, v) {
            (Format::Legacy, Value::Array(items)) => {
                self.begin_list()?;
                for i in items {
                    self.item_named(i, guess)?;
                }
                self.end_list()
            }
            (Format::Legacy, Value::Object(_)) => {
                let v = self.select(v);
                let whole = Naming::Guess { id_attr: None };
                self.out
                    .write_all(legacy_object(&v, whole, true).as_bytes())
            }
            (Format::Legacy, Value::Null) => Ok(()),
            (Format::Legacy, other) => writeln!(self.out, "{}", py_str(other)),
            (_, Value::Array(items)) => {
                self.begin_list()?;
                for i in items {
                    self.item(i)?;
                }
                self.end_list()
            }
            _ => self.object(v),
        }
    }

    /// The response headers of a `returns: headers` action (a HEAD): one
    /// `name: value` line each in legacy output, sorted by name; an object of
    /// strings in json and yaml. `--fields` keeps the named headers (any case).
    pub fn headers(&mut self, h: &ResponseHeaders) -> io::Result<()> {
        let wanted = |name: &str| {
            self.fields.is_empty() || self.fields.iter().any(|f| f.eq_ignore_ascii_case(name))
        };
        match self.format {
            Format::Legacy => {
                for (name, value) in h.iter().filter(|(n, _)| wanted(n)) {
                    writeln!(self.out, "{name}: {value}")?;
                }
                Ok(())
            }
            Format::Json | Format::Yaml => {
                let kept = ResponseHeaders::from_pairs(h.iter().filter(|(n, _)| wanted(n)));
                let v = kept.to_json();
                match self.format {
                    Format::Json => writeln!(self.out, "{}", json_line(&v)),
                    _ => self.out.write_all(yaml_doc(&v).as_bytes()),
                }
            }
        }
    }

    /// Bytes as the server sent them.
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)
    }

    /// The output itself, for a download written as it arrives.
    pub fn raw_out(&mut self) -> RawOut<'_, W> {
        RawOut(&mut self.out)
    }

    pub fn begin_list(&mut self) -> io::Result<()> {
        self.in_list = 0;
        if self.format == Format::Json {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    /// One object of a listing. In JSON without `--fields`, the server's text is
    /// copied as is (no parse, no re-serialisation).
    pub fn item_object(&mut self, o: &gitlab_client::ObjectCore) -> io::Result<()> {
        if self.format == Format::Json && self.fields.is_empty() {
            if self.in_list > 0 {
                self.out.write_all(b",")?;
            }
            o.write_json(&mut self.out)?;
            self.in_list += 1;
            return Ok(());
        }
        self.item(&o.to_json())
    }

    /// One object of the resource's listing; written at once.
    pub fn item(&mut self, v: &Value) -> io::Result<()> {
        self.item_named(v, self.naming)
    }

    fn item_named(&mut self, v: &Value, naming: Naming) -> io::Result<()> {
        let v = self.select(v);
        match self.format {
            Format::Json => {
                if self.in_list > 0 {
                    self.out.write_all(b",")?;
                }
                self.out.write_all(json_line(&v).as_bytes())?;
            }
            Format::Yaml => {
                // A one-element sequence per item: concatenated, they form the list.
                let doc = yaml_doc(&Value::Array(vec![v]));
                self.out.write_all(doc.as_bytes())?;
            }
            Format::Legacy => {
                let text = match &v {
                    Value::Object(_) => {
                        legacy_object(&v, naming, self.verbose || !self.fields.is_empty())
                    }
                    other => format!("{}\n", py_str(other)),
                };
                self.out.write_all(text.as_bytes())?;
                self.out.write_all(b"\n")?;
            }
        }
        self.in_list += 1;
        Ok(())
    }

    pub fn end_list(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json => self.out.write_all(b"]\n")?,
            Format::Yaml if self.in_list == 0 => self.out.write_all(b"[]\n")?,
            _ => {}
        }
        self.out.flush()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn json_line(v: &Value) -> String {
    // Serialising a `Value` cannot fail; an empty string would be the worst case.
    serde_json::to_string(v).unwrap_or_default()
}

fn yaml_doc(v: &Value) -> String {
    match serde_yaml::to_string(v) {
        Ok(s) => s,
        // Not expected for JSON values; fall back to JSON, which is valid YAML.
        Err(_) => format!("{}\n", json_line(v)),
    }
}

/// How short legacy output names an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// An object of a known resource: its id attribute, then the attribute
    /// python-gitlab's class of it names objects by (`_repr_attr`), if any.
    Class {
        name: &'static str,
        id_attr: Option<&'static str>,
        repr_attr: Option<&'static str>,
    },
    /// An object of unknown class (the items a custom action lists): the id
    /// attribute given, then the first of [`GUESSED_LABELS`] it has.
    Guess { id_attr: Option<&'static str> },
}

impl Naming {
    /// The naming of `meta`'s objects.
    pub fn of(meta: &gitlab_client::meta::ResourceMeta) -> Naming {
        Naming::Class {
            name: meta.name,
            id_attr: meta.id_attr,
            repr_attr: crate::repr::repr_attr(meta.name),
        }
    }

    fn id_attr(self) -> Option<&'static str> {
        match self {
            Naming::Class { id_attr, .. } | Naming::Guess { id_attr } => id_attr,
        }
    }
}

/// Attributes that name an object of unknown class in short output, in order of preference.
const GUESSED_LABELS: [&str; 7] = [
    "path_with_namespace",
    "full_path",
    "title",
    "username",
    "name",
    "path",
    "body",
];

/// python-gitlab's `legacy` block for one object. Short form: the id line and
/// the naming attribute's line; verbose: every attribute, sorted, `_` shown
/// as `-`, nested objects indented (the id first when there is one).
pub fn legacy_object(v: &Value, naming: Naming, verbose: bool) -> String {
    let Value::Object(m) = v else {
        return format!("{}\n", py_str(v));
    };
    let id_attr = naming.id_attr();
    let mut out = String::new();
    if verbose {
        if let Some(id) = id_attr.and_then(|k| m.get(k).map(|v| (k, v))) {
            out.push_str(&format!("{}: {}\n", id.0, py_str(id.1)));
        }
        legacy_map(&mut out, m, id_attr, 0);
        return out;
    }
    if let Some(k) = id_attr {
        if let Some(id) = m.get(k) {
            out.push_str(&format!("{}: {}\n", k.replace('_', "-"), py_str(id)));
        }
    }
    let label = match naming {
        // python-gitlab prints the line even when the value is missing or empty: `None`.
        Naming::Class {
            repr_attr: Some(k), ..
        } => Some((
            k,
            m.get(k)
                .filter(|v| truthy(v))
                .map_or_else(|| "None".to_string(), py_str),
        )),
        Naming::Class { .. } => None,
        Naming::Guess { .. } => GUESSED_LABELS
            .iter()
            .filter(|k| Some(**k) != id_attr)
            .find_map(|k| m.get(*k).filter(|v| !v.is_null()).map(|v| (*k, py_str(v)))),
    };
    if let Some((k, text)) = label {
        let text = text.replace('\r', "").replace('\n', " ");
        let mut line = format!("{k}: {text}");
        if line.chars().count() > 79 {
            line = line.chars().take(76).collect::<String>() + "...";
        }
        out.push_str(&line);
        out.push('\n');
    }
    if out.is_empty() {
        let class = match naming {
            Naming::Class { name, .. } => name,
            Naming::Guess { .. } => "object",
        };
        out.push_str(&format!(
            "No default fields to show for <{class}>. Please use --verbose or the JSON/YAML output.\n"
        ));
    }
    out
}

/// Python's truth value of a JSON value (`None`, `False`, `0`, `""`, `[]`, `{}` are false).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn legacy_map(
    out: &mut String,
    m: &serde_json::Map<String, Value>,
    skip: Option<&str>,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    let mut keys: Vec<&String> = m.keys().filter(|k| Some(k.as_str()) != skip).collect();
    keys.sort();
    for k in keys {
        let key = k.replace('_', "-");
        match &m[k.as_str()] {
            Value::Object(inner) => {
                out.push_str(&format!("{pad}{key}:\n"));
                legacy_map(out, inner, None, indent + 2);
            }
            other => out.push_str(&format!("{pad}{key}: {}\n", py_str(other))),
        }
    }
}

/// A value as Python's `str()` prints it (what python-gitlab's legacy output shows).
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// A value as Python's `repr()` prints it.
fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::with_capacity(s.len() + 2);
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_renderings() {
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!("a b")), "a b");
        assert_eq!(py_str(&json!(["a", 1, null])), "['a', 1, None]");
        assert_eq!(py_str(&json!(["it's"])), "[\"it's\"]");
        assert_eq!(py_str(&json!({"k": false})), "{'k': False}");
    }

    const NONE: Naming = Naming::Guess { id_attr: None };
    const PROJECT: Naming = Naming::Class {
        name: "Project",
        id_attr: Some("id"),
        repr_attr: Some("path_with_namespace"),
    };

    #[test]
    fn legacy_short_and_verbose() {
        let v = json!({"id": 1, "path_with_namespace": "g/p", "star_count": 0,
                       "namespace": {"full_path": "g", "id": 2}, "tag_list": ["a"]});
        assert_eq!(
            legacy_object(&v, PROJECT, false),
            "id: 1\npath_with_namespace: g/p\n"
        );
        assert_eq!(
            legacy_object(&v, PROJECT, true),
            "id: 1\nnamespace:\n  full-path: g\n  id: 2\npath-with-namespace: g/p\nstar-count: 0\ntag-list: ['a']\n"
        );
        let issue = Naming::Class {
            name: "ProjectIssue",
            id_attr: Some("iid"),
            repr_attr: Some("title"),
        };
        let long = json!({"iid": 3, "title": "x".repeat(100)});
        let out = legacy_object(&long, issue, false);
        assert!(out.starts_with("iid: 3\ntitle: xxx"), "{out}");
        assert!(out.lines().nth(1).unwrap().ends_with("..."), "{out}");
        assert_eq!(out.lines().nth(1).unwrap().chars().count(), 79);
    }

    #[test]
    fn short_form_follows_the_class_repr_attribute() {
        let group = Naming::Class {
            name: "Group",
            id_attr: Some("id"),
            repr_attr: Some("name"),
        };
        let v = json!({"id": 2, "full_path": "group1", "name": "test-group1"});
        assert_eq!(
            legacy_object(&v, group, false),
            "id: 2\nname: test-group1\n"
        );
        // A missing or empty value shows as Python's None.
        assert_eq!(
            legacy_object(&json!({"id": 2}), group, false),
            "id: 2\nname: None\n"
        );
        // A class without one shows its id alone, whatever the object holds.
        let mr = Naming::Class {
            name: "ProjectMergeRequest",
            id_attr: Some("iid"),
            repr_attr: None,
        };
        let v = json!({"iid": 4, "title": "t"});
        assert_eq!(legacy_object(&v, mr, false), "iid: 4\n");
        let lint = Naming::Class {
            name: "ProjectCiLint",
            id_attr: None,
            repr_attr: None,
        };
        let out = legacy_object(&json!({"valid": true, "merged_yaml": "x"}), lint, false);
        assert!(
            out.starts_with("No default fields to show for <ProjectCiLint>"),
            "{out}"
        );
        assert!(!out.contains("merged_yaml"), "{out}");
        // Items of unknown class keep the first naming attribute found.
        let guess = Naming::Guess { id_attr: None };
        assert_eq!(
            legacy_object(&json!({"title": "t"}), guess, false),
            "title: t\n"
        );
    }

    #[test]
    fn json_lists_stream_into_one_document() {
        let mut buf = Vec::new();
        let mut p = Printer::new(&mut buf, Format::Json, vec!["id".into()], false, PROJECT);
        p.begin_list().unwrap();
        p.item(&json!({"id": 1, "x": 2})).unwrap();
        p.item(&json!({"id": 2})).unwrap();
        p.end_list().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "[{\"id\":1},{\"id\":2}]\n");
    }

    #[test]
    fn headers_print_as_lines_or_one_object() {
        let h = ResponseHeaders::from_pairs([
            ("X-Gitlab-Size", "12"),
            ("X-Gitlab-Ref", "main"),
            ("Content-Type", "text/plain"),
        ]);
        let mut buf = Vec::new();
        Printer::new(&mut buf, Format::Legacy, vec![], false, NONE)
            .headers(&h)
            .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "content-type: text/plain\nx-gitlab-ref: main\nx-gitlab-size: 12\n"
        );
        let mut buf = Vec::new();
        Printer::new(
            &mut buf,
            Format::Json,
            vec!["X-GitLab-Size".into()],
            false,
            NONE,
        )
        .headers(&h)
        .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"x-gitlab-size\":\"12\"}\n"
        );
        let mut buf = Vec::new();
        Printer::new(&mut buf, Format::Yaml, vec![], false, NONE)
            .headers(&h)
            .unwrap();
        assert!(String::from_utf8(buf)
            .unwrap()
            .contains("x-gitlab-ref: main"));
    }

    #[test]
    fn yaml_lists_stream_into_one_sequence() {
        let mut buf = Vec::new();
        let mut p = Printer::new(&mut buf, Format::Yaml, vec![], false, NONE);
        p.begin_list().unwrap();
        p.item(&json!({"id": 1, "name": "a"})).unwrap();
        p.item(&json!({"id": 2, "name": "b"})).unwrap();
        p.end_list().unwrap();
        let text = String::from_utf8(buf).unwrap();
        let back: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(
            back,
            json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
        );
    }
}

//! The only place that names the YAML crate.
//!
//! `serde_yaml` is archived upstream; switching to a maintained fork with the same
//! API (e.g. `serde_norway`) means changing the `use` below and the workspace dependency.
//!
//! Before the text reaches the parser it is checked for what the parser handles
//! badly or silently: flow collections (`[`, `{`) nested deeper than
//! [`MAX_FLOW_DEPTH`] (the parser's work grows with the square of the depth), and
//! tags (`!!binary`, `!Custom`), which the schema language has no use for and
//! which serde would otherwise drop without a word.

use crate::locate::{locate, Pos, Seg};
use serde::de::DeserializeOwned;
use serde_yaml as backend;

/// Deepest nesting of `[` / `{` accepted; the schema itself needs three.
pub const MAX_FLOW_DEPTH: usize = 64;

/// A YAML parse or shape error with the 1-based position the parser reported, if any.
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// Deserialize `src` into `T`, keeping the parser's location on failure.
pub fn from_str<T: DeserializeOwned>(src: &str) -> Result<T, YamlError> {
    prescan(src)?;
    // Parse into a plain tree first to find tags; when that fails, the typed
    // parse below reports the same syntax error with serde's context.
    if let Ok(tree) = backend::from_str::<backend::Value>(src) {
        let mut path = Vec::new();
        if let Some(tag) = find_tag(&tree, &mut path) {
            let pos = tag_position(src, &path);
            return Err(YamlError {
                message: format!(
                    "YAML tag '{tag}' is not allowed: the schema uses plain strings, numbers, lists and maps; remove the tag"
                ),
                line: Some(pos.line),
                column: Some(pos.column),
            });
        }
    }
    backend::from_str(src).map_err(|e| {
        let loc = e.location();
        YamlError {
            message: strip_location(&e.to_string()),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
        }
    })
}

/// The first tag in `v` (depth first, in file order); `path` is left at the tagged node.
fn find_tag(v: &backend::Value, path: &mut Vec<Seg>) -> Option<String> {
    match v {
        backend::Value::Tagged(t) => Some(t.tag.to_string()),
        backend::Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if let Some(t) = find_tag(item, path) {
                    return Some(t);
                }
                path.pop();
            }
            None
        }
        backend::Value::Mapping(m) => {
            for (k, item) in m {
                if let backend::Value::Tagged(t) = k {
                    return Some(t.tag.to_string());
                }
                let Some(name) = k.as_str() else { continue };
                path.push(Seg::Key(name.to_string()));
                if let Some(t) = find_tag(item, path) {
                    return Some(t);
                }
                path.pop();
            }
            None
        }
        _ => None,
    }
}

/// The `!` of the tag at `path`: the first one at or after the node's key or
/// list item, else the node itself.
fn tag_position(src: &str, path: &[Seg]) -> Pos {
    let node = locate(src, path);
    let mut offset = 0usize;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        if i + 1 >= node.line {
            let from = if i + 1 == node.line {
                char_offset(line, node.column - 1)
            } else {
                0
            };
            if let Some(b) = line.get(from..).and_then(|rest| rest.find('!')) {
                return position_of(src, offset + from + b);
            }
        }
        offset += line.len();
    }
    node
}

/// Byte offset of the `col`-th character of `line` (clamped to its length).
fn char_offset(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(b, _)| b)
}

/// 1-based line and column (in characters) of byte `offset` of `src`.
pub fn position_of(src: &str, offset: usize) -> Pos {
    let before = src.get(..offset).unwrap_or(src);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Refuses flow collections nested deeper than [`MAX_FLOW_DEPTH`] and tags,
/// in one pass over the text. Outside flow collections a `[`, `{` or `!` only
/// means something where a node starts (after indentation, `: `, `- ` or `? `);
/// inside one, every bracket outside quotes counts. Comments, quoted strings,
/// block scalars (`|`, `>`) and the continuation lines of plain scalars are
/// skipped; the depth count only ever errs by a bracket or two, far below the limit.
fn prescan(src: &str) -> Result<(), YamlError> {
    let bytes = src.as_bytes();
    let fail = |i: usize, message: String| {
        let pos = position_of(src, i);
        Err(YamlError {
            message,
            line: Some(pos.line),
            column: Some(pos.column),
        })
    };
    let mut depth = 0usize;
    let mut i = 0usize;
    // Whether the next non-blank character starts a node.
    let mut node_start = true;
    let mut prev = b'\n';
    // Where the current line starts, and the column of its first plain scalar
    // (the key of a `key: value` line), which a continuation must indent past.
    let mut line_start = 0usize;
    let mut key_col: Option<usize> = None;
    // At depth 0: a plain scalar or block scalar is open, started on a line
    // indented `indent`; more indented lines continue it.
    let mut open_scalar: Option<usize> = None;
    let mut in_plain = false;
    while i < bytes.len() {
        let c = bytes[i];
        if prev == b'\n' && depth == 0 {
            let line_indent = bytes[i..].iter().take_while(|b| **b == b' ').count();
            let blank = matches!(
                bytes.get(i + line_indent),
                None | Some(b'\n' | b'\r' | b'#')
            );
            match open_scalar {
                Some(base) if blank || line_indent > base => {
                    // Part of the open scalar: skip the line.
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    if i < bytes.len() {
                        i += 1;
                    }
                    prev = b'\n';
                    continue;
                }
                _ => open_scalar = None,
            }
            line_start = i;
            key_col = None;
        }
        match c {
            b'\n' => {
                if depth == 0 && in_plain {
                    open_scalar = key_col;
                }
                in_plain = false;
                node_start = true;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if matches!(prev, b' ' | b'\t' | b'\n') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' if node_start => {
                // A quoted scalar: skip to its closing quote ('' and \" escape one).
                i += 1;
                while i < bytes.len() {
                    if c == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c {
                        if c == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                node_start = false;
            }
            b'|' | b'>' if node_start && depth == 0 => {
                open_scalar = Some(key_col.unwrap_or(i - line_start));
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'!' if node_start => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}'))
                    .map_or(bytes.len(), |n| i + n);
                let tag = String::from_utf8_lossy(&bytes[i..end]);
                return fail(
                    i,
                    format!(
                        "YAML tag '{tag}' is not allowed: the schema uses plain strings, numbers, lists and maps; remove the tag"
                    ),
                );
            }
            b'[' | b'{' if node_start || depth > 0 => {
                depth += 1;
                in_plain = false;
                if depth > MAX_FLOW_DEPTH {
                    return fail(
                        i,
                        format!(
                            "lists and maps nest more than {MAX_FLOW_DEPTH} levels deep here; the schema never needs that many"
                        ),
                    );
                }
                node_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            b',' if depth > 0 => node_start = true,
            b':' | b'-' | b'?'
                if bytes
                    .get(i + 1)
                    .is_none_or(|n| matches!(n, b' ' | b'\t' | b'\n' | b'\r')) =>
            {
                in_plain = false;
                node_start = true;
            }
            _ => {
                if node_start && depth == 0 {
                    in_plain = true;
                    key_col.get_or_insert(i - line_start);
                }
                node_start = false;
            }
        }
        prev = c;
        i += 1;
    }
    Ok(())
}

/// serde_yaml appends " at line X column Y" to its messages; we print the location ourselves.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> (String, usize, usize) {
        match from_str::<backend::Value>(src) {
            Ok(_) => panic!("accepted: {src}"),
            Err(e) => (e.message, e.line.unwrap_or(0), e.column.unwrap_or(0)),
        }
    }

    #[test]
    fn deep_flow_nesting_is_refused_at_the_bracket_in_linear_time() {
        let src = format!("doc: x\nresources: {}", "[".repeat(100_000));
        let t = std::time::Instant::now();
        let (m, line, col) = err(&src);
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        assert!(m.contains("nest more than 64"), "{m}");
        assert_eq!((line, col), (2, 12 + MAX_FLOW_DEPTH));
        // Brackets inside strings, comments and plain text are not nesting.
        let deep = "[".repeat(200);
        let ok =
            format!("a: \"{deep}\"\nb: '{deep}'\nc: x{deep}\n# {deep}\nd: [[1, 2], {{e: [3]}}]\n");
        assert!(from_str::<backend::Value>(&ok).is_ok());
    }

    #[test]
    fn tags_are_refused_where_they_are_written() {
        let (m, line, col) = err("doc: ok\nresources:\n  - name: !Custom X\n");
        assert!(m.contains("'!Custom'"), "{m}");
        assert_eq!((line, col), (3, 11));
        let (m, line, col) = err("a:\n  b: [1, !!binary aGVsbG8=]\n");
        assert!(m.contains("binary"), "{m}");
        assert_eq!((line, col), (2, 10));
        let (m, ..) = err("!Top {a: 1}\n");
        assert!(m.contains("'!Top'"), "{m}");
        let (m, line, _) = err("resources:\n  - name: X\n    path: !x /a\n");
        assert!(m.contains("'!x'"), "{m}");
        assert_eq!(line, 3);
        // An exclamation mark inside text, a block scalar or a continuation line is no tag.
        for ok in [
            "doc: Hello! Hi !there\n",
            "doc: |\n  !not a tag\n  [nor a list\nname: x\n",
            "doc: first line\n  !continued\nname: x\n",
            "- a: b\n  c: 'it''s [ok'\n",
        ] {
            assert!(from_str::<backend::Value>(ok).is_ok(), "{ok}");
        }
    }
}

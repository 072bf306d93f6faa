//! Finds the line and column of a node in a schema file from its YAML path.
//!
//! serde gives no positions for values that parsed fine but break a rule (a
//! duplicate name, an unknown sub-resource). The schema files are block-style
//! YAML, so an indentation-aware scan of the text is enough to point at the key
//! or list item; when a step cannot be found we keep the nearest parent.

/// One step of a YAML path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// A 1-based position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

struct Line<'a> {
    /// Column (0-based) where a key or scalar would start after indentation and `- ` markers.
    content_col: usize,
    /// Columns of the `- ` markers on this line, outermost first.
    dashes: Vec<usize>,
    text: &'a str,
}

fn scan(src: &str) -> Vec<Option<Line<'_>>> {
    src.lines()
        .map(|l| {
            let trimmed = l.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            let mut col = l.len() - trimmed.len();
            let mut dashes = Vec::new();
            let mut rest = trimmed;
            while rest == "-" || rest.starts_with("- ") {
                dashes.push(col);
                let after = rest[1..].trim_start();
                col += rest.len() - after.len();
                rest = after;
            }
            Some(Line {
                content_col: col,
                dashes,
                text: rest,
            })
        })
        .collect()
}

fn key_of(text: &str) -> Option<&str> {
    let colon = text.find(':')?;
    let k = text[..colon].trim();
    let k = k.trim_matches(|c| c == '"' || c == '\'');
    Some(k)
}

/// Line/column of the node at `path`, or of its nearest ancestor that could be found.
pub fn locate(src: &str, path: &[Seg]) -> Pos {
    let lines = scan(src);
    // Current region: lines [start, end) holding the node's children, whose keys sit at `col`.
    let mut start = 0usize;
    let mut end = lines.len();
    let mut col: Option<usize> = Some(0);
    let mut found = Pos { line: 1, column: 1 };
    // When a value is written inline (`[a, b]` or `{a: b}`) we search its text instead.
    let mut inline: Option<(usize, usize)> = None; // (line index, byte column of value)

    for seg in path {
        if let Some((li, vcol)) = inline {
            if let Some(p) = locate_inline(src, li, vcol, seg) {
                found = p;
                inline = Some((li, p.column - 1));
            }
            continue;
        }
        let Some(c) = col else { break };
        let hit = match seg {
            Seg::Key(k) => (start..end).find(|&i| {
                lines[i]
                    .as_ref()
                    .is_some_and(|l| l.content_col == c && key_of(l.text) == Some(k.as_str()))
            }),
            Seg::Index(n) => (start..end)
                .filter(|&i| lines[i].as_ref().is_some_and(|l| l.dashes.contains(&c)))
                .nth(*n),
        };
        let Some(i) = hit else {
            // Maybe the parent value is inline, on the line we last found.
            if found.line >= 1 {
                let li = found.line - 1;
                if let Some(Some(l)) = lines.get(li) {
                    if let Some(colon) = l.text.find(':') {
                        let vcol = l.content_col + colon + 1;
                        if let Some(p) = locate_inline(src, li, vcol, seg) {
                            found = p;
                            inline = Some((li, p.column - 1));
                            continue;
                        }
                    }
                }
            }
            break;
        };
        let Some(l) = lines[i].as_ref() else { break };
        // The node ends at the next line at or left of this node's column.
        let node_col = match seg {
            Seg::Key(_) => c,
            Seg::Index(_) => c,
        };
        let next = (i + 1..end)
            .find(|&j| {
                lines[j].as_ref().is_some_and(|m| match seg {
                    Seg::Key(_) => {
                        m.content_col <= node_col || m.dashes.iter().any(|&d| d < node_col)
                    }
                    Seg::Index(_) => {
                        m.dashes.iter().any(|&d| d <= node_col) || m.content_col <= node_col
                    }
                })
            })
            .unwrap_or(end);
        match seg {
            Seg::Key(_) => {
                found = Pos {
                    line: i + 1,
                    column: c + 1,
                };
                let colon = l.text.find(':').unwrap_or(l.text.len());
                let value = l.text[colon + 1..].trim();
                if !value.is_empty() && !value.starts_with('#') {
                    inline = Some((i, l.content_col + colon + 1));
                    col = None;
                } else {
                    start = i + 1;
                    end = next;
                    col = (start..end).find_map(|j| {
                        lines[j]
                            .as_ref()
                            .map(|m| m.dashes.first().copied().unwrap_or(m.content_col))
                    });
                }
            }
            Seg::Index(_) => {
                let pos_in = l.dashes.iter().position(|&d| d == c).unwrap_or(0);
                let item_col = l.dashes.get(pos_in + 1).copied().unwrap_or(l.content_col);
                found = Pos {
                    line: i + 1,
                    column: item_col + 1,
                };
                start = i;
                end = next;
                col = Some(item_col);
            }
        }
    }
    found
}

/// Finds `seg` inside a flow value (`[a, b]`, `{k: v}`) or a scalar on one line.
fn locate_inline(src: &str, line_idx: usize, vcol: usize, seg: &Seg) -> Option<Pos> {
    let line = src.lines().nth(line_idx)?;
    let value = line.get(vcol..)?;
    let lead = value.len() - value.trim_start().len();
    let body_start = vcol + lead;
    let body = value.trim_start();
    let inner_off = usize::from(body.starts_with('[') || body.starts_with('{'));
    let inner = &body[inner_off..];
    let mut offset = body_start + inner_off;
    let mut items = Vec::new();
    for part in inner.split(',') {
        let t = part.trim_start();
        items.push((
            offset + (part.len() - t.len()),
            t.trim_end_matches([']', '}']).trim(),
        ));
        offset += part.len() + 1;
    }
    let (at, _) = match seg {
        Seg::Index(n) => *items.get(*n)?,
        Seg::Key(k) => *items
            .iter()
            .find(|(_, t)| key_of(t) == Some(k.as_str()) || *t == k)?,
    };
    Some(Pos {
        line: line_idx + 1,
        column: at + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "\
# comment
resources:
  - name: Project
    path: /projects
    create:
      required: [name, path]
      optinal: [x]
  - name: ProjectIssue
    sub_resources:
      notes: ProjectIssueNote
    actions:
      - name: move
        method: POST
      - name: subscribe
        required:
          - a
          - b
";

    fn at(path: &[Seg]) -> (usize, usize) {
        let p = locate(SRC, path);
        (p.line, p.column)
    }

    #[test]
    fn finds_keys_items_and_inline_values() {
        assert_eq!(at(&[key("resources")]), (2, 1));
        assert_eq!(at(&[key("resources"), Seg::Index(0)]), (3, 5));
        assert_eq!(at(&[key("resources"), Seg::Index(1), key("name")]), (8, 5));
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(0),
                key("create"),
                key("optinal")
            ]),
            (7, 7)
        );
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(0),
                key("create"),
                key("required"),
                Seg::Index(1)
            ]),
            (6, 24)
        );
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(1),
                key("sub_resources"),
                key("notes")
            ]),
            (10, 7)
        );
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(1),
                key("actions"),
                Seg::Index(1),
                key("name")
            ]),
            (14, 9)
        );
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(1),
                key("actions"),
                Seg::Index(1),
                key("required"),
                Seg::Index(1)
            ]),
            (17, 13)
        );
        assert_eq!(
            at(&[
                key("resources"),
                Seg::Index(1),
                key("actions"),
                Seg::Index(0),
                key("method")
            ]),
            (13, 9)
        );
    }

    #[test]
    fn missing_step_keeps_the_parent() {
        assert_eq!(
            at(&[key("resources"), Seg::Index(0), key("nothing")]),
            (3, 5)
        );
    }
}

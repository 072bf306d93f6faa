//! Schema files broken in hundreds of generated ways (bytes cut out, YAML
//! punctuation and non-ASCII dropped in, lines doubled, swapped or re-indented)
//! never make the loader or the generator panic: the loader either accepts
//! the file, and then the generator runs on it, or reports diagnostics that
//! name a loaded file and a line and column inside it.

use std::path::Path;

const PIECES: &[&str] = &[
    ":",
    "-",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "  ",
    "\t",
    "\n",
    "&a ",
    "*a",
    "!!binary ",
    "\"",
    "'",
    "é",
    "\u{0}",
    "\u{feff}",
    "#",
    "? ",
    "|",
    ">",
    "null",
    "~",
    "1e9",
    "-1",
    "<<: *a",
    "optional: [x]",
    "type: integer",
    "array<",
    "enum:",
    "object:",
];

fn schema_file(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schema")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `text` with one generated edit.
fn mutate(text: &str, next: &mut impl FnMut(usize) -> usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    // Cut and insert at char boundaries only: the loader reads `&str`.
    let boundary = |s: &str, i: usize| {
        (0..=i.min(s.len()))
            .rev()
            .find(|&j| s.is_char_boundary(j))
            .unwrap_or(0)
    };
    match next(6) {
        0 => {
            let a = boundary(text, next(text.len() + 1));
            let b = boundary(text, a + next(40));
            return format!("{}{}", &text[..a], &text[b.max(a)..]);
        }
        1 => {
            let a = boundary(text, next(text.len() + 1));
            return format!("{}{}{}", &text[..a], PIECES[next(PIECES.len())], &text[a..]);
        }
        2 => {
            let i = next(n).min(lines.len().saturating_sub(1));
            if let Some(l) = lines.get(i).cloned() {
                lines.insert(i, l);
            }
        }
        3 => {
            if lines.len() > 1 {
                let (i, j) = (next(lines.len()), next(lines.len()));
                lines.swap(i, j);
            }
        }
        4 => {
            if let Some(l) = lines.get_mut(next(n).min(n - 1)) {
                *l = format!("{}{}", ["", " ", "  ", "    "][next(4)], l.trim_start());
            }
        }
        _ => {
            if let Some(l) = lines.get_mut(next(n).min(n - 1)) {
                let k = boundary(l, next(l.len() + 1));
                l.truncate(k);
            }
        }
    }
    lines.join("\n")
}

/// Enough to reach every kind of edit in every file many times, in seconds.
const CASES: usize = 300;

#[test]
fn mutated_schema_files_never_panic_and_errors_are_located() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: usize| {
        // xorshift64*: a fixed sequence, so a failure reproduces.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as usize % n.max(1)
    };
    // A few files and the shared types they use. References to resources in
    // other files are reported too, so the loader's later checks run as well.
    let types = schema_file("types.yaml");
    let files = [
        "users/users.yaml",
        "projects/ci.yaml",
        "projects/issues.yaml",
        "groups/epics.yaml",
    ];
    let texts: Vec<String> = files.iter().map(|f| schema_file(f)).collect();
    let (mut refused, mut accepted) = (0, 0);
    for case in 0..CASES {
        let which = next(files.len());
        let mut text = texts[which].clone();
        for _ in 0..1 + next(3) {
            text = mutate(&text, &mut next);
        }
        let name = format!("schema/{}", files[which]);
        let sources = [
            (name.as_str(), text.as_str()),
            ("schema/types.yaml", types.as_str()),
        ];
        match codegen::load_sources(&sources) {
            Ok(cat) => {
                accepted += 1;
                let _ = codegen::generate::generate_for_build(&cat);
            }
            Err(diags) => {
                refused += 1;
                assert!(
                    !diags.0.is_empty(),
                    "case {case}: refused without a diagnostic"
                );
                for d in &diags.0 {
                    let src = sources
                        .iter()
                        .find(|(n, _)| *n == d.file)
                        .map(|(_, t)| *t)
                        .unwrap_or_else(|| panic!("case {case}: {d} names no loaded file"));
                    let lines = src.lines().count() + 1;
                    assert!(
                        d.pos.line >= 1 && d.pos.line <= lines && d.pos.column >= 1,
                        "case {case}: {d} is outside {} ({lines} lines)",
                        d.file
                    );
                }
            }
        }
    }
    assert!(
        refused > 50 && accepted > 5,
        "refused {refused}, accepted {accepted}"
    );
}

//! The runtime's source files form layers: no file imports another that
//! imports it back, directly or through others. Read from the sources
//! (`crate::<module>` paths outside `#[cfg(test)]` code), so a new cycle fails
//! here with the loop it makes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → modules it names, for each top-level file of `gitlab-client/src`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gitlab-client/src");
    let mut texts = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("runtime sources") {
        let path = entry.expect("entry").path();
        // `generated/` is the generator's output, mounted by lib.rs as
        // `crate::resources`, not a runtime module.
        if path.file_name().is_some_and(|n| n == "generated") {
            continue;
        }
        let (name, text) = if path.is_dir() {
            // A module directory: all its files count as the module.
            let mut all = String::new();
            for f in std::fs::read_dir(&path).expect("module dir") {
                let f = f.expect("entry").path();
                all.push_str(&std::fs::read_to_string(&f).expect("read"));
                all.push('\n');
            }
            (
                path.file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                all,
            )
        } else if path.extension().is_some_and(|e| e == "rs") {
            let stem = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            (stem, std::fs::read_to_string(&path).expect("read"))
        } else {
            continue;
        };
        if name == "lib" {
            continue;
        }
        // Unit tests may reach anywhere; only the shipped code is layered.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
        texts.insert(name, shipped);
    }
    let names: BTreeSet<String> = texts.keys().cloned().collect();
    let mut out = BTreeMap::new();
    for (name, text) in &texts {
        let mut deps = BTreeSet::new();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if names.contains(&ident) && ident != *name {
                deps.insert(ident);
            }
        }
        out.insert(name.clone(), deps);
    }
    out
}

/// A cycle in the graph, if any, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| p == node) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for dep in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, dep, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(graph, node, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn runtime_modules_import_each_other_without_cycles() {
    let graph = imports();
    assert!(
        graph.len() >= 8,
        "expected the runtime's modules, got {graph:?}"
    );
    assert!(
        graph["manager"].contains("object"),
        "the scan should see manager → object: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between runtime modules: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_transport_does_not_depend_on_generated_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gitlab-client/src/transport.rs");
    let text = std::fs::read_to_string(src).expect("transport.rs");
    assert!(
        !text.contains("crate::resources"),
        "transport.rs names generated code"
    );
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), ["a".to_string()].into());
    assert_eq!(
        find_cycle(&g).map(|c| c.join(" → ")).as_deref(),
        Some("a → b → c → a")
    );
    g.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&g), None);
}

//! The reserved-name lists must be exactly the inherent methods the runtime
//! defines on the types generated methods are added to: a method added to
//! `Object`, `Manager` or `Gitlab` without reserving its name would let a
//! schema action or sub-resource of that name pass `check` and then break the
//! build with a duplicate definition; a stale entry rejects a name for nothing.

use codegen::catalogue::{
    RESERVED_CLIENT_METHODS, RESERVED_MANAGER_METHODS, RESERVED_OBJECT_METHODS,
};
use codegen::generate::{RESERVED_BUILDER_METHODS, RESERVED_LIST_METHODS, RESERVED_VIEW_METHODS};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Inherent (non-trait) method names per self type, from every runtime source file.
fn runtime_methods() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gitlab-client/src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("runtime sources") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                // `generated/` is the generator's output, not the runtime.
                if path.file_name().is_some_and(|n| n != "generated") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            collect(&file.items, &mut out);
        }
    }
    out
}

fn collect(items: &[syn::Item], out: &mut BTreeMap<String, BTreeSet<String>>) {
    for item in items {
        match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let syn::Type::Path(p) = &*imp.self_ty else {
                    continue;
                };
                let Some(last) = p.path.segments.last() else {
                    continue;
                };
                let set = out.entry(last.ident.to_string()).or_default();
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        set.insert(f.sig.ident.to_string());
                    }
                }
            }
            // The builders' shared methods are written by a macro (`attrs_builder!`):
            // its `fn` names count as methods of the type it declares.
            syn::Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == "attrs_builder") => {
                let set = out.entry("attrs_builder".to_string()).or_default();
                fn_names(m.mac.tokens.clone(), set);
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, out);
                }
            }
            _ => {}
        }
    }
}

/// The `fn` names of the inherent impls (`impl … {`, no `for`) in a macro's tokens.
fn fn_names(tokens: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
    use proc_macro2::{Delimiter, TokenTree};
    // Some(true) inside an impl header that has a `for` (a trait impl).
    let mut header: Option<bool> = None;
    for t in tokens {
        match &t {
            TokenTree::Ident(i) if i == "impl" => header = Some(false),
            TokenTree::Ident(i) if i == "for" && header.is_some() => header = Some(true),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && header.is_some() => {
                if header == Some(false) {
                    let mut after_fn = false;
                    for t in g.stream() {
                        if let TokenTree::Ident(i) = &t {
                            if after_fn {
                                out.insert(i.to_string());
                            }
                            after_fn = i == "fn";
                        } else {
                            after_fn = false;
                        }
                    }
                }
                header = None;
            }
            TokenTree::Group(g) if header.is_none() => fn_names(g.stream(), out),
            _ => {}
        }
    }
}

fn assert_same(kind: &str, reserved: &[&str], actual: Option<&BTreeSet<String>>) {
    let reserved: BTreeSet<String> = reserved.iter().map(|s| s.to_string()).collect();
    let actual = actual.cloned().unwrap_or_default();
    let missing: Vec<_> = actual.difference(&reserved).collect();
    let stale: Vec<_> = reserved.difference(&actual).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{kind}: runtime methods not reserved in codegen/src/catalogue.rs: {missing:?}; \
         reserved names the runtime no longer defines: {stale:?}"
    );
}

#[test]
fn reserved_names_are_exactly_the_runtime_methods() {
    let methods = runtime_methods();
    assert_same("Object", RESERVED_OBJECT_METHODS, methods.get("Object"));
    assert_same("Manager", RESERVED_MANAGER_METHODS, methods.get("Manager"));
    assert_same("Gitlab", RESERVED_CLIENT_METHODS, methods.get("Gitlab"));
    assert_same("View", RESERVED_VIEW_METHODS, methods.get("View"));
    assert_same(
        "CreateAttrs/UpdateAttrs",
        RESERVED_BUILDER_METHODS,
        methods.get("attrs_builder"),
    );
    assert_same(
        "ListRequest",
        RESERVED_LIST_METHODS,
        methods.get("ListRequest"),
    );
}

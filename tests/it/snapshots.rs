//! Golden output of the generator: one snapshot per schema file, so a schema
//! edit shows up as a reviewable diff of the generated Rust (`cargo insta review`).

use std::path::Path;

#[test]
fn generated_code_per_schema_file() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"));
    let cat = codegen::load_dir(dir).unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    insta::glob!("../../schema", "**/*.yaml", |path| {
        let rel = path
            .strip_prefix(dir.canonicalize().expect("schema dir"))
            .expect("under schema/");
        let module = codegen::catalogue::module_name(&rel.to_string_lossy().replace('\\', "/"));
        let code = codegen::generate_module(&cat, &module);
        assert!(!code.trim().is_empty());
        insta::assert_snapshot!(code);
    });
}

#[test]
fn catalogue_dump_is_stable() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"));
    let cat = codegen::load_dir(dir).unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    let v: serde_json::Value = serde_json::from_str(&cat.to_json()).expect("dump is JSON");
    let names: Vec<&str> = v["resources"]
        .as_array()
        .expect("resources array")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    insta::assert_snapshot!(names.join("\n"));
}

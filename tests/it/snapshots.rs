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

/// gitlab-client compiles `src/generated/` unless built with `regenerate`: it
/// must be what the generator makes of the schema as it is, with its stamp.
#[test]
fn checked_in_generated_code_is_current() {
    let schema = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"));
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../gitlab-client/src/generated"
    ));
    let cat = codegen::load_dir(schema).unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    let stamp = codegen::schema_stamp(schema).expect("schema readable");
    let mut want = codegen::generate::generate_for_build(&cat);
    want.push((
        "blocking.rs".into(),
        codegen::generate::generate_blocking(&cat),
    ));
    want.push(("schema.stamp".into(), format!("{stamp}\n")));
    for (name, want) in &want {
        let have = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            have == *want,
            "gitlab-client/src/generated/{name} is not what the schema generates: run `make generate`"
        );
    }
    let modules = dir.join(codegen::generate::MODULE_DIR);
    for e in std::fs::read_dir(&modules).expect("generated modules readable") {
        let rel = format!(
            "{}/{}",
            codegen::generate::MODULE_DIR,
            e.expect("dir entry").file_name().to_string_lossy()
        );
        assert!(
            want.iter().any(|(p, _)| *p == rel),
            "gitlab-client/src/generated/{rel} belongs to no schema file: run `make generate`"
        );
    }
}

/// The stamp changes with any schema file's content or name, and only then.
#[test]
fn schema_stamp_follows_the_yaml_files() {
    let tmp = std::env::temp_dir().join(format!("stamp-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("sub")).expect("temp dir");
    std::fs::write(tmp.join("a.yaml"), "x: 1\n").expect("write");
    std::fs::write(tmp.join("sub/b.yaml"), "y: 2\n").expect("write");
    std::fs::write(tmp.join("notes.txt"), "ignored").expect("write");
    let first = codegen::schema_stamp(&tmp).expect("stamp");
    assert_eq!(first.len(), 16);
    assert_eq!(codegen::schema_stamp(&tmp).expect("stamp"), first);
    std::fs::write(tmp.join("notes.txt"), "still ignored").expect("write");
    assert_eq!(codegen::schema_stamp(&tmp).expect("stamp"), first);
    std::fs::write(tmp.join("sub/b.yaml"), "y: 3\n").expect("write");
    let edited = codegen::schema_stamp(&tmp).expect("stamp");
    assert_ne!(edited, first);
    std::fs::rename(tmp.join("sub/b.yaml"), tmp.join("sub/c.yaml")).expect("rename");
    assert_ne!(codegen::schema_stamp(&tmp).expect("stamp"), edited);
    let _ = std::fs::remove_dir_all(&tmp);
}

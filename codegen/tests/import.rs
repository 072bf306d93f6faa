//! The importer on a small schema and reference: it adds types, fields, enums,
//! object types and docs URLs, keeps what a person wrote, and adds nothing the
//! second time.

use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gitlab-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("schema")).expect("temp dir");
    d
}

const SCHEMA: &str = "\
resources:
  - name: CurrentUser
    path: /user
    accessor: user
    id: null
    operations: [get_without_id]
  - name: Widget
    # a person's comment stays
    path: /widgets
    operations: [list, get, create]
    create:
      required: [title]
      optional: [visible, tag_ids, shade]
    attributes:
      title: string # hand-typed, kept
";

const REFERENCE: &str = r#"{
  "endpoints": [
    {"method": "GET", "path": "widgets", "path_norm": "widgets", "response": "array<Widget>",
     "docs_url": "https://docs.gitlab.com/api/widgets/#list"},
    {"method": "POST", "path": "widgets", "path_norm": "widgets", "response": "Widget",
     "params": [
       {"name": "title", "type": "integer", "in": "body"},
       {"name": "visible", "type": "boolean", "in": "body"},
       {"name": "tag_ids[]", "type": "array<integer>", "in": "body"},
       {"name": "shade", "type": "enum:ShadeValue", "in": "body"}
     ]}
  ],
  "types": {
    "Widget": {"fields": [
      {"name": "id", "type": "integer"},
      {"name": "title", "type": "string"},
      {"name": "owner", "type": "object:Owner", "nullable": true}
    ]},
    "Owner": {"fields": [{"name": "username", "type": "string"}]}
  },
  "enums": {"ShadeValue": {"base": "string", "values": ["light", "dark"]}}
}"#;

#[test]
fn import_adds_what_is_missing_and_keeps_what_a_person_wrote() {
    let dir = temp_dir("adds");
    let schema = dir.join("schema");
    std::fs::write(schema.join("widgets.yaml"), SCHEMA).expect("write");
    let reference = dir.join("ref.json");
    std::fs::write(&reference, REFERENCE).expect("write");

    let report = codegen::import::import(&schema, &reference, true).expect("import");
    assert_eq!(report.attributes_added, 3, "{report}");
    assert_eq!(report.enums_added, 1, "{report}");
    assert_eq!(report.objects_added, 1, "{report}");
    let text = std::fs::read_to_string(schema.join("widgets.yaml")).expect("read");
    assert!(text.contains("# a person's comment stays"), "{text}");
    assert!(text.contains("title: string # hand-typed, kept"), "{text}");
    assert!(
        !text.contains("title: integer"),
        "the reference must not overwrite: {text}"
    );
    for line in [
        "docs_url: https://docs.gitlab.com/api/widgets/",
        "visible: boolean",
        "tag_ids: array<integer>",
        "shade: enum:Shade",
        "owner: object:Owner?",
    ] {
        assert!(text.contains(line), "missing {line}: {text}");
    }
    // Entries land under their own key even when two blocks end at the same line.
    let fields_at = text.find("    fields:").expect("fields block");
    assert!(
        text.find("      visible: boolean").expect("visible") < fields_at,
        "{text}"
    );
    let types = std::fs::read_to_string(schema.join("types.yaml")).expect("types file");
    assert!(
        types.contains("Shade:") && types.contains("values: [light, dark]"),
        "{types}"
    );
    assert!(
        types.contains("Owner:") && types.contains("username: string"),
        "{types}"
    );
    codegen::load_dir(&schema).expect("the result is a valid schema");

    let again = codegen::import::import(&schema, &reference, true).expect("second import");
    assert_eq!(
        (
            again.attributes_added,
            again.fields_added,
            again.docs_urls_added,
            again.enums_added,
            again.objects_added
        ),
        (0, 0, 0, 0, 0),
        "{again}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reference_of_the_wrong_shape_is_a_clear_error() {
    let dir = temp_dir("shape");
    let schema = dir.join("schema");
    std::fs::write(schema.join("widgets.yaml"), SCHEMA).expect("write");
    let reference = dir.join("ref.json");
    std::fs::write(&reference, "[1, 2]").expect("write");
    let e = codegen::import::import(&schema, &reference, false).expect_err("bad shape");
    assert!(e.contains("'endpoints'"), "{e}");
    std::fs::write(&reference, "not json").expect("write");
    let e = codegen::import::import(&schema, &reference, false).expect_err("not json");
    assert!(e.contains("not JSON"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! Misuse of the typed API does not compile: each file in `tests/ui/` must
//! fail with the error recorded next to it (`TRYBUILD=overwrite` refreshes the
//! recordings after a deliberate change).

#[test]
fn misuse_of_the_typed_api_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}

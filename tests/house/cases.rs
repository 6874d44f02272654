//! The unit cases: each check fails on a small tree.

use super::checks::{broken_rules, long_files, unknown_circles};
use super::graph::{circles, graph};
use super::{read_rust, Sources, LINE_CHECKED, MAX_LINES, NOT_CODE, RULES};
use std::collections::BTreeSet;

fn tree(files: &[(&str, &str)]) -> Sources {
    files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

#[test]
fn a_circle_of_two_files_is_found() {
    let sources = tree(&[
        ("src/lib.rs", "pub mod a;\n"),
        ("src/a/mod.rs", "pub mod x;\npub mod y;\n"),
        ("src/a/x.rs", "use super::y::Y;\npub struct X;\n"),
        (
            "src/a/y.rs",
            "pub struct Y;\nfn f() -> crate::a::x::X { crate::a::x::X }\n",
        ),
    ]);
    let found = circles(&graph(&sources));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .starts_with("src/a/x.rs -> src/a/y.rs -> src/a/x.rs"),
        "{found:?}"
    );
    // A known circle is allowed only whole, and an entry no circle matches is stale.
    assert_eq!(unknown_circles(&found, &[]).len(), 1);
    assert!(unknown_circles(&found, &[&["src/a/"]]).is_empty());
    assert_eq!(unknown_circles(&found, &[&["src/a/x.rs"]]).len(), 2);
    assert_eq!(
        unknown_circles(&found, &[&["src/a/"], &["src/b/"]]).len(),
        1
    );
}

#[test]
fn a_longer_circle_is_found_through_use_trees_and_children() {
    let sources = tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a/mod.rs", "mod p;\npub fn top() { p::f() }\n"),
        (
            "src/a/p.rs",
            "use crate::b::{self, q::{Q as _, R}};\npub fn f() {}\n",
        ),
        ("src/b/mod.rs", "pub mod q;\n"),
        // A comment or a string naming a path is not a use; an inline test module's
        // `super::*` is the file itself.
        (
            "src/b/q.rs",
            "// use crate::x::y;\npub struct Q; pub struct R;\nconst S: &str = \"crate::c\";\n\
             fn g() { let _ = super::super::a::top; }\n#[cfg(test)]\nmod tests { use super::*; }\n",
        ),
    ]);
    let g = graph(&sources);
    assert_eq!(
        g["src/b/q.rs"],
        BTreeSet::from(["src/a/mod.rs".to_string()])
    );
    assert_eq!(
        g["src/a/p.rs"],
        BTreeSet::from(["src/b/mod.rs".to_string(), "src/b/q.rs".to_string()])
    );
    let found = circles(&g);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("src/a/mod.rs -> src/a/p.rs -> src/b/q.rs -> src/a/mod.rs"),
        "{found:?}"
    );
    // Without the path back, no circle.
    let mut acyclic = sources.clone();
    acyclic.insert("src/b/q.rs".into(), "pub struct Q; pub struct R;\n".into());
    assert!(circles(&graph(&acyclic)).is_empty());
}

#[test]
fn a_broken_rule_and_a_stale_pending_file_are_found() {
    let sources = tree(&[
        ("src/lib.rs", "pub mod cfn;\npub mod compose;\n"),
        ("src/cfn/mod.rs", "pub struct T;\n"),
        (
            "src/compose/mod.rs",
            "pub fn f() -> crate::cfn::T { crate::cfn::T }\n",
        ),
    ]);
    let found = broken_rules(&graph(&sources), RULES);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/compose/mod.rs uses src/cfn/mod.rs: "),
        "{found:?}"
    );
    // What a rule excepts is allowed.
    let mut allowed = sources.clone();
    allowed.insert("src/cfn/intrinsics.rs".into(), "pub fn f() {}\n".into());
    allowed.insert(
        "src/compose/mod.rs".into(),
        "fn g() { crate::cfn::intrinsics::f() }\n".into(),
    );
    assert!(broken_rules(&graph(&allowed), RULES).is_empty());
    let long = "x\n".repeat(MAX_LINES + 1);
    let mut files = sources.clone();
    files.insert("src/cfn/big.rs".into(), long.clone());
    assert_eq!(long_files(&files, &[]).len(), 1);
    assert!(long_files(&files, &["src/cfn/big.rs"]).is_empty());
    assert_eq!(
        long_files(&files, &["src/cfn/big.rs", "src/lib.rs"]).len(),
        1
    );
}

/// The line limit holds for the Rust files of `tests/` and `benches/` as for `src/`'s,
/// read as the check reads the repository; the golden cases' folder is data.
#[test]
fn a_long_test_or_bench_file_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x\n".repeat(MAX_LINES + 1);
    for (file, text) in [
        ("src/lib.rs", "pub mod a;\n"),
        ("tests/cli/main.rs", "mod output;\n"),
        ("tests/cli/output.rs", long.as_str()),
        ("benches/expand/main.rs", "fn main() {}\n"),
        ("benches/expand/memory.rs", long.as_str()),
        ("tests/fixtures/case/build/main.rs", long.as_str()),
        ("tests/fixtures/case/input.yaml", long.as_str()),
    ] {
        let path = tmp.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let read = read_rust(tmp.path(), LINE_CHECKED, NOT_CODE);
    assert_eq!(
        read.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "benches/expand/main.rs",
            "benches/expand/memory.rs",
            "src/lib.rs",
            "tests/cli/main.rs",
            "tests/cli/output.rs",
        ]
    );
    let found = long_files(&read, &[]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("benches/expand/memory.rs: 601 lines")
            && found[1].starts_with("tests/cli/output.rs: 601 lines"),
        "{found:?}"
    );
    // Read as `src/` alone, the same tree passes: the long files are the tests' and bench's.
    assert_eq!(
        long_files(&read_rust(tmp.path(), &["src"], &[]), &[]).len(),
        0
    );
}

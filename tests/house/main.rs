//! The house rules of docs/ARCHITECTURE.md ("The house"), checked on the sources: no two
//! files of `src/` import each other (directly or through a longer circle), each folder
//! of `src/` uses only the folders it may, and no Rust file of `src/`, `tests/` or
//! `benches/` is over 600 lines (the import rules are `src/`'s only).
//!
//! The "uses" graph is read from the text: `use` trees (`crate::`, `super::`, `self::`, a
//! child module, `compose_to_ecs::` from the binaries) and paths written in the code
//! (`crate::a::b::f(..)`, `super::x::Y`, `child::f(..)`), with comments and string
//! literals blanked first. A path names the file of its longest prefix that is a module
//! file (`src/a/b.rs` or `src/a/b/mod.rs`); a path into the crate's root names the root.
//! `mod` declarations are not uses. The unit cases (`cases.rs`) show that each check fails.
//!
//! This file holds the rules and the checks on the repository; `lexer.rs` reads Rust,
//! `graph.rs` builds the graph and finds its circles, `checks.rs` compares with the rules.

mod cases;
mod checks;
mod graph;
mod lexer;

use checks::{broken_rules, long_files, unknown_circles};
use graph::{circles, graph};
use lexer::code_only;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The most lines a Rust file of [`LINE_CHECKED`] may have.
const MAX_LINES: usize = 600;

/// The folders whose Rust files [`MAX_LINES`] holds for: the sources, and the test and
/// bench targets (a target past the limit is a folder, `tests/<name>/main.rs` with its
/// modules beside it). The import rules read `src/` only.
const LINE_CHECKED: &[&str] = &["src", "tests", "benches"];

/// Folders of [`LINE_CHECKED`] that hold data, not code: the golden cases.
const NOT_CODE: &[&str] = &["tests/fixtures/"];

/// Files allowed over [`MAX_LINES`] while a branch splits them. Each must still be over the
/// limit: a file split already is taken off the list. Empty since issue 24.
const PENDING: &[&str] = &[];

/// Circles tolerated for a while, each as the folders (or files) all of its files are in.
/// A circle elsewhere fails; so does an entry whose circle is gone, so the list cannot go
/// stale. Empty since issue 24 (the last, `convert/mod.rs` with every area file through
/// `Context`, went when `Context` moved to `convert/context.rs`).
const KNOWN_CIRCLES: &[&[&str]] = &[];

/// Which folder (or file) never uses which: `(user, used, except, why)`, as prefixes of
/// paths relative to the repository. docs/ARCHITECTURE.md, "The house", states them.
type Rule = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);
const RULES: &[Rule] = &[
    (
        "src/compose/",
        "src/cfn/",
        &["src/cfn/intrinsics.rs", "src/cfn/yaml"],
        "compose/ speaks Compose: of CloudFormation it knows only the intrinsic functions and short-form tags a document in a template holds",
    ),
    ("src/compose/", "src/convert/", &[], "compose/ speaks Compose only"),
    ("src/compose/", "src/validate/", &[], "compose/ is read before validate/ checks it"),
    ("src/compose/", "src/package/", &[], "compose/ is pure: package/ uses it"),
    ("src/compose/", "src/emit.rs", &[], "compose/ speaks Compose only"),
    ("src/compose/", "src/embed.rs", &[], "compose/ is given its variables"),
    ("src/compose/", "src/lib.rs", &[], "lib.rs wires the stages"),
    ("src/compose/", "src/report.rs", &[], "compose/ writes diagnostics, report.rs reads them"),
    ("src/compose/", "src/compose/mod.rs", &[], "inside compose/, files use each other's real paths"),
    ("src/compose/", "src/compose/source/mod.rs", &[], "inside compose/, files use each other's real paths"),
    ("src/compose/", "src/compose/typed/mod.rs", &[], "inside compose/, files use each other's real paths"),
    ("src/compose/source/", "src/compose/typed/", &[], "the loader's floor is below the model's"),
    (
        "src/compose/typed/model/",
        "src/compose/typed/",
        &["src/compose/typed/model/"],
        "the model's types are below the files that read them",
    ),
    ("src/cfn/", "src/compose/", &[], "cfn/ speaks CloudFormation only"),
    ("src/cfn/", "src/convert/", &[], "cfn/ speaks CloudFormation only"),
    ("src/cfn/", "src/validate/", &[], "cfn/ speaks CloudFormation only"),
    ("src/cfn/", "src/package/", &[], "cfn/ is pure"),
    ("src/validate/", "src/convert/", &[], "validate/ comes before convert/"),
    ("src/validate/", "src/package/", &[], "validate/ is pure"),
    ("src/validate/", "src/lib.rs", &[], "lib.rs wires the stages"),
    ("src/convert/", "src/package/", &[], "convert/ is pure"),
    ("src/convert/", "src/lib.rs", &[], "lib.rs wires the stages"),
    ("src/diagnostics.rs", "src/", &[], "diagnostics are the floor of everything"),
];

/// One source file: its path relative to the repository and its text.
type Sources = BTreeMap<String, String>;

/// Every `.rs` file under `src/`.
fn read_sources() -> Sources {
    read_rust(Path::new(env!("CARGO_MANIFEST_DIR")), &["src"], &[])
}

/// Every `.rs` file under the folders `dirs` of `root` (a folder that is missing has none),
/// but those under a folder of `skip`; paths relative to `root`.
fn read_rust(root: &Path, dirs: &[&str], skip: &[&str]) -> Sources {
    fn walk(dir: &Path, root: &Path, skip: &[&str], out: &mut Sources) {
        let Ok(read) = fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = read.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if !skip.iter().any(|s| format!("{rel}/").starts_with(s)) {
                    walk(&path, root, skip, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(rel, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = Sources::new();
    for dir in dirs {
        walk(&root.join(dir), root, skip, &mut out);
    }
    out
}

#[test]
fn no_file_imports_another_that_imports_it() {
    let found = unknown_circles(&circles(&graph(&read_sources())), KNOWN_CIRCLES);
    assert!(
        found.is_empty(),
        "import circles between files of src/:\n{}",
        found.join("\n")
    );
}

#[test]
fn each_folder_uses_only_the_folders_below_it() {
    let found = broken_rules(&graph(&read_sources()), RULES);
    assert!(
        found.is_empty(),
        "layering rules broken:\n{}",
        found.join("\n")
    );
}

/// No Rust file of `src/`, `tests/` or `benches/` is over [`MAX_LINES`].
#[test]
fn no_file_is_over_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = long_files(&read_rust(root, LINE_CHECKED, NOT_CODE), PENDING);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Files under `src/` are the modules of their path: no `#[path]` but the job provider's.
#[test]
fn every_module_is_the_file_of_its_path() {
    for (file, text) in read_sources() {
        if file != "src/bin/jobs.rs" {
            assert!(
                !code_only(&text).contains("#[path"),
                "{file}: #[path] hides where a module lives"
            );
        }
    }
}

/// Prints the graph (`cargo test --test house -- --ignored --nocapture print_graph`).
#[test]
#[ignore]
fn print_graph() {
    for (file, used) in graph(&read_sources()) {
        println!("{file}: {}", used.into_iter().collect::<Vec<_>>().join(" "));
    }
}

//! The house rules of docs/ARCHITECTURE.md ("The house"), checked on the sources: no two
//! files of `src/` import each other (directly or through a longer circle), each folder
//! uses only the folders it may, and no file is over 600 lines.
//!
//! The "uses" graph is read from the text: `use` trees (`crate::`, `super::`, `self::`, a
//! child module, `compose_to_ecs::` from the binaries) and paths written in the code
//! (`crate::a::b::f(..)`, `super::x::Y`, `child::f(..)`), with comments and string
//! literals blanked first. A path names the file of its longest prefix that is a module
//! file (`src/a/b.rs` or `src/a/b/mod.rs`); a path into the crate's root names the root.
//! `mod` declarations are not uses. The unit cases at the end show that each check fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The most lines a file of `src/` may have.
const MAX_LINES: usize = 600;

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
    fn walk(dir: &Path, root: &Path, out: &mut Sources) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Sources::new();
    walk(&root.join("src"), root, &mut out);
    out
}

/// The text with comments, string and character literals blanked (lines kept).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !is_ident(c[i - 1]))
            && matches!(c.get(i + 1), Some('"') | Some('#'))
        {
            // A raw string r"..", r#".."#: its end is a quote and as many hashes.
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            out.push('"');
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                out.push(blank(c[j]));
                j += 1;
            }
            out.push('"');
            i = j;
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c[i] == '\'' && (c.get(i + 2) == Some(&'\'') || c.get(i + 1) == Some(&'\\')) {
            // A character literal ('x', '\n', '\u{1F600}'); otherwise a lifetime.
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokens of code: identifiers, `::` and single punctuation characters, with their offsets.
fn tokens(code: &str) -> Vec<(usize, String)> {
    let c: Vec<(usize, char)> = code.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let (at, ch) = c[i];
        if is_ident(ch) {
            let mut s = String::new();
            while i < c.len() && is_ident(c[i].1) {
                s.push(c[i].1);
                i += 1;
            }
            out.push((at, s));
        } else if ch == ':' && c.get(i + 1).map(|x| x.1) == Some(':') {
            out.push((at, "::".into()));
            i += 2;
        } else {
            if !ch.is_whitespace() {
                out.push((at, ch.to_string()));
            }
            i += 1;
        }
    }
    out
}

/// The paths of a `use` tree starting at `toks[*i]`, up to its `;` (or the `,`/`}` that
/// ends a nested tree). `self` at the end of a path names its prefix.
fn use_tree(
    toks: &[(usize, String)],
    i: &mut usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) {
    let mut path = prefix.to_vec();
    while *i < toks.len() {
        let t = toks[*i].1.as_str();
        match t {
            "{" => {
                *i += 1;
                loop {
                    use_tree(toks, i, &path, out);
                    match toks.get(*i).map(|t| t.1.as_str()) {
                        Some(",") => *i += 1,
                        Some("}") => {
                            *i += 1;
                            break;
                        }
                        _ => return,
                    }
                    if toks.get(*i).map(|t| t.1.as_str()) == Some("}") {
                        *i += 1;
                        break;
                    }
                }
                return;
            }
            "::" => *i += 1,
            "*" => {
                *i += 1;
                out.push(path);
                return;
            }
            "as" => {
                *i += 2;
            }
            ";" | "," | "}" => {
                if path.last().map(String::as_str) == Some("self") {
                    path.pop();
                }
                if path.len() > prefix.len() || !path.is_empty() {
                    out.push(path);
                }
                return;
            }
            _ => {
                path.push(t.to_string());
                *i += 1;
            }
        }
    }
}

/// Where a file sits: its crate's root file and its module path.
fn module_of(file: &str, roots: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let rel = file.trim_start_matches("src/").trim_end_matches(".rs");
    if file == "src/lib.rs" || file == "src/main.rs" || file.starts_with("src/bin/") {
        return (file.to_string(), Vec::new());
    }
    let mut segs: Vec<String> = rel.split('/').map(String::from).collect();
    if segs.last().map(String::as_str) == Some("mod") {
        segs.pop();
    }
    let root = roots
        .get(&segs[0])
        .cloned()
        .unwrap_or_else(|| "src/lib.rs".to_string());
    (root, segs)
}

/// The file a module path (absolute, in the crate of `root`) lives in: the longest prefix
/// that is a module file of that crate, else the root.
fn file_of(
    path: &[String],
    root: &str,
    sources: &Sources,
    roots: &BTreeMap<String, String>,
) -> String {
    for k in (1..=path.len()).rev() {
        let p = path[..k].join("/");
        for f in [format!("src/{p}.rs"), format!("src/{p}/mod.rs")] {
            if sources.contains_key(&f) && module_of(&f, roots).0 == root {
                return f;
            }
        }
    }
    root.to_string()
}

/// The files each file uses (never itself).
fn graph(sources: &Sources) -> BTreeMap<String, BTreeSet<String>> {
    // The top-level modules of each binary: `mod aws;` in src/main.rs.
    let mut roots = BTreeMap::new();
    for (file, text) in sources {
        if file == "src/main.rs" || file.starts_with("src/bin/") {
            let toks = tokens(&code_only(text));
            for w in toks.windows(3) {
                if w[0].1 == "mod" && w[2].1 == ";" {
                    roots.insert(w[1].1.clone(), file.clone());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for (file, text) in sources {
        let (root, module) = module_of(file, &roots);
        let code = code_only(text);
        let toks = tokens(&code);
        // Child modules in their own files (`mod x;`), and inline modules with their span.
        let mut children = BTreeSet::new();
        let mut inline: Vec<(usize, usize, String)> = Vec::new();
        let mut open: Vec<(usize, usize, String)> = Vec::new();
        let mut depth = 0usize;
        for (n, (at, t)) in toks.iter().enumerate() {
            match t.as_str() {
                "mod" if toks.get(n + 2).map(|t| t.1.as_str()) == Some(";") => {
                    children.insert(toks[n + 1].1.clone());
                }
                "mod" if toks.get(n + 2).map(|t| t.1.as_str()) == Some("{") => {
                    open.push((depth + 1, *at, toks[n + 1].1.clone()));
                }
                "{" => depth += 1,
                "}" => {
                    if open.last().is_some_and(|o| o.0 == depth) {
                        let (_, start, name) = open.pop().unwrap();
                        inline.push((start, *at, name));
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
        }
        let module_at = |at: usize| {
            let mut m = module.clone();
            let mut spans: Vec<_> = inline.iter().filter(|s| s.0 <= at && at <= s.1).collect();
            spans.sort();
            m.extend(spans.into_iter().map(|s| s.2.clone()));
            m
        };
        let mut paths: Vec<(usize, Vec<String>)> = Vec::new();
        let mut n = 0;
        while n < toks.len() {
            let (at, t) = &toks[n];
            let after_path = n > 0 && toks[n - 1].1 == "::";
            if t == "use" && !after_path {
                n += 1;
                let mut found = Vec::new();
                use_tree(&toks, &mut n, &[], &mut found);
                paths.extend(found.into_iter().map(|p| (*at, p)));
                continue;
            }
            let starts = matches!(t.as_str(), "crate" | "super" | "self" | "compose_to_ecs")
                || children.contains(t);
            if starts && !after_path && toks.get(n + 1).map(|t| t.1.as_str()) == Some("::") {
                let mut p = vec![t.clone()];
                n += 1;
                while toks.get(n).map(|t| t.1.as_str()) == Some("::")
                    && toks.get(n + 1).is_some_and(|t| t.1.chars().all(is_ident))
                {
                    p.push(toks[n + 1].1.clone());
                    n += 2;
                }
                paths.push((*at, p));
                continue;
            }
            n += 1;
        }
        let mut used = BTreeSet::new();
        for (at, p) in paths {
            let here = module_at(at);
            let (crate_root, abs) = match p[0].as_str() {
                "crate" => (root.clone(), p[1..].to_vec()),
                "compose_to_ecs" => ("src/lib.rs".to_string(), p[1..].to_vec()),
                "self" => (root.clone(), [here.clone(), p[1..].to_vec()].concat()),
                "super" => {
                    let mut base = here.clone();
                    let mut rest = &p[..];
                    while rest.first().map(String::as_str) == Some("super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    (root.clone(), [base, rest.to_vec()].concat())
                }
                first if children.contains(first) && here == module => {
                    (root.clone(), [module.clone(), p.clone()].concat())
                }
                _ => continue,
            };
            let target = file_of(&abs, &crate_root, sources, &roots);
            if target != *file {
                used.insert(target);
            }
        }
        out.insert(file.clone(), used);
    }
    out
}

/// Every circle: the strongly connected components of more than one file, each with one
/// circle through it spelled out (`a.rs -> b.rs -> a.rs`).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<(Vec<String>, String)> {
    // Tarjan's algorithm.
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        found: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    let mut out = Vec::new();
    for comp in s.found {
        // A shortest way back from the first file to itself, inside the component.
        let inside: BTreeSet<&str> = comp.iter().copied().collect();
        let start = comp[0];
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        'bfs: while let Some(v) = queue.pop_front() {
            for w in &graph[v] {
                let w = w.as_str();
                if w == start {
                    end = Some(v);
                    break 'bfs;
                }
                if inside.contains(w) && !prev.contains_key(w) {
                    prev.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut way = vec![start];
        let mut v = end.unwrap();
        while v != start {
            way.push(v);
            v = prev[v];
        }
        way.push(start);
        let last = way.len() - 1;
        way[1..last].reverse();
        let text = format!("{} (all of: {})", way.join(" -> "), comp.join(", "));
        out.push((comp.iter().map(|f| f.to_string()).collect(), text));
    }
    out
}

/// The edges that break a rule of [`RULES`].
fn broken_rules(graph: &BTreeMap<String, BTreeSet<String>>, rules: &[Rule]) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in graph {
        for to in tos {
            for (user, used, except, why) in rules {
                let excepted = except.iter().any(|e| to.starts_with(e));
                if from.starts_with(user) && to.starts_with(used) && !excepted {
                    out.push(format!("{from} uses {to}: {why}"));
                }
            }
        }
    }
    out
}

/// Files over the limit not pending, and pending files no longer over it (or gone).
fn long_files(sources: &Sources, pending: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in sources {
        let lines = text.lines().count();
        if lines > MAX_LINES && !pending.contains(&file.as_str()) {
            out.push(format!(
                "{file}: {lines} lines (at most {MAX_LINES}): split it by what it does"
            ));
        }
    }
    for file in pending {
        match sources.get(*file) {
            None => out.push(format!("{file} is pending but gone: take it off PENDING")),
            Some(text) if text.lines().count() <= MAX_LINES => out.push(format!(
                "{file} is pending but {} lines now: take it off PENDING",
                text.lines().count()
            )),
            Some(_) => {}
        }
    }
    out
}

/// The circles not in [`KNOWN_CIRCLES`], and the entries of it no circle matches.
fn unknown_circles(found: &[(Vec<String>, String)], known: &[&[&str]]) -> Vec<String> {
    let within = |files: &[String], entry: &[&str]| {
        files.iter().all(|f| entry.iter().any(|p| f.starts_with(p)))
    };
    let mut out: Vec<String> = found
        .iter()
        .filter(|(files, _)| !known.iter().any(|entry| within(files, entry)))
        .map(|(_, text)| text.clone())
        .collect();
    for entry in known {
        if !found.iter().any(|(files, _)| within(files, entry)) {
            out.push(format!(
                "no circle in {entry:?} any more: take it off KNOWN_CIRCLES"
            ));
        }
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

#[test]
fn no_file_is_over_600_lines() {
    let found = long_files(&read_sources(), PENDING);
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

/// Prints the graph (`cargo test --test house -- --ignored --nocapture print_graph`).
#[test]
#[ignore]
fn print_graph() {
    for (file, used) in graph(&read_sources()) {
        println!("{file}: {}", used.into_iter().collect::<Vec<_>>().join(" "));
    }
}

//! The file-level "uses" graph of `src/`: which module file each `use` tree and written
//! path names, and the circles in it (Tarjan's algorithm, one circle spelled out each).

use super::lexer::{code_only, is_ident, tokens, use_tree};
use super::Sources;
use std::collections::{BTreeMap, BTreeSet};

/// Where a file sits: its crate's root file and its module path.
pub fn module_of(file: &str, roots: &BTreeMap<String, String>) -> (String, Vec<String>) {
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
pub fn file_of(
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
pub fn graph(sources: &Sources) -> BTreeMap<String, BTreeSet<String>> {
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
pub fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<(Vec<String>, String)> {
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

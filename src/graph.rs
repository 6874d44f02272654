//! Cycles in a graph of named nodes: `depends_on` between services (`validate::rules`),
//! the links of containers that share a task (`compose::typed::groups`). Pure; uses
//! nothing.

use std::collections::BTreeMap;

/// Every cycle a depth-first search meets, in the order it meets them, each as its nodes
/// with the first repeated at the end (`a → b → a`). Nodes are visited in key order, each
/// node's successors in the order given. The search keeps its own stack: a chain of
/// 10,000 services must not overflow the thread's.
pub fn cycles<'a>(edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let next = |n: &str| -> Vec<&'a str> { edges.get(n).cloned().unwrap_or_default() };
    let mut found = Vec::new();
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for &start in edges.keys() {
        if marks.contains_key(start) {
            continue;
        }
        // (node, its successors, the next one to visit)
        let mut stack: Vec<(&str, Vec<&str>, usize)> = vec![(start, next(start), 0)];
        marks.insert(start, Mark::Visiting);
        while let Some(top) = stack.last_mut() {
            let Some(&dep) = top.1.get(top.2) else {
                marks.insert(top.0, Mark::Done);
                stack.pop();
                continue;
            };
            top.2 += 1;
            match marks.get(dep) {
                Some(Mark::Done) => {}
                Some(Mark::Visiting) => {
                    let from = stack.iter().position(|s| s.0 == dep).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[from..].iter().map(|s| s.0).collect();
                    cycle.push(dep);
                    found.push(cycle);
                }
                None => {
                    marks.insert(dep, Mark::Visiting);
                    stack.push((dep, next(dep), 0));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_cycle_once_and_none_in_a_chain() {
        let g: BTreeMap<&str, Vec<&str>> = [
            ("a", vec!["b"]),
            ("b", vec!["a", "c"]),
            ("c", vec!["d"]),
            ("d", vec!["c"]),
            ("e", vec!["a"]),
        ]
        .into();
        assert_eq!(cycles(&g), [vec!["a", "b", "a"], vec!["c", "d", "c"]]);
        let names: Vec<String> = (0..10_000).map(|i| format!("s{i:05}")).collect();
        let chain: BTreeMap<&str, Vec<&str>> = names
            .iter()
            .zip(
                names
                    .iter()
                    .skip(1)
                    .map(|n| vec![n.as_str()])
                    .chain([vec![]]),
            )
            .map(|(n, next)| (n.as_str(), next))
            .collect();
        assert!(cycles(&chain).is_empty());
    }
}

//! YAML merge keys (`<<`) applied to a tree, as the merge key type specifies.

use super::error::MAX_DEPTH;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// The deepest nesting [`apply_merge_keys`] walks: more than any parsed text has, for a
/// tree built elsewhere (a mapping in a template).
pub const MAX_MERGE_DEPTH: usize = 2 * MAX_DEPTH;

/// The merge key.
pub(super) const MERGE: &str = "<<";

/// Why merge keys could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// A merge key holding something other than a mapping or a list of mappings: where
    /// (`services.web.<<[1]`), and what was found.
    NotMappings(Path, String),
    /// The tree is nested deeper than [`MAX_MERGE_DEPTH`].
    TooDeep,
}

/// Applies the YAML merge keys (`<<`) of a tree, at any depth and in lists too, as the
/// merge key type specifies: a mapping's own keys win over merged ones, and of a list of
/// mappings merged together the earlier win. A merged mapping's own `<<` is merged with it,
/// to any depth (`<<: *backend` where `backend` has `<<: [*common, *env]`).
///
/// Merged values are moved, never copied, and each value is visited once, so the work is
/// linear in the size of the tree (whose aliases the parser expanded within its bounds).
/// Merge chains are followed with a stack, not recursion; the walk recurses once per level
/// of nesting, at most [`MAX_MERGE_DEPTH`].
pub fn apply_merge_keys(value: &mut Value) -> Result<(), MergeError> {
    walk_merging(value, 0, &Path::root)
}

/// Applies the merge keys of `value`, at `depth`, whose path `path` builds on demand (only
/// an error needs it).
fn walk_merging(
    value: &mut Value,
    depth: usize,
    path: &dyn Fn() -> Path,
) -> Result<(), MergeError> {
    if depth > MAX_MERGE_DEPTH {
        return Err(MergeError::TooDeep);
    }
    match value {
        Value::Object(map) => {
            if let Some(merge) = map.shift_remove(MERGE) {
                merge_into(map, merge, path().key(MERGE))?;
            }
            // Merged values are walked here, in their new place, for the merge keys deeper
            // in them.
            for (key, v) in map.iter_mut() {
                walk_merging(v, depth + 1, &|| path().key(key))?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                walk_merging(v, depth + 1, &|| path().index(i))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Merges into `map` the mappings that `merge`, the value of its `<<` at `path`, holds.
/// The order of precedence is a depth-first walk of the merged mappings: `map`'s own keys,
/// then the first merged mapping's own keys, then what its own `<<` holds, then the second
/// merged mapping, and so on; each key is taken from the first that has it.
fn merge_into(map: &mut Map<String, Value>, merge: Value, path: Path) -> Result<(), MergeError> {
    // The mappings still to merge, the next one last.
    let mut pending = Vec::new();
    push_merged(&mut pending, merge, path)?;
    while let Some((mut source, path)) = pending.pop() {
        let nested = source.shift_remove(MERGE);
        for (key, value) in source {
            map.entry(key).or_insert(value);
        }
        if let Some(nested) = nested {
            push_merged(&mut pending, nested, path.key(MERGE))?;
        }
    }
    Ok(())
}

/// Pushes the mappings a merge key at `path` holds onto `pending`, the first one last.
fn push_merged(
    pending: &mut Vec<(Map<String, Value>, Path)>,
    merge: Value,
    path: Path,
) -> Result<(), MergeError> {
    match merge {
        Value::Object(source) => pending.push((source, path)),
        Value::Array(items) => {
            let start = pending.len();
            for (i, item) in items.into_iter().enumerate() {
                let Value::Object(source) = item else {
                    return Err(MergeError::NotMappings(
                        path.index(i),
                        format!("expected a mapping to merge, found {}", kind(&item)),
                    ));
                };
                pending.push((source, path.index(i)));
            }
            pending[start..].reverse();
        }
        other => {
            return Err(MergeError::NotMappings(
                path,
                format!(
                    "expected a mapping or a list of mappings to merge, found {}",
                    kind(&other)
                ),
            ))
        }
    }
    Ok(())
}

/// A short description of a value's type, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

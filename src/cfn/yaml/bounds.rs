//! The bounds checked before the parser builds anything: flow nesting in one linear
//! pre-scan, and the expansion of aliases by a walk that builds nothing.

use super::error::{parser_error, Error, MAX_DEPTH};
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use std::cell::Cell;
use std::fmt;

/// The most values (scalars, lists, mappings) a text with aliases may expand to.
pub const MAX_VALUES: usize = 1_000_000;

/// The most bytes of scalars a text with aliases may expand to.
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// The most collections and entries a text may hold, counted by the linear pre-scan before
/// the parser runs. The parser keeps every event of the text, then two trees, about 600
/// bytes per value at its peak (more when deeply nested): 350,000 values (1 MiB of `[],`)
/// peaked at 208 MB, 150,000 deeply nested ones at 146 MiB. 100,000
/// keeps any document under 128 MiB; a large real Compose file has a few thousand.
pub const MAX_TEXT_VALUES: usize = 100_000;

/// Refuses flow collections (`[...]`, `{...}`) nested deeper than [`MAX_DEPTH`] before
/// the parser runs, in one linear pass. The parser's scanner does work proportional to the
/// flow depth for every token, and reads the whole text before its own depth bound applies:
/// 100 KB of `{a: ` took seconds. The pass reads quotes, comments and block scalars, and
/// counts a bracket in block context only where a value may start, so what it refuses the
/// parser would refuse too (a plain scalar such as `echo {a}` holds no collection).
pub(super) fn check_flow_nesting(text: &str) -> Result<(), Error> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let space = |i: usize| i >= len || matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n');
    let (mut depth, mut i, mut line, mut line_start) = (0usize, 0usize, 1usize, 0usize);
    // A node may start at the next character; the indentation of the current line; the
    // indentation of the line that opened a block scalar, while in one.
    let (mut node_start, mut indent, mut block_scalar) = (true, 0usize, None::<usize>);
    let mut at_line_start = true;
    // Collections opened, flow entries, mapping values and sequence entries: about one
    // value each.
    let mut values = 0usize;
    let mut count = |line: usize| {
        values += 1;
        if values > MAX_TEXT_VALUES {
            return Err(Error::TooLarge(format!(
                "too large: more than {MAX_TEXT_VALUES} values by line {line} (a large Compose file has a few thousand)"
            )));
        }
        Ok(())
    };
    let skip_line = |mut i: usize| {
        while i < len && bytes[i] != b'\n' {
            i += 1;
        }
        i
    };
    while i < len {
        if at_line_start {
            at_line_start = false;
            let mut j = i;
            while j < len && bytes[j] == b' ' {
                j += 1;
            }
            let blank = j >= len || matches!(bytes[j], b'\n' | b'\r');
            if let Some(parent) = block_scalar {
                if blank || j - i > parent {
                    i = skip_line(j);
                    continue;
                }
                block_scalar = None;
            }
            indent = j - i;
            node_start |= depth == 0;
            i = j;
            continue;
        }
        let c = bytes[i];
        match c {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                at_line_start = true;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if i == 0 || space(i - 1) => {
                i = skip_line(i);
                continue;
            }
            b'"' | b'\'' if node_start => {
                // A quoted scalar, over lines perhaps; unterminated: the parser says so.
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Ok(()),
                        Some(b'\\') if c == b'"' => i += 1,
                        Some(b'\'') if c == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                        Some(&q) if q == c => break,
                        Some(b'\n') => {
                            line += 1;
                            line_start = i + 1;
                        }
                        Some(_) => {}
                    }
                    i += 1;
                }
                node_start = false;
            }
            b'[' | b'{' if node_start || depth > 0 => {
                count(line)?;
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::TooLarge(format!(
                        "nested too deeply: more than {MAX_DEPTH} levels at line {line} column {}",
                        text[line_start..=i].chars().count()
                    )));
                }
                node_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            b',' if depth > 0 => {
                count(line)?;
                node_start = true;
            }
            b':' if depth > 0 || space(i + 1) => {
                count(line)?;
                node_start = true;
            }
            b'-' | b'?' if node_start && space(i + 1) => count(line)?,
            b'|' | b'>' if node_start && depth == 0 => {
                block_scalar = Some(indent);
                i = skip_line(i);
                continue;
            }
            b'!' | b'&' if node_start => {
                // A tag or an anchor: the node follows it.
                while i + 1 < len
                    && !space(i + 1)
                    && !(depth > 0 && b",[]{}".contains(&bytes[i + 1]))
                {
                    i += 1;
                }
            }
            _ => node_start = false,
        }
        i += 1;
    }
    Ok(())
}

/// Walks the document without building it and fails once it expands past the bounds.
/// Other errors are left to the real parse, which reports them identically.
pub(super) fn check_expansion(text: &str) -> Result<(), Error> {
    let budget = Budget {
        values: Cell::new(0),
        bytes: Cell::new(0),
    };
    let result = Count(&budget).deserialize(serde_yaml_ng::Deserializer::from_str(text));
    if budget.values.get() > MAX_VALUES {
        return Err(Error::TooLarge(format!(
            "too large once its YAML aliases are expanded: more than {MAX_VALUES} values"
        )));
    }
    if budget.bytes.get() > MAX_TEXT_BYTES {
        return Err(Error::TooLarge(format!(
            "too large once its YAML aliases are expanded: more than {MAX_TEXT_BYTES} bytes of text"
        )));
    }
    match result {
        Err(e) => match parser_error(e) {
            too_large @ Error::TooLarge(_) => Err(too_large),
            Error::Invalid(_) | Error::Merge(..) => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// What the walk has seen so far.
struct Budget {
    values: Cell<usize>,
    bytes: Cell<usize>,
}

/// Counts one value and everything in it, stopping once over a bound.
#[derive(Clone, Copy)]
struct Count<'a>(&'a Budget);

impl Count<'_> {
    fn charge<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let values = self.0.values.get() + 1;
        let bytes = self.0.bytes.get().saturating_add(bytes);
        self.0.values.set(values);
        self.0.bytes.set(bytes);
        if values > MAX_VALUES || bytes > MAX_TEXT_BYTES {
            Err(E::custom("expansion bound exceeded"))
        } else {
            Ok(())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.charge(v.len())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.charge(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.charge(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value: the tag, then the value.
        let (_tag, value) = data.variant::<String>()?;
        value.newtype_variant_seed(self)
    }
}

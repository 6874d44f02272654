//! Reading Rust as the checks need it: the text with comments and literals blanked, its
//! tokens, and the paths of a `use` tree.

/// The text with comments, string and character literals blanked (lines kept).
pub fn code_only(text: &str) -> String {
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

pub fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokens of code: identifiers, `::` and single punctuation characters, with their offsets.
pub fn tokens(code: &str) -> Vec<(usize, String)> {
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
pub fn use_tree(
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

//! Reading the files a project refers to: project paths on the real file system, text
//! only, bounded.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The most bytes of file content the package step writes into one project's `Package`
/// (all its `Files` together): the template must stay under CloudFormation's 1 MB, and
/// the macro's output carries the content again.
pub const MAX_FILES_BYTES: usize = 512 * 1024;
/// The most files the package step reads from one bind-mounted folder.
pub const MAX_FOLDER_FILES: usize = 256;
/// How deep the package step walks into a folder (a symbolic link loop ends here).
const MAX_DEPTH: usize = 32;

/// The suggestion for a file the template cannot carry.
pub const BAKE: &str = "bake it into the image instead (a `COPY` in a Dockerfile)";

/// Where project paths point on disk: the project folder and the home folder.
#[derive(Clone, Debug)]
pub struct Root {
    /// The project folder (the Compose file's folder).
    pub dir: PathBuf,
    /// `$HOME`, for `~/` paths.
    pub home: Option<PathBuf>,
}

impl Root {
    /// The file system path of a project path (`~/x` under the home folder, others under
    /// the project folder). `None` for `~/x` when the home folder is not known.
    pub fn resolve(&self, project_path: &str) -> Option<PathBuf> {
        if project_path == "~" {
            return self.home.clone();
        }
        match project_path.strip_prefix("~/") {
            Some(rest) => Some(self.home.as_ref()?.join(rest)),
            None if project_path.is_empty() => Some(self.dir.clone()),
            None => Some(self.dir.join(project_path)),
        }
    }
}

/// What reading failed on, in words that go after the path.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "does not exist".into(),
        io::ErrorKind::PermissionDenied => "cannot be read: permission denied".into(),
        _ => {
            let text = e.to_string();
            let mut chars = text.chars();
            let lower: String = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            format!("cannot be read: {lower}")
        }
    }
}

/// Why a file cannot be carried in the template.
#[derive(Debug)]
pub enum Refusal {
    /// Reading failed.
    Io(io::Error),
    /// Not UTF-8 text.
    Binary,
}

impl Refusal {
    /// The message, after the file's path in backticks.
    pub fn message(&self) -> String {
        match self {
            Refusal::Io(e) => io_message(e),
            Refusal::Binary => {
                format!("is not UTF-8 text: the package step carries text files only; {BAKE}")
            }
        }
    }
}

/// Reads a text file: UTF-8 without NUL bytes.
pub fn read_text(path: &Path) -> Result<String, Refusal> {
    let bytes = std::fs::read(path).map_err(Refusal::Io)?;
    if bytes.contains(&0) {
        return Err(Refusal::Binary);
    }
    String::from_utf8(bytes).map_err(|_| Refusal::Binary)
}

/// One entry found under a folder.
#[derive(Debug)]
pub enum Entry {
    /// A file (or a symbolic link to one), by its `/`-separated path relative to the
    /// folder.
    File(String, PathBuf),
    /// Something that is neither a file nor a folder (a socket, a device), or a folder
    /// deeper than the walk goes.
    Other(String),
}

/// Every entry under `dir`, sorted by relative path, following symbolic links (as a bind
/// mount does). Stops after `limit` files (the caller reports it).
pub fn walk(dir: &Path, limit: usize) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    walk_into(dir, "", 0, limit, &mut out)?;
    Ok(out)
}

fn walk_into(
    dir: &Path,
    prefix: &str,
    depth: usize,
    limit: usize,
    out: &mut Vec<Entry>,
) -> io::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for name in names {
        if out.len() > limit {
            return Ok(());
        }
        let rel = format!("{prefix}{name}");
        let full = dir.join(&name);
        match std::fs::metadata(&full) {
            Ok(m) if m.is_file() => out.push(Entry::File(rel, full)),
            Ok(m) if m.is_dir() && depth < MAX_DEPTH => {
                walk_into(&full, &format!("{rel}/"), depth + 1, limit, out)?
            }
            _ => out.push(Entry::Other(rel)),
        }
    }
    Ok(())
}

/// `path` made absolute and cleaned of `.` and `..` without touching the disk.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The project path of file `path` for a project in folder `dir`: relative, `/`-separated,
/// with `..` where it lies outside.
pub fn project_path_of(dir: &Path, path: &Path) -> String {
    let (dir, path) = (absolute(dir), absolute(path));
    let a: Vec<_> = dir.components().collect();
    let b: Vec<_> = path.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_of_files() {
        assert_eq!(
            project_path_of(Path::new("/a/b"), Path::new("/a/b/c/.env")),
            "c/.env"
        );
        assert_eq!(
            project_path_of(Path::new("/a/b"), Path::new("/a/x.env")),
            "../x.env"
        );
        assert_eq!(
            project_path_of(Path::new("/a/b/"), Path::new("/a/b/./d/../e")),
            "e"
        );
    }

    #[test]
    fn resolves_home_and_project() {
        let root = Root {
            dir: PathBuf::from("/p"),
            home: Some(PathBuf::from("/home/u")),
        };
        assert_eq!(root.resolve("~/data"), Some(PathBuf::from("/home/u/data")));
        assert_eq!(root.resolve("a/b"), Some(PathBuf::from("/p/a/b")));
        assert_eq!(root.resolve(""), Some(PathBuf::from("/p")));
        let homeless = Root { home: None, ..root };
        assert_eq!(homeless.resolve("~/data"), None);
    }
}

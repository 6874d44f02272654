//! Reading the files a project refers to: project paths on the real file system, text
//! only, bounded.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The most bytes of file content the package step writes into one project's `Package`
/// (all its `Files` together): the template must stay under CloudFormation's 1 MB, and
/// the macro's output carries the content again.
pub const MAX_FILES_BYTES: usize = 512 * 1024;
/// The most files the package step reads from one bind-mounted folder.
pub const MAX_FOLDER_FILES: usize = 256;
/// How deep the package step walks into a folder.
const MAX_DEPTH: usize = 32;
/// The most entries (files, folders and anything else) a folder walk looks at: a tree
/// of links or empty folders ends here, whatever it holds.
pub const MAX_WALK_ENTRIES: usize = 4096;

/// The suggestion for a file the template cannot carry.
pub const BAKE: &str = "bake it into the image instead (a `COPY` in a Dockerfile)";

/// Where project paths point on disk: the project folder and the home folder, and
/// which real paths outside the project folder may be read.
#[derive(Clone, Debug)]
pub struct Root {
    /// The project folder (the Compose file's folder).
    pub dir: PathBuf,
    /// `$HOME`, for `~/` paths.
    pub home: Option<PathBuf>,
    /// Real paths (files or folders) outside the project folder that may be read:
    /// `--allow-outside`, and the files named on the command line.
    pub allow: Vec<PathBuf>,
    /// List every file read on standard error (`--verbose`).
    pub verbose: bool,
}

impl Root {
    /// A root without anything allowed outside it.
    pub fn new(dir: PathBuf, home: Option<PathBuf>) -> Root {
        Root {
            dir,
            home,
            allow: Vec::new(),
            verbose: false,
        }
    }

    /// The real path of `full` (symbolic links resolved) when it lies inside the project
    /// folder or an allowed path; otherwise [`Refusal::Outside`] with that real path.
    pub fn inside(&self, full: &Path) -> Result<PathBuf, Refusal> {
        let real = std::fs::canonicalize(full).map_err(Refusal::Io)?;
        let project = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| absolute(&self.dir));
        if real.starts_with(&project)
            || self
                .allow
                .iter()
                .any(|a| real.starts_with(std::fs::canonicalize(a).unwrap_or_else(|_| absolute(a))))
        {
            Ok(real)
        } else {
            Err(Refusal::Outside(real))
        }
    }

    /// Reads a text file of the project: inside the project folder or an allowed path
    /// ([`Root::inside`]), then as [`read_text`] with `cap`; listed on standard error with
    /// `--verbose`.
    pub fn read(&self, full: &Path, cap: usize) -> Result<String, Refusal> {
        let real = self.inside(full)?;
        let text = read_text(&real, cap)?;
        if self.verbose {
            eprintln!("read {} ({} bytes)", real.display(), text.len());
        }
        Ok(text)
    }

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
    /// Not a regular file (a FIFO, a socket, a device, a folder), as the open handle says.
    NotRegular,
    /// More bytes than the given cap.
    TooLarge(usize),
    /// Outside the project folder and every allowed path; the real path.
    Outside(PathBuf),
}

impl Refusal {
    /// The message, after the file's path in backticks.
    pub fn message(&self) -> String {
        match self {
            Refusal::Io(e) => io_message(e),
            Refusal::Binary => {
                format!("is not UTF-8 text: the package step carries text files only; {BAKE}")
            }
            Refusal::NotRegular => "is not a regular file (a FIFO, a socket, a device or a folder); the package step reads regular files only".into(),
            Refusal::TooLarge(cap) => format!("is larger than {cap} bytes, the most the package step reads here; {BAKE}"),
            Refusal::Outside(real) => outside_message(real),
        }
    }
}

/// The message for a file whose real path lies outside the project folder.
pub fn outside_message(real: &Path) -> String {
    let folder = real.parent().unwrap_or(real);
    format!(
        "is outside the project folder (it is `{}`, symbolic links followed): the package step reads only the project folder, so that a Compose file or template cannot copy other files into the template; if it is meant, pass `--allow-outside {}`",
        real.display(),
        folder.display()
    )
}

/// `O_NONBLOCK`: opening a FIFO with it returns at once instead of waiting for a writer.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
const O_NONBLOCK: i32 = 0x0004;

/// Opens `path` for reading and checks, on the open handle (`fstat`), that it is a
/// regular file. The open never blocks on a FIFO.
pub fn open_regular(path: &Path) -> Result<File, Refusal> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path).map_err(Refusal::Io)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular);
    }
    Ok(file)
}

/// Reads a regular file of at most `cap` bytes (reading `cap + 1` at most, whatever
/// the file claims to be).
pub fn read_bytes(path: &Path, cap: usize) -> Result<Vec<u8>, Refusal> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    if bytes.len() > cap {
        return Err(Refusal::TooLarge(cap));
    }
    Ok(bytes)
}

/// Reads a text file: a regular file of at most `cap` bytes, UTF-8 without NUL bytes.
pub fn read_text(path: &Path, cap: usize) -> Result<String, Refusal> {
    let bytes = read_bytes(path, cap)?;
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
    /// A folder already walked (a symbolic link back to it: a loop, or the same folder
    /// twice).
    Loop(String),
    /// The walk looked at [`MAX_WALK_ENTRIES`] entries and stopped.
    Budget,
}

/// Every entry under `dir`, sorted by relative path, following symbolic links (as a bind
/// mount does). Each folder is walked once (by device and inode: a link back to one is
/// an [`Entry::Loop`]); stops after `limit` files (the caller reports it) or
/// [`MAX_WALK_ENTRIES`] entries of any kind ([`Entry::Budget`]).
pub fn walk(dir: &Path, limit: usize) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut walk = Walk {
        limit,
        files: 0,
        seen: 0,
        visited: BTreeSet::new(),
    };
    walk.visited.insert(identity(&std::fs::metadata(dir)?));
    walk.folder(dir, "", 0, &mut out)?;
    Ok(out)
}

struct Walk {
    limit: usize,
    files: usize,
    seen: usize,
    visited: BTreeSet<(u64, u64)>,
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

impl Walk {
    fn folder(
        &mut self,
        dir: &Path,
        prefix: &str,
        depth: usize,
        out: &mut Vec<Entry>,
    ) -> io::Result<()> {
        let mut names: Vec<String> = Vec::new();
        for e in std::fs::read_dir(dir)? {
            self.seen += 1;
            if self.seen > MAX_WALK_ENTRIES {
                out.push(Entry::Budget);
                return Ok(());
            }
            names.push(e?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        for name in names {
            if self.files > self.limit || matches!(out.last(), Some(Entry::Budget)) {
                return Ok(());
            }
            let rel = format!("{prefix}{name}");
            let full = dir.join(&name);
            match std::fs::metadata(&full) {
                Ok(m) if m.is_file() => {
                    self.files += 1;
                    out.push(Entry::File(rel, full))
                }
                Ok(m) if m.is_dir() && depth < MAX_DEPTH => {
                    if self.visited.insert(identity(&m)) {
                        self.folder(&full, &format!("{rel}/"), depth + 1, out)?
                    } else {
                        out.push(Entry::Loop(rel))
                    }
                }
                _ => out.push(Entry::Other(rel)),
            }
        }
        Ok(())
    }
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
        let root = Root::new(PathBuf::from("/p"), Some(PathBuf::from("/home/u")));
        assert_eq!(root.resolve("~/data"), Some(PathBuf::from("/home/u/data")));
        assert_eq!(root.resolve("a/b"), Some(PathBuf::from("/p/a/b")));
        assert_eq!(root.resolve(""), Some(PathBuf::from("/p")));
        let homeless = Root { home: None, ..root };
        assert_eq!(homeless.resolve("~/data"), None);
    }
}

//! The command line's shared arguments: the Compose files (`-f`, `-p`, `--profile`), the
//! output (`-o`, `--format`, `-q`), the parameters (`--param`) and the local step's flags.

use clap::ValueEnum;
use compose_to_ecs::package::{self, Mode};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Format {
    Json,
    Yaml,
}

/// The Compose files of a project, chosen as `docker compose` chooses them.
#[derive(clap::Args)]
pub struct ComposeArgs {
    /// A Compose file; repeat to merge several, later files winning (as `docker compose -f`).
    /// `-` reads standard input. Default: the files in `COMPOSE_FILE` (separated by `:`,
    /// or `COMPOSE_PATH_SEPARATOR`), else the first of `compose.yaml`, `compose.yml`,
    /// `docker-compose.yaml`, `docker-compose.yml` in this folder or the nearest parent
    /// holding one, with `compose.override.yaml` (or `.yml`, or `docker-compose.override.*`)
    /// beside it
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<String>,
    /// The Compose project name: the cluster's name and the prefix of the logical IDs.
    /// Default: `COMPOSE_PROJECT_NAME` from the environment, then from `.env`, then the
    /// Compose files' `name:`, then the first file's folder
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// A Compose profile to activate (repeatable): services listing `profiles:` are
    /// converted only when one of theirs is active. Default: `COMPOSE_PROFILES`
    /// (comma-separated). A Compose profile, not an AWS one (`up`, `down`, `ps` and
    /// `logs` take the AWS profile from `AWS_PROFILE`)
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
}

/// Where and how the result is written.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Write the result to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format. Default: from the `-o` file's extension (`.yaml`/`.yml`: YAML), else JSON
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Print no summary line on standard error after success (warnings and errors still)
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

impl ParamArgs {
    /// The `--param` pairs.
    pub fn pairs(&self) -> Result<Vec<(String, String)>, String> {
        self.params
            .iter()
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| format!("--param `{p}`: expected KEY=VALUE"))
            })
            .collect()
    }
}

impl OutputArgs {
    /// `--format`, else the `-o` file's extension, else `default`.
    pub fn format(&self, default: Format) -> Format {
        if let Some(f) = self.format {
            return f;
        }
        match self
            .output
            .as_deref()
            .and_then(Path::extension)
            .and_then(|e| e.to_str())
        {
            Some("yaml" | "yml") => Format::Yaml,
            Some("json") => Format::Json,
            _ => default,
        }
    }
}

/// The values the template is expanded with.
#[derive(clap::Args)]
pub struct ParamArgs {
    /// A value for `${K}` in the Compose files (repeatable; wins over `.env`). For
    /// `expand`, the value of the template's parameter `K`, over its default (template
    /// parameters are Compose variables too)
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Accepted for scripts written for earlier versions; no effect (the output refers to
    /// `AWS::Region`, whatever the region)
    #[arg(long, hide = true)]
    pub region: Option<String>,
    /// Accepted for scripts written for earlier versions; no effect (the output refers to
    /// `AWS::AccountId`)
    #[arg(long = "account-id", hide = true)]
    pub account_id: Option<String>,
}

/// Where the local files come from (the package step; see docs/local-files.md).
#[derive(clap::Args)]
pub struct LocalArgs {
    /// An env file for interpolation (repeatable; a later one wins). As with `docker
    /// compose`, given env files replace the project folder's `.env`
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// The ECR repository images of services with `build` and no `image` go to, as
    /// `<URI>:<service>-<content digest>`
    #[arg(long = "image-repository", value_name = "URI")]
    pub image_repository: Option<String>,
    /// A file or folder outside the project folder that the files of the project may
    /// name (repeatable); without it, such a path is refused (symbolic links followed)
    #[arg(long = "allow-outside", value_name = "PATH")]
    pub allow_outside: Vec<PathBuf>,
    /// List every file the package step reads on standard error, and every occurrence of
    /// each warning (by default one line per cause, naming the services it applies to)
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

impl LocalArgs {
    pub fn options(
        &self,
        mode: Mode,
        parameters_out: bool,
        outputs: Vec<(String, PathBuf)>,
        stdin: Option<String>,
        named: &[String],
    ) -> Result<package::Options, String> {
        if let Some(uri) = &self.image_repository {
            package::check_repository(uri)?;
        }
        Ok(package::Options {
            mode,
            env_files: self.env_files.clone(),
            image_repository: self.image_repository.clone(),
            parameters_out,
            resolve_image_digests: false,
            home: std::env::var_os("HOME").map(PathBuf::from),
            stdin,
            // What the command line names is the user's own choice: read wherever it is.
            allow_outside: self
                .allow_outside
                .iter()
                .cloned()
                .chain(named.iter().filter(|f| *f != "-").map(PathBuf::from))
                .collect(),
            verbose: self.verbose,
            outputs,
        })
    }
}

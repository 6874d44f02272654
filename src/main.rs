//! The `compose-to-ecs` CLI: the transform offline, for preview, CI and debugging.
//!
//! Exit status: 0 on success, 1 on diagnostics (one per line on stderr, sorted), 2 on
//! usage or I/O errors. Warnings go to stderr and do not change the exit status.

use clap::{Parser, Subcommand, ValueEnum};
use compose_to_ecs::cfn::input;
use compose_to_ecs::cfn::logical_id::normalize;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::package::{self, Mode};
use compose_to_ecs::{expand, macro_, report};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The AWS commands (`up`, `down`, `ps`, `logs`): one file each under src/aws/.
#[cfg(feature = "aws")]
mod aws;

/// mimalloc: the transform builds and drops many small JSON values, and glibc's malloc
/// was a third of its instructions (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "compose-to-ecs",
    version,
    about = "Expand Docker Compose projects in CloudFormation templates into Amazon ECS resources",
    after_help = "Examples:
  compose-to-ecs convert                               # compose.yaml (+ compose.override.yaml) here
  compose-to-ecs convert -f compose.yaml -f compose.prod.yaml -o stack.yaml
  compose-to-ecs package -o packaged.yaml --parameters-out params.json
  compose-to-ecs expand template.yaml --param Tag=1.27

Run `compose-to-ecs <command> --help` for each command's examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Json,
    Yaml,
}

/// The Compose files of a project, chosen as `docker compose` chooses them.
#[derive(clap::Args)]
struct ComposeArgs {
    /// A Compose file; repeat to merge several, later files winning (as `docker compose -f`).
    /// `-` reads standard input. Default: the files in `COMPOSE_FILE` (separated by `:`,
    /// or `COMPOSE_PATH_SEPARATOR`), else the first of `compose.yaml`, `compose.yml`,
    /// `docker-compose.yaml`, `docker-compose.yml` in this folder or the nearest parent
    /// holding one, with `compose.override.yaml` (or `.yml`, or `docker-compose.override.*`)
    /// beside it
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<String>,
    /// The Compose project name: the cluster's name and the prefix of the logical IDs.
    /// Default: `COMPOSE_PROJECT_NAME` from the environment, then from `.env`, then the
    /// Compose files' `name:`, then the first file's folder
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    project_name: Option<String>,
    /// A Compose profile to activate (repeatable): services listing `profiles:` are
    /// converted only when one of theirs is active. Default: `COMPOSE_PROFILES`
    /// (comma-separated). A Compose profile, not an AWS one (`up`, `down`, `ps` and
    /// `logs` take the AWS profile from `AWS_PROFILE`)
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
}

/// Where and how the result is written.
#[derive(clap::Args)]
struct OutputArgs {
    /// Write the result to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format. Default: from the `-o` file's extension (`.yaml`/`.yml`: YAML), else JSON
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Print no summary line on standard error after success (warnings and errors still)
    #[arg(short = 'q', long)]
    quiet: bool,
}

impl ParamArgs {
    /// The `--param` pairs.
    fn pairs(&self) -> Result<Vec<(String, String)>, String> {
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
    fn format(&self, default: Format) -> Format {
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
struct ParamArgs {
    /// A value for `${K}` in the Compose files (repeatable; wins over `.env`). For
    /// `expand`, the value of the template's parameter `K`, over its default (template
    /// parameters are Compose variables too)
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// Accepted for scripts written for earlier versions; no effect (the output refers to
    /// `AWS::Region`, whatever the region)
    #[arg(long, hide = true)]
    region: Option<String>,
    /// Accepted for scripts written for earlier versions; no effect (the output refers to
    /// `AWS::AccountId`)
    #[arg(long = "account-id", hide = true)]
    account_id: Option<String>,
}

/// Where the local files come from (the package step; see docs/local-files.md).
#[derive(clap::Args)]
struct LocalArgs {
    /// An env file for interpolation (repeatable; a later one wins). As with `docker
    /// compose`, given env files replace the project folder's `.env`
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// The ECR repository images of services with `build` and no `image` go to, as
    /// `<URI>:<service>-<content digest>`
    #[arg(long = "image-repository", value_name = "URI")]
    image_repository: Option<String>,
    /// A file or folder outside the project folder that the files of the project may
    /// name (repeatable); without it, such a path is refused (symbolic links followed)
    #[arg(long = "allow-outside", value_name = "PATH")]
    allow_outside: Vec<PathBuf>,
    /// List every file the package step reads on standard error, and every occurrence of
    /// each warning (by default one line per cause, naming the services it applies to)
    #[arg(short = 'v', long)]
    verbose: bool,
}

impl LocalArgs {
    fn options(
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

#[derive(Subcommand)]
enum Command {
    /// Turn a Compose project into a CloudFormation template, as `docker compose convert`
    /// did for Docker's ECS integration: the ECS resources, ready to deploy
    #[command(after_help = "Examples:
  compose-to-ecs convert                                  # compose.yaml (+ compose.override.yaml) here
  compose-to-ecs convert -f compose.yaml -f compose.prod.yaml -o stack.yaml
  cat compose.yaml | compose-to-ecs convert -f - -p shop --profile debug
  compose-to-ecs convert -o stack.json --param VpcId=vpc-0abc --image-repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop

Deploy the result with `aws cloudformation deploy --template-file stack.yaml --stack-name shop
--capabilities CAPABILITY_IAM`; add `--s3-bucket BUCKET` when it is over 51,200 bytes.
To deploy through the macro instead, use `package`.")]
    Convert {
        /// A Compose file (the same as one `-f FILE`; `-f` may add more)
        #[arg(value_name = "COMPOSE_FILE")]
        compose_file: Option<String>,
        #[command(flatten)]
        compose: ComposeArgs,
        #[command(flatten)]
        params: ParamArgs,
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        local: LocalArgs,
        /// Write the values of the template's `NoEcho` parameters (secret files, credentials
        /// found in `.env`, env files and `environment`) to FILE (mode 0600), for `aws
        /// cloudformation deploy --parameter-overrides file://FILE`
        #[arg(long = "parameters-out", value_name = "FILE")]
        parameters_out: Option<PathBuf>,
    },
    /// Resolve a project's local files (Compose files, `.env`, env files, config and secret
    /// files, builds) and write a template that still uses `Transform: ComposeToECS`, for
    /// `aws cloudformation deploy`. Reads TEMPLATE, or else the Compose files (`-f`, as
    /// `convert`), which it wraps in a template with one project
    #[command(after_help = "Examples:
  compose-to-ecs package -o packaged.yaml --parameters-out params.json \\
      --image-repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop
  compose-to-ecs package -f compose.yaml -f compose.prod.yaml -p shop -o packaged.yaml
  compose-to-ecs package template.yaml -o packaged.yaml

Then: aws cloudformation deploy --template-file packaged.yaml --stack-name shop \\
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameter-overrides file://params.json")]
    Package {
        /// A CloudFormation template with `ComposeToECS::Project` resources (instead of `-f`)
        #[arg(value_name = "TEMPLATE")]
        template: Option<PathBuf>,
        #[command(flatten)]
        compose: ComposeArgs,
        #[command(flatten)]
        out: OutputArgs,
        /// Write the values of the `NoEcho` parameters the step makes (secret files, credentials
        /// found in `.env`, env files and `environment`) to FILE (mode 0600), for `aws
        /// cloudformation deploy --parameter-overrides file://FILE`
        #[arg(long = "parameters-out", value_name = "FILE")]
        parameters_out: Option<PathBuf>,
        /// Write images named by tag as `name@sha256:...`, looked up in their registries with
        /// `docker buildx imagetools inspect`, so that a stack update rolls out exactly
        /// what was looked up (built images are always written by digest)
        #[arg(long = "resolve-image-digests")]
        resolve_image_digests: bool,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Process a CloudFormation template (YAML or JSON) that uses `Transform: ComposeToECS`,
    /// as CloudFormation would: the local step in memory, then the macro
    #[command(after_help = "Examples:
  compose-to-ecs expand template.yaml --param Tag=1.27 -o processed.json
  compose-to-ecs expand examples/nginx.yaml --param VpcId=vpc-0abc --param SubnetIds=subnet-0a,subnet-0b")]
    Expand {
        /// The template file
        template: PathBuf,
        #[command(flatten)]
        params: ParamArgs,
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Read a macro request on standard input; write the response, as the Lambda does
    #[command(after_help = "Example:
  compose-to-ecs macro < events/template-web-api-db.json")]
    Macro,
    /// Print the support table (the body of docs/compose-support.md)
    SupportTable,
    /// Deploy the Compose project as a CloudFormation stack, as `docker compose up` did with
    /// an ECS context: package, expand, show the change set, execute it, follow it, print
    /// the endpoints (docs/up.md)
    #[cfg(feature = "aws")]
    #[command(after_help = "Examples:
  compose-to-ecs up                                        # compose.yaml here; stack named after the project
  compose-to-ecs up -f compose.yaml -f compose.prod.yaml --stack-name shop-prod --yes
  compose-to-ecs up --image-repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop

Credentials, profile and region as the AWS CLI takes them (AWS_PROFILE, AWS_REGION, ...).")]
    Up(aws::up::Args),
    /// Delete the project's stack; list the EFS file systems it keeps (docs/up.md)
    #[cfg(feature = "aws")]
    #[command(after_help = "Examples:
  compose-to-ecs down                                      # the stack of the project here
  compose-to-ecs down --stack-name shop-prod --yes")]
    Down(aws::down::Args),
    /// Show the project's services, tasks, health and endpoints
    #[cfg(feature = "aws")]
    #[command(after_help = "Examples:
  compose-to-ecs ps
  compose-to-ecs ps -p shop")]
    Ps(aws::ps::Args),
    /// Print the containers' logs from CloudWatch Logs
    #[cfg(feature = "aws")]
    #[command(after_help = "Examples:
  compose-to-ecs logs
  compose-to-ecs logs web --since 10m --follow")]
    Logs(aws::logs::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Macro => {
            let mut input = Vec::new();
            std::io::stdin()
                .read_to_end(&mut input)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            let (response, _) = macro_::handle_bytes(&input);
            std::io::stdout()
                .write_all(response.as_bytes())
                .map_err(|e| format!("cannot write standard output: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "aws")]
        Command::Up(args) => aws::up::run(args),
        #[cfg(feature = "aws")]
        Command::Down(args) => aws::down::run(args),
        #[cfg(feature = "aws")]
        Command::Ps(args) => aws::ps::run(args),
        #[cfg(feature = "aws")]
        Command::Logs(args) => aws::logs::run(args),
        Command::SupportTable => {
            print!("{}", compose_to_ecs::validate::support::render_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Package {
            template,
            compose,
            out,
            parameters_out,
            resolve_image_digests,
            local,
        } => {
            let (mut fragment, dir, wrapped, stdin, default_format) = match template {
                Some(template) => {
                    if !compose.files.is_empty() || compose.project_name.is_some() {
                        return Err(
                            "give a TEMPLATE, or Compose files with `-f` (and `-p`), not both"
                                .into(),
                        );
                    }
                    if !compose.profiles.is_empty() {
                        return Err("`--profile` applies to Compose files (`-f`); a template's project takes `Profiles`".into());
                    }
                    let text = read(&template)?;
                    let fragment = input::parse_template(&text)
                        .map_err(|e| format!("{}: {e}", template.display()))?;
                    let format = if text.trim_start().starts_with('{') {
                        Format::Json
                    } else {
                        Format::Yaml
                    };
                    (
                        fragment,
                        folder(&template).to_path_buf(),
                        None,
                        None,
                        format,
                    )
                }
                None => {
                    let project = Project::from_args(None, &compose, &local)?;
                    let fragment = project.wrapper();
                    let stdin = project.stdin.clone();
                    (
                        fragment,
                        PathBuf::from("."),
                        Some(project),
                        stdin,
                        Format::Yaml,
                    )
                }
            };
            let named = wrapped.as_ref().map_or(&[][..], |p| &p.files[..]);
            let mut outputs = Vec::new();
            if let Some(o) = &out.output {
                outputs.push(("-o".to_string(), o.clone()));
            }
            if let Some(p) = &parameters_out {
                outputs.push(("--parameters-out".to_string(), p.clone()));
            }
            let mut options = local.options(
                Mode::Package,
                parameters_out.is_some(),
                outputs,
                stdin,
                named,
            )?;
            options.resolve_image_digests = resolve_image_digests;
            let values = package::parameter_values(&fragment, &[]);
            let mut diags = Diagnostics::new();
            let packaged = package::package(&mut fragment, &dir, &values, &options, &mut diags);
            if !diags.has_errors() {
                // What the macro will answer: the same checks, on the packaged result.
                check_packaged(&fragment, &packaged, &mut diags);
            }
            let diags = match &wrapped {
                Some(p) => p.compose_paths(&diags),
                None => diags,
            };
            let warnings = print_diagnostics(&diags, local.verbose);
            if diags.has_errors() {
                return Ok(ExitCode::from(1));
            }
            if let Some(path) = &parameters_out {
                package::write_parameters(path, &packaged.secrets)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            let bytes = write_output(&fragment, out.format(default_format), out.output.as_deref())?;
            if !out.quiet {
                eprintln!(
                    "{}",
                    package_summary(&fragment, &packaged, bytes, &out, warnings)
                );
                eprint!(
                    "{}",
                    report::summary::of_packaged(&fragment, &packaged.secrets, &diags)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Expand {
            template,
            params,
            out,
            local,
        } => {
            let text = read(&template)?;
            let fragment =
                input::parse_template(&text).map_err(|e| format!("{}: {e}", template.display()))?;
            process(
                fragment,
                folder(&template),
                params.pairs()?,
                (&out, None),
                &local,
                None,
            )
        }
        Command::Convert {
            compose_file,
            compose,
            params,
            out,
            local,
            parameters_out,
        } => {
            let mut project = Project::from_args(compose_file, &compose, &local)?;
            // The wrapper declares no parameters: `--param` values are Compose variables.
            project.variables = params.pairs()?;
            let fragment = project.wrapper();
            process(
                fragment,
                Path::new("."),
                Vec::new(),
                (&out, parameters_out.as_deref()),
                &local,
                Some(&project),
            )
        }
    }
}

/// Compose's default file names, in the order `docker compose` looks for them.
const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
/// The override file names looked for beside a found Compose file.
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// A Compose project given on the command line (`convert`, `package -f`), wrapped into a
/// template with one `ComposeToECS::Project`.
struct Project {
    /// The logical ID of the project resource.
    id: String,
    /// The Compose files, as given (relative to the current folder), `-` for standard input.
    files: Vec<String>,
    /// `ProjectName`, when decided here.
    name: Option<String>,
    profiles: Vec<String>,
    /// Standard input's text, when a file is `-`.
    stdin: Option<String>,
    /// `--param` values: the project's `Variables`.
    variables: Vec<(String, String)>,
}

impl Project {
    fn from_args(
        positional: Option<String>,
        args: &ComposeArgs,
        local: &LocalArgs,
    ) -> Result<Project, String> {
        let files = choose_files(positional, &args.files)?;
        let mut stdin = None;
        let mut texts = Vec::new();
        for f in &files {
            if f == "-" {
                if stdin.is_some() {
                    return Err("`-f -` (standard input) is given twice".into());
                }
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                stdin = Some(text.clone());
                texts.push(text);
            } else {
                texts.push(read(Path::new(f))?);
            }
        }
        let dir = match files[0].as_str() {
            "-" => Path::new("."),
            f => folder(Path::new(f)),
        };
        let given = args
            .project_name
            .clone()
            .map(|n| ("--project-name", n))
            .or_else(|| env_text("COMPOSE_PROJECT_NAME").map(|n| ("COMPOSE_PROJECT_NAME", n)));
        let (id_name, name) = match given {
            Some((from, name)) => {
                if !compose_to_ecs::embed::valid_project_name(&name) {
                    return Err(format!("{from} `{name}`: a project name has lower-case letters, digits, `-` and `_`, and starts with a letter or digit (as with `docker compose -p`)"));
                }
                (name.clone(), Some(name))
            }
            None => match dotenv_project_name(dir, &local.env_files) {
                // The converter reads it from `.env` too (a variable), after `ProjectName`.
                Some(name) => (name, None),
                None => {
                    let name = document_name(&texts).unwrap_or_else(|| folder_name(dir));
                    (name.clone(), Some(name))
                }
            },
        };
        let id = match normalize(&id_name) {
            id if id.is_empty() => "Project".to_string(),
            id => id,
        };
        let mut profiles = args.profiles.clone();
        if profiles.is_empty() {
            if let Some(p) = env_text("COMPOSE_PROFILES") {
                profiles = p
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
        Ok(Project {
            id,
            files,
            name,
            profiles,
            stdin,
            variables: Vec::new(),
        })
    }

    /// The template with one project, its `ComposeFile` the files (for the package step).
    fn wrapper(&self) -> Value {
        let files = if self.files.len() == 1 {
            json!(self.files[0])
        } else {
            json!(self.files)
        };
        let mut props = json!({ "ComposeFile": files });
        if let Some(name) = &self.name {
            props["ProjectName"] = json!(name);
        }
        if !self.profiles.is_empty() {
            props["Profiles"] = json!(self.profiles);
        }
        if !self.variables.is_empty() {
            let vars: serde_json::Map<String, Value> = self
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            props["Variables"] = Value::Object(vars);
        }
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "ComposeToECS",
            "Resources": {&self.id: {"Type": "ComposeToECS::Project", "Properties": props}},
        })
    }

    /// How the user named file `i`.
    fn file_name(&self, i: usize) -> &str {
        match self.files.get(i).map(String::as_str) {
            Some("-") => package::STDIN_NAME,
            Some(f) => f,
            None => "",
        }
    }

    /// The diagnostics with the paths of the wrapper template (which the user never
    /// wrote) turned into what the user gave: a file, a flag, or none.
    fn compose_paths(&self, diags: &Diagnostics) -> Diagnostics {
        let mut out = Diagnostics::new();
        for d in diags.errors().into_iter().chain(diags.warnings()) {
            let mut d = d.clone();
            d.path = self.compose_path(&d.path);
            // The wrapper template's properties are not the user's: say how the CLI
            // sets a variable.
            d.message = d.message.replace(
                "set it in the `Variables` property or as a template parameter",
                "set it in `.env`, in a file given with `--env-file`, or with `--param NAME=VALUE`",
            );
            out.push(d);
        }
        out
    }

    fn compose_path(&self, path: &str) -> String {
        let props = format!("Resources.{}.Properties", self.id);
        let Some(rest) = path.strip_prefix(&props) else {
            return match path.strip_prefix("Resources") {
                Some(_) => String::new(),
                None => path.to_string(),
            };
        };
        // `Compose[1]: services...` (several documents, unnamed) or `Compose: ...`.
        for key in [".ComposeFile", ".Compose"] {
            if let Some(after) = rest.strip_prefix(key) {
                let (i, after) = match after.strip_prefix('[') {
                    Some(a) => match a.split_once(']') {
                        Some((n, tail)) => (n.parse().unwrap_or(0), tail),
                        None => (0, a),
                    },
                    None => (0, after),
                };
                return format!("{}{after}", self.file_name(i));
            }
        }
        match rest {
            ".ProjectName" => "--project-name".into(),
            r if r.starts_with(".Profiles") => "--profile".into(),
            r if r.starts_with(".Variables") => "--param".into(),
            _ => String::new(),
        }
    }
}

/// The Compose files: the arguments, else `COMPOSE_FILE`, else the default names in this
/// folder or the nearest parent, with an override file beside.
fn choose_files(positional: Option<String>, given: &[String]) -> Result<Vec<String>, String> {
    let files: Vec<String> = positional
        .into_iter()
        .chain(given.iter().cloned())
        .collect();
    if !files.is_empty() {
        return Ok(files);
    }
    if let Some(list) = env_text("COMPOSE_FILE") {
        let sep = env_text("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|| ":".into());
        let files: Vec<String> = list
            .split(sep.as_str())
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
        if !files.is_empty() {
            return Ok(files);
        }
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let mut dir = cwd.clone();
    let mut up = PathBuf::new();
    loop {
        let found: Vec<&str> = COMPOSE_NAMES
            .into_iter()
            .filter(|n| dir.join(n).is_file())
            .collect();
        if let Some(first) = found.first() {
            if found.len() > 1 {
                eprintln!(
                    "warning: found {}; using `{first}` (name the file with `-f` to choose)",
                    found
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
            }
            let mut files = vec![up.join(first).display().to_string()];
            if let Some(o) = OVERRIDE_NAMES.into_iter().find(|n| dir.join(n).is_file()) {
                files.push(up.join(o).display().to_string());
            }
            return Ok(files);
        }
        if !dir.pop() {
            return Err(format!(
                "no Compose file: looked for `compose.yaml`, `compose.yml`, `docker-compose.yaml` and `docker-compose.yml` in `{}` and its parents; name one with `-f FILE` (or `-f -` for standard input)",
                cwd.display()
            ));
        }
        up.push("..");
    }
}

/// A non-empty environment variable.
fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `COMPOSE_PROJECT_NAME` from the env files (`--env-file`, else the project folder's `.env`).
fn dotenv_project_name(dir: &Path, env_files: &[PathBuf]) -> Option<String> {
    let files: Vec<PathBuf> = if env_files.is_empty() {
        vec![dir.join(".env")]
    } else {
        env_files.to_vec()
    };
    let mut found = None;
    for f in files {
        let Ok(text) = package::files::read_text(&f, package::files::MAX_FILES_BYTES) else {
            continue;
        };
        let parsed = compose_to_ecs::compose::dotenv::parse(
            ".env",
            &text,
            compose_to_ecs::compose::dotenv::Format::Dotenv,
            &Default::default(),
            &mut Default::default(),
        );
        if let Some(v) = parsed.ok().and_then(|p| {
            p.variables
                .get("COMPOSE_PROJECT_NAME")
                .and_then(|v| v.as_text().map(String::from))
        }) {
            found = Some(v);
        }
    }
    found.filter(|n| !n.is_empty())
}

/// The last literal, valid `name:` of the Compose documents (a later file wins).
fn document_name(texts: &[String]) -> Option<String> {
    texts.iter().rev().find_map(|text| {
        let tree = compose_to_ecs::compose::load::parse_text(text).ok()?;
        let name = tree.get("name")?.as_str()?;
        compose_to_ecs::embed::valid_project_name(name).then(|| name.to_string())
    })
}

/// The project name `docker compose` derives from a folder: lower case, other characters
/// dropped.
fn folder_name(dir: &Path) -> String {
    let stem = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let name: String = stem
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let name = name.trim_start_matches(['-', '_']).to_string();
    if name.is_empty() {
        "project".into()
    } else {
        name
    }
}

/// The folder a file is in (`.` for a bare file name).
fn folder(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The preview: the package step in memory (no build, no push; secret values become the
/// values of their `NoEcho` parameters), then the transform. `project`: the Compose
/// project `convert` wrapped, whose diagnostics speak of its files, not of the wrapper.
fn process(
    mut fragment: Value,
    dir: &Path,
    mut given: Vec<(String, String)>,
    (out, parameters_out): (&OutputArgs, Option<&Path>),
    local: &LocalArgs,
    project: Option<&Project>,
) -> Result<ExitCode, String> {
    let stdin = project.and_then(|p| p.stdin.clone());
    let named = project.map_or(&[][..], |p| &p.files[..]);
    let options = local.options(Mode::Preview, false, Vec::new(), stdin, named)?;
    let values = input::request(fragment.clone(), &given)?.template_parameter_values;
    let shown = |diags: &Diagnostics| match project {
        Some(p) => p.compose_paths(diags),
        None => diags.clone(),
    };
    let mut diags = Diagnostics::new();
    let packaged = package::package(&mut fragment, dir, &values, &options, &mut diags);
    let diags = shown(&diags);
    if diags.has_errors() {
        print_diagnostics(&diags, local.verbose);
        return Ok(ExitCode::from(1));
    }
    let mut warnings = print_diagnostics(&diags, local.verbose);
    let secrets = packaged.secrets.clone();
    given.extend(packaged.secrets.into_iter().map(|(k, v)| (k, v.0)));
    let request = input::request(fragment, &given)?;
    match expand(&request) {
        Ok(expanded) => {
            let mut found = Diagnostics::new();
            for w in expanded.warnings {
                found.push(w);
            }
            if project.is_some() && parameters_out.is_none() && !secrets.is_empty() {
                let names: Vec<String> = secrets.keys().map(|k| format!("`{k}`")).collect();
                found.warn(
                    "Parameters",
                    format!(
                        "the template declares `NoEcho` parameters for the secret files and credentials it read ({}), whose values it never holds: add `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                        names.join(", ")
                    ),
                );
            }
            if let Some(path) = parameters_out {
                package::write_parameters(path, &secrets)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            warnings += print_diagnostics(&shown(&found), local.verbose);
            let bytes = write_output(
                &expanded.fragment,
                out.format(Format::Json),
                out.output.as_deref(),
            )?;
            if !out.quiet {
                eprintln!("{}", summary(&expanded.fragment, bytes, warnings));
                eprint!(
                    "{}",
                    report::summary::text(&expanded.fragment, &[&diags, &found])
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            print_diagnostics(&shown(&diags), local.verbose);
            Ok(ExitCode::from(1))
        }
    }
}

/// Runs the macro on the packaged template in memory, as CloudFormation will: the secret
/// parameters take their values from the step, the template's other parameters their
/// defaults. Its warnings and errors join `diags` (an error means the macro would refuse
/// the template: `package` exits 1 and writes nothing). A template parameter without a
/// default cannot be given a value here; the check is then skipped with a warning.
fn check_packaged(fragment: &Value, packaged: &package::Packaged, diags: &mut Diagnostics) {
    let given: Vec<(String, String)> = packaged
        .secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    let missing: Vec<String> = fragment
        .get("Parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, p)| p.get("Default").is_none() && !packaged.secrets.contains_key(*k))
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    if !missing.is_empty() {
        diags.warn(
            "Parameters",
            format!(
                "not checked against the macro before deploy: {} no default to check with (`compose-to-ecs expand` with `--param` checks it)",
                if missing.len() == 1 {
                    format!("parameter {} has", missing[0])
                } else {
                    format!("parameters {} have", missing.join(", "))
                }
            ),
        );
        return;
    }
    let request = match input::request(fragment.clone(), &given) {
        Ok(r) => r,
        Err(e) => {
            diags.warn(
                "Parameters",
                format!("not checked against the macro before deploy: {e}"),
            );
            return;
        }
    };
    match expand(&request) {
        Ok(expanded) => {
            for w in expanded.warnings {
                diags.push(w);
            }
        }
        Err(found) => {
            for d in found.errors().into_iter().chain(found.warnings()) {
                diags.push(d.clone());
            }
        }
    }
}

/// The largest template `aws cloudformation deploy` passes inline; above it needs
/// `--s3-bucket`.
const INLINE_TEMPLATE_BYTES: usize = 51_200;

/// The line printed after a successful `convert`/`expand`: resources by kind, the load
/// balancer, the endpoints, the warnings.
fn summary(template: &Value, bytes: usize, warnings: usize) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flat_map(|r| r.values()) {
        if let Some(t) = r.get("Type").and_then(Value::as_str) {
            *kinds
                .entry(t.strip_prefix("AWS::").unwrap_or(t))
                .or_default() += 1;
        }
    }
    let total: usize = kinds.values().sum();
    let mut by_count: Vec<(&str, usize)> = kinds.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kinds: Vec<String> = by_count.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let balancers: Vec<&str> = resources
        .into_iter()
        .flat_map(|r| r.values())
        .filter(|r| {
            r.get("Type").and_then(Value::as_str)
                == Some("AWS::ElasticLoadBalancingV2::LoadBalancer")
        })
        .map(
            |r| match r.pointer("/Properties/Type").and_then(Value::as_str) {
                Some("network") => "Network Load Balancer",
                _ => "Application Load Balancer",
            },
        )
        .collect();
    let balancer = match balancers.first() {
        Some(b) => b.to_string(),
        None => "no load balancer".to_string(),
    };
    let endpoints: Vec<String> = template
        .get("Outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(k, _)| k.ends_with("Endpoint"))
        .map(|(k, v)| match v.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(m)) => match m.get("Fn::Sub") {
                Some(Value::String(s)) => s.clone(),
                _ => k.clone(),
            },
            _ => k.clone(),
        })
        .collect();
    let endpoints = if endpoints.is_empty() {
        "no endpoint".to_string()
    } else {
        format!("endpoints {}", endpoints.join(", "))
    };
    let warnings = match warnings {
        1 => "1 warning".to_string(),
        n => format!("{n} warnings"),
    };
    let size = if bytes > INLINE_TEMPLATE_BYTES {
        format!("; {bytes} bytes, over the {INLINE_TEMPLATE_BYTES} CloudFormation takes inline: deploy with `aws cloudformation deploy --s3-bucket BUCKET`")
    } else {
        String::new()
    };
    format!(
        "summary: {total} resources ({}); {balancer}; {endpoints}; {warnings}{size}",
        kinds.join(", ")
    )
}

/// The line printed after a successful `package`.
fn package_summary(
    template: &Value,
    packaged: &package::Packaged,
    bytes: usize,
    out: &OutputArgs,
    warnings: usize,
) -> String {
    let mut projects = 0;
    let (mut files, mut images) = (0, 0);
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flat_map(|r| r.values()) {
        if r.get("Type").and_then(Value::as_str) != Some(compose_to_ecs::embed::PROJECT_TYPE) {
            continue;
        }
        projects += 1;
        let count = |key: &str| {
            r.pointer(&format!("/Properties/Package/{key}"))
                .and_then(Value::as_object)
                .map_or(0, |m| m.len())
        };
        files += count("Files");
        images += count("Images");
    }
    let secrets = packaged.secrets.len();
    let size = if bytes > INLINE_TEMPLATE_BYTES {
        format!("; {bytes} bytes, over the {INLINE_TEMPLATE_BYTES} CloudFormation takes inline: deploy with `--s3-bucket BUCKET`")
    } else {
        String::new()
    };
    let to = match &out.output {
        Some(p) => format!(" to {}", p.display()),
        None => String::new(),
    };
    format!("summary: packaged {projects} project{}{to}: {files} file{}, {secrets} secret parameter{}, {images} image{}; {warnings} warning{}{size}",
        if projects == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        if secrets == 1 { "" } else { "s" },
        if images == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    )
}

/// Writes the template; returns its size in bytes.
fn write_output(value: &Value, format: Format, output: Option<&Path>) -> Result<usize, String> {
    let text = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
        Format::Yaml => serde_yaml_ng::to_string(value).map_err(|e| e.to_string())?,
    };
    match output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(text.len())
}

/// Prints the diagnostics one line per cause, most important first
/// (`compose_to_ecs::report`), or every occurrence with `verbose`; answers the number of
/// warning lines.
fn print_diagnostics(diags: &Diagnostics, verbose: bool) -> usize {
    let lines = report::lines(diags, verbose);
    for l in &lines {
        eprintln!("{l}");
    }
    lines.iter().filter(|l| l.starts_with("warning: ")).count()
}

//! The `compose-to-ecs` CLI: the transform offline, for preview, CI and debugging.
//!
//! Exit status: 0 on success, 1 on diagnostics (one per line on stderr, sorted), 2 on
//! usage or I/O errors. Warnings go to stderr and do not change the exit status.

use clap::{Parser, Subcommand, ValueEnum};
use compose_to_ecs::cfn::input;
use compose_to_ecs::cfn::logical_id::normalize;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::package::{self, Mode};
use compose_to_ecs::{expand, macro_};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc: the transform builds and drops many small JSON values, and glibc's malloc
/// was a third of its instructions (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "compose-to-ecs",
    version,
    about = "Expand Docker Compose projects in CloudFormation templates into Amazon ECS resources"
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

#[derive(clap::Args)]
struct Common {
    /// A template parameter value (repeatable); overrides the parameter's default.
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// The region CloudFormation would pass (accepted for parity with the macro event; the
    /// output refers to `AWS::Region`, so it does not change the result).
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The account id CloudFormation would pass (as `--region`: the output refers to
    /// `AWS::AccountId`).
    #[arg(long = "account-id", default_value = "123456789012")]
    account_id: String,
    /// Write the processed template here instead of standard output.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

/// Where the local files come from (the package step; see docs/local-files.md).
#[derive(clap::Args)]
struct LocalArgs {
    /// An env file for interpolation (repeatable; a later one wins). As with `docker
    /// compose`, given env files replace the project folder's `.env`.
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// The ECR repository images of services with `build` and no `image` go to, as
    /// `<URI>:<service>-<content digest>`.
    #[arg(long = "image-repository", value_name = "URI")]
    image_repository: Option<String>,
}

impl LocalArgs {
    fn options(&self, mode: Mode, parameters_out: bool) -> Result<package::Options, String> {
        if let Some(uri) = &self.image_repository {
            package::check_repository(uri)?;
        }
        Ok(package::Options {
            mode,
            env_files: self.env_files.clone(),
            image_repository: self.image_repository.clone(),
            parameters_out,
            home: std::env::var_os("HOME").map(PathBuf::from),
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Resolve a template's local files (Compose file, `.env`, env files, config and secret
    /// files, builds) and write a template that still uses `Transform: ComposeToECS`.
    Package {
        /// The template file.
        template: PathBuf,
        /// Write the packaged template here instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Output format (default: the template's own, YAML or JSON).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Write the values of the secret-file parameters here (mode 0600), for
        /// `aws cloudformation deploy --parameter-overrides file://FILE`.
        #[arg(long = "parameters-out", value_name = "FILE")]
        parameters_out: Option<PathBuf>,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Process a CloudFormation template (YAML or JSON) that uses `Transform: ComposeToECS`.
    Expand {
        /// The template file.
        template: PathBuf,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Wrap a bare Compose file into a template with one project and expand it.
    Convert {
        /// The Compose file.
        compose_file: PathBuf,
        /// The Compose project name (default: the document's `name:`, else the file's folder).
        #[arg(long = "project-name")]
        project_name: Option<String>,
        /// Activate a Compose profile (repeatable).
        #[arg(long = "profile")]
        profiles: Vec<String>,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Read a macro request on standard input; write the response, as the Lambda does.
    Macro,
    /// Print the support table (the body of docs/compose-support.md).
    SupportTable,
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
        Command::SupportTable => {
            print!("{}", compose_to_ecs::validate::support::render_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Package {
            template,
            output,
            format,
            parameters_out,
            local,
        } => {
            let options = local.options(Mode::Package, parameters_out.is_some())?;
            let text = read(&template)?;
            let mut fragment =
                input::parse_template(&text).map_err(|e| format!("{}: {e}", template.display()))?;
            let values = package::parameter_values(&fragment, &[]);
            let mut diags = Diagnostics::new();
            let packaged = package::package(
                &mut fragment,
                folder(&template),
                &values,
                &options,
                &mut diags,
            );
            print_diagnostics(&diags);
            if diags.has_errors() {
                return Ok(ExitCode::from(1));
            }
            if let Some(path) = &parameters_out {
                package::write_parameters(path, &packaged.secrets)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            let json_input = text.trim_start().starts_with('{');
            let format = format.unwrap_or(if json_input {
                Format::Json
            } else {
                Format::Yaml
            });
            write_output(&fragment, format, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Expand {
            template,
            common,
            local,
        } => {
            let text = read(&template)?;
            let fragment =
                input::parse_template(&text).map_err(|e| format!("{}: {e}", template.display()))?;
            process(fragment, folder(&template), &common, &local)
        }
        Command::Convert {
            compose_file,
            project_name,
            profiles,
            common,
            local,
        } => {
            let text = read(&compose_file)?;
            let name = project_name.unwrap_or_else(|| default_name(&text, &compose_file));
            let id = match normalize(&name) {
                id if id.is_empty() => "Project".to_string(),
                id => id,
            };
            let mut props = json!({"Compose": text, "ProjectName": name});
            if !profiles.is_empty() {
                props["Profiles"] = json!(profiles);
            }
            let fragment = json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Transform": "ComposeToECS",
                "Resources": {id: {"Type": "ComposeToECS::Project", "Properties": props}},
            });
            process(fragment, folder(&compose_file), &common, &local)
        }
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

/// The project name `docker compose` would use: `name:`, else the file's folder.
fn default_name(text: &str, path: &Path) -> String {
    if let Ok(tree) = compose_to_ecs::compose::load::parse_text(text) {
        if let Some(name) = tree.get("name").and_then(Value::as_str) {
            if compose_to_ecs::embed::valid_project_name(name) {
                return name.to_string();
            }
        }
    }
    let stem = path
        .canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|s| s.to_string_lossy().into_owned())
        })
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

/// The preview: the package step in memory (no build, no push; secret values become the
/// values of their `NoEcho` parameters), then the transform.
fn process(
    mut fragment: Value,
    dir: &Path,
    common: &Common,
    local: &LocalArgs,
) -> Result<ExitCode, String> {
    let mut given = Vec::new();
    for p in &common.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("--param `{p}`: expected KEY=VALUE"))?;
        given.push((k.to_string(), v.to_string()));
    }
    let options = local.options(Mode::Preview, false)?;
    let values = input::request(fragment.clone(), &given)?.template_parameter_values;
    let mut diags = Diagnostics::new();
    let packaged = package::package(&mut fragment, dir, &values, &options, &mut diags);
    if diags.has_errors() {
        print_diagnostics(&diags);
        return Ok(ExitCode::from(1));
    }
    for w in diags.warnings() {
        eprintln!("warning: {w}");
    }
    given.extend(packaged.secrets.into_iter().map(|(k, v)| (k, v.0)));
    let request = input::request(fragment, &given)?;
    match expand(&request) {
        Ok(expanded) => {
            for w in &expanded.warnings {
                eprintln!("warning: {w}");
            }
            write_output(&expanded.fragment, common.format, common.output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            print_diagnostics(&diags);
            Ok(ExitCode::from(1))
        }
    }
}

fn write_output(value: &Value, format: Format, output: Option<&Path>) -> Result<(), String> {
    let text = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
        Format::Yaml => serde_yaml_ng::to_string(value).map_err(|e| e.to_string())?,
    };
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn print_diagnostics(diags: &Diagnostics) {
    for w in diags.warnings() {
        eprintln!("warning: {w}");
    }
    for e in diags.errors() {
        eprintln!("error: {e}");
    }
}

//! The `compose-to-ecs` CLI: the transform offline, for preview, CI and debugging.
//!
//! Exit status: 0 on success, 1 on diagnostics (one per line on stderr, sorted), 2 on
//! usage or I/O errors. Warnings go to stderr and do not change the exit status.
//!
//! This file holds the command line (`clap`) and sends each command to its module:
//! `convert` and `expand` to src/cli/preview.rs, `package` to src/cli/package.rs, the AWS
//! commands to src/aws/.

use clap::{Parser, Subcommand};
use cli::args::{ComposeArgs, LocalArgs, OutputArgs, ParamArgs};
use compose_to_ecs::macro_;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The AWS commands (`up`, `down`, `ps`, `logs`): one file each under src/aws/.
#[cfg(feature = "aws")]
mod aws;
/// The commands that run here (`convert`, `expand`, `package`) and what they share.
mod cli;

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
        } => cli::package::run(
            template,
            compose,
            out,
            parameters_out,
            resolve_image_digests,
            local,
        ),
        Command::Expand {
            template,
            params,
            out,
            local,
        } => cli::preview::expand_template(template, params, out, local),
        Command::Convert {
            compose_file,
            compose,
            params,
            out,
            local,
            parameters_out,
        } => cli::preview::convert(compose_file, compose, params, out, local, parameters_out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own checks of the whole command line (flags that clash, such as `-f`).
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

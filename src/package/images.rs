//! The project's images: builds tagged by their content and, when packaging, built, checked
//! and pushed; images named by tag pinned to a digest with `--resolve-image-digests`.

use super::build::{self, Dockerfile};
use super::project::{no_home, plural, shown, Mode, Options, Project};
use super::{docker, files, outputs};
use crate::diagnostics::Diagnostics;

/// Images for the project's builds: tags from the content, built and pushed when
/// packaging.
pub(super) fn images(
    p: &mut Project,
    opts: &Options,
    prefix: &dyn Fn(&Project, &str) -> String,
    diags: &mut Diagnostics,
) {
    if p.builds.is_empty() {
        return;
    }
    let services: Vec<String> = p.builds.keys().map(|s| format!("`{s}`")).collect();
    let first = prefix(
        p,
        &p.builds
            .values()
            .next()
            .map(|b| b.at.clone())
            .unwrap_or_default(),
    );
    let Some(repo) = &opts.image_repository else {
        diags.error(
            &first,
            format!(
                "{} {} `build` and no `image`: pass `--image-repository <ECR repository URI>` to build and push {} with docker, or set `image`",
                plural("service", "services", &services),
                if services.len() == 1 { "has" } else { "have" },
                if services.len() == 1 { "it" } else { "them" },
            ),
        );
        return;
    };
    let docker = match opts.mode {
        Mode::Preview => None,
        Mode::Package => match docker::find_docker() {
            Some(d) => Some(d),
            None => {
                diags.error(
                    &first,
                    format!(
                        "{} {} built with `docker`, which is not on PATH; install Docker, or build and push the images yourself and set `image`",
                        plural("service", "services", &services),
                        if services.len() == 1 { "needs an image" } else { "need images" },
                    ),
                );
                return;
            }
        },
    };
    // Identical builds (same inputs, so the same digest) run once, with every tag.
    // In the order of their first service, so docker runs in a predictable order.
    let mut groups: indexmap::IndexMap<String, build::Group> = indexmap::IndexMap::new();
    for b in p.builds.values() {
        let at = prefix(p, &b.at);
        let Some(platform) = build::target_platform(b, &|k| prefix(p, k), diags) else {
            continue;
        };
        let Some(context) = p.root.resolve(&b.context) else {
            diags.error(&at, no_home(&b.context));
            continue;
        };
        if !context.is_dir() {
            diags.error(
                &at,
                format!(
                    "the build context `{}` {}",
                    shown(&b.context),
                    if context.exists() {
                        "is not a folder"
                    } else {
                        "does not exist in the project folder"
                    }
                ),
            );
            continue;
        }
        let dockerfile = match (&b.dockerfile_inline, &b.dockerfile) {
            (Some(text), _) => Dockerfile::Inline(text.clone()),
            (None, Some(f)) => Dockerfile::File(files::absolute(&context.join(f))),
            (None, None) => Dockerfile::File(files::absolute(&context.join("Dockerfile"))),
        };
        if let Dockerfile::File(f) = &dockerfile {
            if !f.is_file() {
                diags.error(
                    &at,
                    format!(
                        "the Dockerfile `{}` does not exist in the build context",
                        files::project_path_of(&p.root.dir, f)
                    ),
                );
                continue;
            }
        }
        let context = files::absolute(&context);
        outputs::outputs_outside(&context, b, opts, &at, diags);
        let digest = match build::digest(&context, &dockerfile, b, platform) {
            Ok(d) => d,
            Err(e) => {
                diags.error(
                    &at,
                    format!(
                        "the build context `{}` {}",
                        shown(&b.context),
                        files::io_message(&e)
                    ),
                );
                continue;
            }
        };
        let tag = build::tag(repo, &b.service, &digest);
        p.local.images.insert(b.service.clone(), tag.clone());
        let key = format!("{digest}\0{}", context.display());
        let group = groups.entry(key).or_insert_with(|| build::Group {
            build: b.clone(),
            context: context.clone(),
            dockerfile: dockerfile.clone(),
            platform,
            tags: Vec::new(),
            services: Vec::new(),
        });
        group.tags.push(tag);
        group.services.push(b.service.clone());
    }
    let Some(docker) = docker else {
        return;
    };
    if diags.has_errors() {
        return;
    }
    for g in groups.values() {
        let at = prefix(p, &g.build.at);
        if let Some((image, config)) = docker::build_and_push(&docker, g, repo, &at, diags) {
            for service in &g.services {
                p.local.images.insert(service.clone(), image.clone());
                p.local
                    .image_configs
                    .insert(service.clone(), config.clone());
            }
        }
    }
}

/// `--resolve-image-digests`: each image named by tag becomes `name@sha256:...`, looked up
/// in its registry for the task's platform, whose configuration is recorded.
pub(super) fn resolve_images(
    p: &mut Project,
    opts: &Options,
    prefix: &dyn Fn(&Project, &str) -> String,
    diags: &mut Diagnostics,
) {
    if !opts.resolve_image_digests || opts.mode != Mode::Package {
        return;
    }
    if p.named.is_empty() && p.init_image.is_none() {
        return;
    }
    let Some(docker) = docker::find_docker() else {
        diags.error(
            "--resolve-image-digests",
            "looks the images up with `docker buildx imagetools inspect`, and `docker` is not on PATH; install Docker (with buildx), or drop the flag",
        );
        return;
    };
    let named = std::mem::take(&mut p.named);
    for (service, (image, platform, at)) in &named {
        let at = prefix(p, at);
        if let Some((pinned, config)) =
            docker::resolve(&docker, image, platform.as_deref(), &at, diags)
        {
            p.touched = true;
            p.local.images.insert(service.clone(), pinned);
            p.local.image_configs.insert(service.clone(), config);
        }
    }
    p.named = named;
    // The helper image, for the tasks that have the helper (one lookup per project). A
    // multi-arch index: amd64 is checked here, each task pulls its own platform.
    if let Some(given) = p.init_image.clone() {
        let image = given.unwrap_or_else(|| crate::convert::INIT_IMAGE.to_string());
        let at = prefix(p, "x-aws-init_image");
        if let Some((pinned, _)) = docker::resolve(&docker, &image, None, &at, diags) {
            p.touched = true;
            p.local.init_image = Some(pinned);
        }
    }
}

//! The task's platform: `--platform` passed to every build, an image of another
//! architecture refused before it is pushed, a platform a task cannot run refused.

use super::*;

/// An image built for another architecture than the task's is refused before it is
/// pushed (with a real engine: `FROM --platform=$BUILDPLATFORM` on the last stage, or a
/// builder that ignores `--platform`).
#[test]
fn an_image_of_another_architecture_is_refused() {
    let p = Project::new();
    let (code, _, stderr) = p.run_env(FULL, true, &[("STUB_ARCH", "arm64")]);
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    // One cause on two services: one line naming both (src/report.rs).
    assert_eq!(errors, [
        "error: services.{tool,web}.build: `docker build --platform linux/amd64` made an image for `linux/arm64`, which fails on the task's `linux/amd64` with `exec format error`; can this docker build for it? (`docker buildx ls` lists each builder's platforms; other architectures need QEMU emulation or a remote builder)",
    ]);
    assert!(p.pushed().is_empty(), "nothing pushed");

    // The last stage built for the build machine: the message says where.
    p.write(
        "app/web/Dockerfile",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build\nFROM --platform=$BUILDPLATFORM alpine AS prod\nCOPY --from=build /app /app\n",
    );
    let (code, _, stderr) = p.run_env(FULL, true, &[("STUB_ARCH", "arm64")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error: services.web.build: `docker build --platform linux/amd64` made an image for `linux/arm64`, which fails on the task's `linux/amd64` with `exec format error`; the stage it builds says `FROM --platform=$BUILDPLATFORM`, which is the machine that builds; keep `--platform=$BUILDPLATFORM` on the stages that compile and leave the last stage without it"), "{stderr}");
}

/// A multi-stage build that compiles on the build machine (`FROM --platform=$BUILDPLATFORM`)
/// still builds the task's platform: `--platform` is passed, and the image is checked.
#[test]
fn cross_compiling_builds_target_the_task() {
    let p = Project::new();
    p.write(
        "app/web/Dockerfile",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app\nFROM alpine AS prod\nCOPY --from=build /app /app\n",
    );
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: linux/arm64"),
    );
    p.package(&[]);
    let log = p.read("docker.log");
    assert!(
        log.contains("--target prod --build-arg VERSION=1.2 --platform linux/arm64 "),
        "{log}"
    );
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(package["ImageConfig"]["web"]["Architecture"], "arm64");
    assert_eq!(package["ImageConfig"]["tool"]["Architecture"], "amd64");
    // And the task definitions say what the images are for.
    let (code, stdout, stderr) = p.run(
        &[
            "expand",
            "packaged.json",
            "--param",
            &format!("ShopDbpasswordSecretValue={SECRET}"),
        ],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    let t: Value = serde_json::from_str(&stdout).unwrap();
    let arch =
        |id: &str| t["Resources"][id]["Properties"]["RuntimePlatform"]["CpuArchitecture"].clone();
    assert_eq!(arch("ShopWebTaskDefinition"), "ARM64");
    assert_eq!(arch("ShopToolTaskDefinition"), "X86_64");
    assert_eq!(arch("ShopDbTaskDefinition"), "X86_64");
}

/// A `platform` the task cannot run, and `build.platforms` without the task's.
#[test]
fn platforms_a_task_cannot_run_are_refused() {
    let p = Project::new();
    p.write(
        "app/compose.yaml",
        &COMPOSE.replacen("platform: linux/amd64", "platform: windows/amd64", 1),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: services.web.platform: expected `linux/amd64` or `linux/arm64` (what Fargate runs), found `windows/amd64`");
    p.write(
        "app/compose.yaml",
        &COMPOSE.replacen(
            "      context: ./tool\n",
            "      context: ./tool\n      platforms: [linux/arm64]\n",
            1,
        ),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: services.tool.build.platforms: the task runs `linux/amd64` (the service's `platform`, default `linux/amd64`), which is not one of `build.platforms`; add it, or set `platform` to one of them");
}

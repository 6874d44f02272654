//! What `package` runs: docker's exact invocations and standard input, the package it
//! writes, and tags that follow the content only.

use super::*;
use std::collections::BTreeMap;

#[test]
fn package_writes_the_package_and_runs_docker_exactly() {
    let p = Project::new();
    let (_, stdout, stderr) = p.package(&[]);
    let t = p.packaged();
    assert_eq!(t["Transform"], "ComposeToECS");
    let props = &t["Resources"]["Shop"]["Properties"];
    assert!(props.get("ComposeFile").is_none());
    assert_eq!(props["Compose"], COMPOSE);
    let pushed = p.pushed();
    assert_eq!(pushed.len(), 3, "{pushed:?}");
    let (tool, web, worker) = (&pushed[0], &pushed[1], &pushed[2]);
    let d = digest_of(web);
    assert_eq!(d.len(), 12);
    assert!(d.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(*web, format!("{REPO}:web-{d}"));
    assert_eq!(*worker, format!("{REPO}:worker-{d}"), "identical builds");
    assert_ne!(digest_of(tool), d);
    // The template names each pushed image by the digest `docker push` printed, so that a
    // new push changes the task definition and rolls out.
    let by_digest = |tag: &str| format!("{REPO}@{}", pushed_digest(tag));
    let config = json!({"ExposedPorts": ["8000/tcp"], "User": "app", "Architecture": "amd64"});
    assert_eq!(
        props["Package"],
        json!({
            "Files": {
                ".env": "PG_TAG=16\n",
                "db.env": "POSTGRES_DB=shop\n",
                "proxy.conf": "listen 8080;\n",
            },
            "EnvFiles": [".env"],
            "Secrets": {"db-password": "ShopDbpasswordSecretValue"},
            "Images": {"tool": by_digest(tool), "web": by_digest(web), "worker": by_digest(worker)},
            "ImageConfig": {"tool": config, "web": config, "worker": config},
        })
    );
    assert_eq!(p.images()["web"], p.images()["worker"]);
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["NoEcho"],
        json!(true)
    );
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["Type"],
        "String"
    );

    // The identical builds of `web` and `worker` run once, with both tags; every build is
    // for the task's platform (`linux/amd64` by default), and what it made is inspected
    // before it is pushed.
    let app = p.path("app");
    let expected = format!(
        "docker build -t {tool} -f - --platform linux/amd64 {tool_ctx}\n\
         stdin:\n\
         FROM public.ecr.aws/docker/library/alpine:3.20\n\
         RUN echo hi\n\
         end stdin\n\
         docker image inspect {tool}\n\
         docker push {tool}\n\
         docker build -t {web} -t {worker} --target prod --build-arg VERSION=1.2 --platform linux/amd64 {web_ctx}\n\
         docker image inspect {web}\n\
         docker push {web}\n\
         docker push {worker}\n",
        tool_ctx = app.join("tool").display(),
        web_ctx = app.join("web").display(),
    );
    assert_eq!(p.read("docker.log"), expected);
    // docker's output is streamed to our standard error, never to the template.
    assert!(stderr.contains("stub docker build"), "{stderr}");
    assert!(stdout.is_empty());

    // The parameters file: the CloudFormation format, owner-only.
    let params: Value = serde_json::from_str(&p.read("params.json")).unwrap();
    assert_eq!(
        params,
        json!([{"ParameterKey": "ShopDbpasswordSecretValue", "ParameterValue": SECRET}])
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(p.path("params.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(!p.read("packaged.json").contains(SECRET));
    assert!(!stderr.contains(SECRET));
}

/// The tags pushed by one `package` run, by service.
fn tags_of(p: &Project) -> BTreeMap<String, String> {
    fs::remove_file(p.path("docker.log")).ok();
    p.package(&[]);
    p.pushed()
        .into_iter()
        .map(|t| {
            let service = t.rsplit_once(':').unwrap().1.rsplit_once('-').unwrap().0;
            (service.to_string(), t)
        })
        .collect()
}

#[test]
fn tags_follow_the_content_only() {
    let p = Project::new();
    let first = tags_of(&p);
    assert_eq!(tags_of(&p), first, "same inputs, same tags");
    p.write("app/web/debug.log", "other noise\n");
    assert_eq!(tags_of(&p), first, "a file `.dockerignore` excludes");
    p.write("app/web/app.py", "print('changed')\n");
    let changed = tags_of(&p);
    assert_ne!(changed["web"], first["web"]);
    assert_ne!(changed["worker"], first["worker"]);
    assert_eq!(changed["tool"], first["tool"]);
    // The platform is part of the content: the same sources for arm64 are another image.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: linux/arm64"),
    );
    let arm = tags_of(&p);
    assert_ne!(arm["web"], changed["web"]);
    assert_eq!(arm["tool"], first["tool"]);
    assert!(p.read("docker.log").contains(" --platform linux/arm64 "));
    // Spellings of one platform are one image.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: arm64"),
    );
    assert_eq!(tags_of(&p), arm);
    assert_eq!(
        p.images()["web"],
        json!(format!("{REPO}@{}", pushed_digest(&arm["web"])))
    );
    assert_eq!(
        p.packaged()["Resources"]["Shop"]["Properties"]["Package"]["ImageConfig"]["web"]
            ["Architecture"],
        "arm64"
    );
}

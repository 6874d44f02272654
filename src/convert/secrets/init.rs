//! The files a service's `secrets` and `configs` become (and its bind-mounted files):
//! the helper container `<Svc>_Secrets_InitContainer` that writes them into task-local
//! volumes, the seed container that first copies the image's own files there, and the
//! application container's mounts.

use super::store::{config_secret_id, parameter, repository_credentials, top_level};
use crate::cfn::intrinsics::ref_;
use crate::cfn::logical_id::normalize;
use crate::compose::model::{Config, Service, Text};
use crate::compose::secrets::{parent, SECRETS_DIR};
use crate::convert::context::Context;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The helper image: Python on Alpine, from ECR Public (Docker official images),
/// multi-arch (amd64 and arm64). `x-aws-init_image` overrides it (an image with `python3`).
///
/// Pinned by tag only, not by digest: the multi-arch index digest could not be looked up
/// where this was written (no registry access) and is never guessed. To pin it, run
/// `scripts/pin-helper-image.sh`, which resolves the tag's index digest (`docker buildx
/// imagetools inspect` or `crane digest`) and writes `<tag>@sha256:<digest>` here.
pub const INIT_IMAGE: &str = "public.ecr.aws/docker/library/python:3.12-alpine3.21";

/// The Linux capabilities the helper keeps of Docker's default set: `CHOWN` (file
/// owners), `FOWNER` (modes of files it no longer owns) and `DAC_OVERRIDE` (directories the
/// seed container copied with the image's owners). Fargate lets a task drop capabilities,
/// never add them (but `SYS_PTRACE`), so the others are dropped by name.
pub const INIT_DROPPED_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Where the helper mounts the volumes: `<INIT_ROOT>/<n>`.
pub const INIT_ROOT: &str = "/compose-files";

/// The helper's variable holding the list of files to write (JSON).
pub const MANIFEST_VAR: &str = "COMPOSE_FILES";

/// The helper's program. For each entry of the JSON list in `$COMPOSE_FILES`
/// (`{"var", "path", "mode", "uid"?, "gid"?, "keys"?}`) it writes the value of the variable
/// `var` to `path`; with `keys`, the value is a JSON object and each key (all for `*`)
/// becomes the file `path/<key>`. It never prints a value.
pub const INIT_SCRIPT: &str = r#"import json, os, sys
def fail(msg):
    sys.exit("compose-to-ecs: " + msg)
def write(path, text, e):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    if e.get("uid") is not None or e.get("gid") is not None:
        os.chown(path, e.get("uid", -1), e.get("gid", -1))
    os.chmod(path, e["mode"])
    print("compose-to-ecs: wrote " + path)
for e in json.loads(os.environ["COMPOSE_FILES"]):
    value = os.environ.get(e["var"])
    if value is None:
        fail(e["var"] + " is not set")
    keys = e.get("keys")
    if keys is None:
        write(e["path"], value, e)
        continue
    try:
        doc = json.loads(value)
    except ValueError:
        fail(e["path"] + ": the secret is not a JSON document, so x-aws-keys cannot split it")
    if not isinstance(doc, dict):
        fail(e["path"] + ": the secret is not a JSON object, so x-aws-keys cannot split it")
    if "*" in keys:
        keys = sorted(doc)
    for k in keys:
        if k not in doc:
            fail(e["path"] + ": the secret has no key " + json.dumps(k))
        if "/" in k or k in ("", ".", ".."):
            fail(e["path"] + ": the key " + json.dumps(k) + " cannot be a file name")
        v = doc[k]
        write(os.path.join(e["path"], k), v if isinstance(v, str) else json.dumps(v), e)
"#;

/// What a service's secret, config and bind-mounted files add to its task definition.
pub struct Files {
    /// Task-local volumes (`Volumes`).
    pub volumes: Vec<Value>,
    /// The container that copies the image's own files into the volumes first, when a
    /// file lands in a directory the image may already fill.
    pub seed: Option<Value>,
    /// The helper container.
    pub init: Value,
    /// The helper container's name (the application container depends on it).
    pub init_name: String,
    /// The application container's mounts of the volumes.
    pub mounts: Vec<Value>,
}

/// The directories the volumes stand for: the files' directories, without those inside
/// another one.
fn mount_dirs<'a>(dirs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let dirs: BTreeSet<&str> = dirs.into_iter().collect();
    dirs.iter()
        .filter(|d| {
            !dirs
                .iter()
                .any(|o| o != *d && d.starts_with(&format!("{o}/")))
        })
        .map(|d| d.to_string())
        .collect()
}

/// True when `path` is `dir` or inside it.
fn within(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// A word for `sh`, single-quoted.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The seed container's program: copy each directory of the image into its volume,
/// `(directory, volume mount)` pairs; a directory the image lacks is skipped.
pub fn seed_script(dirs: &[(String, String)]) -> String {
    let mut script = String::from("set -e\n");
    for (dir, mount) in dirs {
        let (d, m) = (sh_quote(dir), sh_quote(&format!("{mount}/")));
        let from = sh_quote(&format!("{dir}/."));
        script.push_str(&format!("if [ -d {d} ]; then cp -a {from} {m}; fi\n"));
    }
    script
}

/// The helper containers and volumes for the service's files; `None` when it has none.
pub fn files(ctx: &mut Context, s: &Service, log_configuration: &Value) -> Option<Files> {
    if s.secrets.is_empty() && s.configs.is_empty() && s.files.is_empty() {
        return None;
    }
    let in_secrets = |d: &str| within(d, SECRETS_DIR);
    // (directory, declared at, the image's files there must stay, read-only)
    let items: Vec<(&str, &str, bool, bool)> = s
        .secrets
        .iter()
        .chain(&s.configs)
        .map(|m| {
            let dir = parent(&m.target);
            (dir, m.path.as_str(), !in_secrets(dir), true)
        })
        .chain(s.files.iter().map(|f| {
            (
                f.dir.as_str(),
                f.path.as_str(),
                !f.folder && !in_secrets(&f.dir),
                f.read_only,
            )
        }))
        .collect();
    let dirs = mount_dirs(items.iter().map(|i| i.0));
    let of = |dir: &str| {
        dirs.iter()
            .position(|d| within(dir, d))
            .expect("every file is inside a mount directory")
    };
    // A folder mounted at a volume's directory replaces it, as with Docker: no seeding.
    let replaced: BTreeSet<&str> = s
        .files
        .iter()
        .filter(|f| f.folder)
        .map(|f| f.dir.as_str())
        .collect();
    let mut seeded: Vec<usize> = Vec::new();
    let mut writable: BTreeSet<usize> = BTreeSet::new();
    for (dir, at, keep, read_only) in &items {
        let n = of(dir);
        if !read_only {
            writable.insert(n);
        }
        if *keep && !replaced.contains(dirs[n].as_str()) && !seeded.contains(&n) {
            seeded.push(n);
            ctx.diags.warn(
                *at,
                format!("`{}` becomes a volume holding the file: `{}_Seed_InitContainer` first copies the image's own files there (with the image's `/bin/sh`); an image without a shell keeps only the written files in `{}`", dirs[n], normalize(&s.name), dirs[n]),
            );
        }
    }
    seeded.sort_unstable();
    let volume = |i: usize| format!("compose_files_{i}");
    let mut manifest = Vec::new();
    let mut environment = Vec::new();
    let mut secrets = Vec::new();
    let project = ctx.project();
    let entry = |var: &str, target: &str, mode: u32| {
        let n = of(parent(target));
        let rel = &target[dirs[n].len() + 1..];
        json!({"var": var, "path": format!("{INIT_ROOT}/{n}/{rel}"), "mode": mode})
    };
    for (kind, mounts) in [("SECRET", &s.secrets), ("CONFIG", &s.configs)] {
        // One variable per secret or config, however many files it gives.
        let mut vars: BTreeMap<&str, String> = BTreeMap::new();
        for (i, m) in mounts.iter().enumerate() {
            let first_use = !vars.contains_key(m.source.as_str());
            let var = vars
                .entry(m.source.as_str())
                .or_insert_with(|| format!("COMPOSE_{kind}_{i}"))
                .clone();
            let mut entry = entry(&var, &m.target, m.mode);
            if let Some(uid) = m.uid {
                entry["uid"] = json!(uid);
            }
            if let Some(gid) = m.gid {
                entry["gid"] = json!(gid);
            }
            if kind == "SECRET" {
                let Some(secret) = project.secrets.get(&m.source) else {
                    continue;
                };
                if let Some(keys) = &secret.keys {
                    entry["keys"] = json!(keys);
                }
                if first_use {
                    let store = top_level(ctx, &m.source, secret);
                    secrets.push(json!({"Name": var, "ValueFrom": store.value_from()}));
                }
            } else {
                match project.configs.get(&m.source) {
                    Some(_) if !first_use => {}
                    Some(Config::Content(t)) => {
                        environment.push(json!({"Name": var, "Value": t.to_json()}))
                    }
                    Some(Config::Parameter(t)) => {
                        secrets.push(json!({"Name": var, "ValueFrom": parameter(t).value_from()}))
                    }
                    Some(Config::Hidden(_)) => secrets.push(
                        json!({"Name": var, "ValueFrom": ref_(&config_secret_id(ctx, &m.source))}),
                    ),
                    None => continue,
                }
            }
            manifest.push(entry);
        }
    }
    for (i, f) in s.files.iter().enumerate() {
        let var = format!("COMPOSE_BIND_{i}");
        manifest.push(entry(&var, &f.target, f.mode));
        environment.push(json!({"Name": var, "Value": f.content}));
    }
    environment.insert(
        0,
        json!({"Name": MANIFEST_VAR, "Value": Value::Array(manifest).to_string()}),
    );
    let init_name = format!("{}_Secrets_InitContainer", normalize(&s.name));
    let seed_name = format!("{}_Seed_InitContainer", normalize(&s.name));
    let image = project
        .init_image
        .as_ref()
        .map_or_else(|| json!(INIT_IMAGE), Text::to_json);
    let mount = |n: usize| json!({"SourceVolume": volume(n), "ContainerPath": format!("{INIT_ROOT}/{n}"), "ReadOnly": false});
    let mut init = Map::new();
    init.insert("Name".into(), json!(init_name));
    init.insert("Image".into(), image);
    init.insert("Essential".into(), json!(false));
    init.insert("User".into(), json!("0"));
    // It writes only into its volumes, and needs no more than file ownership.
    init.insert("ReadonlyRootFilesystem".into(), json!(true));
    init.insert(
        "LinuxParameters".into(),
        json!({"Capabilities": {"Drop": INIT_DROPPED_CAPABILITIES}}),
    );
    init.insert("Command".into(), json!(["python3", "-c", INIT_SCRIPT]));
    init.insert("Environment".into(), Value::Array(environment));
    if !secrets.is_empty() {
        init.insert("Secrets".into(), Value::Array(secrets));
    }
    init.insert(
        "MountPoints".into(),
        Value::Array((0..dirs.len()).map(mount).collect()),
    );
    init.insert("LogConfiguration".into(), log_configuration.clone());
    let seed = (!seeded.is_empty()).then(|| {
        init.insert(
            "DependsOn".into(),
            json!([{"ContainerName": seed_name, "Condition": "COMPLETE"}]),
        );
        let pairs: Vec<(String, String)> = seeded
            .iter()
            .map(|&n| (dirs[n].clone(), format!("{INIT_ROOT}/{n}")))
            .collect();
        let mut seed = Map::new();
        seed.insert("Name".into(), json!(seed_name));
        seed.insert(
            "Image".into(),
            s.image.as_ref().map_or(Value::Null, Text::to_json),
        );
        seed.insert("Essential".into(), json!(false));
        seed.insert("User".into(), json!("0"));
        seed.insert("EntryPoint".into(), json!(["/bin/sh", "-c"]));
        seed.insert("Command".into(), json!([seed_script(&pairs)]));
        if let Some(c) = repository_credentials(s) {
            seed.insert("RepositoryCredentials".into(), c);
        }
        seed.insert(
            "MountPoints".into(),
            Value::Array(seeded.iter().map(|&n| mount(n)).collect()),
        );
        seed.insert("LogConfiguration".into(), log_configuration.clone());
        Value::Object(seed)
    });
    Some(Files {
        volumes: (0..dirs.len())
            .map(|n| json!({"Name": volume(n)}))
            .collect(),
        seed,
        init: Value::Object(init),
        init_name,
        mounts: dirs
            .iter()
            .enumerate()
            .map(|(n, d)| json!({"SourceVolume": volume(n), "ContainerPath": d, "ReadOnly": !writable.contains(&n)}))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::FileMount;

    #[test]
    fn nested_directories_share_a_volume() {
        let m = |t: &str| FileMount {
            source: "x".into(),
            target: t.into(),
            uid: None,
            gid: None,
            mode: 0o444,
            path: String::new(),
        };
        let a = m("/run/secrets/a");
        let b = m("/run/secrets/sub/b");
        let c = m("/etc/app/c");
        assert_eq!(
            mount_dirs([&a, &b, &c].map(|m| parent(&m.target))),
            vec!["/etc/app".to_string(), "/run/secrets".to_string()]
        );
    }
}

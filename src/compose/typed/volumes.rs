//! Top-level volumes, in Compose words: `driver_opts` (the EFS file system's and its access
//! points' options) and `external` (an existing file system), read into the model. It
//! extends the `Reader` that `normalize` reads with; a service's mounts are `mounts.rs`'s,
//! what is valid across the project is `validate::volumes`'s.

use super::model::*;
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::Value;
use std::collections::BTreeMap;

const FS_KEYS: &[&str] = &[
    "performance_mode",
    "throughput_mode",
    "provisioned_throughput",
    "lifecycle_policy",
    "backup_policy",
    "kms_key_id",
    "uid",
    "gid",
    "permissions",
    "root_directory",
];

/// `TransitionToIA` values EFS accepts.
pub const LIFECYCLE_POLICIES: &[&str] = &[
    "AFTER_1_DAY",
    "AFTER_7_DAYS",
    "AFTER_14_DAYS",
    "AFTER_30_DAYS",
    "AFTER_60_DAYS",
    "AFTER_90_DAYS",
    "AFTER_180_DAYS",
    "AFTER_270_DAYS",
    "AFTER_365_DAYS",
];

fn one_of(value: &str, allowed: &[&str]) -> Option<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .map(|a| a.to_string())
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The file system id of an external volume's `name`: `fs-…`, or the id at the end of an
/// EFS file system ARN.
fn file_system_id(name: &str) -> Option<String> {
    let id = if name.starts_with("arn:") {
        let (head, id) = name.rsplit_once(":file-system/")?;
        if !head.contains(":elasticfilesystem:") {
            return None;
        }
        id
    } else {
        name
    };
    let hex = id.strip_prefix("fs-")?;
    (!hex.is_empty() && hex.chars().all(|c| c.is_ascii_alphanumeric())).then(|| id.to_string())
}

impl Reader<'_> {
    /// A top-level volume.
    pub(super) fn volume(&mut self, key: &str, v: &Value, project: &str, path: &Path) -> Volume {
        let mut volume = Volume {
            name: format!("{project}_{key}"),
            ..Volume::default()
        };
        let Value::Object(map) = v else {
            if !v.is_null() {
                self.expected(path, "a mapping describing the volume", v);
            }
            return volume;
        };
        let explicit_name = map
            .get("name")
            .and_then(|n| self.text(n, &path.key("name")));
        if let Some(Text::Lit(n)) = &explicit_name {
            volume.name = n.clone();
        }
        if let Some(labels) = map.get("labels") {
            for (k, t) in self.env_map(labels, &path.key("labels"), false) {
                if let Text::Lit(s) = t {
                    volume.labels.insert(k, s);
                }
            }
        }
        let (external, name_path) = match map.get("external") {
            Some(Value::Object(e)) => match e.get("name") {
                // Deprecated `external: {name: ...}`.
                Some(n) => (
                    self.text(n, &path.key("external").key("name")),
                    path.key("external").key("name"),
                ),
                // An external volume's name is its key, without the project's prefix
                // (`docker compose` looks the volume up as `sentry-data`).
                None => (Some(Text::Lit(key.to_string())), path.key("external")),
            },
            Some(v) => {
                if self.boolean(v, &path.key("external")) == Some(true) {
                    match explicit_name.clone() {
                        Some(n) => (Some(n), path.key("name")),
                        None => (Some(Text::Lit(key.to_string())), path.key("external")),
                    }
                } else {
                    (None, path.key("name"))
                }
            }
            None => (None, path.key("name")),
        };
        match external {
            Some(Text::Lit(name)) => match file_system_id(&name) {
                Some(id) => volume.external = Some(Text::Lit(id)),
                None => self.diags.error(
                    &name_path,
                    format!("an external volume stands for an existing Amazon EFS file system: expected its id like `fs-0abc123` or its ARN, found `{name}`; set the volume's `name` to the id of the file system that holds its data, or drop `external` for a new, empty one"),
                ),
            },
            Some(expr) => volume.external = Some(expr),
            None => {}
        }
        if let Some(v) = map.get("x-aws-mount_targets") {
            let p = path.key("x-aws-mount_targets");
            volume.mount_targets = self.boolean(v, &p).unwrap_or(false);
            if volume.mount_targets && volume.external.is_none() {
                self.diags.warn(
                    &p,
                    "ignored: the file system this volume creates always gets its mount targets",
                );
            }
        }
        if let Some(d) = map.get("driver") {
            let p = path.key("driver");
            if let Some(driver) = self.literal(d, &p) {
                if driver != "local" && !driver.is_empty() {
                    self.diags.warn(
                        &p,
                        format!("ignored: every volume is an Amazon EFS file system, not a `{driver}` volume"),
                    );
                }
            }
        }
        if let Some(opts) = map.get("driver_opts") {
            self.driver_opts(opts, &path.key("driver_opts"), &mut volume);
        }
        volume
    }

    fn driver_opts(&mut self, v: &Value, path: &Path, volume: &mut Volume) {
        let Value::Object(map) = v else {
            if !v.is_null() {
                self.expected(path, "a mapping of driver options", v);
            }
            return;
        };
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (raw_key, value) in map {
            let p = path.key(raw_key);
            let key = raw_key.replace('-', "_");
            let Some(&key) = FS_KEYS.iter().find(|k| **k == key) else {
                let message = if matches!(raw_key.as_str(), "device" | "type" | "o") {
                    "the `local` driver's host paths and network shares cannot be reached from ECS tasks; drop the `type`, `o` and `device` options to get a new Amazon EFS file system, or name an existing one with `external: true`".to_string()
                } else {
                    format!(
                        "unknown option `{raw_key}`: an Amazon EFS volume takes {}",
                        quoted(FS_KEYS)
                    )
                };
                self.diags.error(&p, message);
                continue;
            };
            if let Some(other) = seen.insert(key, raw_key) {
                self.diags.error(
                    &p,
                    format!("`{raw_key}` repeats `{other}`; keep one of them"),
                );
                continue;
            }
            let Some(text) = self.literal(value, &p) else {
                continue;
            };
            let text = text.trim().to_string();
            let fs = &mut volume.fs;
            let access = &mut volume.access;
            match key {
                "performance_mode" => match one_of(&text, &["generalPurpose", "maxIO"]) {
                    Some(m) => fs.performance_mode = Some(m),
                    None => self.diags.error(
                        &p,
                        format!("expected `generalPurpose` or `maxIO`, found `{text}`"),
                    ),
                },
                "throughput_mode" => match one_of(&text, &["bursting", "provisioned", "elastic"]) {
                    Some(m) => fs.throughput_mode = Some(m),
                    None => self.diags.error(
                        &p,
                        format!("expected `bursting`, `provisioned` or `elastic`, found `{text}`"),
                    ),
                },
                "provisioned_throughput" => match text.parse::<f64>() {
                    Ok(n) if (1.0..=10240.0).contains(&n) => fs.provisioned_throughput = Some(n),
                    _ => self.diags.error(
                        &p,
                        format!("expected a throughput in MiB/s from 1 to 10240, found `{text}`"),
                    ),
                },
                "lifecycle_policy" => match one_of(&text, LIFECYCLE_POLICIES) {
                    Some(m) => fs.lifecycle_policy = Some(m),
                    None => self.diags.error(
                        &p,
                        format!(
                            "expected one of {}, found `{text}`",
                            quoted(LIFECYCLE_POLICIES)
                        ),
                    ),
                },
                "backup_policy" => match one_of(&text, &["ENABLED", "DISABLED"]) {
                    Some(m) => fs.backup_policy = Some(m),
                    None => self.diags.error(
                        &p,
                        format!("expected `ENABLED` or `DISABLED`, found `{text}`"),
                    ),
                },
                "kms_key_id" => fs.kms_key_id = Some(text),
                "uid" | "gid" => match text.parse::<u32>() {
                    Ok(n) => {
                        if key == "uid" {
                            access.uid = Some(n);
                        } else {
                            access.gid = Some(n);
                        }
                    }
                    Err(_) => self.diags.error(
                        &p,
                        format!("expected a numeric POSIX id like `1000`, found `{text}`"),
                    ),
                },
                "permissions" => {
                    let ok = (3..=4).contains(&text.len())
                        && text.chars().all(|c| ('0'..='7').contains(&c));
                    if ok {
                        access.permissions = Some(text);
                    } else {
                        self.diags.error(
                            &p,
                            format!("expected octal permissions like `0755`, found `{text}`"),
                        );
                    }
                }
                _ => {
                    // root_directory
                    let ok = text.starts_with('/')
                        && text.len() <= 100
                        && !text.split('/').any(|part| part == "..");
                    if ok {
                        access.root_directory = Some(text);
                    } else {
                        self.diags.error(
                            &p,
                            format!("expected an absolute path like `/data` (at most 100 characters), found `{text}`"),
                        );
                    }
                }
            }
        }
        let fs = &volume.fs;
        let provisioned = fs.throughput_mode.as_deref() == Some("provisioned");
        if provisioned && fs.provisioned_throughput.is_none() {
            self.diags.error(
                path.key("throughput_mode"),
                "`provisioned` needs `provisioned_throughput`, in MiB/s",
            );
        }
        if !provisioned && fs.provisioned_throughput.is_some() {
            self.diags.error(
                path.key("provisioned_throughput"),
                "applies only with `throughput_mode: provisioned`",
            );
        }
        if volume.access.gid.is_some() && volume.access.uid.is_none() {
            self.diags.error(
                path.key("gid"),
                "needs `uid`: the access point's user has both",
            );
        }
        if volume.external.is_some() && fs != &FsOptions::default() {
            self.diags.error(
                path,
                "the file system options apply to a file system this volume creates; an external one keeps its own settings (keep only `uid`, `gid`, `permissions` and `root_directory`)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_file_system_ids() {
        assert_eq!(file_system_id("fs-0abc12"), Some("fs-0abc12".into()));
        assert_eq!(
            file_system_id("arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1234"),
            Some("fs-1234".into())
        );
        assert_eq!(file_system_id("myvolume"), None);
        assert_eq!(file_system_id("fs-"), None);
        assert_eq!(file_system_id("arn:aws:s3:::bucket/file-system/fs-1"), None);
    }

    #[test]
    fn accepts_both_spellings() {
        assert_eq!(
            one_of("after_30_days", LIFECYCLE_POLICIES),
            Some("AFTER_30_DAYS".into())
        );
        assert_eq!(
            one_of("maxio", &["generalPurpose", "maxIO"]),
            Some("maxIO".into())
        );
    }
}

//! A service's `depends_on` and `deploy` (replicas, resources, update and restart policies,
//! placement), in Compose words. It extends the `Reader` that `normalize` reads with.

use super::model::*;
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::Value;

impl Reader<'_> {
    pub(super) fn depends_on(&mut self, v: &Value, path: &Path, s: &mut Service) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(name) = self.literal(item, &path.index(i)) {
                        s.depends_on.insert(name, Condition::Started);
                    }
                }
            }
            Value::Object(map) => {
                for (name, cfg) in map {
                    let p = path.key(name);
                    let mut condition = Condition::Started;
                    if let Value::Object(cfg) = cfg {
                        if let Some(c) = cfg.get("condition") {
                            condition = match self.literal(c, &p.key("condition")).as_deref() {
                                Some("service_started") | None => Condition::Started,
                                Some("service_healthy") => Condition::Healthy,
                                // The dependency runs as a job (`compose::jobs`).
                                Some("service_completed_successfully") => {
                                    Condition::CompletedSuccessfully
                                }
                                Some(other) => {
                                    self.diags.error(
                                        p.key("condition"),
                                        format!("expected `service_started`, `service_healthy` or `service_completed_successfully`, found `{other}`"),
                                    );
                                    Condition::Started
                                }
                            };
                        }
                        if let Some(r) = cfg.get("required") {
                            if self.boolean(r, &p.key("required")) == Some(false) {
                                // Optional dependencies are ordered when present; kept.
                            }
                        }
                    } else if !cfg.is_null() {
                        self.expected(&p, "a mapping with `condition`", cfg);
                    }
                    s.depends_on.insert(name.clone(), condition);
                }
            }
            other => self.expected(path, "a list or mapping of services", other),
        }
    }

    pub(super) fn deploy(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let Value::Object(map) = v else {
            if !v.is_null() {
                self.expected(path, "a mapping", v);
            }
            return;
        };
        if let Some(m) = map.get("mode") {
            match self.literal(m, &path.key("mode")).as_deref() {
                Some("replicated") | None => {}
                // One task per EC2 instance; Fargate has no hosts (`validate::host`).
                Some("global") => s.compute.global = true,
                Some(other) => self.diags.error(
                    path.key("mode"),
                    format!("expected `replicated` or `global`, found `{other}`"),
                ),
            }
        }
        if let Some(g) = map.get("x-aws-healthcheck_grace_period") {
            s.healthcheck_grace_period =
                self.healthcheck_grace_period(g, &path.key("x-aws-healthcheck_grace_period"));
        }
        if let Some(r) = map.get("replicas") {
            if let Some(n) = self.uint(r, &path.key("replicas")) {
                if n > 5000 {
                    self.diags.error(
                        path.key("replicas"),
                        format!("an ECS service runs at most 5000 tasks, found `{n}`"),
                    );
                } else {
                    s.replicas = n as u32;
                    s.replicas_set = true;
                }
            }
        }
        if let Some(Value::Object(res)) = map.get("resources") {
            let rp = path.key("resources");
            let read = |section: &str, this: &mut Self| -> (Option<u64>, Option<u64>) {
                let sp = rp.key(section);
                match res.get(section) {
                    Some(Value::Object(m)) => (
                        m.get("cpus")
                            .and_then(|v| this.millicpus(v, &sp.key("cpus"))),
                        m.get("memory")
                            .and_then(|v| this.mebibytes(v, &sp.key("memory"))),
                    ),
                    _ => (None, None),
                }
            };
            let (lc, lm) = read("limits", self);
            let (rc, rm) = read("reservations", self);
            s.cpus = lc.or(rc).or(s.cpus);
            s.memory = lm.or(rm).or(s.memory);
            if rm.is_some() {
                s.memory_reservation = rm;
            }
            s.compute.reserved_cpus = rc.or(lc);
            s.compute.reserved_memory = rm.or(lm);
            if let Some(Value::Object(reservations)) = res.get("reservations") {
                self.gpus(reservations, &rp.key("reservations"), &mut s.compute);
            }
        }
        if let Some(Value::Object(placement)) = map.get("placement") {
            if let Some(c) = placement.get("constraints") {
                self.constraints(c, &path.key("placement").key("constraints"), &mut s.compute);
            }
        }
        if let Some(v) = map.get("x-aws-autoscaling") {
            s.autoscaling = self.autoscaling(v, &path.key("x-aws-autoscaling"));
        }
        if let Some(v) = map.get("x-aws-capacity") {
            s.compute.capacity = self.capacity(v, &path.key("x-aws-capacity"));
        }
        if let Some(Value::Object(u)) = map.get("update_config") {
            let up = path.key("update_config");
            if let Some(p) = u.get("parallelism") {
                s.update.parallelism = self.uint(p, &up.key("parallelism")).map(|n| n as u32);
            }
            if let Some(o) = u.get("order") {
                match self.literal(o, &up.key("order")).as_deref() {
                    None => {}
                    Some("start-first") => s.update.start_first = true,
                    Some("stop-first") => s.update.stop_first = true,
                    Some(other) => self.diags.error(
                        up.key("order"),
                        format!("expected `start-first` or `stop-first`, found `{other}`"),
                    ),
                }
            }
            if let Some(f) = u.get("failure_action") {
                s.update.failure_action = match self
                    .literal(f, &up.key("failure_action"))
                    .as_deref()
                {
                    Some("rollback") | None => FailureAction::Rollback,
                    Some("pause") => FailureAction::Pause,
                    Some("continue") => FailureAction::Continue,
                    Some(other) => {
                        self.diags.error(
                            up.key("failure_action"),
                            format!("expected `rollback`, `pause` or `continue`, found `{other}`"),
                        );
                        FailureAction::Rollback
                    }
                };
            }
            for (key, slot) in [("x-aws-min_percent", 0), ("x-aws-max_percent", 1)] {
                if let Some(v) = u.get(key) {
                    if let Some(n) = self.uint(v, &up.key(key)) {
                        let (lo, hi) = if slot == 0 { (0, 100) } else { (100, 200) };
                        if n < lo || n > hi {
                            self.diags
                                .error(up.key(key), format!("expected {lo} to {hi}, found `{n}`"));
                        } else if slot == 0 {
                            s.update.min_percent = Some(n as u32);
                        } else {
                            s.update.max_percent = Some(n as u32);
                        }
                    }
                }
            }
        }
    }
}

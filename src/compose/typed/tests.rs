//! Normalisation end to end, area by area: a document through `normalize`, its typed
//! project and diagnostics checked. The area files' own tests read one value with a
//! `Reader`; a test that needs the whole project lives here, since an area file that
//! called `normalize` would import the file that calls it.

use super::model::Project;
use crate::diagnostics::Diagnostics;

fn project(text: &str) -> (Project, Diagnostics) {
    let tree: serde_json::Map<String, serde_json::Value> = serde_yaml_ng::from_str(text).unwrap();
    let mut diags = Diagnostics::default();
    let vars = crate::compose::source::interpolate::Variables::default();
    let p = super::normalize::normalize(&tree, "p", &vars, None, &mut diags);
    (p, diags)
}

// Jobs (`jobs.rs`): `restart` and the services others wait for.
#[test]
fn restart_policies_and_waiters_make_jobs() {
    let (p, d) = project(
            "services:\n  a: {image: x, restart: 'no'}\n  b: {image: x, restart: 'on-failure:2'}\n  c: {image: x, restart: on-failure}\n  d: {image: x, restart: always}\n  e: {image: x}\n  f: {image: x, depends_on: {e: {condition: service_completed_successfully}}}\n",
        );
    assert!(d.errors().is_empty(), "{d:?}");
    let retries = |n: &str| p.services[n].job.as_ref().map(|j| j.retries);
    assert_eq!(retries("a"), Some(0));
    assert_eq!(retries("b"), Some(2));
    assert_eq!(retries("c"), Some(super::jobs::DEFAULT_ON_FAILURE_RETRIES));
    assert_eq!(retries("d"), None);
    assert_eq!(retries("e"), Some(0));
    assert_eq!(retries("f"), None);
}

#[test]
fn servers_stay_services_and_bad_policies_are_errors() {
    let (p, d) = project(
            "services:\n  web: {image: x, restart: on-failure, ports: ['80:80']}\n  x: {image: x, restart: 'on-failure:99'}\n  y: {image: x, restart: sometimes}\n",
        );
    assert!(p.services["web"].job.is_none());
    let text = format!("{d:?}");
    assert!(text.contains("services.web.restart"), "{text}");
    assert!(text.contains("services.x.restart"), "{text}");
    assert!(text.contains("services.y.restart"), "{text}");
    assert_eq!(d.errors().len(), 2);
}

#[test]
fn an_awaited_server_is_an_error() {
    let (_, d) = project(
            "services:\n  web: {image: x, ports: ['80:80']}\n  w: {image: x, depends_on: {web: {condition: service_completed_successfully}}}\n",
        );
    let text = format!("{:?}", d.errors());
    assert!(
        text.contains("services.w.depends_on.web.condition"),
        "{text}"
    );
}

// Containers that share a task (`groups.rs`).
#[test]
fn a_vpn_and_its_clients_form_one_group() {
    let (p, d) = project(
        "services:\n  vpn: {image: v, ports: ['8080:8080'], healthcheck: {test: ['CMD', 'true']}}\n  torrent: {image: t, network_mode: 'service:vpn', depends_on: {vpn: {condition: service_healthy}}}\n  init: {image: i, restart: 'no', volumes_from: ['vpn:ro']}\n  web: {image: w}\n",
    );
    assert!(d.errors().is_empty(), "{d:?}");
    assert_eq!(
        p.services["vpn"].group,
        Some(super::model::Grouping::Root {
            members: vec!["init".into(), "torrent".into()],
            ipc: false,
            pid: false
        })
    );
    assert_eq!(
        p.services["init"].group,
        Some(super::model::Grouping::Member {
            root: "vpn".into(),
            essential: false
        })
    );
    // Compose's default `restart: "no"`: not restarted, not essential.
    assert!(matches!(
        p.services["torrent"].group,
        Some(super::model::Grouping::Member {
            essential: false,
            ..
        })
    ));
    assert!(p.services["init"].job.is_none());
    assert_eq!(
        super::groups::container_dependencies(&p, &p.services["torrent"]),
        vec![("vpn".to_string(), super::model::Condition::Healthy)]
    );
    assert!(p.services["web"].group.is_none());
}

#[test]
fn cycles_unknown_services_containers_and_run_once_roots_are_errors() {
    for (text, path) in [
        ("services:\n  a: {image: x, network_mode: 'service:b'}\n  b: {image: x, network_mode: 'service:a'}\n", "services.a"),
        ("services:\n  a: {image: x, network_mode: 'service:nope'}\n", "services.a.network_mode"),
        ("services:\n  a: {image: x, volumes_from: ['container:db']}\n", "services.a.volumes_from[0]"),
        ("services:\n  a: {image: x, restart: 'no'}\n  b: {image: x, pid: 'service:a'}\n", "services.a"),
    ] {
        let (_, d) = project(text);
        let errors = format!("{:?}", d.errors());
        assert!(errors.contains(path), "{text}: {errors}");
    }
}

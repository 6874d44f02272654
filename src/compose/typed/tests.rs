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

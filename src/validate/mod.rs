//! Validation: the support table applied to the raw tree (every key mapped, warned about or
//! rejected), then normalisation into the typed model, then cross-field rules. Only this
//! module can build a [`Valid`] project, so the converter never sees unchecked input.

pub mod compute;
pub mod data;
pub mod deployments;
pub mod exposure;
pub mod fargate;
pub mod groups;
pub mod host;
pub mod image_users;
pub mod instance_access;
pub mod instances;
pub mod limits;
pub mod loadbalancer;
pub mod reach;
pub mod rules;
pub mod support;
pub mod support_table;
pub mod volumes;

use crate::compose::interpolate::Variables;
use crate::compose::load::Loaded;
use crate::compose::model::Project;
use crate::compose::normalize::normalize;
use crate::diagnostics::Diagnostics;
use std::collections::BTreeMap;

/// A project that passed validation, with the facts validation established.
#[derive(Clone, Debug, PartialEq)]
pub struct Valid {
    project: Project,
    sizes: BTreeMap<String, (u32, u32)>,
    plan: compute::Plan,
    balancer: Option<loadbalancer::Plan>,
    reach: reach::Plan,
}

impl Valid {
    /// The project.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The Fargate size (CPU units, memory MiB) chosen for `service`.
    pub fn size(&self, service: &str) -> (u32, u32) {
        self.sizes.get(service).copied().unwrap_or((256, 512))
    }

    /// Where `service` runs.
    pub fn service_plan(&self, service: &str) -> Option<&compute::ServicePlan> {
        self.plan.services.get(service)
    }

    /// Where every service runs, and the project's EC2 capacity.
    pub fn plan(&self) -> &compute::Plan {
        &self.plan
    }

    /// How every service is reached: names, ports, start order.
    pub fn reach(&self) -> &reach::Plan {
        &self.reach
    }

    /// The load balancer, when some port is published.
    pub fn balancer(&self) -> Option<&loadbalancer::Plan> {
        self.balancer.as_ref()
    }
}

/// Validates a loaded document. Warnings and errors go to `diags`; `None` when there are
/// errors.
pub fn validate(
    loaded: &Loaded,
    name: &str,
    variables: &Variables,
    diags: &mut Diagnostics,
) -> Option<Valid> {
    validate_with(
        loaded,
        name,
        variables,
        &loadbalancer::Given::default(),
        diags,
    )
}

/// [`validate`], with the load balancer settings the project's properties give.
pub fn validate_with(
    loaded: &Loaded,
    name: &str,
    variables: &Variables,
    given: &loadbalancer::Given,
    diags: &mut Diagnostics,
) -> Option<Valid> {
    let mut local = Diagnostics::new();
    if !limits::check(&loaded.tree, &mut local) {
        diags.extend(local);
        return None;
    }
    support::check(&loaded.tree, &mut local);
    let mut project = normalize(
        &loaded.tree,
        name,
        variables,
        loaded.local.as_ref(),
        &mut local,
    );
    let mut sizes = rules::check(&project, loaded, &mut local);
    volumes::check(&project, &mut local);
    data::check(&project, &mut local);
    let mut plan = compute::plan(&project, &mut local);
    groups::check(&project, &mut plan, &mut sizes, &mut local);
    host::check(&project, &plan, &mut local);
    host::fargate_limits(&mut project, &mut local);
    instance_access::check(&project, &plan, &mut local);
    let balancer = loadbalancer::plan(&project, given, &mut local);
    let mut reach = reach::plan(&project, &mut local);
    groups::fold(&project, &mut reach);
    deployments::check(&project, balancer.as_ref(), &mut local);
    let failed = local.has_errors();
    diags.extend(local);
    if failed {
        None
    } else {
        Some(Valid {
            project,
            sizes,
            plan,
            balancer,
            reach,
        })
    }
}

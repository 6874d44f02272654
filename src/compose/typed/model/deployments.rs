//! The types of a blue/green-family deployment (`deploy.update_config.x-aws-strategy`),
//! read by `typed::deployments`.

/// How traffic moves to the new tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    /// All at once.
    BlueGreen,
    /// `percent` tenths of a percent first, the rest after `bake` minutes.
    Canary { tenths: u32, bake: u64 },
    /// `step` tenths of a percent at a time, `bake` minutes apart.
    Linear { tenths: u32, bake: u64 },
}

impl Shift {
    /// ECS's name (`DeploymentConfiguration.Strategy`).
    pub fn ecs_name(self) -> &'static str {
        match self {
            Shift::BlueGreen => "BLUE_GREEN",
            Shift::Canary { .. } => "CANARY",
            Shift::Linear { .. } => "LINEAR",
        }
    }

    /// The Compose name (`x-aws-strategy`).
    pub fn compose_name(self) -> &'static str {
        match self {
            Shift::BlueGreen => "blue_green",
            Shift::Canary { .. } => "canary",
            Shift::Linear { .. } => "linear",
        }
    }

    /// Minutes between the first shift of traffic and all of it on the new tasks.
    pub fn shifting_minutes(self) -> u64 {
        match self {
            Shift::BlueGreen => 0,
            Shift::Canary { bake, .. } => bake,
            Shift::Linear { tenths, bake } => linear_steps(tenths) * bake,
        }
    }
}

/// The waits between steps of a linear deployment, CloudFormation's count: `1000 ÷ step`
/// minus one when the step divides 100 %, else its floor (no wait after the last step).
pub fn linear_steps(tenths: u32) -> u64 {
    let tenths = u64::from(tenths.max(1));
    if 1000 % tenths == 0 {
        1000 / tenths - 1
    } else {
        1000 / tenths
    }
}

/// A blue/green-family deployment (`rolling` is `None` on the service).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// How the traffic moves.
    pub shift: Shift,
    /// `x-aws-bake_time`, minutes: both versions run this long after all traffic moved.
    pub bake: u64,
    /// `x-aws-test_port`: a listener reaching the new tasks before they get traffic.
    pub test_port: Option<u16>,
}

impl Deployment {
    /// Minutes CloudFormation counts for the deployment (its 33-hour check).
    pub fn cloudformation_minutes(&self) -> u64 {
        self.bake + self.shift.shifting_minutes()
    }
}

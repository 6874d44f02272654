//! EC2 instance types the macro chooses from when no `node.machine` constraint names one:
//! current NVIDIA GPU families (g4dn, g5, g6) and general-purpose families for x86_64
//! (m6i) and arm64 (m7g). Kept in one place; extend it here.
//!
//! Source: Amazon EC2 instance type specifications, "Accelerated computing" and "General
//! purpose" (<https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html>,
//! <https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html>) and the product pages
//! <https://aws.amazon.com/ec2/instance-types/g4/>, `/g5/`, `/g6/`, `/m6i/`, `/m7g/`.

use crate::compose::model::Arch;

/// One instance type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceType {
    /// `g4dn.xlarge`.
    pub name: &'static str,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory in GiB.
    pub memory_gib: u32,
    /// NVIDIA GPUs.
    pub gpus: u32,
    /// CPU architecture.
    pub arch: Arch,
}

const fn t(name: &'static str, vcpus: u32, memory_gib: u32, gpus: u32, arch: Arch) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_gib,
        gpus,
        arch,
    }
}

use Arch::{Arm64 as ARM, X86_64 as X86};

/// The table: families cheapest first (g4dn, g5, g6), each in ascending size.
#[rustfmt::skip]
pub static TABLE: &[InstanceType] = &[
    // G4dn: NVIDIA T4 (16 GiB each).
    t("g4dn.xlarge", 4, 16, 1, X86),
    t("g4dn.2xlarge", 8, 32, 1, X86),
    t("g4dn.4xlarge", 16, 64, 1, X86),
    t("g4dn.8xlarge", 32, 128, 1, X86),
    t("g4dn.12xlarge", 48, 192, 4, X86),
    t("g4dn.16xlarge", 64, 256, 1, X86),
    t("g4dn.metal", 96, 384, 8, X86),
    // G5: NVIDIA A10G (24 GiB each).
    t("g5.xlarge", 4, 16, 1, X86),
    t("g5.2xlarge", 8, 32, 1, X86),
    t("g5.4xlarge", 16, 64, 1, X86),
    t("g5.8xlarge", 32, 128, 1, X86),
    t("g5.12xlarge", 48, 192, 4, X86),
    t("g5.16xlarge", 64, 256, 1, X86),
    t("g5.24xlarge", 96, 384, 4, X86),
    t("g5.48xlarge", 192, 768, 8, X86),
    // G6: NVIDIA L4 (24 GiB each).
    t("g6.xlarge", 4, 16, 1, X86),
    t("g6.2xlarge", 8, 32, 1, X86),
    t("g6.4xlarge", 16, 64, 1, X86),
    t("g6.8xlarge", 32, 128, 1, X86),
    t("g6.12xlarge", 48, 192, 4, X86),
    t("g6.16xlarge", 64, 256, 1, X86),
    t("g6.24xlarge", 96, 384, 4, X86),
    t("g6.48xlarge", 192, 768, 8, X86),
    // M6i: general purpose, Intel.
    t("m6i.large", 2, 8, 0, X86),
    t("m6i.xlarge", 4, 16, 0, X86),
    t("m6i.2xlarge", 8, 32, 0, X86),
    t("m6i.4xlarge", 16, 64, 0, X86),
    t("m6i.8xlarge", 32, 128, 0, X86),
    t("m6i.12xlarge", 48, 192, 0, X86),
    t("m6i.16xlarge", 64, 256, 0, X86),
    t("m6i.24xlarge", 96, 384, 0, X86),
    t("m6i.32xlarge", 128, 512, 0, X86),
    // M7g: general purpose, AWS Graviton3.
    t("m7g.medium", 1, 4, 0, ARM),
    t("m7g.large", 2, 8, 0, ARM),
    t("m7g.xlarge", 4, 16, 0, ARM),
    t("m7g.2xlarge", 8, 32, 0, ARM),
    t("m7g.4xlarge", 16, 64, 0, ARM),
    t("m7g.8xlarge", 32, 128, 0, ARM),
    t("m7g.12xlarge", 48, 192, 0, ARM),
    t("m7g.16xlarge", 64, 256, 0, ARM),
];

/// What the tasks on one instance need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Need {
    /// GPUs.
    pub gpus: u32,
    /// Thousandths of a vCPU.
    pub millicpus: u64,
    /// MiB.
    pub memory_mib: u64,
}

/// The type named `name`, when the table has it.
pub fn find(name: &str) -> Option<&'static InstanceType> {
    TABLE.iter().find(|t| t.name == name)
}

/// The first type of `arch` in the table's order that fits `need`: the cheapest family
/// with a type that fits (g4dn, then g5, then g6), its smallest such type. GPU types only
/// when GPUs are needed, general-purpose types otherwise. Memory must be strictly greater
/// than the need (the operating system and the ECS agent keep part of it), as compose-cli
/// required.
pub fn smallest(need: Need, arch: Arch) -> Option<&'static InstanceType> {
    TABLE
        .iter()
        .filter(|t| t.arch == arch && (t.gpus > 0) == (need.gpus > 0))
        .find(|t| {
            t.gpus >= need.gpus
                && u64::from(t.vcpus) * 1000 >= need.millicpus
                && u64::from(t.memory_gib) * 1024 > need.memory_mib
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(gpus: u32, cpus: u64, memory_gib: u64) -> Option<&'static str> {
        smallest(
            Need {
                gpus,
                millicpus: cpus * 1000,
                memory_mib: memory_gib * 1024,
            },
            Arch::X86_64,
        )
        .map(|t| t.name)
    }

    /// compose-cli's `TestGuessMachineType`, against this table.
    #[test]
    fn compose_cli_guess_machine_type() {
        assert_eq!(guess(1, 0, 0), Some("g4dn.xlarge"));
        assert_eq!(guess(4, 0, 0), Some("g4dn.12xlarge"));
        assert_eq!(guess(2, 0, 300), Some("g4dn.metal"));
        assert_eq!(guess(2, 32, 32), Some("g4dn.12xlarge"));
    }

    #[test]
    fn larger_requests_reach_newer_families() {
        assert_eq!(guess(8, 0, 400), Some("g5.48xlarge"));
        assert_eq!(guess(4, 64, 300), Some("g4dn.metal"));
        assert_eq!(guess(4, 128, 0), Some("g5.48xlarge"));
        assert_eq!(guess(1, 0, 500), Some("g5.48xlarge"));
        assert_eq!(guess(9, 0, 0), None);
        assert_eq!(guess(1, 0, 16), Some("g4dn.2xlarge"));
    }

    #[test]
    fn general_purpose() {
        assert_eq!(guess(0, 0, 0), Some("m6i.large"));
        assert_eq!(guess(0, 3, 0), Some("m6i.xlarge"));
        let arm = smallest(Need::default(), Arch::Arm64).map(|t| t.name);
        assert_eq!(arm, Some("m7g.medium"));
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
    }
}

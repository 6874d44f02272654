//! Fargate task sizes: the valid (CPU units, memory MiB) pairs and the smallest that fits.
//! Source: Amazon ECS Developer Guide, "Task CPU and memory" (Fargate), including the
//! 8 and 16 vCPU sizes added in 2022.

/// Every CPU row with its memory options, ascending.
pub fn table() -> Vec<(u32, Vec<u32>)> {
    let steps =
        |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).collect::<Vec<_>>();
    vec![
        (256, vec![512, 1024, 2048]),
        (512, steps(1024, 4096, 1024)),
        (1024, steps(2048, 8192, 1024)),
        (2048, steps(4096, 16384, 1024)),
        (4096, steps(8192, 30720, 1024)),
        (8192, steps(16384, 61440, 4096)),
        (16384, steps(32768, 122880, 8192)),
    ]
}

/// The smallest Fargate size with at least `millicpus` thousandths of a vCPU and `memory`
/// MiB; `None` when nothing fits.
pub fn smallest(millicpus: Option<u64>, memory: Option<u64>) -> Option<(u32, u32)> {
    let units = millicpus.map(|m| (m * 1024).div_ceil(1000)).unwrap_or(0);
    let memory = memory.unwrap_or(0);
    table().into_iter().find_map(|(cpu, mems)| {
        if u64::from(cpu) < units {
            return None;
        }
        mems.into_iter()
            .find(|&m| u64::from(m) >= memory)
            .map(|m| (cpu, m))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_cli_worked_examples() {
        assert_eq!(smallest(None, None), Some((256, 512)));
        assert_eq!(smallest(Some(500), Some(2048)), Some((512, 2048)));
        assert_eq!(smallest(Some(4000), Some(8192)), Some((4096, 8192)));
        assert_eq!(smallest(None, Some(3072)), Some((512, 3072)));
        assert_eq!(smallest(Some(1000), None), Some((1024, 2048)));
        assert_eq!(smallest(Some(250), None), Some((256, 512)));
    }

    #[test]
    fn large_sizes() {
        // compose-cli rejected these (docker/compose-ecs#12).
        assert_eq!(smallest(Some(5000), None), Some((8192, 16384)));
        assert_eq!(smallest(None, Some(31 * 1024)), Some((8192, 32768)));
        assert_eq!(
            smallest(Some(16000), Some(120 * 1024)),
            Some((16384, 122880))
        );
        assert_eq!(smallest(Some(17000), None), None);
        assert_eq!(smallest(None, Some(121 * 1024)), None);
    }
}

//! Host facts from flags (`--host-memory`, `--host-cpus`) or from this machine (`--host detect`).

use redlint_core::HostFacts;

/// `--host-memory` of `check` and `generate`, and the profile's `host-memory`: one parser,
/// in the core (the browser page reads sizes with it too).
pub use redlint_core::sizing::parse_size;

/// A count that must be at least 1 (`--host-cpus`, `--host-nofile`, `--nofile`): a host
/// with 0 CPUs or a limit of 0 open files cannot run redis-server, so 0 is a typo.
pub fn parse_at_least_one<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    let n: T = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if n < T::from(1u8) {
        return Err(format!("`{s}`: must be at least 1"));
    }
    Ok(n)
}

/// Memory, CPUs and the open-files limit of this machine, cgroup limits first.
pub fn detect() -> HostFacts {
    HostFacts {
        memory: detect_memory(),
        cpus: detect_cpus(),
        nofile: detect_nofile(),
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn detect_memory() -> Option<u64> {
    let physical = read("/proc/meminfo").and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    // cgroup v2, then v1; "max" or absurdly large values mean no limit.
    let limit = read("/sys/fs/cgroup/memory.max")
        .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (limit, physical) {
        (Some(l), Some(p)) => Some(l.min(p)),
        (l, p) => l.or(p),
    }
}

fn detect_cpus() -> Option<u32> {
    let online = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u32);
    let quota = read("/sys/fs/cgroup/cpu.max").and_then(|v| {
        let mut it = v.split_whitespace();
        let q = it.next()?.parse::<f64>().ok()?;
        let p = it.next()?.parse::<f64>().ok()?;
        Some((q / p).ceil() as u32)
    });
    let quota = quota.or_else(|| {
        let q = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?
            .trim()
            .parse::<i64>()
            .ok()?;
        let p = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?
            .trim()
            .parse::<i64>()
            .ok()?;
        (q > 0 && p > 0).then(|| ((q as f64) / (p as f64)).ceil() as u32)
    });
    match (quota, online) {
        (Some(q), Some(o)) => Some(q.clamp(1, o)),
        (q, o) => q.or(o),
    }
}

fn detect_nofile() -> Option<u64> {
    read("/proc/self/limits")?
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
}

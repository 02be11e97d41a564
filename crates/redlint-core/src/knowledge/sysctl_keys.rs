//! The sysctl keys Linux knows (`rules/linux/sysctl-keys.txt`, derived from a real kernel, plus
//! the hand-checked `rules/linux/sysctl-keys-extra.txt`, see `rules/linux/README.md`), with
//! lookups by dotted or slashed key.
//!
//! Keys are compared in their *dotted* form, the one procps and systemd print: path components
//! joined by `.`, a `.` inside a component (interface `eth0.100`) written `/`. A key is looked up
//! in a hash map, then against patterns (a `*` segment matches exactly one segment, like an
//! interface name) by trying each segment, and each pair of segments, as `*`: a handful of hash
//! lookups per key, never a scan of the table.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

const KEYS: &str = include_str!("../../../../rules/linux/sysctl-keys.txt");
const EXTRA: &str = include_str!("../../../../rules/linux/sysctl-keys-extra.txt");

/// What Linux makes of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Current kernels have it (possibly only with some config option or module loaded).
    Present,
    /// Only that distribution's patched kernels have it (`distro:NAME`).
    Distro(&'static str),
    /// Mainline had it until this version (`removed:VERSION`).
    Removed(&'static str),
    /// No kernel has it.
    Unknown,
}

struct KeyTable {
    /// Keys and patterns (with `*` segments) → status.
    entries: HashMap<&'static str, KeyStatus>,
    has_patterns: bool,
    /// Present concrete keys by length, for bounded "did you mean" searches.
    by_len: HashMap<usize, Vec<&'static str>>,
    /// Present concrete keys by their last segment (`somaxconn` → `net.core.somaxconn`).
    by_last: HashMap<&'static str, Vec<&'static str>>,
    kernel: &'static str,
}

fn table() -> &'static KeyTable {
    static TABLE: OnceLock<KeyTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = KeyTable {
            entries: HashMap::new(),
            has_patterns: false,
            by_len: HashMap::new(),
            by_last: HashMap::new(),
            kernel: "",
        };
        for line in KEYS.lines() {
            if let Some(k) = line.strip_prefix("# kernel:") {
                t.kernel = k.trim();
            }
        }
        let derived = KEYS.lines().map(|l| (l, KeyStatus::Present));
        // Extra lines are `<key><TAB><tag>`.
        let extra = EXTRA.lines().map(|l| {
            let (key, tag) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            let tag = tag.trim();
            let status = if let Some(v) = tag.strip_prefix("removed:") {
                KeyStatus::Removed(v)
            } else if let Some(d) = tag.strip_prefix("distro:") {
                KeyStatus::Distro(d)
            } else {
                KeyStatus::Present
            };
            (key, status)
        });
        for (key, status) in derived.chain(extra) {
            let key = key.trim();
            if key.is_empty() || key.starts_with('#') {
                continue;
            }
            // The derived list wins over a tag (a removed key a kernel still shows is present).
            if t.entries.contains_key(key) {
                continue;
            }
            t.entries.insert(key, status);
            if key.split('.').any(|s| s == "*") {
                t.has_patterns = true;
            } else if status == KeyStatus::Present {
                t.by_len.entry(key.len()).or_default().push(key);
                t.by_last
                    .entry(key.rsplit('.').next().unwrap_or(key))
                    .or_default()
                    .push(key);
            }
        }
        t
    })
}

/// The kernel release the derived key list comes from.
pub fn kernel_release() -> &'static str {
    table().kernel
}

/// The dotted form of a key as written in a sysctl file (`net/core/somaxconn` →
/// `net.core.somaxconn`), or `None` for an empty key.
///
/// As in procps and systemd-sysctl, the first separator decides: if it is `/`, `/` separates
/// and a `.` is part of a name (`net/ipv4/conf/eth0.100/forwarding`), so the two are swapped;
/// otherwise the key is already dotted (a `/` there stands for a `.` in a name). Empty
/// segments (`net..core`, a leading `/`) are dropped: the kernel path has them as `//`.
pub fn normalize(key: &str) -> Option<Cow<'_, str>> {
    let key = key.trim();
    let slashed = key
        .find(['.', '/'])
        .is_some_and(|i| key.as_bytes()[i] == b'/');
    let (sep, other) = if slashed { ('/', '.') } else { ('.', '/') };
    let clean = !key.is_empty()
        && !key.starts_with(sep)
        && !key.ends_with(sep)
        && !key.contains(if slashed { "//" } else { ".." });
    if !slashed && clean {
        return Some(Cow::Borrowed(key));
    }
    let mut out = String::with_capacity(key.len());
    for segment in key.split(sep).filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push('.');
        }
        out.extend(segment.chars().map(|c| if c == other { '/' } else { c }));
    }
    (!out.is_empty()).then_some(Cow::Owned(out))
}

/// True if the key contains glob characters (procps and systemd expand them against /proc/sys).
pub fn is_glob(key: &str) -> bool {
    key.contains(['*', '?', '['])
}

/// True if current kernels have this key (dotted or slashed form), possibly depending on
/// kernel options, loaded modules or interfaces.
pub fn is_known(key: &str) -> bool {
    status(key) == KeyStatus::Present
}

/// What Linux makes of a key (dotted or slashed form).
pub fn status(key: &str) -> KeyStatus {
    let Some(key) = normalize(key) else {
        return KeyStatus::Unknown;
    };
    let t = table();
    if let Some(s) = t.entries.get(key.as_ref()) {
        return *s;
    }
    if !t.has_patterns {
        return KeyStatus::Unknown;
    }
    let segments: Vec<&str> = key.split('.').collect();
    let n = segments.len();
    let with_stars = |stars: &[usize]| {
        let mut s = String::with_capacity(key.len());
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(if stars.contains(&i) { "*" } else { seg });
        }
        s
    };
    for i in 0..n {
        if let Some(s) = t.entries.get(with_stars(&[i]).as_str()) {
            return *s;
        }
    }
    if n <= 12 {
        for i in 0..n {
            for j in i + 1..n {
                if let Some(s) = t.entries.get(with_stars(&[i, j]).as_str()) {
                    return *s;
                }
            }
        }
    }
    KeyStatus::Unknown
}

/// Why a well-known key does not (or no longer) exist, for keys that circulate in old tuning
/// guides.
pub fn removed_reason(key: &str) -> Option<&'static str> {
    let key = normalize(key)?;
    let key = key.as_ref();
    if key.contains("transparent_hugepage") {
        return Some("Transparent Huge Pages are not a sysctl: they live in sysfs (`/sys/kernel/mm/transparent_hugepage/enabled`), set by the kernel command line `transparent_hugepage=never` or a boot-time unit");
    }
    Some(match key {
        "net.ipv4.tcp_tw_recycle" => "`net.ipv4.tcp_tw_recycle` was removed in Linux 4.12 (it broke clients behind NAT)",
        "kernel.exec-shield" => "`kernel.exec-shield` existed only in Red Hat's patched 2.6 kernels; address-space randomisation is `kernel.randomize_va_space`",
        "kernel.sched_latency_ns"
        | "kernel.sched_min_granularity_ns"
        | "kernel.sched_wakeup_granularity_ns"
        | "kernel.sched_migration_cost_ns"
        | "kernel.sched_nr_migrate"
        | "kernel.sched_tunable_scaling" => {
            "the CFS tunables moved from /proc/sys to debugfs (`/sys/kernel/debug/sched/`) in Linux 5.13"
        }
        _ if key.starts_with("net.ipv4.netfilter.ip_conntrack_") => {
            "the `ip_conntrack` compatibility names were removed in Linux 4.9; today's keys are `net.netfilter.nf_conntrack_*`"
        }
        _ => return None,
    })
}

/// A known key close to an unknown one, for "did you mean". Bounded work: only keys whose
/// length is within the edit budget are compared, each with an early-exit edit distance.
pub fn suggest(key: &str) -> Option<&'static str> {
    let t = table();
    let raw = key.trim();
    // `sysctl -w net.core.rmem_default = 1`: a command pasted into the file.
    if let Some(last) = raw
        .split_whitespace()
        .last()
        .filter(|_| raw.contains(char::is_whitespace))
    {
        if let Some(k) = normalize(last)
            .as_deref()
            .and_then(|k| t.entries.get_key_value(k))
        {
            if *k.1 == KeyStatus::Present {
                return Some(k.0);
            }
        }
    }
    let key = normalize(raw)?;
    let key = key.as_ref();
    if let Some(rest) = key.strip_prefix("net.ipv4.netfilter.ip_conntrack_") {
        let modern = format!("net.netfilter.nf_conntrack_{rest}");
        if let Some((k, KeyStatus::Present)) = t.entries.get_key_value(modern.as_str()) {
            return Some(k);
        }
    }
    // A bare last segment (`kptr_restrict`): the one key ending in it.
    if !key.contains('.') {
        if let Some([only]) = t.by_last.get(key).map(Vec::as_slice) {
            return Some(only);
        }
    }
    let budget = match key.chars().count() {
        0..=10 => 1,
        11..=20 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'static str)> = None;
    for len in key.len().saturating_sub(budget)..=key.len() + budget {
        for candidate in t.by_len.get(&len).into_iter().flatten() {
            let limit = best.map_or(budget, |(d, _)| d);
            if let Some(d) = edit_distance(key, candidate, limit) {
                if best.is_none_or(|(bd, bk)| d < bd || d == bd && *candidate < bk) {
                    best = Some((d, candidate));
                }
            }
        }
    }
    best.map(|(_, k)| k)
}

/// Levenshtein distance over bytes, or `None` when it exceeds `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_slashed_keys_normalise_alike() {
        assert_eq!(
            normalize("net.core.somaxconn").as_deref(),
            Some("net.core.somaxconn")
        );
        assert_eq!(
            normalize("net/core/somaxconn").as_deref(),
            Some("net.core.somaxconn")
        );
        assert_eq!(
            normalize("/net/core/somaxconn/").as_deref(),
            Some("net.core.somaxconn")
        );
        assert_eq!(
            normalize("net..core.somaxconn").as_deref(),
            Some("net.core.somaxconn")
        );
        // In a slashed key a dot is part of a name; in a dotted key a slash is.
        assert_eq!(
            normalize("net/ipv4/conf/eth0.100/forwarding").as_deref(),
            Some("net.ipv4.conf.eth0/100.forwarding")
        );
        assert_eq!(
            normalize("net.ipv4.conf.eth0/100.forwarding").as_deref(),
            Some("net.ipv4.conf.eth0/100.forwarding")
        );
        assert_eq!(normalize("  "), None);
        assert_eq!(normalize("/"), None);
    }

    #[test]
    fn known_keys_from_both_lists_and_both_spellings() {
        assert!(is_known("net.core.somaxconn"));
        assert!(is_known("net/core/somaxconn"));
        assert!(is_known("vm.overcommit_memory"));
        assert!(is_known("fs.file-max"));
        assert!(is_known("kernel.sysrq"), "from the extra list");
        assert!(is_known("kernel.yama.ptrace_scope"));
        assert!(!is_known("vm.nonexistent_xyz"));
        assert!(!is_known("kernel.mm.transparent_hugepage.enabled"));
        assert!(!is_known("net.ipv4.tcp_tw_recycle"));
        assert!(
            !is_known("net/core.somaxconn"),
            "slashed: `core.somaxconn` is one name"
        );
        assert!(!is_known(""));
        assert!(!kernel_release().is_empty());
    }

    #[test]
    fn interface_segments_are_wildcards() {
        assert!(is_known("net.ipv4.conf.eno1.rp_filter"));
        assert!(is_known("net/ipv4/conf/enp3s0/accept_source_route"));
        assert!(is_known("net.ipv6.conf.wlan0.disable_ipv6"));
        assert!(is_known("net.ipv4.conf.eth0/100.forwarding"));
        assert!(is_known("net.ipv4.neigh.bond0.gc_stale_time"));
        assert!(!is_known("net.ipv4.conf.eno1.no_such_setting"));
        assert!(!is_known("net.ipv4.conf.rp_filter"));
    }

    #[test]
    fn suggestions_are_close_known_keys() {
        assert_eq!(suggest("net.core.somaxcon"), Some("net.core.somaxconn"));
        assert_eq!(suggest("vm.overcomit_memory"), Some("vm.overcommit_memory"));
        assert_eq!(
            suggest("sysctl -w net.core.rmem_default"),
            Some("net.core.rmem_default")
        );
        assert_eq!(suggest("kptr_restrict"), Some("kernel.kptr_restrict"));
        assert_eq!(
            suggest("net.ipv4.netfilter.ip_conntrack_max"),
            Some("net.netfilter.nf_conntrack_max")
        );
        assert_eq!(suggest("completely.unrelated.thing.here"), None);
        assert_eq!(suggest(""), None);
    }

    #[test]
    fn removed_and_distribution_keys_are_not_typos() {
        assert_eq!(
            status("net.ipv4.tcp_tw_recycle"),
            KeyStatus::Removed("4.12")
        );
        assert_eq!(
            status("net/ipv4/netfilter/ip_conntrack_max"),
            KeyStatus::Removed("4.9")
        );
        assert_eq!(
            status("kernel.sched_latency_ns"),
            KeyStatus::Removed("5.13")
        );
        assert_eq!(
            status("kernel.unprivileged_userns_clone"),
            KeyStatus::Distro("debian-ubuntu")
        );
        assert_eq!(status("net.core.somaxconn"), KeyStatus::Present);
        assert_eq!(status("kernel.sysrq"), KeyStatus::Present);
        assert_eq!(status("net.ipv4.tcp_nodelay"), KeyStatus::Unknown);
        assert_eq!(status(""), KeyStatus::Unknown);
    }

    #[test]
    fn removed_keys_explain_themselves() {
        assert!(removed_reason("net.ipv4.tcp_tw_recycle").is_some_and(|r| r.contains("4.12")));
        assert!(removed_reason("kernel.mm.transparent_hugepage.enabled")
            .is_some_and(|r| r.contains("sysfs")));
        assert!(removed_reason("net.core.somaxconn").is_none());
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("", "", 0), Some(0));
    }
}

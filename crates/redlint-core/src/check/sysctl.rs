//! Lines of sysctl files that procps `sysctl -p` and systemd-sysctl cannot apply: lines that
//! are not assignments (RL040), keys the kernel does not have (RL041), and values the kernel
//! refuses for a few numeric keys Redis depends on (RL042).
//!
//! None of these stop Redis, so none is fatal; they are errors because the intended kernel
//! setting is silently not made (and systemd-sysctl.service fails for RL040 and RL042).

use super::{Context, Diagnostic};
use crate::finding::Severity;
use crate::knowledge::sysctl_keys::{self, KeyStatus};
use crate::model::Kind;
use crate::rules;
use crate::syntax::sysctl::{SysctlLine, SysctlLineKind};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Sysctl {
            continue;
        }
        let Some(doc) = f.sysctl() else { continue };
        let bytes = &f.source.bytes;
        for line in &doc.lines {
            match line.kind {
                SysctlLineKind::NotAssignment => {
                    // `-key` without `=` excludes a key from glob assignments: valid.
                    if bytes[line.content.range()].starts_with(b"-") {
                        continue;
                    }
                    out.push(not_assignment(id, line, bytes));
                }
                SysctlLineKind::Assignment => {
                    let key = String::from_utf8_lossy(&bytes[line.key.range()]);
                    if sysctl_keys::normalize(&key).is_none() {
                        out.push(
                            Diagnostic::new(
                                &rules::SYSCTL_NOT_ASSIGNMENT,
                                id,
                                line.content,
                                "assignment without a key: `sysctl -p` and systemd-sysctl cannot apply it",
                            )
                            .help("write `key = value`, e.g. `vm.overcommit_memory = 1`"),
                        );
                        continue;
                    }
                    if sysctl_keys::is_glob(&key) {
                        continue;
                    }
                    let status = sysctl_keys::status(&key);
                    if status != KeyStatus::Present {
                        out.push(unknown_key(id, line, &key, status));
                        continue;
                    }
                    let value = String::from_utf8_lossy(&bytes[line.value.range()]);
                    if let Some(d) = invalid_value(id, line, &key, &value) {
                        out.push(d);
                    }
                }
                SysctlLineKind::Blank | SysctlLineKind::Comment => {}
            }
        }
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

fn not_assignment(id: crate::model::FileId, line: &SysctlLine, bytes: &[u8]) -> Diagnostic {
    let text = String::from_utf8_lossy(&bytes[line.content.range()]);
    let help = if text.contains("transparent_hugepage") {
        "Transparent Huge Pages are not a sysctl: set `transparent_hugepage=never` on the kernel command line, or write `never` to /sys/kernel/mm/transparent_hugepage/enabled from a boot-time unit; Redis 7.0's `disable-thp yes` (the default) already turns THP off for redis-server"
    } else if text.trim_start().starts_with("sysctl ") {
        "write the setting itself (`key = value`), not the command that sets it"
    } else {
        "write `key = value` (e.g. `vm.overcommit_memory = 1`), or make the line a comment with `#`"
    };
    Diagnostic::new(
        &rules::SYSCTL_NOT_ASSIGNMENT,
        id,
        line.content,
        format!(
            "`{}` is not a `key = value` assignment: `sysctl -p` skips it (`invalid syntax, continuing...`), and systemd-sysctl ignores it and then fails (`Line is not an assignment`)",
            shorten(&text)
        ),
    )
    .help(help)
    .group(line_group(id, line.content))
}

/// The group key of one sysctl line: findings on the same line (not an assignment, and THP
/// written as a shell command) are one problem.
pub(super) fn line_group(id: crate::model::FileId, content: crate::source::Span) -> String {
    format!("sysctl-line:{}:{}", id.0, content.start)
}

fn unknown_key(
    id: crate::model::FileId,
    line: &SysctlLine,
    key: &str,
    status: KeyStatus,
) -> Diagnostic {
    let dotted = sysctl_keys::normalize(key)
        .map(|k| k.into_owned())
        .unwrap_or_default();
    let path = format!(
        "/proc/sys/{}",
        dotted
            .replace('.', "\u{0}")
            .replace('/', ".")
            .replace('\u{0}', "/")
    );
    let consequence = if line.ignore_errors {
        "nothing is set (the `-` prefix makes systemd-sysctl skip it quietly; `sysctl -p` still reports `cannot stat`)"
    } else {
        "nothing is set (`sysctl -p` fails with `cannot stat`; systemd-sysctl logs it and carries on)"
    };
    let (key, path) = (shorten(key), shorten(&path));
    let message = match status {
        KeyStatus::Removed(version) => format!(
            "sysctl key `{key}` was removed in Linux {version}: current kernels have no `{path}`, so {consequence}"
        ),
        KeyStatus::Distro(distro) => format!(
            "sysctl key `{key}` exists only in {distro} kernels (a distribution patch): elsewhere there is no `{path}` and nothing is set"
        ),
        _ => format!("unknown sysctl key `{key}`: the kernel has no `{path}`, so {consequence}"),
    };
    let mut d = Diagnostic::new(&rules::SYSCTL_UNKNOWN_KEY, id, line.key, message);
    if line.ignore_errors || matches!(status, KeyStatus::Distro(_)) {
        d = d.severity(Severity::Info);
    }
    let help = match (sysctl_keys::removed_reason(&key), sysctl_keys::suggest(&key)) {
        (Some(reason), Some(s)) => format!("{reason}; did you mean `{s}`?"),
        (Some(reason), None) => format!("{reason}; remove the line"),
        (None, _) if matches!(status, KeyStatus::Removed(_)) => "remove the line".to_string(),
        (None, _) if matches!(status, KeyStatus::Distro(_)) => {
            "keep it only if every target host runs that distribution's kernel".to_string()
        }
        (None, Some(s)) if key.contains(char::is_whitespace) => {
            format!("write the setting itself: `{s} = …`")
        }
        (None, Some(s)) => format!("did you mean `{s}`?"),
        (None, None) => "check the name with `sysctl -a` on the target host (keys of modules that are not loaded are missing too)".to_string(),
    };
    d.help(help)
}

/// Integer sysctls that matter to Redis, with the range their kernel handler enforces.
const NUMERIC: &[(&str, i128, i128, &str)] = &[
    ("vm.overcommit_memory", 0, 2, "0, 1 or 2"),
    ("vm.swappiness", 0, 200, "0 to 200"),
    ("net.core.somaxconn", 0, i32::MAX as i128, "0 to 2147483647"),
    ("vm.max_map_count", 0, i32::MAX as i128, "0 to 2147483647"),
    (
        "net.ipv4.tcp_max_syn_backlog",
        i32::MIN as i128,
        i32::MAX as i128,
        "a 32-bit integer",
    ),
    // proc_doulongvec_minmax skips negative values silently, so only the upper end is refused.
    (
        "fs.file-max",
        i128::MIN,
        i64::MAX as i128,
        "0 to 9223372036854775807",
    ),
];

fn invalid_value(
    id: crate::model::FileId,
    line: &SysctlLine,
    key: &str,
    value: &str,
) -> Option<Diagnostic> {
    let dotted = sysctl_keys::normalize(key)?;
    let (name, min, max, accepted) = NUMERIC.iter().find(|(k, ..)| *k == dotted.as_ref())?;
    // The kernel reads the first number (base 0, like strtoul) up to a space, TAB or newline.
    let first = value.split([' ', '\t']).next().unwrap_or("");
    if first.is_empty() {
        return None;
    }
    match kernel_integer(first) {
        Some(n) if (*min..=*max).contains(&n) => None,
        _ => Some(
            Diagnostic::new(
                &rules::SYSCTL_INVALID_VALUE,
                id,
                line.value,
                format!(
                    "`{name}` takes {accepted}, not `{}`: the kernel refuses the write (`Invalid argument`) and keeps its current value",
                    shorten(first)
                ),
            )
            .help(if *name == "vm.overcommit_memory" {
                "Redis wants `vm.overcommit_memory = 1` (always allow), so that background saves do not fail under memory pressure".to_string()
            } else {
                format!("give {accepted}")
            }),
        ),
    }
}

/// A number as the kernel's `proc_get_long` reads it: optional `-`, then `strtoul` base 0
/// (`0x` hex, leading `0` octal, else decimal), and nothing after it.
fn kernel_integer(s: &str) -> Option<i128> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (radix, body) = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, hex)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    Some(if negative {
        -(magnitude as i128)
    } else {
        magnitude as i128
    })
}

#[cfg(test)]
mod tests {
    use super::kernel_integer;
    use crate::fs::MemoryFs;
    use crate::{Finding, Input, Kind, Options, Severity};

    fn lint(text: &str) -> Vec<Finding> {
        let path = "/etc/sysctl.d/99-redis.conf";
        let input = Input {
            path: path.to_string(),
            host_path: Some(path.to_string()),
            bytes: text.as_bytes().to_vec(),
            kind: Kind::Sysctl,
        };
        // Only this family's findings (the kernel and THP rules RL103/RL70x read these too).
        crate::check(vec![input], &MemoryFs::new(), &Options::default())
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL04"))
            .collect()
    }

    fn summary(findings: &[Finding]) -> Vec<(u32, &str, Severity)> {
        findings
            .iter()
            .map(|f| (f.line, f.code, f.severity))
            .collect()
    }

    #[test]
    fn seed_sysctl_conf_shell_lines_are_not_assignments() {
        // tests/fixtures/seed/bare-metal/etc/sysctl.conf, verbatim.
        let seed = "\n# Redis 优化参数\n# 内存过量使用处理\nvm.overcommit_memory = 1\n\n# 禁用透明大页\necho never > /sys/kernel/mm/transparent_hugepage/enabled\necho never > /sys/kernel/mm/transparent_hugepage/defrag\n\n# 网络优化\nnet.core.somaxconn = 65535\nnet.ipv4.tcp_max_syn_backlog = 65535\n\n# 文件描述符限制\nfs.file-max = 100000\n";
        let findings = lint(seed);
        assert_eq!(
            summary(&findings),
            [(7, "RL040", Severity::Error), (8, "RL040", Severity::Error)]
        );
        assert!(findings.iter().all(|f| !f.fatal && f.column == 1));
        assert!(findings[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("transparent_hugepage=never")));
    }

    #[test]
    fn unknown_removed_and_distribution_keys() {
        let findings = lint(
            "kernel.mm.transparent_hugepage.enabled = never\n\
             -vm.nonexistent_xyz = 1\n\
             net.ipv4.tcp_tw_recycle = 1\n\
             kernel.unprivileged_userns_clone = 0\n\
             net.core.somaxcon = 1024\n\
             sysctl -w net.core.rmem_max=1\n\
             net/core/somaxconn = 1024\n\
             net.ipv4.conf.eno1.rp_filter = 1\n\
             net.ipv4.conf.*.rp_filter = 2\n\
             -net.ipv4.conf.lo.rp_filter\n\
             ; comment\n",
        );
        assert_eq!(
            summary(&findings),
            [
                (1, "RL041", Severity::Error),
                (2, "RL041", Severity::Info),
                (3, "RL041", Severity::Error),
                (4, "RL041", Severity::Info),
                (5, "RL041", Severity::Error),
                (6, "RL041", Severity::Error),
            ]
        );
        let help = |i: usize| findings[i].help.clone().unwrap_or_default();
        assert!(help(0).contains("sysfs"));
        assert!(findings[2].message.contains("removed in Linux 4.12"));
        assert!(help(4).contains("`net.core.somaxconn`"));
        assert!(help(5).contains("`net.core.rmem_max = …`"));
        assert!(findings.iter().all(|f| !f.fatal));
    }

    #[test]
    fn invalid_values_of_numeric_keys() {
        let findings = lint(
            "vm.overcommit_memory = always\n\
             vm.overcommit_memory = 3\n\
             vm.overcommit_memory = 1\n\
             vm.overcommit_memory = 1 # trailing text is not judged here\n\
             vm.swappiness = 201\n\
             vm.swappiness = 0x10\n\
             net.core.somaxconn = -1\n\
             net.core.somaxconn = 4294967296\n\
             net.ipv4.tcp_max_syn_backlog = -5\n\
             fs.file-max = 9223372036854775808\n\
             fs.file-max = -1\n\
             vm.max_map_count = $MAPS\n\
             vm.swappiness =\n",
        );
        let lines: Vec<u32> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 2, 5, 7, 8, 10, 12]);
        assert!(findings.iter().all(|f| f.code == "RL042" && !f.fatal));
        assert!(findings[0].message.contains("`always`"));
    }

    #[test]
    fn not_assignment_variants() {
        let findings =
            lint("= 1\necho 1 > /proc/sys/vm/overcommit_memory\n-net.ipv4.conf.all.rp_filter\n");
        assert_eq!(
            summary(&findings),
            [(1, "RL040", Severity::Error), (2, "RL040", Severity::Error)]
        );
    }

    #[test]
    fn kernel_integers() {
        assert_eq!(kernel_integer("1"), Some(1));
        assert_eq!(kernel_integer("0x10"), Some(16));
        assert_eq!(kernel_integer("010"), Some(8));
        assert_eq!(kernel_integer("-5"), Some(-5));
        assert_eq!(kernel_integer("08"), None);
        assert_eq!(kernel_integer("always"), None);
        assert_eq!(kernel_integer("1#x"), None);
        assert_eq!(kernel_integer("-"), None);
        assert_eq!(kernel_integer("0"), Some(0));
    }
}

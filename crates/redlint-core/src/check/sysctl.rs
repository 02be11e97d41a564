//! Lines of sysctl files that procps `sysctl -p` and systemd-sysctl cannot apply: lines that
//! are not assignments (RL040), keys the kernel does not have (RL041), and values the kernel
//! refuses for a few numeric keys Redis depends on (RL042).
//!
//! None of these stop Redis, so none is fatal; they are errors because the intended kernel
//! setting is silently not made (and systemd-sysctl.service fails for RL040 and RL042).

use super::{Context, Diagnostic};
use crate::finding::Severity;
use crate::knowledge::sysctl_keys;
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
                    if !sysctl_keys::is_known(&key) {
                        out.push(unknown_key(id, line, &key));
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
}

fn unknown_key(id: crate::model::FileId, line: &SysctlLine, key: &str) -> Diagnostic {
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
    let mut d = Diagnostic::new(
        &rules::SYSCTL_UNKNOWN_KEY,
        id,
        line.key,
        format!(
            "unknown sysctl key `{}`: the kernel has no `{}`, so {consequence}",
            shorten(key),
            shorten(&path)
        ),
    );
    if line.ignore_errors {
        d = d.severity(Severity::Info);
    }
    let help = match (sysctl_keys::removed_reason(key), sysctl_keys::suggest(key)) {
        (Some(reason), Some(s)) => format!("{reason}; did you mean `{s}`?"),
        (Some(reason), None) => format!("{reason}; remove the line"),
        (None, Some(s)) if key.contains(char::is_whitespace) => format!("write the setting itself: `{s} = …`"),
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

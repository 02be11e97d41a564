//! Every row of the seed table (tests/fixtures/seed/README.md, "the real mistakes") is
//! reported at its line, with the rule that names the mistake. Each seed folder is checked as
//! a host root, like `redlint check --root DIR DIR`.

use redlint_core::{Finding, Options};
use redlint_tests::host::{check_root, seed};

/// (folder, file inside it, line, rule): one entry per line a row names.
const ROWS: &[(&str, &str, u32, &str)] = &[
    // bind with CIDR ranges (FATAL)
    ("bare-metal", "etc/redis/redis.conf", 5, "RL007"),
    // daemonize yes vs supervised systemd
    ("bare-metal", "etc/redis/redis.conf", 21, "RL201"),
    // requirepass silently replaced by the ACL file's default user; guessable password
    ("bare-metal", "etc/redis/redis.conf", 46, "RL202"),
    ("bare-metal", "etc/redis/redis.conf", 46, "RL401"),
    // 7.0 renames
    ("bare-metal", "etc/redis/redis.conf", 77, "RL801"),
    ("bare-metal", "etc/redis/redis.conf", 90, "RL801"),
    ("bare-metal", "etc/redis/redis.conf", 91, "RL801"),
    ("bare-metal", "etc/redis/redis.conf", 92, "RL801"),
    ("bare-metal", "etc/redis/redis.conf", 95, "RL801"),
    ("bare-metal", "etc/redis/redis.conf", 96, "RL801"),
    // comment lines in the ACL file (FATAL)
    ("bare-metal", "etc/redis/users.acl", 1, "RL020"),
    ("bare-metal", "etc/redis/users.acl", 3, "RL020"),
    ("bare-metal", "etc/redis/users.acl", 6, "RL020"),
    ("bare-metal", "etc/redis/users.acl", 9, "RL020"),
    ("bare-metal", "etc/redis/users.acl", 12, "RL020"),
    // +@sorted_set (FATAL); weak password. Not RL404: the Sentinels' `auth-pass` as `monitor`
    // is `default`'s password, but `monitor`'s own password differs, so nothing is shared
    // between users: the Sentinels' login fails (RL602, rows below).
    ("bare-metal", "etc/redis/users.acl", 4, "RL022"),
    ("bare-metal", "etc/redis/users.acl", 4, "RL401"),
    // rules made redundant by `-@all … +@read +@write`; a broad default user
    ("bare-metal", "etc/redis/users.acl", 4, "RL505"),
    ("bare-metal", "etc/redis/users.acl", 4, "RL501"),
    // the app user has no channel permission for its pub/sub
    ("bare-metal", "etc/redis/users.acl", 7, "RL506"),
    // the "read-only" monitor user can CONFIG SET and CLIENT KILL
    ("bare-metal", "etc/redis/users.acl", 10, "RL502"),
    // weak, patterned passwords in plain text
    ("bare-metal", "etc/redis/users.acl", 4, "RL405"),
    ("bare-metal", "etc/redis/users.acl", 7, "RL401"),
    ("bare-metal", "etc/redis/users.acl", 7, "RL405"),
    ("bare-metal", "etc/redis/users.acl", 10, "RL401"),
    ("bare-metal", "etc/redis/users.acl", 10, "RL405"),
    ("bare-metal", "etc/redis/users.acl", 13, "RL401"),
    ("bare-metal", "etc/redis/users.acl", 13, "RL405"),
    // tuning.conf never loaded; contradicts redis.conf
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        1,
        "RL104",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        2,
        "RL104",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        15,
        "RL104",
    ),
    // inline comments (FATAL if loaded); activedefrag on Debian's build
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        7,
        "RL006",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        8,
        "RL006",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        9,
        "RL006",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        19,
        "RL006",
    ),
    (
        "bare-metal",
        "etc/redis/redis.conf.d/tuning.conf",
        19,
        "RL015",
    ),
    // shell commands in sysctl.conf
    ("bare-metal", "etc/sysctl.conf", 7, "RL708"),
    ("bare-metal", "etc/sysctl.conf", 8, "RL708"),
    // limits.d does not apply to systemd services
    ("bare-metal", "etc/security/limits.d/redis.conf", 1, "RL709"),
    ("bare-metal", "etc/security/limits.d/redis.conf", 2, "RL709"),
    // three Sentinels on one host, all on port 26379
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-1.conf",
        2,
        "RL209",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-2.conf",
        2,
        "RL209",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-3.conf",
        2,
        "RL209",
    ),
    // auth-user monitor with the default user's password; monitor lacks Sentinel's commands
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-1.conf",
        8,
        "RL602",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-1.conf",
        19,
        "RL601",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-2.conf",
        8,
        "RL602",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-2.conf",
        19,
        "RL601",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-3.conf",
        8,
        "RL602",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-3.conf",
        19,
        "RL601",
    ),
    // the reconfig script on one Sentinel of three; it must exist (FATAL)
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-1.conf",
        22,
        "RL207",
    ),
    (
        "bare-metal",
        "opt/redis/sentinel/conf/sentinel-1.conf",
        22,
        "RL033",
    ),
    // docker-dev: bind 0.0.0.0 with a placeholder password
    ("docker-dev", "redis.conf", 3, "RL301"),
    ("docker-dev", "redis.conf", 5, "RL402"),
    // docker-opt: bind 0.0.0.0; rename-command CONFIG; logfile inside a container
    ("docker-opt", "opt/redis/conf/redis.conf", 2, "RL301"),
    ("docker-opt", "opt/redis/conf/redis.conf", 22, "RL306"),
    ("docker-opt", "opt/redis/conf/redis.conf", 26, "RL710"),
    // compose-sentinel: hostname without resolve-hostnames (FATAL); placeholder password
    ("compose-sentinel", "sentinel.conf", 3, "RL030"),
    ("compose-sentinel", "sentinel.conf", 7, "RL402"),
    // kubernetes: placeholder password; memory limit 2Gi with no maxmemory
    ("kubernetes", "redis-values.yaml", 4, "RL402"),
    ("kubernetes", "redis-values.yaml", 14, "RL701"),
];

fn listing(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  {}:{} {} {}", f.file, f.line, f.code, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_row_of_the_seed_table_is_reported_at_its_line() {
    let mut missing = Vec::new();
    let mut folders: Vec<&str> = ROWS.iter().map(|r| r.0).collect();
    folders.dedup();
    // The seed folders are host roots, checked as the target host: the table's rows include
    // host state (a Sentinel script missing on the host).
    let on_host = Options {
        on_host: true,
        ..Options::default()
    };
    for folder in folders {
        let findings = check_root(&seed(folder), &on_host);
        for (_, file, line, code) in ROWS.iter().filter(|r| r.0 == folder) {
            // One problem is one finding: a row's rule may be a facet of another rule's
            // finding, or one of the related lines of its own (RL709: one finding per file).
            if !findings.iter().any(|f| {
                f.reports(code, file, *line)
                    || (f.file == *file
                        && f.codes().any(|c| c == *code)
                        && f.related.iter().any(|r| r.file == *file && r.line == *line))
            }) {
                missing.push(format!("{folder}/{file}:{line} {code}"));
            }
        }
        if !missing.is_empty() {
            missing.push(format!("findings in {folder}:\n{}", listing(&findings)));
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}

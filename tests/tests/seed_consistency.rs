//! The seed deployment's cross-file mistakes (tests/fixtures/seed/README.md) are reported at
//! their lines by the consistency rules (RL1xx overrides, RL2xx contradictions, RL7xx host and
//! kernel, RL8xx deprecations), and a hardened configuration gets none of them.

use redlint_core::{Finding, Options};
use redlint_tests::host::{check_root, seed};

/// Check a seed folder as `redlint check --root <folder> <folder>` would.
fn check_seed(name: &str, options: &Options) -> Vec<Finding> {
    check_root(&seed(name), options)
}

fn is_mine(code: &str) -> bool {
    ["RL1", "RL2", "RL7", "RL8"]
        .iter()
        .any(|p| code.starts_with(p))
}

/// Where each rule reports, facets included (one problem is one finding: RL708 is a facet of
/// RL040 on a shell command line).
fn located(findings: &[Finding]) -> Vec<(String, u32, &'static str)> {
    findings
        .iter()
        .flat_map(|f| {
            std::iter::once((f.file.clone(), f.line, f.code))
                .chain(f.facets.iter().map(|x| (x.file.clone(), x.line, x.code)))
        })
        .filter(|(_, _, code)| is_mine(code))
        .collect()
}

#[test]
fn bare_metal_rows_of_the_seed_table() {
    let findings = check_seed("bare-metal", &Options::default());
    let got = located(&findings);
    let expected: &[(&str, u32, &str)] = &[
        // daemonize yes contradicts supervised systemd
        ("etc/redis/redis.conf", 21, "RL201"),
        // requirepass is replaced by the ACL file's default user
        ("etc/redis/redis.conf", 46, "RL202"),
        // 7.0 renames
        ("etc/redis/redis.conf", 77, "RL801"),
        ("etc/redis/redis.conf", 90, "RL801"),
        ("etc/redis/redis.conf", 91, "RL801"),
        ("etc/redis/redis.conf", 92, "RL801"),
        ("etc/redis/redis.conf", 95, "RL801"),
        ("etc/redis/redis.conf", 96, "RL801"),
        // tuning.conf is never loaded; it contradicts maxmemory and timeout
        ("etc/redis/redis.conf.d/tuning.conf", 1, "RL104"),
        ("etc/redis/redis.conf.d/tuning.conf", 2, "RL104"),
        ("etc/redis/redis.conf.d/tuning.conf", 15, "RL104"),
        // THP is not a sysctl
        ("etc/sysctl.conf", 7, "RL708"),
        ("etc/sysctl.conf", 8, "RL708"),
        // limits.d does not reach a systemd service: one finding for the file, its other
        // lines related (checked below)
        ("etc/security/limits.d/redis.conf", 1, "RL709"),
    ];
    let limits = findings.iter().find(|f| f.code == "RL709").expect("RL709");
    let related: Vec<u32> = limits
        .related
        .iter()
        .filter(|r| r.file == "etc/security/limits.d/redis.conf")
        .map(|r| r.line)
        .collect();
    assert_eq!(related, [2, 3, 4, 5, 6]);
    assert_eq!(findings.iter().filter(|f| f.code == "RL709").count(), 1);
    for (file, line, code) in expected {
        assert!(
            got.iter()
                .any(|(f, l, c)| f == file && l == line && c == code),
            "missing {file}:{line} {code}; got {got:#?}"
        );
    }
}

#[test]
fn bare_metal_findings_name_both_lines() {
    let findings = check_seed("bare-metal", &Options::default());
    let find = |file: &str, line: u32, code: &str| {
        findings
            .iter()
            .find(|f| f.file == file && f.line == line && f.code == code)
            .unwrap_or_else(|| panic!("{file}:{line} {code}"))
    };
    let daemonize = find("etc/redis/redis.conf", 21, "RL201");
    assert_eq!(daemonize.related[0].line, 22);
    let fix = daemonize.fix.as_ref().expect("daemonize fix");
    assert_eq!(fix.edits[0].replacement, "no");

    let pass = find("etc/redis/redis.conf", 46, "RL202");
    assert!(pass.related.iter().any(|r| r.line == 110));
    assert!(
        !pass.message.contains("AI_Platform"),
        "secret in message: {}",
        pass.message
    );

    let maxmemory = find("etc/redis/redis.conf.d/tuning.conf", 2, "RL104");
    assert!(maxmemory.message.contains("2gb") && maxmemory.message.contains("4gb"));
    assert_eq!(maxmemory.related[0].line, 56);
    let timeout = find("etc/redis/redis.conf.d/tuning.conf", 15, "RL104");
    assert_eq!(timeout.related[0].line, 9);
    let unloaded = find("etc/redis/redis.conf.d/tuning.conf", 1, "RL104");
    assert!(
        unloaded
            .help
            .as_deref()
            .is_some_and(|h| h.contains("include /etc/redis/redis.conf.d/*.conf")),
        "{:?}",
        unloaded.help
    );

    let limits = find("etc/security/limits.d/redis.conf", 1, "RL709");
    assert!(limits.message.contains("LimitNOFILE=65535"));
    assert_eq!(
        limits.related[0].file,
        "etc/systemd/system/redis-server.service.d/override.conf"
    );

    let rename = find("etc/redis/redis.conf", 77, "RL801");
    assert_eq!(
        rename.fix.as_ref().expect("rename fix").edits[0].replacement,
        "busy-reply-threshold"
    );
}

#[test]
fn other_seed_deployments() {
    // docker-dev / docker-opt: maxmemory is set and AOF is on; nothing of these families
    // applies without host facts, except that 1gb on a 1 GiB container cannot work.
    let mut options = Options::default();
    options.host.memory = Some(1 << 30);
    let got = located(&check_seed("docker-dev", &options));
    assert!(
        got.iter()
            .any(|(f, l, c)| f == "redis.conf" && *l == 14 && *c == "RL702"),
        "{got:#?}"
    );
}

#[test]
fn a_hardened_config_gets_none_of_these_findings() {
    let dir = std::env::temp_dir().join(format!("redlint-hardened-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let put = |p: &str, text: &str| {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    put(
        "etc/redis/redis.conf",
        "bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\ntcp-backlog 511\ntimeout 0\n\
         daemonize no\nsupervised systemd\npidfile /run/redis/redis-server.pid\n\
         loglevel notice\nlogfile /var/log/redis/redis-server.log\n\
         save 3600 1 300 100 60 10000\ndir /var/lib/redis\n\
         aclfile /etc/redis/users.acl\nmaxclients 10000\nmaxmemory 2gb\n\
         maxmemory-policy noeviction\nappendonly yes\nappendfsync everysec\n\
         busy-reply-threshold 5000\nhash-max-listpack-entries 512\n\
         include /etc/redis/redis.conf.d/*.conf\n",
    );
    put("etc/redis/redis.conf.d/local.conf", "slowlog-max-len 256\n");
    put(
        "etc/redis/users.acl",
        "user default on #42cec6fdf6f9def5f1dda187f466c57bfb6d1206741c898a7e8a76ba7b0f4112 ~* &* +@all\n",
    );
    put(
        "etc/sysctl.d/99-redis.conf",
        "vm.overcommit_memory = 1\nnet.core.somaxconn = 1024\n",
    );
    put(
        "etc/systemd/system/redis-server.service.d/override.conf",
        "[Service]\nLimitNOFILE=65535\n",
    );
    let mut options = Options::default();
    options.host.memory = Some(4 << 30);
    options.host.cpus = Some(4);
    let findings = check_root(&dir, &options);
    let _ = std::fs::remove_dir_all(&dir);
    let mine: Vec<_> = findings.iter().filter(|f| is_mine(f.code)).collect();
    assert!(mine.is_empty(), "{mine:#?}");
}

//! The seed deployment's exposure and password mistakes are reported on the right lines by the
//! security families (RL3xx, RL4xx), and a hardened deployment gets none of them.
//!
//! Each seed folder is a host's filesystem root; it is checked the way `redlint check --root`
//! does: every file with a known kind is an input, and references resolve inside the folder.

use redlint_core::fs::MemoryFs;
use redlint_core::security::credentials;
use redlint_core::{check, Finding, Input, Kind, Options};
use redlint_tests::host::{check_root, seed};

/// Check one seed folder as a host root; findings of the security families only.
/// Each rule on its own (no folding into one finding per problem): the rows are per rule.
fn check_folder(folder: &str) -> Vec<Finding> {
    let options = Options {
        ungrouped: true,
        ..Options::default()
    };
    check_root(&seed(folder), &options)
        .into_iter()
        .filter(|f| f.code.starts_with("RL3") || f.code.starts_with("RL4"))
        .collect()
}

fn has(findings: &[Finding], file: &str, line: u32, code: &str) -> bool {
    findings
        .iter()
        .any(|f| f.file == file && f.line == line && f.code == code)
}

fn listing(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {} {} {}",
                f.file,
                f.line,
                f.code,
                f.severity.as_str(),
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every password written in the seed: none may appear in any message.
const SEED_PASSWORDS: &[&str] = &[
    "AI_Platform_Redis_2024_Secure",
    "AI_Platform_App_Redis_2024",
    "Monitor_Redis_2024",
    "Admin_Redis_2024",
    "AI_Platform_Redis_2024_Docker",
    "AI_Platform_Sentinel_2024",
    "changeThisToSecurePassword",
];

fn assert_safe(findings: &[Finding]) {
    for f in findings {
        assert!(!f.fatal, "Redis starts despite {}: {}", f.code, f.message);
        for pw in SEED_PASSWORDS {
            let mut texts = vec![f.message.as_str()];
            texts.extend(f.help.as_deref());
            texts.extend(f.related.iter().map(|r| r.message.as_str()));
            assert!(
                texts.iter().all(|t| !t.contains(pw)),
                "{} shows a password: {}",
                f.code,
                f.message
            );
        }
    }
}

#[test]
fn bare_metal_passwords() {
    let f = check_folder("bare-metal");
    let all = listing(&f);
    assert_safe(&f);
    let conf = "etc/redis/redis.conf";
    let acl = "etc/redis/users.acl";
    // A product-name + year password. The Sentinels send it as `auth-pass` for user
    // `monitor`, whose own password differs: their login fails (RL602), but no user shares a
    // password with another, so no RL404.
    assert!(has(&f, conf, 46, "RL401"), "{all}");
    assert!(!has(&f, conf, 46, "RL404"), "{all}");
    assert!(!has(&f, acl, 4, "RL404"), "{all}");
    for line in [4, 7, 10, 13] {
        assert!(has(&f, acl, line, "RL401"), "users.acl:{line}\n{all}");
        assert!(has(&f, acl, line, "RL405"), "users.acl:{line}\n{all}");
    }
    let weak = f
        .iter()
        .find(|x| x.file == conf && x.line == 46 && x.code == "RL401")
        .expect("RL401");
    assert_eq!(weak.severity.as_str(), "error");
    assert!(weak.message.contains("a year"), "{}", weak.message);
    // ... and Redis does not even use it: the ACL file's `default` user wins.
    assert!(weak.related.iter().any(|r| r.file == conf && r.line == 110));
    // The plain-text passwords can be replaced by their hashes (unsafe fix).
    let fix = f
        .iter()
        .find(|x| x.file == acl && x.line == 4 && x.code == "RL405")
        .and_then(|x| x.fix.as_ref())
        .expect("RL405 fix");
    assert_eq!(fix.edits.len(), 1);
    // `bind` with CIDR ranges only listens on 127.0.0.1 (and Redis aborts anyway): the
    // server is not reported as exposed.
    assert!(
        !f.iter().any(|x| x.file == conf && x.code == "RL301"),
        "{all}"
    );
    // tuning.conf is a drop-in nothing includes: no finding from Redis' defaults there.
    assert!(!f.iter().any(|x| x.file.ends_with("tuning.conf")), "{all}");
    // The Sentinels have a password but listen on every interface (no `bind`).
    assert!(f.iter().any(|x| x.file.ends_with("sentinel-1.conf")
        && x.code == "RL301"
        && x.severity.as_str() == "warning"));
}

#[test]
fn docker_dev_binds_everything_with_a_placeholder() {
    let f = check_folder("docker-dev");
    let all = listing(&f);
    assert_safe(&f);
    assert!(has(&f, "redis.conf", 3, "RL301"), "{all}");
    assert!(has(&f, "redis.conf", 5, "RL402"), "{all}");
    let p = f.iter().find(|x| x.code == "RL402").expect("placeholder");
    assert_eq!(p.severity.as_str(), "error");
    assert!(p.message.contains("placeholder"), "{}", p.message);
}

#[test]
fn docker_opt_binds_everything_and_renames_config() {
    let f = check_folder("docker-opt");
    let all = listing(&f);
    assert_safe(&f);
    let conf = "opt/redis/conf/redis.conf";
    assert!(has(&f, conf, 2, "RL301"), "{all}");
    assert!(has(&f, conf, 5, "RL401"), "{all}");
    assert!(has(&f, conf, 22, "RL306"), "{all}");
    let rename = f
        .iter()
        .find(|x| x.line == 22 && x.code == "RL306")
        .expect("RL306");
    assert_eq!(rename.severity.as_str(), "warning");
    // Removing commands (FLUSHALL, FLUSHDB, DEBUG) is the lesser problem.
    for line in [19, 20, 21] {
        assert!(
            f.iter()
                .any(|x| x.line == line && x.code == "RL306" && x.severity.as_str() == "info"),
            "{all}"
        );
    }
}

#[test]
fn compose_sentinel_placeholder_and_open_sentinel() {
    let f = check_folder("compose-sentinel");
    let all = listing(&f);
    assert_safe(&f);
    assert!(has(&f, "sentinel.conf", 7, "RL402"), "{all}");
    // No `bind`, no password, and Sentinel's protected mode is off by default.
    assert!(
        f.iter()
            .any(|x| x.code == "RL303" && x.severity.as_str() == "error"),
        "{all}"
    );
}

#[test]
fn hardened_deployment_gets_no_security_finding() {
    let app = "0d1f1c3e9a5b7c2d4e6f8a0b1c3d5e7f9a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d";
    let admin = "Vq7#Lr2!xK9@mZ4$wR8^tN6&pB3*hJ5";
    let repl = "e4c2a0f8d6b4e2c0a8f6d4b2e0c8a6f4d2b0e8c6a4f2d0b8e6c4a2f0d8b6e4c2";
    let sentinel_pw = "Qm3$Zt8!Wd5@Hc1#Ky6%Nf9^Lp2&Rx7";
    let hash = |s: &str| credentials::hex(&credentials::sha256(s.as_bytes()));
    let redis = format!(
        "bind 127.0.0.1 -::1 10.0.4.7\nprotected-mode yes\nport 0\ntls-port 6379\ntls-cert-file /etc/redis/tls/redis.crt\ntls-key-file /etc/redis/tls/redis.key\ntls-ca-cert-file /etc/redis/tls/ca.crt\ntls-replication yes\nmasteruser replicator\nmasterauth {repl}\naclfile /etc/redis/users.acl\nenable-debug-command no\nenable-module-command local\n"
    );
    let acl = format!(
        "user default off\nuser admin on #{} ~* &* +@all\nuser app on #{} ~app:* &app:* +@read +@write -@dangerous\nuser replicator on #{} +psync +replconf +ping\n",
        hash(admin),
        hash(app),
        hash(repl)
    );
    let sentinel = format!(
        "bind 10.0.4.7\nport 0\ntls-port 26379\ntls-cert-file /etc/redis/tls/redis.crt\ntls-key-file /etc/redis/tls/redis.key\ntls-ca-cert-file /etc/redis/tls/ca.crt\ntls-replication yes\nsentinel monitor main 10.0.4.7 6379 2\nsentinel auth-user main admin\nsentinel auth-pass main {admin}\nrequirepass {sentinel_pw}\n"
    );
    let mut fs = MemoryFs::new();
    let files = [
        ("/etc/redis/redis.conf", Kind::Redis, redis),
        ("/etc/redis/users.acl", Kind::Acl, acl),
        ("/etc/redis/sentinel.conf", Kind::Sentinel, sentinel),
    ];
    let mut inputs = Vec::new();
    for (path, kind, text) in &files {
        fs.insert(*path, text.clone());
        inputs.push(Input {
            path: path.trim_start_matches('/').to_string(),
            host_path: Some(path.to_string()),
            bytes: text.clone().into_bytes(),
            kind: *kind,
        });
    }
    let f: Vec<Finding> = check(inputs, &fs, &Options::default())
        .findings
        .into_iter()
        .filter(|f| f.code.starts_with("RL3") || f.code.starts_with("RL4"))
        .collect();
    assert!(f.is_empty(), "\n{}", listing(&f));
}

/// Over the real-world corpus: no security finding is fatal (Redis starts regardless), and no
/// message shows a password written in the checked file.
#[test]
fn corpus_security_findings_are_never_fatal_and_never_show_secrets() {
    let Some(shared) = redlint_tests::shared().or_else(|| {
        std::env::var_os("REDLINT_SHARED")
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_dir())
    }) else {
        eprintln!("SKIPPED: ../shared (the corpus) is not present; set REDLINT_SHARED");
        return;
    };
    let base = shared.join("corpus/real-world");
    let mut checked = 0;
    let mut reported = 0;
    for (dir, kind) in [
        ("redis", Kind::Redis),
        ("sentinel", Kind::Sentinel),
        ("acl", Kind::Acl),
    ] {
        let mut files = Vec::new();
        let Ok(entries) = std::fs::read_dir(base.join(dir)) else {
            continue;
        };
        files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).expect("read");
            let host = format!("/corpus/{}", path.file_name().unwrap().to_string_lossy());
            let mut fs = MemoryFs::new();
            fs.insert(host.clone(), bytes.clone());
            let report = check(
                vec![Input {
                    path: host.clone(),
                    host_path: Some(host),
                    bytes,
                    kind,
                }],
                &fs,
                &Options::default(),
            );
            checked += 1;
            // Passwords long and odd enough not to be ordinary words of a message.
            let mut secrets: Vec<String> = Vec::new();
            for f in &report.workspace.files {
                for s in &f.secrets {
                    let v = String::from_utf8_lossy(&f.source.bytes[s.range()]).into_owned();
                    let v = v
                        .trim_start_matches(['>', '<', '#', '!', '"', '\''])
                        .to_string();
                    if v.chars().count() >= 8 && v.chars().any(|c| !c.is_ascii_lowercase()) {
                        secrets.push(v);
                    }
                }
            }
            for f in report
                .findings
                .iter()
                .filter(|f| f.code.starts_with("RL3") || f.code.starts_with("RL4"))
            {
                reported += 1;
                assert!(!f.fatal, "{}:{} {} is fatal", f.file, f.line, f.code);
                let mut texts = vec![f.message.as_str()];
                texts.extend(f.help.as_deref());
                texts.extend(f.related.iter().map(|r| r.message.as_str()));
                for s in &secrets {
                    assert!(
                        texts.iter().all(|t| !t.contains(s.as_str())),
                        "{}:{} {} shows a secret",
                        f.file,
                        f.line,
                        f.code
                    );
                }
                if let Some(fix) = &f.fix {
                    assert!(fix.edits.iter().all(|e| e.replacement == "***"));
                }
            }
        }
    }
    assert!(
        checked > 50 && reported > 50,
        "{checked} files, {reported} findings"
    );
}

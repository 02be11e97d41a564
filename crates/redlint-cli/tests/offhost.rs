//! The machine redlint runs on is not the target host: configs are found in the checked tree
//! (given PATHs, `--root`, `[paths]` / `--map`), never in this machine's /etc; host state is
//! only looked at with `--on-host`.

mod common;

use common::{copy_dir, redlint_in, stderr, stdout, workspace, Scratch};
use std::path::Path;
use std::process::Output;

fn redlint(args: &[&str]) -> Output {
    redlint_in(&workspace(), args)
}

const REPO: &str = "tests/fixtures/config-repo";

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The notices of a JSON run with the given kind.
fn notices<'a>(j: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    j["notices"]
        .as_array()
        .expect("notices array")
        .iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

#[test]
fn generated_output_lints_clean_off_host_and_with_root() {
    let s = Scratch::new("generate");
    for topology in ["standalone", "replicated", "sentinel"] {
        let out = s.path(topology);
        let run = redlint(&[
            "generate",
            "--out",
            &out,
            "--host-memory",
            "4GiB",
            "--host-cpus",
            "4",
            "--topology",
            topology,
            "--role",
            "store",
        ]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        for args in [
            vec!["check", "--format", "json", out.as_str()],
            vec!["check", "--format", "json", "--root", &out, &out],
        ] {
            let run = redlint(&args);
            let j = json(&run);
            assert_eq!(run.status.code(), Some(0), "{topology} {args:?}: {j:#}");
            assert_eq!(j["summary"]["errors"], 0, "{topology} {args:?}: {j:#}");
            assert_eq!(j["summary"]["warnings"], 0, "{topology} {args:?}: {j:#}");
            assert!(
                notices(&j, "reference-not-checked").is_empty(),
                "{topology} {args:?}: {j:#}"
            );
            // The generated configs name /var/lib/redis: a host check, not run here.
            assert_eq!(notices(&j, "host-checks-not-run").len(), 1, "{j:#}");
        }
    }
}

#[test]
fn config_repo_lints_clean_with_its_mapping() {
    let run = redlint(&["check", "--format", "json", REPO]);
    let j = json(&run);
    assert_eq!(run.status.code(), Some(0), "{j:#}");
    assert_eq!(j["findings"].as_array().unwrap().len(), 0, "{j:#}");
    assert!(notices(&j, "reference-not-checked").is_empty(), "{j:#}");
    assert_eq!(notices(&j, "host-checks-not-run").len(), 1, "{j:#}");
    // local.conf and users.acl are walked and referenced: one file each (the walked
    // deploy/redis/local.conf is /etc/redis/local.conf), not a second copy.
    assert_eq!(j["summary"]["files"], 6, "{j:#}");
}

#[test]
fn config_repo_references_resolve_into_the_repo() {
    // Given only redis.conf: local.conf and users.acl can only come through the mapping.
    let conf = format!("{REPO}/deploy/redis/redis.conf");
    let run = redlint(&["check", "--format", "json", &conf]);
    let j = json(&run);
    assert_eq!(j["summary"]["files"], 3, "{j:#}");
    assert!(notices(&j, "reference-not-checked").is_empty(), "{j:#}");

    // A problem planted in each referenced file is reported at its place in the repository.
    let s = Scratch::new("repo");
    copy_dir(&workspace().join(REPO), &s.0);
    s.write(
        "deploy/redis/local.conf",
        "slowlog-log-slower-than 10000\nmaxmemory-policy allkeys-lruu\n",
    );
    let acl = std::fs::read_to_string(s.0.join("deploy/redis/users.acl")).unwrap();
    s.write(
        "deploy/redis/users.acl",
        format!("{acl}user bad on +nosuchcommand\n"),
    );
    let run = redlint_in(
        &s.0,
        &["check", "--format", "concise", "deploy/redis/redis.conf"],
    );
    let text = stdout(&run);
    assert!(
        text.contains("deploy/redis/local.conf:2:"),
        "{text}{}",
        stderr(&run)
    );
    assert!(text.contains("deploy/redis/users.acl:"), "{text}");
    assert!(!text.contains("/etc/redis"), "{text}");

    // The same directory given with --map instead of redlint.toml.
    std::fs::remove_file(s.0.join("redlint.toml")).unwrap();
    let run = redlint_in(
        &s.0,
        &[
            "check",
            "--format",
            "concise",
            "--map",
            "/etc/redis=deploy/redis",
            "deploy/redis/redis.conf",
        ],
    );
    assert!(
        stdout(&run).contains("deploy/redis/local.conf:2:"),
        "{}",
        stdout(&run)
    );
    assert!(!stderr(&run).contains("not checked"), "{}", stderr(&run));
}

#[test]
fn config_repo_without_mapping_says_once_what_it_did_not_check() {
    let run = redlint(&["check", "--format", "json", "--config", "/dev/null", REPO]);
    insta::assert_snapshot!("config_repo_unmapped_json", stdout(&run));
    let j = json(&run);
    let refs = notices(&j, "reference-not-checked");
    assert_eq!(refs.len(), 2, "{j:#}");
    assert_eq!(j["summary"]["errors"], 0, "{j:#}");
    let human = redlint(&[
        "check",
        "--format",
        "concise",
        "--config",
        "/dev/null",
        REPO,
    ]);
    insta::assert_snapshot!("config_repo_unmapped_stderr", stderr(&human));
}

#[test]
fn an_unmapped_include_of_this_machines_config_is_not_read() {
    // redis-server is installed here: /etc/redis/redis.conf exists on this machine, and is not
    // the target host's file.
    let s = Scratch::new("unmapped");
    let app = s.write(
        "app.conf",
        "port 6379\ninclude /etc/redis/redis.conf\naclfile /etc/redis/users.acl\ninclude /etc/redis/redis.conf\n",
    );
    let run = redlint(&["check", "--format", "json", &app]);
    let j = json(&run);
    let refs = notices(&j, "reference-not-checked");
    assert_eq!(refs.len(), 2, "{j:#}");
    assert!(refs[0]["message"]
        .as_str()
        .unwrap()
        .contains("/etc/redis/redis.conf"));
    assert_eq!(refs[0]["line"], 2);
    assert!(refs[0]["help"]
        .as_str()
        .unwrap()
        .contains("--map /etc/redis="));
    assert_eq!(j["summary"]["files"], 1, "{j:#}");
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"].as_str().unwrap().ends_with("app.conf")),
        "{j:#}"
    );
    // The same reference on the target host is read (as before).
    let run = redlint(&["check", "--format", "json", "--on-host", &app]);
    let j = json(&run);
    assert!(notices(&j, "reference-not-checked").is_empty(), "{j:#}");
    if Path::new("/etc/redis/redis.conf").is_file()
        && std::fs::read("/etc/redis/redis.conf").is_ok()
    {
        assert!(j["summary"]["files"].as_u64().unwrap() >= 2, "{j:#}");
    }
    // `fix` shares the same preparation and says the same.
    let run = redlint(&["fix", "--diff", &app]);
    assert!(stderr(&run).contains("note: "), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("`/etc/redis/redis.conf` was not checked"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn host_paths_are_not_errors_off_host() {
    let s = Scratch::new("laptop");
    let conf = s.write(
        "redis.conf",
        "dir /srv/redis-data\nlogfile /var/log/redis/x.log\n",
    );
    let run = redlint(&["check", "--format", "json", "--fail-on", "error", &conf]);
    let j = json(&run);
    assert!(
        !j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "RL017" || f["severity"] == "error"),
        "{j:#}"
    );
    assert_eq!(notices(&j, "host-checks-not-run").len(), 1, "{j:#}");
    assert_eq!(run.status.code(), Some(0), "{j:#}");

    // A repo laid out as a host root cannot hold /var/lib/redis (git keeps no empty dirs).
    s.write("repo/etc/redis/redis.conf", "dir /var/lib/redis\n");
    let root = s.path("repo");
    let run = redlint(&["check", "--format", "concise", "--root", &root, &root]);
    assert!(!stdout(&run).contains("RL017"), "{}", stdout(&run));
    // With --on-host the root is a full host image: the missing directory is reported.
    let run = redlint(&[
        "check",
        "--format",
        "concise",
        "--on-host",
        "--root",
        &root,
        &root,
    ]);
    assert!(stdout(&run).contains("RL017"), "{}", stdout(&run));
}

#[test]
fn bad_mappings_exit_2_with_the_reason() {
    let s = Scratch::new("badmap");
    let conf = s.write("redis.conf", "port 6379\n");
    let run = redlint(&["check", "--map", "/etc/redis", &conf]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("HOST=DIR"), "{}", stderr(&run));
    let run = redlint(&["check", "--map", "/etc/redis=/nonexistent-dir", &conf]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("not a directory"), "{}", stderr(&run));
    let run = redlint(&["check", "--map", "etc/redis=.", &conf]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("absolute"), "{}", stderr(&run));
    s.write("redlint.toml", "[paths]\n\"/etc/redis\" = \"deploy\"\n");
    let run = redlint(&["check", &conf]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("redlint.toml: [paths]") && err.contains("not a directory"),
        "{err}"
    );
}

#[test]
fn a_config_in_a_container_reads_its_references_through_the_bind_mounts() {
    let s = Scratch::new("compose");
    s.write(
        "docker-compose.yml",
        "services:\n  cache:\n    image: redis:7.0\n    command: redis-server /usr/local/etc/redis/redis.conf\n    volumes:\n      - ./conf:/usr/local/etc/redis:ro\n      - data:/data\nvolumes:\n  data:\n",
    );
    s.write(
        "conf/redis.conf",
        "aclfile /usr/local/etc/redis/users.acl\ninclude /usr/local/etc/redis/extra.conf\ninclude /etc/redis/image-default.conf\n",
    );
    s.write(
        "conf/users.acl",
        "user default on nopass ~* +@all\nuser bad on +nosuchcommand\n",
    );
    s.write("conf/extra.conf", "maxmemory-policy allkeys-lruu\n");
    for extra in [&[][..], &["--root", s.0.to_str().unwrap()][..]] {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(s.0.to_str().unwrap());
        let run = redlint(&args);
        let j = json(&run);
        let findings = j["findings"].as_array().unwrap();
        let at = |suffix: &str| {
            findings
                .iter()
                .any(|f| f["file"].as_str().unwrap().ends_with(suffix))
        };
        // Both mounted files were read from ./conf: their problems are reported there.
        assert!(
            at("conf/users.acl") && at("conf/extra.conf"),
            "{extra:?}: {j:#}"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f["code"] == "RL008" || f["code"] == "RL024"),
            "{j:#}"
        );
        // The image's own file is said once, not read from this machine or the root.
        let refs = notices(&j, "reference-not-checked");
        assert_eq!(refs.len(), 1, "{j:#}");
        let message = refs[0]["message"].as_str().unwrap();
        assert!(
            message.contains("/etc/redis/image-default.conf")
                && message.contains("`cache` container"),
            "{message}"
        );
    }
}

/// The config repo's deployment installed on a prepared host image (`--root IMG --on-host`):
/// the host checks the repo could not run are run there, and each host failure Redis would
/// reveal one restart at a time is reported in one run. Off-host, the same repo reports none.
#[test]
fn the_config_repo_installed_on_a_prepared_host_reports_its_host_failures() {
    use std::os::unix::fs::PermissionsExt;
    let img = Scratch::new("installed");
    let repo = workspace().join(REPO);
    // Install the repository as its `[paths]` say.
    for (host, dir) in [
        ("etc/redis", "deploy/redis"),
        ("etc/sysctl.d", "deploy/sysctl.d"),
        ("etc/systemd/system", "deploy/systemd"),
    ] {
        std::fs::create_dir_all(img.0.join(host)).unwrap();
        copy_dir(&repo.join(dir), &img.0.join(host));
    }
    img.write(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nredis:x:102:105::/var/lib/redis:/usr/sbin/nologin\n",
    );
    img.write("etc/group", "root:x:0:\nredis:x:105:\n");
    // The host's mistakes: no /var/lib/redis (dir of both configs), no /run/redis (pidfile),
    // the ACL file readable by root only, the Sentinel config not writable by redis.
    let mode = |rel: &str, m: u32| {
        std::fs::set_permissions(img.0.join(rel), std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode("etc/redis/users.acl", 0o600);
    mode("etc/redis/sentinel.conf", 0o644);
    let root = img.0.to_string_lossy().into_owned();
    let run = redlint(&[
        "check",
        "--format",
        "json",
        "--config",
        "/dev/null",
        "--on-host",
        "--run-as",
        "redis",
        "--root",
        &root,
        &format!("{root}/etc/redis/redis.conf"),
        &format!("{root}/etc/redis/sentinel.conf"),
    ]);
    let j = json(&run);
    let found: Vec<(String, u64, String, bool)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
                f["fatal"].as_bool().unwrap(),
            )
        })
        .collect();
    let has = |file: &str, code: &str, fatal: bool| {
        found
            .iter()
            .any(|(f, _, c, x)| f.ends_with(file) && c == code && *x == fatal)
    };
    assert!(has("etc/redis/redis.conf", "RL017", true), "dir: {found:?}");
    assert!(
        has("etc/redis/redis.conf", "RL017", false),
        "pidfile: {found:?}"
    );
    assert!(
        has("etc/redis/redis.conf", "RL018", true),
        "aclfile: {found:?}"
    );
    assert!(
        has("etc/redis/sentinel.conf", "RL017", true),
        "dir: {found:?}"
    );
    assert!(
        has("etc/redis/sentinel.conf", "RL018", true),
        "config: {found:?}"
    );
    assert_eq!(j["summary"]["host_checks_not_run"], 0, "{j:#}");
    // Off-host, the repository itself has no host finding: the checks are only counted.
    let off = json(&redlint(&["check", "--format", "json", REPO]));
    assert!(
        !off["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| { redlint_is_host_check(f["code"].as_str().unwrap()) }),
        "{off:#}"
    );
    assert!(off["summary"]["host_checks_not_run"].as_u64().unwrap() > 0);
}

fn redlint_is_host_check(code: &str) -> bool {
    ["RL017", "RL018", "RL019", "RL025", "RL033"].contains(&code)
}

//! redlint where people use it: a real editor (headless Neovim and its built-in LSP client
//! running `redlint server`) and a real pre-commit (from PyPI) running the hooks of
//! `.pre-commit-hooks.yaml` in a temporary git repository.
//!
//! The tools are installed by `tests/editors/run.sh` (called from `tests/run`), which sets
//! `REDLINT_REQUIRE_EDITORS=1`: then a missing tool fails the test. Without it (a plain
//! `cargo test`), a test whose tool is missing says so and passes.

mod common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The tool's path, or `None` (and a note) when it is missing and not required.
fn tool(candidates: &[PathBuf], name: &str) -> Option<PathBuf> {
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Some(found.clone());
    }
    let on_path = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if on_path.is_none() {
        assert!(
            std::env::var_os("REDLINT_REQUIRE_EDITORS").is_none(),
            "{name} is missing (tests/editors/run.sh installs it)"
        );
        eprintln!("skipped: {name} is not installed (tests/editors/run.sh installs it)");
    }
    on_path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redlint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// Run a command to its end, killing it (by its own pid) after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn neovim_shows_the_seed_findings_and_applies_a_quick_fix() {
    let Some(nvim) = tool(&[], "nvim") else {
        return;
    };
    let root = temp_dir("nvim");
    copy_dir(&repo().join("tests/fixtures/seed/bare-metal"), &root);
    let out = root.join("nvim-result.json");
    let output = run_bounded(
        Command::new(nvim)
            .args(["--headless", "-n", "-i", "NONE", "-u"])
            .arg(repo().join("tests/editors/nvim-init.lua"))
            .env("REDLINT_BIN", env!("CARGO_BIN_EXE_redlint"))
            .env("REDLINT_ROOT", &root)
            .env("REDLINT_FILE", root.join("etc/redis/redis.conf"))
            .env("REDLINT_NVIM_OUT", &out)
            .env("XDG_STATE_HOME", &root)
            .env("XDG_CACHE_HOME", &root),
        Duration::from_secs(90),
    );
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "nvim wrote no result: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let result: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["error"], serde_json::Value::Null, "{result}");
    assert_eq!(result["ok"], true, "no diagnostics within 30 s: {result}");
    let mut seen: Vec<(String, u64)> = result["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("?").to_string(),
                d["lnum"].as_u64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    seen.dedup();
    // Neovim's lines are 0-based: redis.conf:5 bind CIDR, :21 daemonize vs supervised,
    // :46 requirepass ignored and weak, :77 and :90 renamed directives.
    for (code, line) in [
        ("RL007", 4),
        ("RL201", 20),
        ("RL202", 45),
        ("RL401", 45),
        ("RL801", 76),
        ("RL801", 89),
    ] {
        assert!(
            seen.contains(&(code.to_string(), line)),
            "{code} at line {} not shown: {seen:?}",
            line + 1
        );
    }
    let applied = result["applied"].as_str().expect("a quick fix was applied");
    assert!(applied.contains("RL801"), "{applied}");
    assert!(
        result["line77"]
            .as_str()
            .unwrap()
            .starts_with("busy-reply-threshold"),
        "{result}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A git repository whose pre-commit configuration points at this checkout's committed hooks.
struct HookRepo {
    dir: PathBuf,
    pre_commit: PathBuf,
}

impl HookRepo {
    fn new(name: &str, pre_commit: PathBuf, hook: &str) -> HookRepo {
        let dir = temp_dir(name);
        let rev = git(&repo(), &["rev-parse", "HEAD"]);
        let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
        std::fs::write(
            dir.join(".pre-commit-config.yaml"),
            format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n",
                repo().display()
            ),
        )
        .unwrap();
        let r = HookRepo { dir, pre_commit };
        r.git(&["init", "-q"]);
        r.git(&["config", "user.email", "test@example.invalid"]);
        r.git(&["config", "user.name", "redlint test"]);
        r.git(&["add", ".pre-commit-config.yaml"]);
        r.git(&["commit", "-q", "--no-verify", "-m", "config"]);
        let install = r.command(&r.pre_commit).arg("install").output().unwrap();
        assert!(install.status.success(), "{install:?}");
        r
    }

    /// A command with the built `redlint` first on PATH and pre-commit's cache inside.
    fn command(&self, program: &Path) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_redlint")).parent().unwrap();
        let venv = self.pre_commit.parent().unwrap();
        let path = format!(
            "{}:{}:{}",
            bin.display(),
            venv.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new(program);
        c.current_dir(&self.dir)
            .env("PATH", path)
            .env("PRE_COMMIT_HOME", self.dir.join(".cache"))
            .env("NO_COLOR", "1");
        c
    }

    fn git(&self, args: &[&str]) -> Output {
        let out = git(&self.dir, args);
        assert!(out.status.success(), "git {args:?}: {out:?}");
        out
    }

    /// `git commit` of `file` with `content`, hooks running: (succeeded, all output).
    fn commit(&self, file: &str, content: &str) -> (bool, String) {
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        self.git(&["add", file]);
        let out = run_bounded(
            self.command(Path::new("git")).args(["commit", "-m", file]),
            Duration::from_secs(300),
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn pre_commit() -> Option<PathBuf> {
    tool(
        &[repo().join("target/precommit-venv/bin/pre-commit")],
        "pre-commit",
    )
}

/// The hooks file must be committed: pre-commit reads the hooks at a revision.
fn hooks_committed() -> bool {
    let out = git(&repo(), &["cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"]);
    out.status.success()
}

#[test]
fn pre_commit_blocks_a_bad_config_and_passes_a_good_one() {
    let Some(pc) = pre_commit() else {
        return;
    };
    assert!(hooks_committed(), ".pre-commit-hooks.yaml is not committed");
    let r = HookRepo::new("precommit-check", pc, "redlint-system");
    let (ok, out) = r.commit("etc/redis/users.acl", "user alice off -@all\n");
    assert!(ok, "a clean ACL file is committed: {out}");
    let (ok, out) = r.commit(
        "etc/redis/redis.conf",
        "bind 10.0.0.0/8\nrequirepass x\nport 6379\n",
    );
    assert!(!ok, "a bad config blocks the commit: {out}");
    assert!(out.contains("redlint (system)"), "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("etc/redis/redis.conf:1:6: RL007 error"),
        "readable findings: {out}"
    );
    // Files the hook does not match are not passed to it.
    let (ok, out) = r.commit("README.md", "bind 10.0.0.0/8\n");
    assert!(!ok || out.contains("no files to check") || out.contains("Skipped"));
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[test]
fn pre_commit_fix_hook_rewrites_the_file_and_fails_the_commit() {
    let Some(pc) = pre_commit() else {
        return;
    };
    assert!(hooks_committed(), ".pre-commit-hooks.yaml is not committed");
    let r = HookRepo::new("precommit-fix", pc, "redlint-fix-system");
    let (ok, out) = r.commit(
        "redis.conf",
        "bind 127.0.0.1 -::1\nlua-time-limit 5000\nhash-max-ziplist-entries 128\n",
    );
    assert!(!ok, "a fixer that changed files fails the commit: {out}");
    assert!(out.contains("files were modified by this hook"), "{out}");
    let fixed = std::fs::read_to_string(r.dir.join("redis.conf")).unwrap();
    assert!(fixed.contains("busy-reply-threshold 5000"), "{fixed}");
    assert!(fixed.contains("hash-max-listpack-entries 128"), "{fixed}");
    let _ = std::fs::remove_dir_all(&r.dir);
}

/// `language: rust`: pre-commit builds this repository with `cargo install --path .`. Slow
/// (a full release build): run only with `REDLINT_TEST_PRECOMMIT_RUST=1`.
#[test]
fn pre_commit_rust_hook_builds_and_runs() {
    if std::env::var_os("REDLINT_TEST_PRECOMMIT_RUST").is_none() {
        eprintln!("skipped: set REDLINT_TEST_PRECOMMIT_RUST=1 to build the language: rust hook");
        return;
    }
    let Some(pc) = pre_commit() else {
        return;
    };
    let r = HookRepo::new("precommit-rust", pc, "redlint");
    let (ok, out) = r.commit("redis.conf", "bind 10.0.0.0/8\n");
    assert!(!ok && out.contains("RL007"), "{out}");
    let _ = std::fs::remove_dir_all(&r.dir);
}

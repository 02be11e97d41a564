//! The CI side of the command line: every output format on a small fixture (snapshots), SARIF
//! checked by Microsoft's validator, the baseline across shifted lines, standard input,
//! colour variables, errors in JSON, and no secret or control character in any format.

mod common;

use common::{stderr, stdout, workspace, Scratch, FORMATS};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const FIXTURE: &str = "tests/fixtures/ci/redis.conf";
const FIXTURE_SECRET: &str = "Zq8-fixture-Secret-Value";

/// Run redlint in the workspace with `env` set (NO_COLOR and FORCE_COLOR cleared first),
/// feeding `stdin`.
fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>, dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redlint"));
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run redlint");
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn redlint(args: &[&str]) -> Output {
    run_with(args, &[], None, &workspace())
}

#[test]
fn every_format_snapshot() {
    for format in &FORMATS {
        let out = redlint(&["check", FIXTURE, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        let text = if *format == "sarif" {
            sarif_digest(&text)
        } else {
            text
        };
        insta::assert_snapshot!(format!("ci_{format}"), text);
    }
}

/// The SARIF log without the 60-odd rule pages: the results, the first rule descriptor (with
/// its help cut to its first line) and how many rules there are.
fn sarif_digest(text: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let driver = &mut log["runs"][0]["tool"]["driver"];
    let rules = driver["rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), redlint_core::rules::ALL.len(), "every rule");
    for r in &rules {
        assert!(r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
        assert!(r["helpUri"].as_str().unwrap().ends_with(".md"));
    }
    let mut first = rules[0].clone();
    let help = first["help"]["text"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    first["help"] = serde_json::json!({"text": format!("{help} …")});
    driver["rules"] = serde_json::json!({"count": rules.len(), "first": first});
    driver["semanticVersion"] = serde_json::json!("[version]");
    serde_json::to_string_pretty(&log).unwrap()
}

#[test]
fn sarif_passes_microsofts_validator() {
    let tool = workspace()
        .join("tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if !tool.exists() {
        assert!(
            std::env::var_os("REDLINT_REQUIRE_SARIF_VALIDATOR").is_none(),
            "tests/sarif/install.sh did not install the SARIF validator"
        );
        eprintln!("\n\n*** SKIPPED: the SARIF validator is not installed; run tests/sarif/install.sh (tests/run does) ***\n\n");
        return;
    }
    let scratch = Scratch::new("sarif");
    let mut logs = Vec::new();
    for (name, args) in [
        ("fixture", vec!["check", FIXTURE]),
        (
            "bare-metal",
            vec![
                "check",
                "--root",
                "tests/fixtures/seed/bare-metal",
                "tests/fixtures/seed/bare-metal",
            ],
        ),
        (
            "compose-sentinel",
            vec![
                "check",
                "--root",
                "tests/fixtures/seed/compose-sentinel",
                "tests/fixtures/seed/compose-sentinel",
            ],
        ),
    ] {
        let mut args = args;
        args.extend(["--format", "sarif"]);
        let out = redlint(&args);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        logs.push(scratch.write(&format!("{name}.sarif"), &out.stdout));
    }
    for log in logs {
        // The SARIF rules and GitHub code scanning's ingestion rules (`Gh`).
        let out = Command::new(&tool)
            .args(["validate", &log, "--rule-kind", "Sarif;Gh"])
            .output()
            .expect("run the SARIF validator");
        let text = stdout(&out) + &stderr(&out);
        let problems: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(": error ") || l.contains(": warning "))
            .collect();
        assert!(
            out.status.success()
                && problems.is_empty()
                && text.contains("Analysis completed successfully"),
            "{log}:\n{text}"
        );
    }
}

#[test]
fn sarif_locations_are_relative_to_the_current_directory_and_fingerprinted() {
    let out = redlint(&[
        "check",
        "--root",
        "tests/fixtures/seed/bare-metal",
        "tests/fixtures/seed/bare-metal",
        "--format",
        "sarif",
    ]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("tests/fixtures/seed/bare-metal/etc/"),
        "{uri}"
    );
    assert!(workspace().join(uri).is_file());
    assert_eq!(
        result["partialFingerprints"]["redlint/v1"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

#[test]
fn baseline_reports_only_new_findings_even_after_lines_moved() {
    let s = Scratch::new("baseline");
    let original = std::fs::read_to_string(workspace().join(FIXTURE)).unwrap();
    let conf = s.write("redis.conf", original.as_bytes());
    let base = s.path("baseline.json");
    let out = redlint(&[
        "check",
        &conf,
        "--write-baseline",
        &base,
        "--format",
        "concise",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Wrote 5 findings to the baseline"),
        "{}",
        stderr(&out)
    );
    let recorded = std::fs::read_to_string(&base).unwrap();
    assert!(!recorded.contains(FIXTURE_SECRET));
    let file: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["findings"].as_array().unwrap().len(), 5);

    // Unchanged: nothing new, exit 0.
    let out = redlint(&["check", &conf, "--baseline", &base, "--format", "concise"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("5 baselined findings not shown"),
        "{}",
        stderr(&out)
    );

    // Three lines inserted above, one new problem below: only that one is reported.
    let shifted = format!("# moved\n\n\n{original}maxclients 0\n");
    std::fs::write(&conf, shifted).unwrap();
    let out = redlint(&["check", &conf, "--baseline", &base, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", stdout(&out));
    assert_eq!(findings[0]["line"], 10);
    assert_eq!(json["summary"]["baselined"], 5);

    // A file that is not a baseline is refused, not taken as empty.
    let bad = s.write("bad.json", b"{}");
    let out = redlint(&["check", &conf, "--baseline", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a redlint baseline"));
}

#[test]
fn stdin_is_linted_as_the_named_file_with_its_includes() {
    let s = Scratch::new("stdin");
    s.write("conf/extra.conf", b"maxmemory-policy sometimes\n");
    let name = s.path("conf/redis.conf");
    let text = b"include extra.conf\nmaxmemroy 1mb\n";
    let out = run_with(
        &["check", "--stdin-filename", &name, "--format", "concise"],
        &[],
        Some(text),
        &workspace(),
    );
    let o = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{o}{}", stderr(&out));
    assert!(o.contains(&format!("{name}:2:1: RL001")), "{o}");
    assert!(
        o.contains("extra.conf:1:18: RL004"),
        "the include is read: {o}"
    );

    // `-` reads standard input too.
    let out = run_with(
        &["check", "-", "--format", "concise"],
        &[],
        Some(text),
        &workspace(),
    );
    assert!(stdout(&out).contains("-:2:1: RL001"), "{}", stdout(&out));
}

#[test]
fn fix_reads_stdin_and_writes_the_fixed_text_to_stdout() {
    let out = run_with(
        &["fix", "-"],
        &[],
        Some(b"port 6379\nbind 127.0.0.1\nport 6380\n"),
        &workspace(),
    );
    // RL101: the first of two `port` lines is dead and removed.
    assert_eq!(
        stdout(&out),
        "bind 127.0.0.1\nport 6380\n",
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Fixed 1 problem"), "{}", stderr(&out));
    // Nothing to fix: the input comes back unchanged.
    let out = run_with(
        &["fix", "-", "--quiet"],
        &[],
        Some(b"port 6379\n"),
        &workspace(),
    );
    assert_eq!(stdout(&out), "port 6379\n");
    assert_eq!(stderr(&out), "");
}

#[test]
fn colour_follows_no_color_force_color_and_the_flag() {
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    let args = ["check", FIXTURE, "--format", "full"];
    let dir = workspace();
    assert!(
        !esc(&run_with(&args, &[], None, &dir)),
        "not a terminal: no colour"
    );
    assert!(esc(&run_with(&args, &[("FORCE_COLOR", "1")], None, &dir)));
    assert!(!esc(&run_with(&args, &[("FORCE_COLOR", "0")], None, &dir)));
    assert!(!esc(&run_with(
        &args,
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
        None,
        &dir
    )));
    let mut always = args.to_vec();
    always.extend(["--color", "always"]);
    assert!(esc(&run_with(&always, &[("NO_COLOR", "1")], None, &dir)));
    let mut never = args.to_vec();
    never.extend(["--color", "never"]);
    assert!(!esc(&run_with(&never, &[("FORCE_COLOR", "1")], None, &dir)));
}

#[test]
fn errors_are_json_when_json_was_asked_for() {
    for format in ["json", "json-lines", "sarif"] {
        let out = redlint(&["check", "--format", format, "--no-such-flag"]);
        assert_eq!(out.status.code(), Some(2));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{format}: {e}: {}", stdout(&out)));
        assert_eq!(v["exit_code"], 2);
        assert!(
            v["error"].as_str().unwrap().contains("--no-such-flag"),
            "{v}"
        );
    }
    let out = redlint(&["check", "--format=json", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("no/such/dir"));
    // Other formats keep clap's own message on stderr and nothing on stdout.
    let out = redlint(&["check", "--format", "concise", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn exit_zero_quiet_statistics_and_output_file() {
    let out = redlint(&[
        "check",
        FIXTURE,
        "--exit-zero",
        "--quiet",
        "--format",
        "concise",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
    assert_eq!(stdout(&out).lines().count(), 5);

    let out = redlint(&["check", FIXTURE, "--statistics", "--format", "concise"]);
    insta::assert_snapshot!("ci_statistics", stdout(&out));
    let out = redlint(&["check", FIXTURE, "--statistics", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    let out = redlint(&["check", FIXTURE, "--statistics", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));

    let s = Scratch::new("output");
    let file = s.path("report.sarif");
    let out = redlint(&[
        "check",
        FIXTURE,
        "--format",
        "sarif",
        "--output-file",
        &file,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
}

/// A file with a secret in every place a secret goes and terminal escapes in its words: no
/// format prints either.
#[test]
fn no_secret_and_no_control_character_in_any_format() {
    let s = Scratch::new("hostile");
    let secret = "Plant3d-S3cret-Value-xyz";
    let conf = s.write(
        "etc/redis/redis.conf",
        format!(
            "requirepass {secret}\nmasterauth {secret}\nuser alice on >{secret} ~* +@all\nrequirepas {secret}\nmaxmemroy\x1b[31m 1mb\nbind 10.0.0.0/8\u{202e}\n# requirepass {secret}\n"
        )
        .as_bytes(),
    );
    for format in &FORMATS {
        for extra in [&[][..], &["--statistics"][..]] {
            if !extra.is_empty() && !matches!(*format, "full" | "concise" | "json") {
                continue;
            }
            let mut args = vec!["check", conf.as_str(), "--format", format];
            args.extend(extra);
            let out = run_with(&args, &[("FORCE_COLOR", "0")], None, &workspace());
            assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
            let all = [out.stdout.clone(), out.stderr.clone()].concat();
            let text = String::from_utf8_lossy(&all);
            assert!(!text.contains(secret), "{format} shows the secret:\n{text}");
            let hash = sha256_hex(secret);
            assert!(!text.contains(&hash), "{format} shows the secret's hash");
            assert!(
                !text
                    .chars()
                    .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}'),
                "{format} prints a control character:\n{text}"
            );
        }
    }
}

fn sha256_hex(s: &str) -> String {
    redlint_core::acl::sha256::hex_digest(s.as_bytes())
}

#[test]
fn github_annotations_escape_properties() {
    let s = Scratch::new("github");
    let conf = s.write("a,b:c%.conf", b"maxmemroy 1mb\n");
    let out = run_with(
        &["check", "a,b:c%.conf", "--format", "github"],
        &[],
        None,
        &s.0,
    );
    let _ = conf;
    let line = stdout(&out);
    assert!(
        line.starts_with("::error file=a%2Cb%3Ac%25.conf,line=1,col=1,endLine=1,endColumn=10,title=RL001 unknown-directive::RL001 "),
        "{line}"
    );
}

#[test]
fn completions_and_man_page_come_from_the_command_line_definition() {
    let out = redlint(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--stdin-filename"));
    let out = redlint(&["completions", "zsh"]);
    assert!(stdout(&out).contains("#compdef redlint"));
    let out = redlint(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH redlint"),
        "{page}"
    );
}

//! The JSON API, natively: the same findings as the core API on a pasted seed deployment, no
//! planted password in any response, and an error object (never a panic) for bad requests.

use redlint_core::fs::MemoryFs;
use redlint_core::{Input, Kind, Options};
use redlint_wasm::{acl_dryrun_json, check_json, fix_json, generate_json, rules_json};
use serde_json::{json, Value};

const CONF: &str = include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/redis.conf");
const ACL: &str = include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/users.acl");
const TUNING: &str =
    include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/redis.conf.d/tuning.conf");

/// RL020 acl-comment: Redis refuses an ACL file with comments.
const ACL_COMMENT: &str = "RL020";

/// Every password the bare-metal seed writes.
const PLANTED: &[&str] = &[
    "AI_Platform_Redis_2024_Secure",
    "AI_Platform_App_Redis_2024",
    "Monitor_Redis_2024",
    "Admin_Redis_2024",
];

/// The bare-metal seed's redis.conf, users.acl and tuning include, pasted as tabs.
fn seed_files() -> Value {
    json!([
        {"path": "redis.conf", "host_path": "/etc/redis/redis.conf", "text": CONF},
        {"path": "users.acl", "host_path": "/etc/redis/users.acl", "text": ACL},
        {"path": "tuning.conf", "host_path": "/etc/redis/redis.conf.d/tuning.conf", "text": TUNING},
    ])
}

fn call(f: fn(&str) -> String, request: Value) -> Value {
    let out = f(&request.to_string());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The findings without the page's UTF-16 offsets (`from16`/`to16` of each fix edit), which
/// the CLI's JSON does not have.
fn without_utf16(findings: &Value) -> Value {
    let mut v = findings.clone();
    for f in v.as_array_mut().unwrap() {
        if let Some(edits) = f.pointer_mut("/fix/edits").and_then(Value::as_array_mut) {
            for e in edits {
                let e = e.as_object_mut().unwrap();
                assert!(e.remove("from16").is_some() && e.remove("to16").is_some());
            }
        }
    }
    v
}

fn assert_no_password(what: &str, out: &str) {
    for pw in PLANTED {
        assert!(!out.contains(pw), "{what} shows the password {pw}: {out}");
    }
}

#[test]
fn pasted_seed_gives_the_core_api_findings() {
    let out = call(
        check_json,
        json!({"files": seed_files(), "host": {"memory": "8GiB", "cpus": 4}}),
    );
    // The same run through the core API: the same files at the same host paths.
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    for (path, host, text, kind) in [
        ("redis.conf", "/etc/redis/redis.conf", CONF, Kind::Redis),
        ("users.acl", "/etc/redis/users.acl", ACL, Kind::Acl),
        (
            "tuning.conf",
            "/etc/redis/redis.conf.d/tuning.conf",
            TUNING,
            Kind::Redis,
        ),
    ] {
        fs.insert(host, text);
        fs.cover(redlint_core::fs::parent(host).to_string());
        inputs.push(Input {
            path: path.into(),
            host_path: Some(host.into()),
            bytes: text.as_bytes().to_vec(),
            kind,
        });
    }
    let options = Options {
        host: redlint_core::HostFacts {
            memory: Some(8 << 30),
            cpus: Some(4),
            nofile: None,
        },
        ..Options::default()
    };
    let report = redlint_core::check(inputs, &fs, &options);
    assert_eq!(
        without_utf16(&out["findings"]),
        serde_json::to_value(&report.findings).unwrap()
    );
    assert_eq!(
        out["notices"],
        serde_json::to_value(&report.notices).unwrap()
    );
    // What the page must show: the CIDR bind and the ACL file's comments, at their lines.
    let at = |code: &str, file: &str| {
        out["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code && f["file"] == file)
            .map(|f| f["line"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    let codes: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.len() > 5, "{codes:?}");
    // One per CIDR range of the `bind` line.
    assert_eq!(
        at("RL007", "redis.conf"),
        [5, 5, 5],
        "the CIDR bind: {codes:?}"
    );
    assert!(at(ACL_COMMENT, "users.acl").contains(&1), "{codes:?}");
}

#[test]
fn references_outside_the_tabs_are_not_checked_notices() {
    let out = call(
        check_json,
        json!({"files": [{"path": "redis.conf", "host_path": "/etc/redis/redis.conf",
            "text": "aclfile /srv/acl/users.acl\n"}]}),
    );
    let notices = out["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n["kind"] == "reference-not-checked"
            && n["message"]
                .as_str()
                .unwrap()
                .contains("/srv/acl/users.acl")),
        "{out}"
    );
}

#[test]
fn no_planted_password_in_any_response() {
    let lint = json!({"files": seed_files(), "unsafe_fixes": true, "select": ["ALL"]});
    let check = check_json(&lint.to_string());
    assert_no_password("check", &check);
    let fix = fix_json(&lint.to_string());
    assert_no_password("fix", &fix);
    let fixed: Value = serde_json::from_str(&fix).unwrap();
    assert!(fixed["applied"].as_u64().unwrap() > 0, "{fix}");
    assert!(!fixed["files"].as_array().unwrap().is_empty(), "{fix}");
    for (user, command) in [("admin", "get"), ("monitor", "set"), ("nobody", "get")] {
        for file in ["users.acl", "redis.conf"] {
            let ask = json!({"files": seed_files(), "file": file, "user": user,
                "command": command, "args": ["k", "AI_Platform_Redis_2024_Secure"]});
            let out = acl_dryrun_json(&ask.to_string());
            // The asked arguments are the user's own words, not the file's secrets: the answer
            // quotes none of them here.
            assert_no_password("acl_dryrun", &out);
        }
    }
    // (`rules` takes no input: its pages quote the seed's passwords as examples.)
    // A malformed request that quotes a file's text: the error names the fault, not the text.
    let bad = json!({"files": [{"path": "redis.conf", "text": CONF, "kind": "nonsense"}]});
    assert_no_password("error", &check_json(&bad.to_string()));
}

#[test]
fn fix_changes_rebuild_the_fixed_text() {
    let conf = "requirepass Planted-Secret-x9Q2w\nbind 0.0.0.0\nport 6379\nprotected-mode no\n";
    let req = json!({"files": [{"path": "redis.conf", "host_path": "/etc/redis/redis.conf",
        "text": conf}]});
    let out = call(fix_json, req.clone());
    let with_text = call(
        fix_json,
        json!({"files": req["files"], "show_secrets": true}),
    );
    assert_eq!(out["applied"], with_text["applied"]);
    let files = with_text["files"].as_array().unwrap();
    for f in files {
        let mut units: Vec<u16> = conf.encode_utf16().collect();
        for c in f["changes"].as_array().unwrap().iter().rev() {
            let (from, to) = (c["from"].as_u64().unwrap(), c["to"].as_u64().unwrap());
            units.splice(
                from as usize..to as usize,
                c["insert"].as_str().unwrap().encode_utf16(),
            );
        }
        assert_eq!(
            String::from_utf16(&units).unwrap(),
            f["text"].as_str().unwrap()
        );
    }
    assert!(!out.to_string().contains("Planted-Secret-x9Q2w"));
    assert!(out["files"][0].get("text").is_none());
}

#[test]
fn acl_dryrun_answers_as_the_cli_does() {
    let ask = |user: &str, command: &str, args: &[&str]| {
        call(
            acl_dryrun_json,
            json!({"files": seed_files(), "file": "redis.conf", "user": user,
                "command": command, "args": args}),
        )
    };
    let ok = ask("admin", "get", &["k"]);
    assert_eq!(ok["answer"], "ok", "{ok}");
    assert_eq!(ok["users_from"]["aclfile"], "/etc/redis/users.acl");
    let denied = ask("monitor", "set", &["k", "v"]);
    assert_eq!(denied["answer"], "denied", "{denied}");
    assert_eq!(
        denied["text"],
        "This user has no permissions to run the 'set' command"
    );
    // The seed's ACL file has comments, which Redis refuses: listed, not fatal.
    assert!(!ok["refused"].as_array().unwrap().is_empty());
    assert!(ask("nobody", "get", &["k"]).get("error").is_some());
}

#[test]
fn generate_from_a_form_and_from_a_profile() {
    let mut counter = 0u8;
    let mut random = |buf: &mut [u8]| {
        for b in buf {
            counter = counter.wrapping_add(37);
            *b = counter;
        }
    };
    let out = generate_json(
        r#"{"options": {"host-memory": "4GiB", "host-cpus": 2, "topology": "sentinel"}}"#,
        &mut random,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"etc/redis/redis.conf"), "{paths:?}");
    assert!(paths.iter().any(|p| p.contains("sentinel")), "{paths:?}");
    let profile = json!({"profile": "host-memory = \"2GiB\"\nrole = \"store\"\n",
        "options": {"host-cpus": 1}});
    let v: Value = serde_json::from_str(&generate_json(&profile.to_string(), &mut random)).unwrap();
    assert!(v["files"].is_array(), "{v}");
    let v: Value = serde_json::from_str(&generate_json("{}", &mut random)).unwrap();
    assert!(v["error"].as_str().unwrap().contains("host-memory"), "{v}");
}

#[test]
fn rules_carry_their_pages() {
    let v: Value = serde_json::from_str(&rules_json()).unwrap();
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules.len(), redlint_core::rules::ALL.len());
    let first = &rules[0];
    for key in [
        "code",
        "name",
        "category",
        "severity",
        "host_check",
        "page",
        "page_path",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert!(rules.iter().any(|r| r["host_check"] == true));
    // Natively the pages are embedded (the browser build has `page: null` and fetches
    // `page_path`, where the site serves the rule's file of rules/).
    assert!(
        first["page"].as_str().is_some_and(|p| !p.is_empty()),
        "{first}"
    );
    for r in rules {
        assert_eq!(
            r["page_path"],
            format!("rules/{}.md", r["code"].as_str().unwrap())
        );
    }
}

#[test]
fn malformed_requests_get_an_error_object() {
    let long = "x".repeat(10_000);
    let requests: Vec<String> = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        "{".into(),
        long,
        r#"{"files": 3}"#.into(),
        r#"{"files": []}"#.into(),
        r#"{"files": [{"path": "", "text": "port 1"}]}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "port 1", "kind": "bogus"}]}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "port 1"}], "host": {"memory": "lots"}}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "port 1"}], "host": {"cpus": 0}}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "port 1"}], "select": ["NOPE"]}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "x"}, {"path": "/a.conf", "text": "y"}]}"#.into(),
        r#"{"files": [{"path": "a.conf", "text": "port 1"}], "surprise": 1}"#.into(),
    ];
    let mut random = |buf: &mut [u8]| buf.fill(7);
    for r in &requests {
        for (name, out) in [
            ("check", check_json(r)),
            ("fix", fix_json(r)),
            ("acl_dryrun", acl_dryrun_json(r)),
            ("generate", generate_json(r, &mut random)),
        ] {
            let v: Value = serde_json::from_str(&out)
                .unwrap_or_else(|e| panic!("{name}({r:.60}): not JSON ({e}): {out}"));
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{name}({r:.60}) gave no error: {out}"
            );
        }
    }
}

#[test]
fn fix_plans_the_acl_comment_sidecar_as_a_created_private_file() {
    let request = json!({"files": seed_files(), "unsafe_fixes": true, "show_secrets": true});
    let out = call(fix_json, request);
    let files = out["files"].as_array().unwrap();
    let created: Vec<&Value> = files.iter().filter(|f| f["created"] == true).collect();
    assert_eq!(created.len(), 1, "{files:?}");
    let sidecar = created[0];
    assert_eq!(sidecar["host_path"], "/etc/redis/users.acl.md");
    assert_eq!(sidecar["mode"], 0o600);
    // A new tab: its changes, applied to nothing, are its whole text.
    let changes = sidecar["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["insert"], sidecar["text"]);
    assert!(sidecar["text"]
        .as_str()
        .unwrap()
        .contains("AI 平台应用用户"));
    // Existing files keep their own mode: none is planned for them.
    assert!(files
        .iter()
        .filter(|f| f["created"] == false)
        .all(|f| f.get("mode").is_none()));
}

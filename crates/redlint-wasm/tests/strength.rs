//! The browser's split build keeps the CLI's verdicts: without the password-strength module
//! RL401 weak-password stays silent and the response says `strength-pending`; with it (the
//! second module's `estimate`, through the same flat encoding the page passes between the two
//! modules) the findings are the CLI's. Plus the page's UTF-16 offsets of fix edits.

use redlint_core::security::strength::{Estimate, Judge};
use redlint_wasm::{check_json_judged, fix_json_judged};
use serde_json::{json, Value};

const CONF: &str = include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/redis.conf");
const ACL: &str = include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/users.acl");
const TUNING: &str =
    include_str!("../../../tests/fixtures/seed/bare-metal/etc/redis/redis.conf.d/tuning.conf");

const WEAK_PASSWORD: &str = "RL401";

fn seed(extra: Value) -> Value {
    let mut req = json!({
        "files": [
            {"path": "redis.conf", "host_path": "/etc/redis/redis.conf", "text": CONF},
            {"path": "users.acl", "host_path": "/etc/redis/users.acl", "text": ACL},
            {"path": "tuning.conf", "host_path": "/etc/redis/redis.conf.d/tuning.conf", "text": TUNING},
        ],
        "host": {"memory": "8GiB", "cpus": 4},
    });
    for (k, v) in extra.as_object().unwrap() {
        req[k] = v.clone();
    }
    req
}

fn run(f: fn(&str, Judge) -> String, request: &Value, judge: Judge) -> Value {
    serde_json::from_str(&f(&request.to_string(), judge)).unwrap()
}

/// What the page wires up once the second module is loaded: its `estimate`, answered as the
/// flat array that crosses from one wasm module to the other.
fn second_module() -> Judge {
    Judge(|password, context| {
        Estimate::from_slice(&redlint_strength::estimate(password, context.to_vec()))
    })
}

/// Every code a finding reports, its facets' included.
fn codes(out: &Value) -> Vec<String> {
    let mut out_codes = Vec::new();
    for f in out["findings"].as_array().unwrap() {
        out_codes.push(f["code"].as_str().unwrap().to_string());
        for facet in f["facets"].as_array().into_iter().flatten() {
            out_codes.push(facet["code"].as_str().unwrap().to_string());
        }
    }
    out_codes
}

fn pending(out: &Value) -> Vec<&Value> {
    out["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "strength-pending")
        .collect()
}

#[test]
fn without_the_strength_module_weak_passwords_are_pending_not_judged() {
    let before = run(check_json_judged, &seed(json!({})), Judge::absent());
    assert!(
        !codes(&before).iter().any(|c| c == WEAK_PASSWORD),
        "{before}"
    );
    let notices = pending(&before);
    assert_eq!(notices.len(), 1, "{before}");
    // The seed's four ACL passwords and requirepass/masterauth: each distinct one is counted.
    assert!(
        notices[0]["message"]
            .as_str()
            .unwrap()
            .contains("not checked for strength yet"),
        "{before}"
    );
    // Everything else is what the CLI says with RL401 ignored.
    let cli_without = run(
        check_json_judged,
        &seed(json!({"ignore": [WEAK_PASSWORD]})),
        Judge::builtin(),
    );
    assert_eq!(before["findings"], cli_without["findings"]);
    assert!(pending(&cli_without).is_empty());
    // fix too: the same findings left, the same notice.
    let fixed = run(fix_json_judged, &seed(json!({})), Judge::absent());
    assert_eq!(pending(&fixed).len(), 1, "{fixed}");
}

#[test]
fn with_the_strength_module_the_findings_are_the_clis() {
    let after = run(check_json_judged, &seed(json!({})), second_module());
    let cli = run(check_json_judged, &seed(json!({})), Judge::builtin());
    assert_eq!(after["findings"], cli["findings"]);
    assert_eq!(after["notices"], cli["notices"]);
    assert!(pending(&after).is_empty(), "{after}");
    assert!(codes(&after).iter().any(|c| c == WEAK_PASSWORD), "{after}");
    // A password with no pattern-aware weakness stays silent in both.
    let strong = json!({"files": [{"path": "redis.conf",
        "text": "requirepass q7Vx9LmP2zR4tW8nK3bYq7Vx9LmP\n"}]});
    let out = run(check_json_judged, &strong, second_module());
    assert!(!codes(&out).iter().any(|c| c == WEAK_PASSWORD), "{out}");
    assert!(pending(&out).is_empty());
}

#[test]
fn fix_edits_carry_utf16_offsets_for_the_editor() {
    // A non-ASCII comment before a line with a fix: the byte and UTF-16 offsets differ.
    let text = "# cache für 🚀 prod\nport 6379\nslave-read-only yes # café\n";
    let out = run(
        check_json_judged,
        &json!({"files": [{"path": "redis.conf", "text": text}]}),
        Judge::absent(),
    );
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut seen = 0;
    for f in out["findings"].as_array().unwrap() {
        for e in f
            .pointer("/fix/edits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (start, end) = (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap());
            let (from, to) = (e["from16"].as_u64().unwrap(), e["to16"].as_u64().unwrap());
            // The same text, by bytes in Rust and by UTF-16 units in JavaScript.
            let by_bytes = &text[start as usize..end as usize];
            let by_units = String::from_utf16(&units[from as usize..to as usize]).unwrap();
            assert_eq!(by_bytes, by_units, "{e}");
            if start > 20 {
                assert!(from < start, "{e}");
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "no fix edit to check: {out}");
}

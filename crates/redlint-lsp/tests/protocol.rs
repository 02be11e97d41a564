//! The language server at the protocol level: a client drives `redlint_lsp::run` in process
//! over an in-memory connection (the same JSON-RPC messages as stdio, without the framing;
//! the framing is exercised by the Neovim test in `tests/editors`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

/// A copy of the seed's bare-metal deployment (a host root) in a fresh temporary directory.
fn seed_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redlint-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seed/bare-metal");
    copy_dir(&seed, &dir);
    dir.canonicalize().unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn uri(path: &Path) -> String {
    redlint_lsp::convert::path_to_uri(&path.to_string_lossy())
        .unwrap()
        .as_str()
        .to_string()
}

struct Client {
    conn: Connection,
    server: Option<std::thread::JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    pending: Vec<Notification>,
}

impl Client {
    /// Start a server and initialize it with these `initializationOptions`.
    fn start(options: Value) -> Client {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || redlint_lsp::run(server));
        let mut c = Client {
            conn: client,
            server: Some(handle),
            next_id: 0,
            pending: Vec::new(),
        };
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": options}),
        );
        let caps = &init.result.as_ref().unwrap()["capabilities"];
        assert_eq!(caps["textDocumentSync"], 1, "full sync: {caps}");
        assert_eq!(caps["hoverProvider"], true);
        assert_eq!(caps["codeActionProvider"], true);
        c.notify("initialized", json!({}));
        c
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .unwrap();
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => return r,
                Message::Notification(n) => self.pending.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within 60 s")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        if let Some(i) = self
            .pending
            .iter()
            .position(|n| n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        {
            let n = self.pending.remove(i);
            return n.params["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            match self.recv() {
                Message::Notification(n)
                    if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri =>
                {
                    return n.params["diagnostics"].as_array().unwrap().clone()
                }
                Message::Notification(n) => self.pending.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn open(&self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "redis", "version": 1, "text": text}}),
        );
    }

    fn change(&self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.error.is_none());
        self.notify("exit", Value::Null);
        let result = self.server.take().unwrap().join().unwrap();
        assert_eq!(result, Ok(()));
    }
}

/// (code, 0-based line) of each diagnostic, sorted.
fn codes_lines(diags: &[Value]) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn seed_redis_conf_diagnostics_fixes_hover_completion_and_clearing() {
    let root = seed_copy("seed");
    let conf = root.join("etc/redis/redis.conf");
    let acl = root.join("etc/redis/users.acl");
    let text = std::fs::read_to_string(&conf).unwrap();
    let mut c = Client::start(json!({"root": root}));
    c.open(&conf, &text);

    let diags = c.diagnostics(&uri(&conf));
    let found = codes_lines(&diags);
    // The CLI's findings on the same file (`redlint check --root . etc/redis/redis.conf`).
    for expected in [
        ("RL007", 4),
        ("RL201", 20),
        ("RL202", 45),
        ("RL401", 45),
        ("RL801", 76),
    ] {
        assert!(
            found.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} not in {found:?}"
        );
    }
    let bind = diags.iter().find(|d| d["code"] == "RL007").unwrap();
    assert_eq!(
        bind["range"],
        json!({"start": {"line": 4, "character": 15}, "end": {"line": 4, "character": 25}})
    );
    assert_eq!(bind["severity"], 1, "fatal is an error");
    assert_eq!(bind["source"], "redlint");
    let href = bind["codeDescription"]["href"].as_str().unwrap();
    assert!(
        href.contains("/rules/RL007-") && href.ends_with(".md"),
        "{href}"
    );
    let info = diags.iter().find(|d| d["code"] == "RL801").unwrap();
    assert_eq!(info["severity"], 3, "info is Information");
    // No secret in any message: the requirepass value is not repeated.
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("requirepass "))
        .unwrap()
        .trim();
    let published = serde_json::to_string(&diags).unwrap();
    assert!(!published.contains(secret), "secret leaked: {published}");

    // The aclfile is part of the deployment: its findings are published too, unopened.
    let acl_found = codes_lines(&c.diagnostics(&uri(&acl)));
    assert!(
        acl_found.contains(&("RL020".to_string(), 0)),
        "{acl_found:?}"
    );
    assert!(
        acl_found.contains(&("RL022".to_string(), 3)),
        "{acl_found:?}"
    );

    // A quick fix for the renamed directive on line 77.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&conf)}, "range": info["range"], "context": {"diagnostics": [info]}}),
    );
    let actions = actions.result.unwrap();
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "RL801")
        .unwrap_or_else(|| panic!("no RL801 action in {actions}"));
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    let edits = &action["edit"]["changes"][uri(&conf)];
    assert_eq!(edits[0]["newText"], "busy-reply-threshold");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 76, "character": 0})
    );

    // Hover: on a directive, what it does; on a finding, its rule page.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&conf)}, "position": {"line": 76, "character": 3}}),
    );
    let value = hover.result.unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(value.contains("busy-reply-threshold"), "{value}");
    assert!(value.contains("RL801"), "the finding's rule page: {value}");

    // Completion: directive names, then enum values.
    let names = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&conf)}, "position": {"line": 76, "character": 3}}),
    );
    let names = names.result.unwrap();
    assert!(names
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["label"] == "appendfsync"));

    // Apply the fix by typing: the finding goes away, the others stay.
    let fixed = text.replacen("lua-time-limit", "busy-reply-threshold", 1);
    c.change(&conf, 2, &fixed);
    let after = codes_lines(&c.diagnostics(&uri(&conf)));
    assert!(!after.contains(&("RL801".to_string(), 76)), "{after:?}");
    assert!(after.contains(&("RL801".to_string(), 89)), "{after:?}");
    c.shutdown();
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn fixing_the_last_finding_clears_the_file_and_ranges_count_utf16() {
    let dir = std::env::temp_dir().join(format!("redlint-lsp-clear-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let conf = dir.join("users.acl");
    let mut c = Client::start(json!({}));
    // é is one UTF-16 unit, 😀 two: the category starts at UTF-16 column 12, byte 15.
    c.open(&conf, "user é😀 on +@sorted_set\n");
    let diags = c.diagnostics(&uri(&conf));
    let cat = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("sorted_set"))
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(cat["range"]["start"], json!({"line": 0, "character": 12}));
    assert_eq!(cat["range"]["end"], json!({"line": 0, "character": 24}));
    c.change(&conf, 2, "user alice off -@all\n");
    assert_eq!(c.diagnostics(&uri(&conf)), Vec::<Value>::new());
    c.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_requests_get_error_responses_and_the_server_keeps_going() {
    let mut c = Client::start(json!({"root": 42}));
    let r = c.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(
        r.error.unwrap().code,
        lsp_server::ErrorCode::InvalidParams as i32
    );
    let r = c.request("workspace/unknownThing", json!({}));
    assert_eq!(
        r.error.unwrap().code,
        lsp_server::ErrorCode::MethodNotFound as i32
    );
    // A hover on a document that is not open answers null, not an error or a crash.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/redis.conf"}, "position": {"line": 999, "character": 999}}),
    );
    assert_eq!(r.result, Some(Value::Null));
    // A malformed notification is dropped.
    c.notify("textDocument/didOpen", json!({"textDocument": 7}));
    c.shutdown();
}

#[test]
fn an_unsaved_buffer_wins_over_the_file_on_disk() {
    let dir = std::env::temp_dir().join(format!("redlint-lsp-overlay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/redis")).unwrap();
    let root = dir.canonicalize().unwrap();
    let conf = root.join("etc/redis/redis.conf");
    let extra = root.join("etc/redis/extra.conf");
    std::fs::write(
        &conf,
        "bind 127.0.0.1 -::1\ninclude /etc/redis/extra.conf\n",
    )
    .unwrap();
    // On disk the included file is clean; the unsaved buffer is what counts.
    std::fs::write(&extra, "port 6379\n").unwrap();
    let mut c = Client::start(json!({"root": root}));
    c.open(&extra, "lua-time-limit 5000\n");
    let found = codes_lines(&c.diagnostics(&uri(&extra)));
    assert!(found.contains(&("RL801".to_string(), 0)), "{found:?}");
    // Saving nothing, typing the fix: cleared.
    c.change(&extra, 2, "busy-reply-threshold 5000\n");
    let found = codes_lines(&c.diagnostics(&uri(&extra)));
    assert!(!found.contains(&("RL801".to_string(), 0)), "{found:?}");
    c.shutdown();
    let _ = std::fs::remove_dir_all(&root);
}

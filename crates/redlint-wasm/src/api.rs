//! The JSON API, as plain functions: a request string in, a response string out, never a
//! panic. A request that cannot be understood gets `{"error": "..."}`.

use std::collections::BTreeSet;

use redlint_core::config::Config;
use redlint_core::fs::{self, MemoryFs};
use redlint_core::generate::{self, MissingHostFact, Overrides, Spec};
use redlint_core::redact::{self, Redactor};
use redlint_core::security::strength::Judge;
use redlint_core::{acl, HostFacts, Input, Kind, Options, RedisBuild, Report};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::edits;

/// Version of the response shapes (the CLI's JSON output has the same `version` field).
const VERSION: u32 = 1;

/// One tab of the page: a file of the deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    /// Name shown in findings.
    path: String,
    /// Where the file lives on the target host (default: `path`, made absolute): references
    /// such as `aclfile /etc/redis/users.acl` find the tab by it.
    #[serde(default)]
    host_path: Option<String>,
    text: String,
    /// `redis`, `sentinel`, `acl`, `sysctl`, `systemd`, `limits`, `helm`, `compose`; default:
    /// detected from the name and content, as the CLI does.
    #[serde(default)]
    kind: Option<String>,
}

/// Host facts for the sizing rules; `memory` is bytes or a size with its unit (`"8GiB"`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostIn {
    #[serde(default)]
    memory: Option<serde_json::Value>,
    #[serde(default)]
    cpus: Option<u32>,
    #[serde(default)]
    nofile: Option<u64>,
}

/// What `check`, `fix` and `acl_dryrun` are asked about.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LintRequest {
    files: Vec<FileIn>,
    #[serde(default)]
    host: HostIn,
    #[serde(default)]
    redis_build: RedisBuild,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    /// A `redlint.toml` (select, ignore, severities, per-file ignores).
    #[serde(default)]
    config: Option<String>,
    #[serde(default)]
    show_secrets: bool,
    /// `fix` only: also apply fixes that may change behaviour.
    #[serde(default)]
    unsafe_fixes: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DryrunRequest {
    files: Vec<FileIn>,
    /// The tab whose users answer (its `path` or `host_path`); default: the first ACL file,
    /// else the first redis.conf.
    #[serde(default)]
    file: Option<String>,
    user: String,
    command: String,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateRequest {
    /// A TOML profile, as `redlint generate --profile` reads.
    #[serde(default)]
    profile: Option<String>,
    /// The form: the profile's keys (`host-memory`, `topology`, ...), on top of the profile.
    #[serde(default)]
    options: Overrides,
}

/// `{"error": message}`, with terminal and bidi control characters escaped.
pub(crate) fn error(message: &str) -> String {
    finish(&json!({ "error": message }))
}

/// Serialise a response; DEL, C1 and bidi overrides escaped as the CLI's JSON does.
fn finish<T: Serialize>(value: &T) -> String {
    match serde_json::to_string(value) {
        Ok(s) => redact::escape_json_controls(&s).into_owned(),
        Err(e) => format!("{{\"error\":{}}}", json!(e.to_string())),
    }
}

fn parse<'a, T: Deserialize<'a>>(request: &'a str) -> Result<T, String> {
    serde_json::from_str(request).map_err(|e| format!("bad request: {e}"))
}

/// Run `f` and turn its error into the error object.
fn respond(f: impl FnOnce() -> Result<String, String>) -> String {
    f().unwrap_or_else(|e| error(&e))
}

/// One pasted file, read.
struct Tab {
    path: String,
    host_path: String,
    bytes: Vec<u8>,
    kind: Option<Kind>,
}

/// The tabs with their host paths settled; two tabs cannot be the same host file.
fn tabs(files: Vec<FileIn>) -> Result<Vec<Tab>, String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        if f.path.trim().is_empty() {
            return Err("a file has an empty `path`".into());
        }
        let host_path = fs::normalize(f.host_path.as_deref().unwrap_or(&f.path));
        if !seen.insert(host_path.clone()) {
            return Err(format!("two files have the host path {host_path}"));
        }
        let bytes = f.text.into_bytes();
        let kind = match f.kind.as_deref() {
            Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                format!(
                    "{}: unknown kind `{k}` (redis, sentinel, acl, sysctl, systemd, limits, helm, compose)",
                    f.path
                )
            })?),
            None => redlint_core::model::kind::detect(&host_path, &bytes)
                .or_else(|| redlint_core::model::kind::detect(&f.path, &bytes)),
        };
        out.push(Tab {
            path: f.path,
            host_path,
            bytes,
            kind,
        });
    }
    Ok(out)
}

/// The pasted files as the target host: every tab at its host path, and only the tabs'
/// directories covered, so a reference elsewhere is "not checked", never "missing".
fn memory_fs(tabs: &[Tab]) -> MemoryFs {
    let mut mem = MemoryFs::new();
    for t in tabs {
        mem.insert(t.host_path.clone(), t.bytes.clone());
        mem.cover(fs::parent(&t.host_path).to_string());
    }
    mem
}

/// The tabs of a known kind are the inputs; the others (scripts, unknown files) are only
/// there to be referenced. Returns the inputs and the paths left out.
fn inputs(tabs: &[Tab]) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    for t in tabs {
        match t.kind {
            Some(kind) => inputs.push(Input {
                path: t.path.clone(),
                host_path: Some(t.host_path.clone()),
                bytes: t.bytes.clone(),
                kind,
            }),
            None => skipped.push(t.path.clone()),
        }
    }
    (inputs, skipped)
}

fn host_facts(h: &HostIn) -> Result<HostFacts, String> {
    let memory = match &h.memory {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => Some(
            n.as_u64()
                .ok_or("host.memory: a whole number of bytes, or a size such as \"8GiB\"")?,
        ),
        Some(serde_json::Value::String(s)) => {
            Some(redlint_core::sizing::parse_size(s).map_err(|e| format!("host.memory: {e}"))?)
        }
        Some(_) => return Err("host.memory: a number of bytes or a size such as \"8GiB\"".into()),
    };
    if h.cpus == Some(0) || h.nofile == Some(0) {
        return Err("host.cpus and host.nofile must be at least 1".into());
    }
    Ok(HostFacts {
        memory,
        cpus: h.cpus,
        nofile: h.nofile,
    })
}

/// Options as the CLI settles them: the settings file, then select/ignore on top. Always
/// off-host; passwords priced by `strength`.
fn options(req: &LintRequest, strength: Judge) -> Result<Options, String> {
    let mut config = match &req.config {
        Some(text) => Config::from_toml(text).map_err(|e| format!("config: {e}"))?,
        None => Config::default(),
    };
    config.select_over(req.select.clone(), req.ignore.clone())?;
    Ok(Options {
        show_secrets: req.show_secrets,
        on_host: false,
        run_as: None,
        host: host_facts(&req.host)?,
        redis_build: req.redis_build,
        config,
        ungrouped: false,
        strength,
    })
}

/// Everything a lint run needs.
struct Prepared {
    inputs: Vec<Input>,
    skipped: Vec<String>,
    fs: MemoryFs,
    options: Options,
}

fn prepare(req: LintRequest, strength: Judge) -> Result<Prepared, String> {
    let options = options(&req, strength)?;
    let tabs = tabs(req.files)?;
    let fs = memory_fs(&tabs);
    let (inputs, skipped) = inputs(&tabs);
    if inputs.is_empty() {
        return Err("no file to check: none of the files is of a kind redlint reads".into());
    }
    Ok(Prepared {
        inputs,
        skipped,
        fs,
        options,
    })
}

/// The report as the CLI's `--format json` shows it, plus the tabs left out.
fn report_json(report: &Report, skipped: &[String]) -> serde_json::Value {
    json!({
        "version": VERSION,
        "findings": report.findings,
        "summary": report.summary(),
        "notices": report.notices,
        "not_checked": skipped,
    })
}

/// `check`: the findings of the pasted deployment, passwords priced by this build's judge
/// (in the browser: the strength module once loaded).
pub fn check_json(request: &str) -> String {
    check_json_judged(request, crate::strength::judge())
}

/// `check` with a given password-strength judge ([`Judge::absent`]: the page before its
/// strength module is loaded). Each fix edit also gets `from16`/`to16`: its offsets in UTF-16
/// code units of the file's text, as the editor counts.
pub fn check_json_judged(request: &str, strength: Judge) -> String {
    respond(|| {
        let p = prepare(parse(request)?, strength)?;
        let report = redlint_core::check(p.inputs, &p.fs, &p.options);
        let mut out = report_json(&report, &p.skipped);
        edits::add_utf16_offsets(&mut out["findings"], &report.workspace);
        Ok(finish(&out))
    })
}

/// One file the fixes change: the page applies `changes` to its tab (or creates the tab).
#[derive(Serialize)]
struct FileOut {
    path: String,
    host_path: Option<String>,
    kind: Kind,
    created: bool,
    /// Mode a created file gets when downloaded or written (an existing file keeps its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<u32>,
    changes: Vec<edits::Change>,
    /// The whole new text, only with `show_secrets` (it repeats what the user pasted).
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

/// `fix`: the core's write plan as editor changes, the diff (secrets withheld as the CLI's
/// `--diff` does), and the findings left.
pub fn fix_json(request: &str) -> String {
    fix_json_judged(request, crate::strength::judge())
}

/// `fix` with a given password-strength judge (see [`check_json_judged`]).
pub fn fix_json_judged(request: &str, strength: Judge) -> String {
    respond(|| {
        let req: LintRequest = parse(request)?;
        let unsafe_fixes = req.unsafe_fixes;
        let p = prepare(req, strength)?;
        let show = p.options.show_secrets;
        let outcome = redlint_core::fix::fix(p.inputs, &p.fs, &p.options, unsafe_fixes);
        let redactor = Redactor::new(&outcome.report.workspace);
        let diff = redact::diff::unified(&outcome.files, &redactor, show);
        let files: Vec<FileOut> = outcome
            .write_plan()
            .into_iter()
            .map(|w| {
                let old = String::from_utf8_lossy(&w.original);
                let new = String::from_utf8_lossy(&w.bytes);
                FileOut {
                    changes: edits::changes(&old, &new),
                    text: show.then(|| new.into_owned()),
                    path: w.path,
                    host_path: w.host_path,
                    kind: w.kind,
                    created: w.created,
                    mode: w.created.then_some(w.new_file_mode),
                }
            })
            .collect();
        let mut out = report_json(&outcome.report, &p.skipped);
        edits::add_utf16_offsets(&mut out["findings"], &outcome.report.workspace);
        out["applied"] = json!(outcome.applied);
        out["files"] = json!(files);
        out["diff"] = json!({
            "text": diff.shown,
            "withheld_hunks": diff.withheld_hunks,
            "withheld_files": diff.withheld_files,
        });
        Ok(finish(&out))
    })
}

/// `generate`: the files of a deployment (paths relative to the host root, with modes).
/// `random` fills buffers with cryptographically secure bytes.
pub fn generate_json(request: &str, random: &mut dyn FnMut(&mut [u8])) -> String {
    respond(|| {
        let req: GenerateRequest = parse(request)?;
        let spec = match &req.profile {
            Some(text) => {
                Spec::from_profile(text, &req.options).map_err(|e| format!("profile: {e}"))?
            }
            None => Spec::from_overrides(&req.options).map_err(|m| match m {
                MissingHostFact::Memory => "give host-memory (e.g. \"8GiB\") or a profile",
                MissingHostFact::Cpus => "give host-cpus or a profile",
            })?,
        };
        let files = generate::generate(&spec, random)?;
        let files: Vec<_> = files
            .into_iter()
            .map(|f| json!({ "path": f.path, "text": f.contents, "mode": f.mode }))
            .collect();
        Ok(finish(&json!({ "version": VERSION, "files": files })))
    })
}

/// `rules`: the catalogue. `page` is the rule's page (front matter removed) when the build
/// embeds the pages, else `null`: the browser build does not, and the page fetches
/// `page_path` (`rules/RL001.md`: web/CONTRACT.md's place for `rules/RL001-*.md`, front matter
/// included) from its own origin.
pub fn rules_json() -> String {
    let rules: Vec<_> = redlint_core::rules::ALL
        .iter()
        .map(|r| {
            json!({
                "code": r.code,
                "name": r.name,
                "category": r.category,
                "severity": r.severity,
                "host_check": r.host_check,
                "fix": r.fix,
                "page": r.page(),
                "page_path": format!("rules/{}.md", r.code),
            })
        })
        .collect();
    finish(&json!({ "version": VERSION, "rules": rules }))
}

/// `acl_dryrun`: what `ACL DRYRUN user command args...` answers for the users of one tab
/// (a redis.conf with `aclfile` answers from the tab at that host path).
pub fn acl_dryrun_json(request: &str) -> String {
    respond(|| {
        let req: DryrunRequest = parse(request)?;
        let tabs = tabs(req.files)?;
        let asked = match &req.file {
            Some(name) => {
                let host = fs::normalize(name);
                tabs.iter()
                    .find(|t| t.path == *name || t.host_path == host)
                    .ok_or_else(|| format!("no file `{name}` among the files"))?
            }
            None => tabs
                .iter()
                .find(|t| t.kind == Some(Kind::Acl))
                .or_else(|| tabs.iter().find(|t| t.kind == Some(Kind::Redis)))
                .ok_or("no ACL file or redis.conf among the files")?,
        };
        let kind = match asked.kind {
            Some(Kind::Redis | Kind::Sentinel) => acl::Kind::Redis,
            _ => acl::Kind::Acl,
        };
        // A redis.conf with `aclfile`: its users are in that file, found by host path.
        let (tab, kind, users_from) = match (kind, acl::conf_aclfile(&asked.bytes)) {
            (acl::Kind::Redis, Some((line, aclfile))) => {
                let host = fs::join(fs::parent(&asked.host_path), &aclfile);
                let tab = tabs.iter().find(|t| t.host_path == host).ok_or_else(|| {
                    format!(
                        "{}:{line}: users come from `aclfile {aclfile}`: add a file with host path {host}",
                        asked.path
                    )
                })?;
                let from = json!({ "file": asked.path, "line": line, "aclfile": host });
                (tab, acl::Kind::Acl, Some(from))
            }
            (kind, _) => (asked, kind, None),
        };
        let redactor = Redactor::for_bytes(
            if kind == acl::Kind::Acl {
                Kind::Acl
            } else {
                Kind::Redis
            },
            &tab.bytes,
        );
        let safe = |text: &str| redactor.scrub(text);
        let mut argv: Vec<&[u8]> = vec![req.command.as_bytes()];
        argv.extend(req.args.iter().map(|a| a.as_bytes()));
        let result = acl::dryrun_file(&tab.bytes, kind, &req.user, &argv)
            .map_err(|e| format!("{}: {}", safe(&tab.path), safe(&e)))?;
        let refused: Vec<_> = result
            .refused
            .iter()
            .map(|(line, why)| json!({ "file": tab.path, "line": line, "reason": safe(why) }))
            .collect();
        let (answer, text) = match result.answer {
            acl::DryRun::Ok => ("ok", "OK".to_string()),
            acl::DryRun::Denied(text) => ("denied", safe(&text)),
            acl::DryRun::Error(text) => return Err(safe(&text)),
        };
        Ok(finish(&json!({
            "version": VERSION,
            "answer": answer,
            "text": text,
            "file": tab.path,
            "users_from": users_from,
            "refused": refused,
        })))
    })
}

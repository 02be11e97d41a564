//! Reading a server's effective configuration for the consistency checks: the arguments of
//! the line that wins, facts derived from several directives (persistence, replication role,
//! the `save` list exactly as Redis 7.0.15 builds it), and where a line is, for messages.

use super::Context;
use crate::knowledge::directives::{self, ValueType};
use crate::model::{Directive, FileId, Kind, Server, Workspace};
use crate::sizing::{Persistence, Role};
use crate::source::Span;

/// Decoded arguments of a directive line (the name excluded).
pub(super) fn args<'a>(ws: &'a Workspace, d: &Directive) -> Vec<&'a [u8]> {
    let (f, doc, l) = ws.conf_line(d.file, d.line);
    doc.tokens(l)
        .iter()
        .skip(1)
        .map(|t| doc.value(&f.source.bytes, t))
        .collect()
}

/// The single argument of a directive line, when it has exactly one.
pub(super) fn single<'a>(ws: &'a Workspace, d: &Directive) -> Option<&'a [u8]> {
    match args(ws, d).as_slice() {
        [v] => Some(*v),
        _ => None,
    }
}

/// The whole line, newline included: what a fix deletes.
pub(super) fn line_span(ws: &Workspace, file: FileId, line: u32) -> Span {
    ws.conf_line(file, line).2.span
}

/// The line without surrounding blanks: what a finding points at.
pub(super) fn content_span(ws: &Workspace, d: &Directive) -> Span {
    ws.conf_line(d.file, d.line).2.content
}

/// The span of token `i` (0 = the directive name).
pub(super) fn token_span(ws: &Workspace, d: &Directive, i: usize) -> Option<Span> {
    let (_, doc, l) = ws.conf_line(d.file, d.line);
    doc.tokens(l).get(i).map(|t| t.span)
}

/// `path:line` of a directive, for messages.
pub(super) fn at(ws: &Workspace, d: &Directive) -> String {
    at_line(ws, d.file, d.line)
}

pub(super) fn at_line(ws: &Workspace, file: FileId, line: u32) -> String {
    format!("{}:{}", ws.file(file).source.path, line + 1)
}

/// The arguments as one string for a message (`save 900 1` → `900 1`).
pub(super) fn shown_args(ctx: &Context<'_>, d: &Directive) -> String {
    let (f, doc, l) = ctx.ws.conf_line(d.file, d.line);
    let shown: Vec<String> = doc
        .tokens(l)
        .iter()
        .skip(1)
        .map(|t| ctx.shown(d.file, t.span, doc.value(&f.source.bytes, t)))
        .collect();
    if shown.is_empty() {
        // A bare directive: say so rather than quote nothing.
        "(no value)".to_string()
    } else {
        shown.join(" ")
    }
}

/// A yes/no directive's effective value and the line that sets it (`None`: the default).
/// A value Redis would refuse counts as the default (that line is reported as fatal anyway).
pub(super) fn bool_setting<'a>(
    ws: &Workspace,
    server: &'a Server,
    name: &str,
    default: bool,
) -> (bool, Option<&'a Directive>) {
    match server.last(name) {
        Some(d) => match single(ws, d).map(|v| v.to_ascii_lowercase()) {
            Some(v) if v == b"yes" => (true, Some(d)),
            Some(v) if v == b"no" => (false, Some(d)),
            _ => (default, None),
        },
        None => (default, None),
    }
}

/// A memory directive's effective value in bytes, with its line.
pub(super) fn memory_setting<'a>(
    ws: &Workspace,
    server: &'a Server,
    name: &str,
) -> Option<(u64, &'a Directive)> {
    let d = server.last(name)?;
    let v = directives::parse_memory(single(ws, d)?)?;
    Some((v, d))
}

/// A plain integer directive's effective value (Redis' `string2ll` grammar), with its line.
pub(super) fn int_setting<'a>(
    ws: &Workspace,
    server: &'a Server,
    name: &str,
) -> Option<(i64, &'a Directive)> {
    let d = server.last(name)?;
    let v = parse_int(single(ws, d)?)?;
    Some((v, d))
}

/// Redis' plain integers (`string2ll`: optional `-`, no leading zeros, no `+`, no spaces).
pub(super) fn parse_int(v: &[u8]) -> Option<i64> {
    directives::values::string2ll(v)
}

/// True if two argument lists mean the same value for this directive (`64mb` = `67108864`,
/// `YES` = `yes`, enum names in any case).
pub(super) fn same_value(name: &str, a: &[&[u8]], b: &[&[u8]]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let spec = directives::lookup(name.as_bytes());
    a.iter()
        .zip(b)
        .all(|(x, y)| match spec.map(|s| s.value_type) {
            Some(ValueType::Memory) => {
                directives::parse_memory(x).is_some()
                    && directives::parse_memory(x) == directives::parse_memory(y)
            }
            Some(ValueType::Int) => parse_int(x).is_some() && parse_int(x) == parse_int(y),
            Some(ValueType::Bool | ValueType::Enum) => x.eq_ignore_ascii_case(y),
            _ => x == y,
        })
}

/// True if the arguments are the directive's built-in default.
pub(super) fn is_default(name: &str, a: &[&[u8]]) -> bool {
    let Some(spec) = directives::lookup(name.as_bytes()) else {
        return false;
    };
    let default: Vec<&[u8]> = if spec.default.is_empty() {
        vec![b"".as_slice()]
    } else {
        spec.default.split(' ').map(str::as_bytes).collect()
    };
    same_value(name, a, &default) || (a.len() == 1 && a[0].is_empty() && spec.default.is_empty())
}

/// A lower-case enum value of the winning line.
pub(super) fn enum_setting<'a>(
    ws: &Workspace,
    server: &'a Server,
    name: &str,
) -> Option<(String, &'a Directive)> {
    let d = server.last(name)?;
    let v = single(ws, d)?;
    Some((String::from_utf8_lossy(v).to_ascii_lowercase(), d))
}

fn host_path(ws: &Workspace, file: FileId) -> &str {
    let f = ws.file(file);
    f.host_path.as_deref().unwrap_or(&f.source.path)
}

/// True if the file sits in a drop-in directory (`redis.conf.d/`, `conf.d/`, any `*.d`).
pub(super) fn in_dropin_dir(ws: &Workspace, file: FileId) -> bool {
    let dir = crate::fs::parent(host_path(ws, file));
    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    dir_name.ends_with(".d") && dir_name.len() > 2
}

/// The directories holding the main config of a redis-server that is not itself in a drop-in
/// directory: a `*.d` directory inside one of them holds fragments of that server.
fn server_dirs<'a>(ctx: &'a Context<'_>) -> std::collections::HashSet<&'a str> {
    ctx.deployment
        .servers
        .iter()
        .filter(|s| !s.sentinel && !in_dropin_dir(ctx.ws, s.main))
        .map(|s| crate::fs::parent(host_path(ctx.ws, s.main)))
        .collect()
}

fn is_fragment_of(ctx: &Context<'_>, dirs: &std::collections::HashSet<&str>, file: FileId) -> bool {
    in_dropin_dir(ctx.ws, file)
        && dirs.contains(crate::fs::parent(crate::fs::parent(host_path(
            ctx.ws, file,
        ))))
}

/// The redis-server processes of the deployment (not Sentinels, not drop-in fragments that
/// the model treats as servers because nothing includes them).
pub(super) fn redis_servers<'a>(ctx: &'a Context<'_>) -> impl Iterator<Item = &'a Server> + 'a {
    let dirs = server_dirs(ctx);
    ctx.deployment
        .servers
        .iter()
        .filter(move |s| !s.sentinel && !is_fragment_of(ctx, &dirs, s.main))
}

/// True if the deployment has a Sentinel: then any master may become a replica after a
/// failover, and replicas may appear that no file here names.
pub(super) fn has_sentinel(ctx: &Context<'_>) -> bool {
    ctx.deployment.servers.iter().any(|s| s.sentinel)
        || ctx.ws.files.iter().any(|f| f.kind == Kind::Sentinel)
}

/// The effective `replicaof` line, unless it is `replicaof no one`.
pub(super) fn replicaof<'a>(ws: &Workspace, server: &'a Server) -> Option<&'a Directive> {
    let d = server.last("replicaof")?;
    let a = args(ws, d);
    let no_one =
        a.len() == 2 && a[0].eq_ignore_ascii_case(b"no") && a[1].eq_ignore_ascii_case(b"one");
    (!no_one && !a.is_empty()).then_some(d)
}

/// Replication around the servers, as far as the checked files tell; computed once per check.
#[derive(Debug, Clone, Copy)]
pub(super) struct Topology {
    sentinel: bool,
    replicas: usize,
}

impl Topology {
    pub fn of(ctx: &Context<'_>) -> Topology {
        Topology {
            sentinel: has_sentinel(ctx),
            replicas: redis_servers(ctx)
                .filter(|s| replicaof(ctx.ws, s).is_some())
                .count(),
        }
    }

    /// The server's place in replication: a replica if it has `replicaof`; a master if a
    /// Sentinel is present or another server is a replica; standalone otherwise.
    pub fn role(&self, ws: &Workspace, server: &Server) -> Role {
        if replicaof(ws, server).is_some() {
            Role::Replica
        } else if self.sentinel || self.replicas > 0 {
            Role::Master
        } else {
            Role::Standalone
        }
    }
}

/// For each directive of a server, the index of the `include` line that loaded its file
/// (`None` in the main file): the next directive one include level up. One backward pass.
pub(super) fn includers(server: &Server) -> Vec<Option<usize>> {
    let n = server.directives.len();
    let mut out = vec![None; n];
    let mut next_at_depth: Vec<Option<usize>> = Vec::new();
    for i in (0..n).rev() {
        let depth = server.directives[i].depth as usize;
        if depth > 0 {
            out[i] = next_at_depth.get(depth - 1).copied().flatten();
        }
        if next_at_depth.len() <= depth {
            next_at_depth.resize(depth + 1, None);
        }
        next_at_depth[depth] = Some(i);
    }
    out
}

/// What the server persists: RDB when it ends up with save points (the built-in defaults when
/// no `save` line exists), AOF when `appendonly yes`.
pub(super) fn persistence(ws: &Workspace, server: &Server) -> Persistence {
    let rdb = save_trace(ws, server, false).is_none_or(|t| !t.points.is_empty());
    Persistence {
        rdb,
        aof: bool_setting(ws, server, "appendonly", false).0,
    }
}

/// Redis' built-in save points (7.0).
pub(super) const DEFAULT_SAVE: &[(i64, i64)] = &[(3600, 1), (300, 100), (60, 10000)];

/// One `save` line as Redis applies it.
#[derive(Debug, Clone)]
pub(super) struct SaveStep {
    /// Index into `Server::directives`.
    pub index: usize,
    /// The include line (index into `Server::directives`) that cleared Redis'
    /// `reading_config_file` flag: after it, each `save` replaces the list instead of appending.
    pub cleared_by: Option<usize>,
    /// The points this line discards.
    pub discarded: Vec<(i64, i64)>,
    /// True if Redis resets the list at this line.
    pub resets: bool,
}

/// The save list as Redis builds it, line by line.
#[derive(Debug, Clone)]
pub(super) struct SaveTrace {
    pub steps: Vec<SaveStep>,
    pub points: Vec<(i64, i64)>,
}

/// Replay the `save` lines of a server (`config.c: setConfigSaveOption`, 7.0.15): a lone
/// `""` argument clears; while the config file is being read the first `save` line drops the
/// defaults and later ones append; after an `include` has finished, the flag is cleared for
/// the rest of the including file, so each `save` there replaces the whole list (verified on
/// 7.0.15: `save 100 1` / `include x` / `save 200 2` → `200 2`; lines inside a later included
/// file append again). With `always_reading`, the flag is never cleared: what the author
/// meant. `None` when a `save` line is invalid (Redis refuses to start; reported elsewhere).
pub(super) fn save_trace(
    ws: &Workspace,
    server: &Server,
    always_reading: bool,
) -> Option<SaveTrace> {
    let mut points: Vec<(i64, i64)> = DEFAULT_SAVE.to_vec();
    let mut save_loaded = false;
    let mut steps = Vec::new();
    // Per file: the last include line seen so far in load order (files are read top to bottom
    // on every invocation, so "an include earlier in this file" is what clears the flag).
    let mut last_include: std::collections::HashMap<FileId, usize> = Default::default();
    let mut any_save = false;
    for (i, d) in server.directives.iter().enumerate() {
        if d.name == "include" {
            last_include.insert(d.file, i);
            continue;
        }
        if d.name != "save" {
            continue;
        }
        any_save = true;
        let cleared_by = last_include
            .get(&d.file)
            .copied()
            .filter(|inc| server.directives[*inc].line < d.line);
        let reading = always_reading || cleared_by.is_none();
        let mut a = args(ws, d);
        let clear = a.len() == 1 && a[0].is_empty();
        if clear {
            a.clear();
        }
        if a.len() % 2 == 1 {
            return None;
        }
        let mut pairs = Vec::with_capacity(a.len() / 2);
        for p in a.chunks(2) {
            let secs = parse_save_number(p[0])?;
            let changes = parse_save_number(p[1])?;
            if secs < 1 || changes < 0 {
                return None;
            }
            pairs.push((secs, changes));
        }
        let first_while_reading = reading && !save_loaded;
        if first_while_reading {
            save_loaded = true;
        }
        let resets = clear || !reading || first_while_reading;
        // Each point is discarded at most once: the steps hold O(points) in total.
        let discarded = if resets {
            std::mem::take(&mut points)
        } else {
            Vec::new()
        };
        points.extend(pairs);
        steps.push(SaveStep {
            index: i,
            cleared_by: if always_reading { None } else { cleared_by },
            discarded,
            resets,
        });
    }
    if !any_save {
        points = DEFAULT_SAVE.to_vec();
    }
    Some(SaveTrace { steps, points })
}

/// `strtoll` with full consumption, as `save` reads its numbers (a leading `+` or blanks are
/// tolerated).
fn parse_save_number(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?.trim_start();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    s.parse().ok()
}

/// Save points as redis.conf writes them: `900 1 300 10`, or `""` for none.
pub(super) fn format_points(points: &[(i64, i64)]) -> String {
    if points.is_empty() {
        return "\"\"".to_string();
    }
    points
        .iter()
        .map(|(s, c)| format!("{s} {c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Save points for a message: at most 6 pairs, then how many more.
pub(super) fn show_points(points: &[(i64, i64)]) -> String {
    const MAX: usize = 6;
    if points.len() <= MAX {
        return format_points(points);
    }
    format!(
        "{} … ({} points)",
        format_points(&points[..MAX]),
        points.len()
    )
}

/// Bytes as redis.conf would say them: `4gb`, `512mb`, or plain bytes.
pub(super) fn format_memory(bytes: u64) -> String {
    const KB: u64 = 1024;
    if bytes > 0 && bytes.is_multiple_of(KB * KB * KB) {
        format!("{}gb", bytes / (KB * KB * KB))
    } else if bytes > 0 && bytes.is_multiple_of(KB * KB) {
        format!("{}mb", bytes / (KB * KB))
    } else if bytes > 0 && bytes.is_multiple_of(KB) {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Bytes for a reader: `3.5 GiB`.
pub(super) fn human(bytes: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else if (v - v.round()).abs() < 0.05 {
        format!("{} {}", v.round() as u64, UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The edit that makes a one-argument directive read `value` on this server: the value of its
/// winning line replaced, or — when no line sets it — a new line at the end of the server's main
/// file (after every `include`, so it wins), preceded by a comment saying why.
pub(super) fn set_value_edit(
    ws: &Workspace,
    server: &Server,
    name: &str,
    value: &str,
    why: &str,
) -> (FileId, Span, String) {
    match server.last(name) {
        Some(d) => replace_value_edit(ws, d, value),
        None => append_edit(ws, server.main, &format!("# {why}\n{name} {value}\n")),
    }
}

/// The edit that replaces the value of a one-argument directive line (the whole line when it
/// does not have exactly one argument).
pub(super) fn replace_value_edit(
    ws: &Workspace,
    d: &Directive,
    value: &str,
) -> (FileId, Span, String) {
    match token_span(ws, d, 1) {
        Some(span) if args(ws, d).len() == 1 => (d.file, span, value.to_string()),
        _ => (d.file, content_span(ws, d), format!("{} {value}", d.name)),
    }
}

/// The edit that puts `text` (a comment of this line) on a line of its own just above it, with
/// the line's indentation and line ending.
pub(super) fn line_above_edit(
    file: FileId,
    bytes: &[u8],
    line: &crate::syntax::conf::Line,
    text: Span,
) -> (FileId, Span, String) {
    let indent: String = bytes[line.span.start as usize..line.content.start as usize]
        .iter()
        .filter(|&&b| b == b' ' || b == b'\t')
        .map(|&b| b as char)
        .collect();
    let eol = if bytes[line.span.range()].ends_with(b"\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let text = String::from_utf8_lossy(&bytes[text.range()]);
    let at = line.span.start as usize;
    (file, Span::new(at, at), format!("{indent}{text}{eol}"))
}

/// An edit appending whole lines to a file, adding the missing newline before them if needed.
pub(super) fn append_edit(ws: &Workspace, file: FileId, lines: &str) -> (FileId, Span, String) {
    let bytes = &ws.file(file).source.bytes;
    let end = bytes.len();
    let text = if bytes.is_empty() || bytes.ends_with(b"\n") {
        lines.to_string()
    } else {
        format!("\n{lines}")
    };
    (file, Span::new(end, end), text)
}

/// Where a finding about something missing from a server goes: the start of its main file.
pub(super) fn file_start(ws: &Workspace, file: FileId) -> Span {
    let f = ws.file(file);
    let end = f
        .source
        .bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(f.source.bytes.len());
    Span::new(0, end)
}

/// Running the checks over small in-memory deployments, for the unit tests of this family.
#[cfg(test)]
pub(super) mod testing {
    use crate::finding::Finding;
    use crate::fs::MemoryFs;
    use crate::{check, Input, Kind, Options};

    /// Check files given as (host path, kind, text); every file is an input and on the host.
    pub fn run_with(files: &[(&str, Kind, &str)], options: &Options) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(*path, text.as_bytes().to_vec());
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path.to_string()),
                bytes: text.as_bytes().to_vec(),
                kind: *kind,
            });
        }
        check(inputs, &fs, options).findings
    }

    /// Each rule's findings on their own (the rules are tested one by one).
    pub fn run(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        let options = Options {
            ungrouped: true,
            ..Options::default()
        };
        run_with(files, &options)
    }

    /// As a user sees them: one finding per problem.
    pub fn run_grouped(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        run_with(files, &Options::default())
    }

    /// One redis.conf at /etc/redis/redis.conf.
    pub fn redis(text: &str) -> Vec<Finding> {
        run(&[("/etc/redis/redis.conf", Kind::Redis, text)])
    }

    /// (file, line) of the findings with this code.
    pub fn lines(findings: &[Finding], code: &str) -> Vec<(String, u32)> {
        findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| (f.file.clone(), f.line))
            .collect()
    }

    pub fn only<'a>(findings: &'a [Finding], code: &str) -> Vec<&'a Finding> {
        findings.iter().filter(|f| f.code == code).collect()
    }

    /// The text after applying every fix of the findings with this code to `path`.
    pub fn fixed(findings: &[Finding], code: &str, path: &str, text: &str) -> String {
        let edits: Vec<_> = findings
            .iter()
            .filter(|f| f.code == code)
            .filter_map(|f| f.fix.as_ref())
            .flat_map(|fx| fx.edits.iter().cloned())
            .filter(|e| e.file == path)
            .collect();
        String::from_utf8(crate::fix::apply_edits(text.as_bytes(), &edits)).expect("utf-8")
    }

    #[test]
    fn save_trace_matches_redis_7_0_15() {
        // Observed with redis-server 7.0.15 (CONFIG GET save), see RL105's page.
        use crate::model::Kind;
        let cases: &[(&str, &str)] = &[
            (
                "save 100 1\ninclude /etc/redis/a.conf\nsave 200 2\nsave 300 3\n",
                "300 3",
            ),
            (
                "save 100 1\ninclude /etc/redis/none/*.conf\nsave 200 2\n",
                "200 2",
            ),
            (
                "save 100 1\ninclude /etc/redis/b.conf\n",
                "100 1 200 2 300 3",
            ),
            (
                "include /etc/redis/a.conf\nsave 100 1\nsave 200 2\n",
                "200 2",
            ),
            (
                "include /etc/redis/a.conf\nsave 100 1\ninclude /etc/redis/b.conf\n",
                "200 2 300 3",
            ),
            ("include /etc/redis/a.conf\nsave\n", "\"\""),
            ("save 100 1\nsave\n", "100 1"),
            ("port 6379\n", "3600 1 300 100 60 10000"),
        ];
        for (main, expected) in cases {
            let mut fs = crate::fs::MemoryFs::new();
            fs.insert("/etc/redis/a.conf", "\n");
            fs.insert("/etc/redis/b.conf", "save 200 2\nsave 300 3\n");
            fs.insert("/etc/redis/redis.conf", main.as_bytes().to_vec());
            let mut ws = crate::model::Workspace::new();
            ws.add(
                "redis.conf".into(),
                Some("/etc/redis/redis.conf".into()),
                main.as_bytes().to_vec(),
                Kind::Redis,
                crate::model::Origin::Given,
            );
            let (dep, _) = crate::model::Deployment::build(&mut ws, &fs, Default::default());
            let trace = super::save_trace(&ws, &dep.servers[0], false).expect("valid");
            assert_eq!(super::format_points(&trace.points), *expected, "{main}");
        }
    }

    #[test]
    fn memory_and_values() {
        assert_eq!(super::format_memory(2 << 30), "2gb");
        assert_eq!(super::format_memory(3 << 29), "1536mb");
        assert_eq!(super::human(3 << 29), "1.5 GiB");
        assert!(super::same_value("maxmemory", &[b"64mb"], &[b"67108864"]));
        assert!(super::same_value("appendonly", &[b"YES"], &[b"yes"]));
        assert!(!super::same_value("timeout", &[b"300"], &[b"0"]));
        assert!(super::is_default("auto-aof-rewrite-min-size", &[b"64mb"]));
        assert!(super::is_default("appendfsync", &[b"EVERYSEC"]));
        assert!(!super::is_default("appendfsync", &[b"always"]));
        assert!(super::is_default("replica-announce-ip", &[b""]));
    }
}

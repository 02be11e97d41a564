//! Lines that another line makes dead: a directive set twice in one file (RL101), a value
//! overridden through the include order (RL102), drop-in fragments no `include` loads
//! (RL104), and the 7.0 bug that makes `save` lines after an `include` replace each other
//! (RL105). Redis accepts all of these silently: the last line wins.

use std::collections::{HashMap, HashSet};

use super::effective::{self, args, at, at_line, content_span, line_span, shown_args};
use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::knowledge::directives::{self, NameKind};
use crate::model::{Directive, FileId, Kind, Server};
use crate::rules;
use crate::syntax::conf::LineKind;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for id in ctx.ws.ids() {
        if matches!(ctx.ws.file(id).kind, Kind::Redis | Kind::Sentinel) {
            duplicates_in_file(ctx, id, out);
        }
    }
    let mut reported = HashSet::new();
    for server in &ctx.deployment.servers {
        overridden_across_files(ctx, server, &mut reported, out);
        if !server.sentinel {
            save_after_include(ctx, server, out);
        }
    }
    unloaded_fragments(ctx, out);
}

/// The canonical name of a single-valued table directive, or `None` for everything whose
/// repeated lines accumulate (save, include, user, client-output-buffer-limit, module configs,
/// …) or that Redis does not keep (ignored deprecated names, unknown names).
fn single_valued(raw: &[u8]) -> Option<&'static str> {
    match directives::classify(raw) {
        NameKind::Table(spec) if !directives::is_multi_valued(&spec.name) => Some(&spec.name),
        _ => None,
    }
}

/// Every directive line of a file (index into its lines) with its single-valued canonical
/// name.
fn single_valued_lines(ctx: &Context<'_>, file: FileId) -> Vec<(u32, &'static str)> {
    let f = ctx.ws.file(file);
    let Some(doc) = f.conf() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for (i, l) in doc.lines.iter().enumerate() {
        if l.kind != LineKind::Directive {
            continue;
        }
        let Some(t) = doc.tokens(l).first() else {
            continue;
        };
        if let Some(name) = single_valued(doc.value(&f.source.bytes, t)) {
            lines.push((i as u32, name));
        }
    }
    lines
}

/// A line of a file as a model directive, for the helpers that take one.
fn directive(file: FileId, (line, name): (u32, &str)) -> Directive {
    Directive {
        file,
        line,
        name: name.to_string(),
        depth: 0,
    }
}

/// The directive name as written on the line.
fn written_name(ctx: &Context<'_>, d: &Directive) -> String {
    let (f, doc, l) = ctx.ws.conf_line(d.file, d.line);
    doc.tokens(l)
        .first()
        .map(|t| String::from_utf8_lossy(doc.value(&f.source.bytes, t)).into_owned())
        .unwrap_or_default()
}

/// True if an `include` with a relative path lies between two lines of a file: then an
/// earlier `dir` still matters (Redis resolves relative includes against the directory `dir`
/// changed into).
fn relative_include_between(ctx: &Context<'_>, file: FileId, from: u32, to: u32) -> bool {
    let f = ctx.ws.file(file);
    let Some(doc) = f.conf() else { return false };
    (from + 1..to).any(|i| {
        let l = &doc.lines[i as usize];
        let t = doc.tokens(l);
        l.kind == LineKind::Directive
            && t.len() == 2
            && doc
                .value(&f.source.bytes, &t[0])
                .eq_ignore_ascii_case(b"include")
            && !doc.value(&f.source.bytes, &t[1]).starts_with(b"/")
    })
}

/// RL101: a single-valued directive set twice in the same file.
fn duplicates_in_file(ctx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
    let lines = single_valued_lines(ctx, file);
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, (_, name)) in lines.iter().enumerate() {
        last.insert(name, i);
    }
    for (i, &(line, name)) in lines.iter().enumerate() {
        let w = last[name];
        if w == i {
            continue;
        }
        if name == "dir" && relative_include_between(ctx, file, line, lines[w].0) {
            continue;
        }
        let (dead, winner) = (&directive(file, lines[i]), &directive(file, lines[w]));
        let (dead_name, winner_name) = (written_name(ctx, dead), written_name(ctx, winner));
        let same = effective::same_value(&dead.name, &args(ctx.ws, dead), &args(ctx.ws, winner));
        let also = if dead_name.eq_ignore_ascii_case(&winner_name) {
            String::new()
        } else {
            format!(" (as `{winner_name}`, the same directive)")
        };
        let message = if same {
            format!(
                "`{dead_name}` is set again with the same value on line {}{also}: this line is redundant",
                winner.line + 1
            )
        } else {
            format!(
                "`{dead_name} {}` has no effect: line {} sets `{}`{also} again and the last line wins",
                shown_args(ctx, dead),
                winner.line + 1,
                shown_args(ctx, winner),
            )
        };
        let mut d = Diagnostic::new(
            &rules::DUPLICATE_DIRECTIVE,
            file,
            content_span(ctx.ws, dead),
            message,
        )
        .help(format!(
            "keep one `{}` line; delete this one, or move the value you want to line {}",
            dead.name,
            winner.line + 1
        ))
        .related(file, content_span(ctx.ws, winner), "this line wins")
        .fix(
            Applicability::Safe,
            format!("delete the dead `{dead_name}` line"),
            vec![(file, line_span(ctx.ws, file, dead.line), String::new())],
        );
        if same {
            d = d.severity(Severity::Info);
        }
        out.push(d);
    }
}

/// RL102: a line overridden by a line of another file, through the include order.
fn overridden_across_files(
    ctx: &Context<'_>,
    server: &Server,
    reported: &mut HashSet<(FileId, u32)>,
    out: &mut Vec<Diagnostic>,
) {
    // Canonical name → indices into server.directives, single-valued table directives only.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in server.directives.iter().enumerate() {
        let (f, doc, l) = ctx.ws.conf_line(d.file, d.line);
        let Some(t) = doc.tokens(l).first() else {
            continue;
        };
        if single_valued(doc.value(&f.source.bytes, t)).is_some() {
            by_name.entry(d.name.as_str()).or_default().push(i);
        }
    }
    let includers = effective::includers(server);
    let includer = |i: usize| includers[i].map(|j| &server.directives[j]);
    for (name, indices) in by_name {
        let Some(&w) = indices.last() else { continue };
        let winner = &server.directives[w];
        // The last line of each file: earlier ones in the same file are RL101's.
        let mut last_in_file: HashMap<FileId, usize> = HashMap::new();
        for &i in &indices {
            last_in_file.insert(server.directives[i].file, i);
        }
        for &i in &indices {
            let dead = &server.directives[i];
            if dead.file == winner.file || last_in_file.get(&dead.file) != Some(&i) {
                continue;
            }
            if !reported.insert((dead.file, dead.line)) {
                continue;
            }
            if name == "dir" {
                continue; // an earlier `dir` still decides where relative includes resolve
            }
            let winner_file = &ctx.ws.file(winner.file).source.path;
            let (inc_d, inc_w) = (includer(i), includer(w));
            let why = match (inc_d, inc_w) {
                (None, Some(iw)) => format!(
                    "`{winner_file}` is included at {}, after this line, and the last value read wins",
                    at(ctx.ws, iw)
                ),
                (Some(id), None) => format!(
                    "this file is included at {}, before that line, and the last value read wins",
                    at(ctx.ws, id)
                ),
                (Some(id), Some(iw)) => format!(
                    "`{winner_file}` (included at {}) is read after this file (included at {}), and the last value read wins",
                    at(ctx.ws, iw),
                    at(ctx.ws, id)
                ),
                (None, None) => "it is read later, and the last value read wins".to_string(),
            };
            let message = format!(
                "`{} {}` is overridden by `{} {}` at {}: {why}",
                written_name(ctx, dead),
                shown_args(ctx, dead),
                written_name(ctx, winner),
                shown_args(ctx, winner),
                at(ctx.ws, winner),
            );
            out.push(
                Diagnostic::new(
                    &rules::OVERRIDDEN_BY_LATER_FILE,
                    dead.file,
                    content_span(ctx.ws, dead),
                    message,
                )
                .help(format!(
                    "set `{name}` in one place: delete this line, or move the value you want to {}",
                    at(ctx.ws, winner)
                ))
                .related(
                    winner.file,
                    content_span(ctx.ws, winner),
                    "this value wins",
                ),
            );
        }
    }
}

/// RL105: `save` lines after an `include` replace the list instead of appending (7.0).
fn save_after_include(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let (Some(actual), Some(meant)) = (
        effective::save_trace(ctx.ws, server, false),
        effective::save_trace(ctx.ws, server, true),
    ) else {
        return;
    };
    let as_set = |p: &[(i64, i64)]| p.iter().copied().collect::<HashSet<_>>();
    if as_set(&actual.points) == as_set(&meant.points) {
        return;
    }
    let saves: Vec<&Directive> = actual
        .steps
        .iter()
        .map(|s| &server.directives[s.index])
        .collect();
    // One unsafe fix: all points on the first `save` line, the others deleted, when every
    // `save` line of the server is in one file.
    let fix_edits = if saves.iter().all(|d| d.file == saves[0].file) {
        let first = saves[0];
        let mut edits = vec![(
            first.file,
            content_span(ctx.ws, first),
            format!("save {}", effective::format_points(&meant.points)),
        )];
        for d in &saves[1..] {
            edits.push((d.file, line_span(ctx.ws, d.file, d.line), String::new()));
        }
        Some(edits)
    } else {
        None
    };
    // One finding per server, on the first line the bug changes; the others are related.
    // A line the bug changes resets the list where the written lines would append. Usually it
    // comes after an include in its own file; it can also be the first `save` of a later
    // included file, when every earlier `save` was read with the flag cleared (Redis then
    // still treats it as the first `save` line and drops the defaults — and the earlier points).
    let mut cause = None;
    let mut affected = Vec::new();
    for (step, meant_step) in actual.steps.iter().zip(&meant.steps) {
        if step.cleared_by.is_some() {
            cause = step.cleared_by;
        }
        if step.resets && !meant_step.resets && !step.discarded.is_empty() {
            if let Some(inc) = cause {
                affected.push((step, inc));
            }
        }
    }
    let mut affected = affected.into_iter();
    let Some((first, inc)) = affected.next() else {
        return;
    };
    let d = &server.directives[first.index];
    let inc_d = &server.directives[inc];
    let mut diag = Diagnostic::new(
        &rules::SAVE_REPLACED_AFTER_INCLUDE,
        d.file,
        content_span(ctx.ws, d),
        format!(
            "this `save` replaces the snapshot points set before it (`{}`): after the `include` at {} Redis 7.0 no longer appends `save` lines as it reads them, so it snapshots on `{}` instead of `{}`",
            effective::show_points(&first.discarded),
            at(ctx.ws, inc_d),
            effective::show_points(&actual.points),
            effective::show_points(&meant.points),
        ),
    )
    .help(format!(
        "put every snapshot point on one line, before the `include`: `save {}`",
        effective::show_points(&meant.points)
    ))
    .related(
        inc_d.file,
        content_span(ctx.ws, inc_d),
        "after this include, each `save` line replaces the list",
    );
    for (step, _) in affected.take(16) {
        let later = &server.directives[step.index];
        diag = diag.related(
            later.file,
            content_span(ctx.ws, later),
            "this `save` replaces the list again",
        );
    }
    if let Some(edits) = fix_edits {
        diag = diag.fix(
            Applicability::Unsafe,
            "merge the `save` lines into one",
            edits,
        );
    }
    out.push(diag);
}

/// RL104: configuration fragments in a `*.d` directory that no server includes.
fn unloaded_fragments(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Redis || f.conf().is_none() || !effective::in_dropin_dir(ctx.ws, id) {
            continue;
        }
        let path = f.host_path.clone().unwrap_or_else(|| f.source.path.clone());
        let dir = crate::fs::parent(&path).to_string();
        let base = crate::fs::parent(&dir).to_string();
        // The servers whose main config sits next to the drop-in directory.
        let owners: Vec<&Server> = effective::redis_servers(ctx)
            .filter(|s| {
                let m = ctx.ws.file(s.main);
                let mp = m.host_path.as_deref().unwrap_or(&m.source.path);
                crate::fs::parent(mp) == base
            })
            .collect();
        if owners.is_empty() || owners.iter().any(|s| s.included.contains(&id)) {
            continue;
        }
        let owner = owners[0];
        let main = ctx.ws.file(owner.main);
        let main_path = main.host_path.as_deref().unwrap_or(&main.source.path);
        let name = path.rsplit('/').next().unwrap_or(&path);
        let pattern = if name.ends_with(".conf") {
            format!("{dir}/*.conf")
        } else {
            path.clone()
        };
        let near_miss = owner.directives.iter().find(|d| {
            d.name == "include"
                && effective::single(ctx.ws, d).is_some_and(|v| {
                    crate::fs::parent(&crate::fs::join(&base, &String::from_utf8_lossy(v))) == dir
                })
        });
        let why = match near_miss {
            Some(inc) => format!("the include at {} does not match `{name}`", at(ctx.ws, inc)),
            None => format!("no `include` in `{main_path}` reads `{dir}/`"),
        };
        out.push(
            Diagnostic::new(
                &rules::UNLOADED_CONFIG_FRAGMENT,
                id,
                effective::file_start(ctx.ws, id),
                format!("`{}` is never loaded: {why}, so none of its settings apply", f.source.path),
            )
            .help(format!(
                "add `include {pattern}` as the last line of `{main_path}` (last, so that the fragment overrides the main file; check the fragment first: Redis refuses to start on any invalid line in it), or delete the fragment"
            )),
        );
        contradictions_of_fragment(ctx, id, owner, &pattern, out);
    }
}

/// The lines of an unloaded fragment that would change the server's value if it were loaded.
fn contradictions_of_fragment(
    ctx: &Context<'_>,
    fragment: FileId,
    owner: &Server,
    pattern: &str,
    out: &mut Vec<Diagnostic>,
) {
    let main_path = &ctx.ws.file(owner.main).source.path;
    for line in single_valued_lines(ctx, fragment) {
        let d = directive(fragment, line);
        let Some(current) = owner.last(&d.name) else {
            continue;
        };
        if effective::same_value(&d.name, &args(ctx.ws, &d), &args(ctx.ws, current)) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &rules::UNLOADED_CONFIG_FRAGMENT,
                fragment,
                content_span(ctx.ws, &d),
                format!(
                    "contradicts {}: the server runs with `{} {}`; if this fragment were included (`include {pattern}` at the end of `{main_path}`), it would override it with `{}`",
                    at_line(ctx.ws, current.file, current.line),
                    written_name(ctx, current),
                    shown_args(ctx, current),
                    shown_args(ctx, &d),
                ),
            )
            .severity(Severity::Info)
            .help(format!("decide which `{}` you mean and keep only that one", d.name))
            .related(current.file, content_span(ctx.ws, current), "the value in effect"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, redis, run};
    use crate::finding::Severity;
    use crate::model::Kind;

    const MAIN: &str = "/etc/redis/redis.conf";

    #[test]
    fn duplicate_reports_the_dead_line_with_the_winner() {
        let text = "maxmemory 2gb\nport 6379\nmaxmemory 4gb\n";
        let f = redis(text);
        assert_eq!(lines(&f, "RL101"), [("etc/redis/redis.conf".into(), 1)]);
        let d = only(&f, "RL101")[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.related[0].line, 3);
        assert!(d.message.contains("`maxmemory 2gb`") && d.message.contains("`4gb`"));
        assert_eq!(
            fixed(&f, "RL101", "etc/redis/redis.conf", text),
            "port 6379\nmaxmemory 4gb\n"
        );
    }

    #[test]
    fn aliases_are_the_same_directive() {
        let f = redis("slaveof 10.0.0.1 6379\nreplicaof 10.0.0.2 6379\n");
        assert_eq!(lines(&f, "RL101"), [("etc/redis/redis.conf".into(), 1)]);
        assert!(only(&f, "RL101")[0].message.contains("as `replicaof`"));
        let f = redis("hash-max-ziplist-entries 128\nHASH-MAX-LISTPACK-ENTRIES 256\n");
        assert_eq!(lines(&f, "RL101").len(), 1);
    }

    #[test]
    fn accumulating_directives_are_exempt() {
        let f = redis(
            "save 900 1\nsave 300 10\nclient-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit pubsub 32mb 8mb 60\nrename-command FLUSHALL \"\"\nrename-command FLUSHDB \"\"\nlist-max-ziplist-entries 1\nlist-max-ziplist-entries 2\n",
        );
        assert!(lines(&f, "RL101").is_empty(), "{f:#?}");
    }

    #[test]
    fn same_value_is_only_redundant_and_secrets_are_hidden() {
        let f = redis(
            "timeout 0\ntimeout 0\nrequirepass first-Secret-1\nrequirepass second-Secret-2\n",
        );
        let d = only(&f, "RL101");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].severity, Severity::Info);
        assert!(!d[1].message.contains("Secret"), "{}", d[1].message);
        assert!(d[1].message.contains("***"));
    }

    #[test]
    fn empty_values_are_shown_not_left_blank() {
        // `masterauth *** *** ***` then `masterauth ""`: never "sets `` again".
        let f = redis("masterauth a b c\nmasterauth \"\"\n");
        let d = only(&f, "RL101");
        assert_eq!(d.len(), 1, "{f:#?}");
        assert!(
            d[0].message.contains("line 2 sets `\"\"` again"),
            "{}",
            d[0].message
        );
        assert!(!d[0].message.contains("``"), "{}", d[0].message);
        let f = redis("save\nsave \"\"\nmaxmemory 1gb\nmaxmemory \"\"\n");
        for d in &f {
            assert!(!d.message.contains("``"), "{}", d.message);
        }
    }

    #[test]
    fn include_cycle_is_cut_and_the_rest_still_checked_once() {
        let a = "/etc/redis/a.conf";
        let b = "/etc/redis/b.conf";
        let c = "/etc/redis/c.conf";
        let files = [
            (
                a,
                Kind::Redis,
                "include /etc/redis/b.conf\nmaxmemory 1gb\nmaxmemory 2gb\n",
            ),
            (b, Kind::Redis, "include /etc/redis/c.conf\ntimeout 10\n"),
            (c, Kind::Redis, "include /etc/redis/a.conf\ntimeout 20\n"),
        ];
        // Every file of the cycle given: one server, one RL009 at the edge that closes it.
        let f = run(&files);
        assert_eq!(
            lines(&f, "RL009"),
            [("etc/redis/c.conf".into(), 1)],
            "{f:#?}"
        );
        assert!(only(&f, "RL009")[0].fatal);
        assert!(only(&f, "RL009")[0]
            .message
            .contains("etc/redis/a.conf → etc/redis/b.conf → etc/redis/c.conf → etc/redis/a.conf"));
        // Duplicates and overrides past the cut are still found, once each.
        assert_eq!(lines(&f, "RL101"), [("etc/redis/a.conf".into(), 2)]);
        assert_eq!(lines(&f, "RL102"), [("etc/redis/c.conf".into(), 2)]);
        // Given in another order, the first given file is the server.
        let f = run(&[files[2], files[1], files[0]]);
        assert_eq!(
            lines(&f, "RL009"),
            [("etc/redis/b.conf".into(), 1)],
            "{f:#?}"
        );
    }

    #[test]
    fn include_dev_null_is_empty() {
        let f = run(&[(MAIN, Kind::Redis, "include /dev/null\nport 6379\n")]);
        assert!(lines(&f, "RL008").is_empty(), "{f:#?}");
        assert!(f.iter().all(|d| !d.fatal), "{f:#?}");
    }

    #[test]
    fn dir_before_a_relative_include_is_not_dead() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "dir /etc/redis\ninclude extra.conf\ndir /var/lib/redis\n",
            ),
            ("/etc/redis/extra.conf", Kind::Redis, "port 6379\n"),
        ]);
        assert!(lines(&f, "RL101").is_empty(), "{f:#?}");
    }

    #[test]
    fn a_later_include_overrides_the_main_file() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "maxmemory 2gb\ntimeout 0\ninclude /etc/redis/local.conf\n",
            ),
            ("/etc/redis/local.conf", Kind::Redis, "maxmemory 4gb\n"),
        ]);
        assert_eq!(lines(&f, "RL102"), [("etc/redis/redis.conf".into(), 1)]);
        let d = only(&f, "RL102")[0];
        assert_eq!(d.related[0].file, "etc/redis/local.conf");
        assert!(
            d.message
                .contains("included at etc/redis/redis.conf:3, after this line"),
            "{}",
            d.message
        );
        assert!(lines(&f, "RL101").is_empty());
    }

    #[test]
    fn the_main_file_overrides_an_earlier_include() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "include /etc/redis/base.conf\nmaxmemory 4gb\n",
            ),
            (
                "/etc/redis/base.conf",
                Kind::Redis,
                "maxmemory 1gb\nmaxmemory 2gb\n",
            ),
        ]);
        // base.conf:1 is dead within its file (RL101), base.conf:2 through the main file.
        assert_eq!(lines(&f, "RL101"), [("etc/redis/base.conf".into(), 1)]);
        assert_eq!(lines(&f, "RL102"), [("etc/redis/base.conf".into(), 2)]);
        assert!(only(&f, "RL102")[0]
            .message
            .contains("included at etc/redis/redis.conf:1, before that line"));
    }

    #[test]
    fn include_chains_name_the_right_include_line() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "maxmemory 1gb\ninclude /etc/redis/a.conf\n",
            ),
            (
                "/etc/redis/a.conf",
                Kind::Redis,
                "include /etc/redis/b.conf\n",
            ),
            ("/etc/redis/b.conf", Kind::Redis, "maxmemory 2gb\n"),
        ]);
        let d = only(&f, "RL102");
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .contains("`etc/redis/b.conf` is included at etc/redis/a.conf:1, after this line"),
            "{}",
            d[0].message
        );
        // The dead line's file includes more files after it: still the main file's include.
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "include /etc/redis/f.conf\nmaxmemory 3gb\n",
            ),
            (
                "/etc/redis/f.conf",
                Kind::Redis,
                "maxmemory 1gb\ninclude /etc/redis/g.conf\n",
            ),
            (
                "/etc/redis/g.conf",
                Kind::Redis,
                "include /etc/redis/h.conf\n",
            ),
            ("/etc/redis/h.conf", Kind::Redis, "port 6379\n"),
        ]);
        let d = only(&f, "RL102");
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .contains("this file is included at etc/redis/redis.conf:1, before that line"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn unloaded_fragment_and_its_contradictions() {
        let f = run(&[
            (MAIN, Kind::Redis, "maxmemory 2gb\ntimeout 300\n"),
            (
                "/etc/redis/redis.conf.d/tuning.conf",
                Kind::Redis,
                "maxmemory 4gb\ntimeout 300\nhz 20\n",
            ),
        ]);
        let path = "etc/redis/redis.conf.d/tuning.conf".to_string();
        assert_eq!(lines(&f, "RL104"), [(path.clone(), 1), (path, 1)]);
        let unloaded = only(&f, "RL104");
        assert!(unloaded.iter().any(|d| d
            .help
            .as_deref()
            .is_some_and(|h| h.contains("include /etc/redis/redis.conf.d/*.conf"))));
        assert!(unloaded
            .iter()
            .any(|d| d.severity == Severity::Info
                && d.message.contains("would override it with `4gb`")));
        // The fragment is not a server of its own for the other rules.
        assert!(lines(&f, "RL701").is_empty());
    }

    #[test]
    fn loaded_fragments_and_near_misses() {
        let loaded = run(&[
            (
                MAIN,
                Kind::Redis,
                "include /etc/redis/redis.conf.d/*.conf\n",
            ),
            (
                "/etc/redis/redis.conf.d/tuning.conf",
                Kind::Redis,
                "maxmemory 4gb\n",
            ),
        ]);
        assert!(lines(&loaded, "RL104").is_empty());
        let missed = run(&[
            (MAIN, Kind::Redis, "include /etc/redis/conf.d/*.conf\n"),
            (
                "/etc/redis/conf.d/tuning.cnf",
                Kind::Redis,
                "maxmemory 4gb\n",
            ),
        ]);
        let d = only(&missed, "RL104");
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("does not match `tuning.cnf`"),
            "{}",
            d[0].message
        );
        // No server next to the directory: nothing to say.
        let alone = run(&[("/srv/conf.d/tuning.conf", Kind::Redis, "maxmemory 4gb\n")]);
        assert!(lines(&alone, "RL104").is_empty());
    }

    #[test]
    fn save_lines_after_an_include_replace_each_other() {
        let text = "include /etc/redis/common.conf\nsave 900 1\nsave 300 10\nsave 60 10000\n";
        let f = run(&[
            (MAIN, Kind::Redis, text),
            ("/etc/redis/common.conf", Kind::Redis, "port 6379\n"),
        ]);
        assert_eq!(lines(&f, "RL105"), [("etc/redis/redis.conf".into(), 3)]);
        let d = only(&f, "RL105")[0];
        assert!(
            d.message
                .contains("`60 10000` instead of `900 1 300 10 60 10000`"),
            "{}",
            d.message
        );
        assert_eq!(d.related[0].line, 1);
        assert_eq!(
            fixed(
                std::slice::from_ref(d),
                "RL105",
                "etc/redis/redis.conf",
                text
            ),
            "include /etc/redis/common.conf\nsave 900 1 300 10 60 10000\n"
        );
    }

    #[test]
    fn save_lines_that_still_accumulate_are_fine() {
        for (main, common) in [
            (
                "save 900 1\nsave 300 10\ninclude /etc/redis/common.conf\n",
                "save 60 10000\n",
            ),
            (
                "include /etc/redis/common.conf\nsave 900 1 300 10\n",
                "port 6379\n",
            ),
            (
                "include /etc/redis/common.conf\nsave \"\"\n",
                "save 60 10000\n",
            ),
            (
                "include /etc/redis/common.conf\n",
                "save 900 1\nsave 60 10000\n",
            ),
        ] {
            let f = run(&[
                (MAIN, Kind::Redis, main),
                ("/etc/redis/common.conf", Kind::Redis, common),
            ]);
            assert!(lines(&f, "RL105").is_empty(), "{main}: {f:#?}");
        }
    }

    #[test]
    fn a_save_after_the_include_drops_the_included_points() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "save 900 1\ninclude /etc/redis/common.conf\nsave 300 10\n",
            ),
            ("/etc/redis/common.conf", Kind::Redis, "save 60 10000\n"),
        ]);
        assert_eq!(lines(&f, "RL105"), [("etc/redis/redis.conf".into(), 3)]);
        assert!(only(&f, "RL105")[0].message.contains("(`900 1 60 10000`)"));
    }
}

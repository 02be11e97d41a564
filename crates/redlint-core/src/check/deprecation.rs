//! Directive names Redis 7.0 keeps only for compatibility (RL801): aliases of renamed
//! directives (`slaveof`, `hash-max-ziplist-entries`, `lua-time-limit`, …), and the three
//! names it accepts and silently ignores.

use super::effective::line_span;
use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::knowledge::directives::{self, NameKind};
use crate::model::Kind;
use crate::rules;
use crate::syntax::conf::LineKind;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if !matches!(f.kind, Kind::Redis | Kind::Sentinel) {
            continue;
        }
        let Some(doc) = f.conf() else { continue };
        for (i, l) in doc.lines.iter().enumerate() {
            if l.kind != LineKind::Directive {
                continue;
            }
            let Some(t) = doc.tokens(l).first() else {
                continue;
            };
            // A line with a NUL byte is not what Redis reads (it stops there and glues the next
            // line on): RL011 reports it, and its name is no old name of anything.
            if f.source.bytes[l.content.range()].contains(&0) {
                continue;
            }
            let raw = doc.value(&f.source.bytes, t);
            let kind = directives::classify(raw);
            let renamed = matches!(kind, NameKind::Table(spec) if !spec.name.as_bytes().eq_ignore_ascii_case(raw));
            if !renamed && !matches!(kind, NameKind::IgnoredDeprecated) {
                continue;
            }
            let written = String::from_utf8_lossy(raw).into_owned();
            let lower = written.to_ascii_lowercase();
            match kind {
                NameKind::Table(spec) if renamed => {
                    let why = if lower.contains("slave") {
                        "Redis 5.0 renamed `slave` to `replica`"
                    } else if lower.contains("ziplist") {
                        "Redis 7.0 replaced the ziplist encoding with listpack"
                    } else if lower == "lua-time-limit" {
                        "Redis 7.0 renamed it when it added functions (the limit covers them too)"
                    } else {
                        "it was renamed"
                    };
                    out.push(
                        Diagnostic::new(
                            &rules::RENAMED_DIRECTIVE,
                            id,
                            t.span,
                            format!(
                                "`{written}` is the old name of `{}` ({why}): 7.0 still reads it as an alias, but CONFIG GET, CONFIG REWRITE and the documentation use `{}`",
                                spec.name, spec.name
                            ),
                        )
                        .help(format!("write `{}`", spec.name))
                        .fix(
                            Applicability::Safe,
                            format!("rename `{written}` to `{}`", spec.name),
                            vec![(id, t.span, spec.name.clone())],
                        ),
                    );
                }
                NameKind::IgnoredDeprecated => {
                    let instead = if lower == "lua-replicate-commands" {
                        "since 7.0 scripts are always replicated by their effects; delete the line"
                            .to_string()
                    } else {
                        "lists are sized by `list-max-listpack-size` (e.g. `-2` for 8 KB nodes); delete the line".to_string()
                    };
                    out.push(
                        Diagnostic::new(
                            &rules::RENAMED_DIRECTIVE,
                            id,
                            t.span,
                            format!(
                                "`{written}` does nothing: Redis 7.0 accepts it only for compatibility and ignores its value"
                            ),
                        )
                        .severity(Severity::Warning)
                        .help(instead)
                        .fix(
                            Applicability::Safe,
                            format!("delete the ignored `{written}` line"),
                            vec![(id, line_span(ctx.ws, id, i as u32), String::new())],
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, redis};
    use crate::finding::Severity;

    #[test]
    fn aliases_are_renamed_keeping_values_and_spacing() {
        let text = "lua-time-limit   5000\n\"slaveof\" 10.0.0.1 6379\nSLAVE-READ-ONLY yes\nmaxmemory 1gb\n";
        let f = redis(text);
        assert_eq!(
            lines(&f, "RL801")
                .iter()
                .map(|(_, l)| *l)
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(only(&f, "RL801")
            .iter()
            .all(|d| d.severity == Severity::Info));
        assert_eq!(
            fixed(&f, "RL801", "etc/redis/redis.conf", text),
            "busy-reply-threshold   5000\nreplicaof 10.0.0.1 6379\nreplica-read-only yes\nmaxmemory 1gb\n"
        );
    }

    #[test]
    fn ignored_names_do_nothing_and_are_deleted() {
        let text =
            "list-max-ziplist-entries 512\nlua-replicate-commands yes\nlist-max-ziplist-size -2\n";
        let f = redis(text);
        let d = only(&f, "RL801");
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("does nothing"));
        assert_eq!(d[2].severity, Severity::Info);
        assert_eq!(
            fixed(&f, "RL801", "etc/redis/redis.conf", text),
            "list-max-listpack-size -2\n"
        );
    }
}

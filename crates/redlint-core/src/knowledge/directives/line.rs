//! The verdict of `config.c: loadServerConfigFromString` on one tokenised line: accepted, or
//! refused with Redis' own message. Only what the parser decides from the line itself (and
//! the few facts read before it) is here; what needs the command table, other lines or the
//! host (`rename-command`, `dir`'s chdir, startup) is checked elsewhere.

use super::values::{self, TitleState, ValueError};
use super::{classify, cstr, DirectiveSpec, Keyword, NameKind, ValueType};
use crate::syntax::conf;

/// Why the parser refuses a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a directive of 7.0.15.
    Unknown,
    /// A name an older Redis accepted; the note says what replaced it.
    Removed(&'static str),
    /// A name only a later Redis release knows.
    Later(&'static str),
    /// Wrong number of arguments.
    Arity,
    /// A value the directive refuses.
    Value,
    /// `activedefrag yes` on a build without Redis' bundled jemalloc.
    ActiveDefrag,
    /// `dir` whose chdir() fails (`dir ""`).
    Chdir,
    /// `sentinel <…>` outside Sentinel mode.
    SentinelOutsideSentinel,
}

/// Which part of the line is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The directive name (argument 0).
    Name,
    /// One argument, by index in the line (1 = first value).
    Arg(usize),
    /// All values (or the name when there are none).
    Values,
    /// Arguments from this index on are surplus.
    Surplus(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub refusal: Refusal,
    pub blame: Blame,
    /// What Redis prints.
    pub redis: String,
    /// What to write instead.
    pub help: Option<String>,
}

impl LineError {
    fn new(refusal: Refusal, blame: Blame, redis: impl Into<String>) -> LineError {
        LineError {
            refusal,
            blame,
            redis: redis.into(),
            help: None,
        }
    }
    fn help(mut self, help: impl Into<String>) -> LineError {
        self.help = Some(help.into());
        self
    }
}

/// What the parser knows when it reaches the line.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineContext {
    /// Running as Sentinel.
    pub sentinel: bool,
    /// The build has Redis' bundled jemalloc (official builds; not Debian/Ubuntu packages).
    pub active_defrag_supported: bool,
    /// State read from earlier lines that `proc-title-template` depends on.
    pub title: TitleState,
}

pub const BAD_DIRECTIVE: &str = "Bad directive or wrong number of arguments";

/// Redis' verdict on a line whose arguments (name first) are `args`.
pub fn verdict(args: &[&[u8]], cx: &LineContext) -> Result<(), LineError> {
    let Some(name) = args.first() else {
        return Ok(());
    };
    let argc = args.len();
    let arity = |min: usize, max: usize| -> Result<(), LineError> {
        if argc < min {
            Err(LineError::new(Refusal::Arity, Blame::Name, BAD_DIRECTIVE))
        } else if argc > max {
            Err(LineError::new(
                Refusal::Arity,
                Blame::Surplus(max),
                BAD_DIRECTIVE,
            ))
        } else {
            Ok(())
        }
    };
    match classify(name) {
        NameKind::Table(spec) => table_verdict(spec, args, cx),
        NameKind::IgnoredDeprecated => arity(2, 2).map_err(|e| e.help("this deprecated directive is ignored by Redis 7.0; delete the line")),
        NameKind::Keyword(Keyword::Include) => arity(2, 2).map_err(|e| e.help("write `include <path>` with exactly one path")),
        NameKind::Keyword(Keyword::RenameCommand) => arity(3, 3).map_err(|e| {
            e.help("write `rename-command <command> <new-name>`; `\"\"` as the new name removes the command")
        }),
        NameKind::Keyword(Keyword::User) => arity(2, usize::MAX).map_err(|e| e.help("write `user <name> [rules…]`")),
        NameKind::Keyword(Keyword::LoadModule) => {
            arity(2, usize::MAX).map_err(|e| e.help("write `loadmodule <path to the module .so> [arguments…]`"))
        }
        NameKind::Keyword(Keyword::Sentinel) => {
            if argc == 1 || cx.sentinel {
                Ok(())
            } else {
                Err(LineError::new(Refusal::SentinelOutsideSentinel, Blame::Name, "sentinel directive while not in sentinel mode"))
            }
        }
        NameKind::ModuleConfig => {
            if argc < 2 {
                Err(LineError::new(Refusal::Arity, Blame::Name, "Module config specified without value")
                    .help("a module configuration needs a value: `<module>.<option> <value>`"))
            } else {
                Ok(())
            }
        }
        NameKind::Removed(note) => Err(LineError::new(Refusal::Removed(note), Blame::Name, BAD_DIRECTIVE)),
        NameKind::Later(when) => Err(LineError::new(Refusal::Later(when), Blame::Name, BAD_DIRECTIVE)),
        NameKind::Unknown => Err(LineError::new(Refusal::Unknown, Blame::Name, BAD_DIRECTIVE)),
    }
}

fn value_error(e: ValueError, resplit: bool) -> LineError {
    let blame = match (resplit, e.arg) {
        (true, _) => Blame::Arg(1),
        (false, Some(i)) => Blame::Arg(i + 1),
        (false, None) => Blame::Values,
    };
    let refusal = if e.arity {
        Refusal::Arity
    } else {
        Refusal::Value
    };
    LineError {
        refusal,
        blame,
        redis: e.redis,
        help: e.help,
    }
}

fn table_verdict(spec: &DirectiveSpec, args: &[&[u8]], cx: &LineContext) -> Result<(), LineError> {
    let argc = args.len();
    if !spec.multi_arg && argc != 2 {
        let blame = if argc < 2 {
            Blame::Name
        } else {
            Blame::Surplus(2)
        };
        let help = if argc < 2 {
            format!(
                "`{}` takes exactly one value (default `{}`)",
                spec.name,
                if spec.default.is_empty() {
                    "\"\""
                } else {
                    spec.default.as_str()
                }
            )
        } else {
            format!(
                "`{}` takes exactly one value; quote it if it contains spaces",
                spec.name
            )
        };
        return Err(LineError::new(Refusal::Arity, blame, "wrong number of arguments").help(help));
    }
    // A MULTI_ARG directive given exactly one non-empty argument has it re-split.
    let resplit_storage;
    let (vals, resplit): (Vec<&[u8]>, bool) = if spec.multi_arg && argc == 2 && !args[1].is_empty()
    {
        resplit_storage = conf::split_value(cstr(args[1])).unwrap_or_default();
        (resplit_storage.iter().map(Vec::as_slice).collect(), true)
    } else {
        (args[1..].to_vec(), false)
    };
    let err = |e: ValueError| value_error(e, resplit);
    match spec.value_type {
        ValueType::Bool => {
            let yes = values::check_bool(vals[0]).map_err(err)?;
            if spec.validator() == Some("activedefrag-build") && yes && !cx.active_defrag_supported
            {
                return Err(LineError::new(
                    Refusal::ActiveDefrag,
                    Blame::Arg(1),
                    "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution",
                ));
            }
        }
        ValueType::Int => {
            values::check_int(spec, vals[0]).map_err(err)?;
        }
        ValueType::Memory => {
            values::check_memory(spec, vals[0]).map_err(err)?;
        }
        ValueType::Enum => values::check_enum(spec, &vals).map_err(err)?,
        ValueType::String => values::check_string(spec, vals[0], cx.title).map_err(err)?,
        ValueType::Special => match spec.name.as_str() {
            "dir" if cstr(vals[0]).is_empty() => {
                return Err(LineError::new(
                    Refusal::Chdir,
                    Blame::Arg(1),
                    "No such file or directory",
                )
                .help("name the data directory, e.g. `dir /var/lib/redis`"));
            }
            "save" => values::check_save(&vals).map_err(err)?,
            "client-output-buffer-limit" => {
                values::check_client_output_buffer_limit(&vals).map_err(err)?
            }
            "oom-score-adj-values" => values::check_oom_score_adj_values(&vals).map_err(err)?,
            "notify-keyspace-events" => {
                values::check_notify_keyspace_events(vals[0]).map_err(err)?
            }
            "bind" if vals.len() > 16 => {
                return Err(LineError::new(
                    Refusal::Value,
                    Blame::Values,
                    "Too many bind addresses specified.",
                )
                .help("Redis binds at most 16 addresses"));
            }
            "replicaof" => values::check_replicaof(&vals).map_err(err)?,
            "latency-tracking-info-percentiles" => values::check_percentiles(&vals).map_err(err)?,
            _ => {}
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(line: &str) -> Result<(), LineError> {
        let parts: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        verdict(&parts, &LineContext::default())
    }

    #[test]
    fn dispatch() {
        assert!(v("port 6379").is_ok());
        assert_eq!(v("port").unwrap_err().refusal, Refusal::Arity);
        assert_eq!(v("port 1 2").unwrap_err().blame, Blame::Surplus(2));
        assert_eq!(v("maxmemroy 1gb").unwrap_err().refusal, Refusal::Unknown);
        assert!(matches!(
            v("vm-enabled no").unwrap_err().refusal,
            Refusal::Removed(_)
        ));
        assert!(v("list-max-ziplist-entries 5").is_ok());
        assert_eq!(
            v("list-max-ziplist-entries 5 6").unwrap_err().refusal,
            Refusal::Arity
        );
        assert!(v("include a").is_ok());
        assert_eq!(v("include").unwrap_err().refusal, Refusal::Arity);
        assert_eq!(v("rename-command a").unwrap_err().refusal, Refusal::Arity);
        assert!(v("mod.cfg a b").is_ok());
        assert_eq!(
            v("mod.cfg").unwrap_err().redis,
            "Module config specified without value"
        );
        assert_eq!(
            v("activedefrag yes").unwrap_err().refusal,
            Refusal::ActiveDefrag
        );
        assert!(v("activedefrag no").is_ok());
        assert!(v("save").is_ok());
        assert!(v("bind").is_ok());
        assert_eq!(v("replicaof").unwrap_err().refusal, Refusal::Arity);
        assert_eq!(v("save 900 1 #").unwrap_err().refusal, Refusal::Arity);
        assert_eq!(v("save 900 1 # x").unwrap_err().refusal, Refusal::Value);
        assert_eq!(
            v("sentinel monitor m 1 2 3").unwrap_err().refusal,
            Refusal::SentinelOutsideSentinel
        );
        assert!(v("sentinel").is_ok());
    }

    #[test]
    fn multi_arg_resplit() {
        let ok: Vec<&[u8]> = vec![b"save", b"900 1 300 10"];
        assert!(verdict(&ok, &LineContext::default()).is_ok());
        let bad: Vec<&[u8]> = vec![b"save", b"900 1 x"];
        assert_eq!(
            verdict(&bad, &LineContext::default()).unwrap_err().blame,
            Blame::Arg(1)
        );
    }
}

//! Where and how a run's report goes: stdout or `--output-file` (atomic), colour
//! (`--color`, `NO_COLOR`, `FORCE_COLOR`), and errors as JSON for programs that asked for it.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::render::Format;

/// `--color`.
#[derive(Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` turns it on elsewhere too.
    #[default]
    Auto,
    Always,
    Never,
}

/// The output options `check` and `fix` share.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format (default: full on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Colour in the full format: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR
    /// forces it), always or never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Print only the findings: no summary line and no notes on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write the report to FILE (replaced atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

impl OutputArgs {
    /// The format asked for, else full on a terminal and concise otherwise; and whether to
    /// colour it.
    pub fn resolve(&self) -> (Format, bool) {
        let terminal = self.output_file.is_none() && std::io::stdout().is_terminal();
        let format = self.format.unwrap_or(if terminal {
            Format::Full
        } else {
            Format::Concise
        });
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let color = color(
            self.color,
            terminal,
            env("NO_COLOR").is_some(),
            env("FORCE_COLOR").is_some_and(|v| v != "0"),
        );
        (format, color)
    }

    /// Write the report to `--output-file` (a temporary beside it, renamed over it) or
    /// stdout. Ok(false): stdout was closed (`| head`), which is not worth a trace.
    pub fn emit(&self, text: &str) -> Result<bool, String> {
        match &self.output_file {
            Some(path) => {
                write_file(path, text.as_bytes())?;
                Ok(true)
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                Ok(stdout
                    .write_all(text.as_bytes())
                    .and_then(|_| stdout.flush())
                    .is_ok())
            }
        }
    }
}

/// The colour decision: an explicit `--color` wins; then `NO_COLOR` (no-color.org); then
/// `FORCE_COLOR` (force-color.org, `0` meaning off); then whether stdout is a terminal.
pub fn color(choice: ColorChoice, terminal: bool, no_color: bool, force_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if no_color => false,
        ColorChoice::Auto => force_color || terminal,
    }
}

/// Replace `path` atomically: a report is never seen half written. A new file gets 0644.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::write::write_all_atomically(&[crate::write::Write {
        target: path.to_path_buf(),
        bytes: bytes.to_vec(),
        new_file_mode: 0o644,
        original: crate::write::Original::Unchecked,
    }])
}

/// An error as the JSON formats' readers expect it on stdout: `{"error": …, "exit_code": 2}`.
pub fn json_error(message: &str) -> String {
    let value = serde_json::json!({"error": message, "exit_code": 2});
    let text = serde_json::to_string(&value).unwrap_or_default();
    format!("{}\n", redlint_core::redact::escape_json_controls(&text))
}

/// Did the command line ask for a JSON format (`--format json|json-lines|sarif`)? Read from
/// the raw arguments, because a usage error means they did not parse.
pub fn json_asked(args: &[String]) -> bool {
    let json = |v: &str| matches!(v, "json" | "json-lines" | "sarif");
    args.iter().enumerate().any(|(i, a)| {
        a.strip_prefix("--format=").is_some_and(json)
            || (a == "--format" && args.get(i + 1).is_some_and(|v| json(v)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_precedence() {
        use ColorChoice::*;
        assert!(color(Always, false, true, false));
        assert!(!color(Never, true, false, true));
        assert!(!color(Auto, true, true, true), "NO_COLOR beats FORCE_COLOR");
        assert!(color(Auto, false, false, true));
        assert!(color(Auto, true, false, false));
        assert!(!color(Auto, false, false, false));
    }

    #[test]
    fn json_asked_reads_both_spellings() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(json_asked(&v(&["check", "--format", "sarif"])));
        assert!(json_asked(&v(&["check", "--format=json-lines"])));
        assert!(!json_asked(&v(&["check", "--format", "concise"])));
    }
}

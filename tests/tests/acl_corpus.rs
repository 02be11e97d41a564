//! redlint's fatal ACL findings on the real-world ACL files of the shared corpus, against the
//! verdicts the real redis-server 7.0.15 gave them (`LABELS.tsv`, `LABELS-deep.tsv`). Every
//! disagreement fails the test unless it is in `ALLOWED` with its reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Input, Kind, Options};

/// Known disagreements: (file, why). Empty: redlint agrees with the server on every file.
const ALLOWED: &[(&str, &str)] = &[];

fn corpus() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REDLINT_SHARED").map(PathBuf::from),
        redlint_tests::shared(),
        Some(PathBuf::from("/work/shared")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|p| p.join("corpus/real-world"))
        .find(|p| p.join("LABELS.tsv").is_file())
}

/// `file → ACCEPT/REJECT` for the ACL files of one label table.
fn labels(path: &std::path::Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("labels");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 3 && cols[1] == "acl")
                .then(|| (cols[0].to_string(), cols[2].to_string()))
        })
        .collect()
}

#[test]
fn corpus_acl_files_get_the_servers_verdict() {
    let Some(dir) = corpus() else {
        // The corpus lives beside the checkout (../shared), not in it.
        eprintln!("SKIPPED: shared corpus not found (set REDLINT_SHARED to the shared directory)");
        return;
    };
    let shallow = labels(&dir.join("LABELS.tsv"));
    let deep = labels(&dir.join("LABELS-deep.tsv"));
    assert!(shallow.len() >= 30, "{} ACL labels", shallow.len());
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for (file, verdict) in &shallow {
        // Both tables must agree for ACL files (nothing environmental is involved).
        assert_eq!(
            deep.get(file),
            Some(verdict),
            "{file}: LABELS.tsv and LABELS-deep.tsv differ"
        );
        let bytes = std::fs::read(dir.join(file)).expect("corpus file");
        let input = Input {
            path: file.clone(),
            host_path: None,
            bytes,
            kind: Kind::Acl,
        };
        let report = check(vec![input], &MemoryFs::new(), &Options::default());
        let fatal: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.fatal)
            .map(|f| format!("{}:{} {} {}", f.file, f.line, f.code, f.message))
            .collect();
        checked += 1;
        let refused = verdict == "REJECT";
        if refused == fatal.is_empty() {
            let allowed = ALLOWED.iter().any(|(f, _)| f == file);
            let what = if refused {
                format!("{file}: the server refuses it, redlint finds nothing fatal")
            } else {
                format!("{file}: the server accepts it, redlint says fatal: {fatal:#?}")
            };
            if !allowed {
                disagreements.push(what);
            }
        }
    }
    eprintln!(
        "{checked} corpus ACL files checked, {} disagreements",
        disagreements.len()
    );
    for d in &disagreements {
        eprintln!("{d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements (listed above)",
        disagreements.len()
    );
}

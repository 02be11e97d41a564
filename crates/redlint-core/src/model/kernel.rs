//! The kernel settings a deployment's sysctl files produce at boot, as `sysctl --system`
//! (procps-ng 4.0.2) and systemd-sysctl apply them.
//!
//! Files come from `/etc/sysctl.d`, `/run/sysctl.d`, `/usr/local/lib/sysctl.d`,
//! `/usr/lib/sysctl.d` and `/lib/sysctl.d` (only `*.conf`); a file name present in a
//! higher-priority directory shadows the same name lower down; the survivors are applied in
//! file-name order (bytewise) whatever their directory, then `/etc/sysctl.conf` last (procps
//! reads it directly; Debian and Ubuntu have systemd-sysctl read it through the
//! `/etc/sysctl.d/99-sysctl.conf` symlink). Within that sequence every assignment is written,
//! so the last one wins. A key set explicitly is skipped by glob keys; `-key` lines without
//! `=` exclude a key from globs. Files outside these places (checked on their own, as
//! `sysctl -p FILE` would apply them) come after, in the order given.

use std::collections::{HashMap, HashSet};

use super::{FileId, Kind, Workspace};
use crate::knowledge::sysctl_keys;
use crate::source::Span;
use crate::syntax::sysctl::SysctlLineKind;

/// The sysctl.d directories, highest priority first.
pub const SYSCTL_DIRS: &[&str] = &[
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// Where a sysctl file sits, as far as boot-time application is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In one of [`SYSCTL_DIRS`] (`rank` indexes it), with this file name.
    Dir { rank: usize, name: String },
    /// `/etc/sysctl.conf`.
    EtcSysctlConf,
    /// Anywhere else (or unknown): applied only by an explicit `sysctl -p FILE`.
    Elsewhere,
}

/// What happens to a sysctl file at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Applied; `order` is its position in the application sequence.
    Applied { order: u32 },
    /// Not read: a file of the same name in a higher-priority directory wins.
    Shadowed { by: FileId },
    /// In a sysctl.d directory but not named `*.conf`: neither tool reads it.
    NotConf,
}

#[derive(Debug, Clone)]
pub struct SysctlSource {
    pub file: FileId,
    pub location: Location,
    pub role: Role,
}

/// One `key = value` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub file: FileId,
    /// Index into the file's `SysctlDocument::lines`.
    pub line: u32,
    pub key: Span,
    pub value: Span,
    /// `-key = value`: failures to write are ignored.
    pub ignore_errors: bool,
}

impl Assignment {
    pub fn value<'a>(&self, ws: &'a Workspace) -> &'a [u8] {
        ws.file(self.file).source.text(self.value)
    }
}

/// The effective value of one key, and the lines it overrode.
#[derive(Debug, Clone)]
pub struct KernelSetting {
    /// Dotted key (`net.core.somaxconn`).
    pub key: String,
    /// The value written last, as text.
    pub value: String,
    /// The line that wins.
    pub winner: Assignment,
    /// Earlier assignments of the same key, in application order.
    pub overridden: Vec<Assignment>,
}

/// A glob key (`net.ipv4.conf.*.rp_filter = 2`) with its value.
#[derive(Debug, Clone)]
pub struct GlobAssignment {
    /// Dotted pattern.
    pub pattern: String,
    pub value: String,
    pub assignment: Assignment,
}

/// The kernel settings of the deployment.
#[derive(Debug, Clone, Default)]
pub struct KernelSettings {
    settings: HashMap<String, KernelSetting>,
    /// Glob assignments in application order.
    pub globs: Vec<GlobAssignment>,
    /// Keys excluded from globs by `-key` lines.
    excluded: HashSet<String>,
    /// Every sysctl file of the workspace: applied ones in application order, then the rest.
    pub sources: Vec<SysctlSource>,
}

impl KernelSettings {
    /// The setting of a key given explicitly (dotted or slashed).
    pub fn get(&self, key: &str) -> Option<&KernelSetting> {
        self.settings.get(sysctl_keys::normalize(key)?.as_ref())
    }

    /// The value the kernel gets for a key: the explicit setting, else the last glob that
    /// covers it (unless a `-key` line excludes it).
    pub fn value(&self, key: &str) -> Option<&str> {
        let key = sysctl_keys::normalize(key)?;
        if let Some(s) = self.settings.get(key.as_ref()) {
            return Some(&s.value);
        }
        if self.excluded.contains(key.as_ref()) {
            return None;
        }
        let path = key.replace('.', "/");
        let opts = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        self.globs
            .iter()
            .rev()
            .find(|g| {
                glob::Pattern::new(&g.pattern.replace('.', "/"))
                    .is_ok_and(|p| p.matches_with(&path, opts))
            })
            .map(|g| g.value.as_str())
    }

    /// Every explicitly set key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &KernelSetting> {
        self.settings.values()
    }

    pub fn source(&self, file: FileId) -> Option<&SysctlSource> {
        self.sources.iter().find(|s| s.file == file)
    }
}

/// Where a path puts a sysctl file. `host` is the absolute path on the target host when known;
/// otherwise the display path is searched for a known location (`bare-metal/etc/sysctl.conf`).
pub fn location(host: Option<&str>, display: &str) -> Location {
    if let Some(h) = host {
        return location_of_absolute(h);
    }
    let display = display.replace('\\', "/");
    let abs = if display.starts_with('/') {
        display
    } else {
        format!("/{display}")
    };
    if abs.ends_with("/etc/sysctl.conf") {
        return Location::EtcSysctlConf;
    }
    for (rank, dir) in SYSCTL_DIRS.iter().enumerate() {
        if let Some(i) = abs.rfind(&format!("{dir}/")) {
            let name = &abs[i + dir.len() + 1..];
            if !name.is_empty() && !name.contains('/') {
                return Location::Dir {
                    rank,
                    name: name.to_string(),
                };
            }
        }
    }
    Location::Elsewhere
}

fn location_of_absolute(path: &str) -> Location {
    let path = crate::fs::normalize(path);
    if path == "/etc/sysctl.conf" {
        return Location::EtcSysctlConf;
    }
    let (dir, name) = (
        crate::fs::parent(&path),
        path.rsplit('/').next().unwrap_or(""),
    );
    match SYSCTL_DIRS.iter().position(|d| *d == dir) {
        Some(rank) if !name.is_empty() => Location::Dir {
            rank,
            name: name.to_string(),
        },
        _ => Location::Elsewhere,
    }
}

/// Compute the kernel settings from every sysctl file in the workspace.
pub fn kernel_settings(ws: &Workspace) -> KernelSettings {
    let mut ks = KernelSettings::default();
    let files: Vec<(FileId, Location)> = ws
        .ids()
        .filter(|id| ws.file(*id).kind == Kind::Sysctl && ws.file(*id).sysctl().is_some())
        .map(|id| {
            let f = ws.file(id);
            (id, location(f.host_path.as_deref(), &f.source.path))
        })
        .collect();

    // Shadowing: the highest-priority directory holding a name wins it.
    let mut owner: HashMap<&str, (usize, FileId)> = HashMap::new();
    for (id, loc) in &files {
        if let Location::Dir { rank, name } = loc {
            if name.ends_with(".conf") {
                let e = owner.entry(name.as_str()).or_insert((*rank, *id));
                if *rank < e.0 {
                    *e = (*rank, *id);
                }
            }
        }
    }
    let mut dir_files: Vec<(&str, FileId)> = Vec::new();
    let mut rest: Vec<SysctlSource> = Vec::new();
    let mut etc_conf: Vec<FileId> = Vec::new();
    let mut elsewhere: Vec<FileId> = Vec::new();
    for (id, loc) in &files {
        match loc {
            Location::Dir { name, .. } if !name.ends_with(".conf") => rest.push(SysctlSource {
                file: *id,
                location: loc.clone(),
                role: Role::NotConf,
            }),
            Location::Dir { name, .. } => match owner.get(name.as_str()) {
                Some((_, winner)) if winner != id => rest.push(SysctlSource {
                    file: *id,
                    location: loc.clone(),
                    role: Role::Shadowed { by: *winner },
                }),
                _ => dir_files.push((name.as_str(), *id)),
            },
            Location::EtcSysctlConf => etc_conf.push(*id),
            Location::Elsewhere => elsewhere.push(*id),
        }
    }
    dir_files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let order: Vec<FileId> = dir_files
        .iter()
        .map(|(_, id)| *id)
        .chain(etc_conf.iter().copied())
        .chain(elsewhere.iter().copied())
        .collect();
    for (n, id) in order.iter().enumerate() {
        let loc = files
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, l)| l.clone())
            .unwrap_or(Location::Elsewhere);
        ks.sources.push(SysctlSource {
            file: *id,
            location: loc,
            role: Role::Applied { order: n as u32 },
        });
        apply(ws, *id, &mut ks);
    }
    ks.sources.extend(rest);
    ks
}

fn apply(ws: &Workspace, file: FileId, ks: &mut KernelSettings) {
    let f = ws.file(file);
    let Some(doc) = f.sysctl() else { return };
    let bytes = &f.source.bytes;
    for (i, line) in doc.lines.iter().enumerate() {
        match line.kind {
            SysctlLineKind::Assignment => {}
            SysctlLineKind::NotAssignment => {
                // `-key` without `=`: exclude the key from globs.
                let text = String::from_utf8_lossy(&bytes[line.content.range()]);
                if let Some(k) = text.strip_prefix('-').and_then(sysctl_keys::normalize) {
                    ks.excluded.insert(k.into_owned());
                }
                continue;
            }
            SysctlLineKind::Blank | SysctlLineKind::Comment => continue,
        }
        let raw_key = String::from_utf8_lossy(&bytes[line.key.range()]);
        let Some(key) = sysctl_keys::normalize(&raw_key) else {
            continue;
        };
        let assignment = Assignment {
            file,
            line: i as u32,
            key: line.key,
            value: line.value,
            ignore_errors: line.ignore_errors,
        };
        let value = String::from_utf8_lossy(&bytes[line.value.range()]).into_owned();
        if sysctl_keys::is_glob(&key) {
            ks.globs.push(GlobAssignment {
                pattern: key.into_owned(),
                value,
                assignment,
            });
            continue;
        }
        match ks.settings.get_mut(key.as_ref()) {
            Some(s) => {
                let previous = std::mem::replace(&mut s.winner, assignment);
                s.overridden.push(previous);
                s.value = value;
            }
            None => {
                let key = key.into_owned();
                ks.settings.insert(
                    key.clone(),
                    KernelSetting {
                        key,
                        value,
                        winner: assignment,
                        overridden: Vec::new(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    fn ws(files: &[(&str, &str)]) -> Workspace {
        let mut ws = Workspace::new();
        for (path, text) in files {
            ws.add(
                path.to_string(),
                Some(path.to_string()),
                text.as_bytes().to_vec(),
                Kind::Sysctl,
                Origin::Given,
            );
        }
        ws
    }

    fn line_of(ws: &Workspace, a: &Assignment) -> (String, u32) {
        (ws.file(a.file).source.path.clone(), a.line + 1)
    }

    #[test]
    fn later_assignment_wins_and_earlier_ones_are_kept() {
        let w = ws(&[(
            "/etc/sysctl.d/99-redis.conf",
            "vm.swappiness = 10\nvm/swappiness=20\n  vm.swappiness   =   30  \n",
        )]);
        let ks = kernel_settings(&w);
        let s = ks.get("vm.swappiness").expect("set");
        assert_eq!(s.value, "30");
        assert_eq!(line_of(&w, &s.winner).1, 3);
        assert_eq!(
            s.overridden.iter().map(|a| a.line + 1).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(
            ks.get("vm/swappiness").map(|s| s.value.as_str()),
            Some("30")
        );
        assert!(ks.get("vm.overcommit_memory").is_none());
    }

    #[test]
    fn files_apply_by_name_across_directories_then_etc_sysctl_conf() {
        let w = ws(&[
            ("/etc/sysctl.conf", "net.core.somaxconn = 1\n"),
            (
                "/usr/lib/sysctl.d/50-default.conf",
                "net.core.somaxconn = 2\nvm.swappiness = 1\n",
            ),
            (
                "/etc/sysctl.d/10-a.conf",
                "net.core.somaxconn = 3\nvm.swappiness = 2\n",
            ),
            ("/run/sysctl.d/60-b.conf", "vm.swappiness = 3\n"),
        ]);
        let ks = kernel_settings(&w);
        // 10-a (etc) < 50-default (usr/lib) < 60-b (run) by name; /etc/sysctl.conf last.
        let s = ks.get("net.core.somaxconn").expect("set");
        assert_eq!(s.value, "1");
        assert_eq!(ws_path(&w, s.winner.file), "/etc/sysctl.conf");
        let order: Vec<&str> = s.overridden.iter().map(|a| ws_path(&w, a.file)).collect();
        assert_eq!(
            order,
            [
                "/etc/sysctl.d/10-a.conf",
                "/usr/lib/sysctl.d/50-default.conf"
            ]
        );
        assert_eq!(ks.get("vm.swappiness").map(|s| s.value.as_str()), Some("3"));
    }

    fn ws_path(w: &Workspace, id: FileId) -> &str {
        &w.file(id).source.path
    }

    #[test]
    fn same_name_in_a_higher_directory_shadows_the_lower_one() {
        let w = ws(&[
            (
                "/usr/lib/sysctl.d/50-pid-max.conf",
                "kernel.pid_max = 4194304\n",
            ),
            ("/etc/sysctl.d/50-pid-max.conf", "kernel.pid_max = 32768\n"),
            ("/lib/sysctl.d/50-pid-max.conf", "kernel.pid_max = 1\n"),
            ("/etc/sysctl.d/README", "kernel.pid_max = 7\n"),
        ]);
        let ks = kernel_settings(&w);
        let s = ks.get("kernel.pid_max").expect("set");
        assert_eq!(s.value, "32768");
        assert!(s.overridden.is_empty(), "shadowed files are never read");
        let etc = w
            .ids()
            .find(|id| ws_path(&w, *id) == "/etc/sysctl.d/50-pid-max.conf")
            .unwrap();
        let usr = w
            .ids()
            .find(|id| ws_path(&w, *id) == "/usr/lib/sysctl.d/50-pid-max.conf")
            .unwrap();
        assert_eq!(
            ks.source(usr).map(|s| s.role),
            Some(Role::Shadowed { by: etc })
        );
        let readme = w
            .ids()
            .find(|id| ws_path(&w, *id) == "/etc/sysctl.d/README")
            .unwrap();
        assert_eq!(ks.source(readme).map(|s| s.role), Some(Role::NotConf));
    }

    #[test]
    fn globs_fill_in_keys_not_set_explicitly_and_respect_exclusions() {
        let w = ws(&[(
            "/etc/sysctl.d/90-rp.conf",
            "net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter\n",
        )]);
        let ks = kernel_settings(&w);
        assert_eq!(ks.value("net.ipv4.conf.all.rp_filter"), Some("1"));
        assert_eq!(ks.value("net.ipv4.conf.eth0.rp_filter"), Some("2"));
        assert_eq!(ks.value("net.ipv4.conf.lo.rp_filter"), None);
        assert_eq!(ks.value("net.ipv4.conf.eth0.forwarding"), None);
    }

    #[test]
    fn locations_from_host_or_display_paths() {
        assert_eq!(
            location(Some("/etc/sysctl.conf"), "x"),
            Location::EtcSysctlConf
        );
        assert_eq!(
            location(None, "bare-metal/etc/sysctl.conf"),
            Location::EtcSysctlConf
        );
        assert_eq!(
            location(None, "etc/sysctl.d/99-redis.conf"),
            Location::Dir {
                rank: 0,
                name: "99-redis.conf".into()
            }
        );
        assert_eq!(
            location(None, "root/usr/lib/sysctl.d/a.conf"),
            Location::Dir {
                rank: 3,
                name: "a.conf".into()
            }
        );
        assert_eq!(
            location(Some("/opt/tuning/sysctl.conf"), "x"),
            Location::Elsewhere
        );
        assert_eq!(location(None, "sysctl/001.conf"), Location::Elsewhere);
    }

    #[test]
    fn seed_sysctl_conf_values_and_shell_lines_set_nothing() {
        // bare-metal/etc/sysctl.conf of the seed deployment, verbatim.
        let seed = "\n# Redis 优化参数\n# 内存过量使用处理\nvm.overcommit_memory = 1\n\n# 禁用透明大页\necho never > /sys/kernel/mm/transparent_hugepage/enabled\necho never > /sys/kernel/mm/transparent_hugepage/defrag\n\n# 网络优化\nnet.core.somaxconn = 65535\nnet.ipv4.tcp_max_syn_backlog = 65535\n\n# 文件描述符限制\nfs.file-max = 100000\n";
        let w = ws(&[("/etc/sysctl.conf", seed)]);
        let ks = kernel_settings(&w);
        assert_eq!(
            ks.get("net.core.somaxconn").map(|s| s.value.as_str()),
            Some("65535")
        );
        assert_eq!(
            ks.get("vm.overcommit_memory").map(|s| s.value.as_str()),
            Some("1")
        );
        assert_eq!(ks.get("fs.file-max").map(|s| s.winner.line + 1), Some(15));
        assert_eq!(ks.iter().count(), 4);
    }
}

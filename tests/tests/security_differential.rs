//! The access model behind RL301–RL303 and RL406 against the real redis-server 7.0.15: for
//! each configuration, redlint predicts whether protected mode refuses other hosts, whether
//! the `default` user needs a password, and which users accept any password; the real server
//! is then asked by a client connecting from 127.0.0.2 (which protected mode treats as
//! another host: only the exact addresses 127.0.0.1 and ::1 count as local) and from
//! 127.0.0.1. The server itself only ever listens on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use redlint_core::fs::MemoryFs;
use redlint_core::model::{Deployment, Kind, Origin, Workspace};
use redlint_core::security::access::Access;
use redlint_core::HostFacts;
use redlint_tests::redis::{self, Start};
use socket2::{Domain, Socket, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Answer {
    /// `-DENIED Redis is running in protected mode…`, then closed.
    Denied,
    /// The command ran without authentication.
    Ran,
    /// `-NOAUTH` (or `WRONGPASS` for AUTH).
    NeedsAuth,
}

struct Prediction {
    protected: bool,
    default_open: bool,
    /// Enabled `nopass` users other than `default`.
    open_users: Vec<String>,
}

fn predict(conf: &str, acl: Option<&str>, sentinel: bool) -> Prediction {
    let kind = if sentinel {
        Kind::Sentinel
    } else {
        Kind::Redis
    };
    let mut fs = MemoryFs::new();
    fs.insert("/srv/redis.conf", conf);
    if let Some(acl) = acl {
        fs.insert("/srv/users.acl", acl);
    }
    let mut ws = Workspace::new();
    ws.add(
        "redis.conf".into(),
        Some("/srv/redis.conf".into()),
        conf.as_bytes().to_vec(),
        kind,
        Origin::Given,
    );
    let (deployment, _) = Deployment::build(&mut ws, &fs, HostFacts::default());
    let access = Access::of(&ws, &deployment.servers[0]);
    Prediction {
        protected: access.protected_mode_active(),
        default_open: access.default_open(),
        open_users: access
            .open_users()
            .map(|u| String::from_utf8_lossy(&u.user.name).into_owned())
            .filter(|n| n != "default")
            .collect(),
    }
}

/// Send one command from `source` to 127.0.0.1:`port` and classify the first reply.
fn ask(source: [u8; 4], port: u16, args: &[&str]) -> Answer {
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    sock.bind(&SocketAddr::from((source, 0)).into())
        .expect("bind the client to a loopback source address");
    sock.connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)).into(),
        Duration::from_secs(2),
    )
    .expect("connect");
    let mut s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    // The server may have sent DENIED and closed already: a failed write is that answer.
    let _ = s.write_all(req.as_bytes());
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    while !reply.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&reply);
    if text.starts_with("-DENIED") {
        Answer::Denied
    } else if text.starts_with("-NOAUTH") || text.starts_with("-WRONGPASS") {
        Answer::NeedsAuth
    } else if text.starts_with('+') {
        Answer::Ran
    } else {
        panic!("unexpected reply to {args:?} from {source:?}: {text:?}");
    }
}

struct Case {
    name: &'static str,
    conf: &'static str,
    acl: Option<&'static str>,
    sentinel: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "nothing set: built-in default user, protected mode on",
        conf: "",
        acl: None,
        sentinel: false,
    },
    Case {
        name: "protected mode off",
        conf: "protected-mode no\n",
        acl: None,
        sentinel: false,
    },
    Case {
        name: "requirepass",
        conf: "requirepass Xk2vP9qL7mZ4wR8nT3bY6cHq\n",
        acl: None,
        sentinel: false,
    },
    Case {
        name: "empty requirepass",
        conf: "requirepass \"\"\n",
        acl: None,
        sentinel: false,
    },
    Case {
        name: "aclfile without default: requirepass ignored",
        conf: "requirepass Xk2vP9qL7mZ4wR8nT3bY6cHq\naclfile users.acl\n",
        acl: Some("user app on >Q8wE3rT6yU1iO4pA7sD0fG2h ~* &* +@all\n"),
        sentinel: false,
    },
    Case {
        name: "aclfile without default, protected mode off",
        conf: "protected-mode no\naclfile users.acl\n",
        acl: Some("user app on >Q8wE3rT6yU1iO4pA7sD0fG2h ~* &* +@all\n"),
        sentinel: false,
    },
    Case {
        name: "default with a password, another user nopass",
        conf: "aclfile users.acl\n",
        acl: Some(
            "user default on >Xk2vP9qL7mZ4wR8nT3bY6cHq ~* &* +@all\nuser app on nopass ~* &* +@all\n",
        ),
        sentinel: false,
    },
    Case {
        name: "default disabled but nopass: protected mode still on",
        conf: "aclfile users.acl\n",
        acl: Some("user default off nopass ~* +@all\nuser app on nopass ~* &* +@all\n"),
        sentinel: false,
    },
    Case {
        name: "default disabled with no password flag",
        conf: "aclfile users.acl\n",
        acl: Some("user default off\nuser app on nopass ~* &* +@all\n"),
        sentinel: false,
    },
    Case {
        name: "user default nopass in redis.conf over requirepass",
        conf: "requirepass Xk2vP9qL7mZ4wR8nT3bY6cHq\nuser default on nopass ~* &* +@all\n",
        acl: None,
        sentinel: false,
    },
    Case {
        name: "Sentinel: protected mode off by default",
        conf: "sentinel monitor m 127.0.0.1 1 1\n",
        acl: None,
        sentinel: true,
    },
    Case {
        name: "Sentinel with requirepass",
        conf: "sentinel monitor m 127.0.0.1 1 1\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cHq\n",
        acl: None,
        sentinel: true,
    },
    Case {
        name: "Sentinel with protected mode on",
        conf: "protected-mode yes\nsentinel monitor m 127.0.0.1 1 1\n",
        acl: None,
        sentinel: true,
    },
];

#[test]
fn access_model_matches_the_real_server() {
    if !redis::require_redis() {
        return;
    }
    let other: [u8; 4] = [127, 0, 0, 2];
    let local: [u8; 4] = [127, 0, 0, 1];
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for case in CASES {
        let p = predict(case.conf, case.acl, case.sentinel);
        let opts = Start {
            sentinel: case.sentinel,
            files: case
                .acl
                .map(|a| vec![("users.acl".to_string(), a.as_bytes().to_vec(), 0o644)])
                .unwrap_or_default(),
            ..Start::default()
        };
        let running = match redis::start(case.conf.as_bytes(), &opts) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: did not start: {e}", case.name));
                continue;
            }
        };
        let expect_other = if p.protected {
            Answer::Denied
        } else if p.default_open {
            Answer::Ran
        } else {
            Answer::NeedsAuth
        };
        let expect_local = if p.default_open {
            Answer::Ran
        } else {
            Answer::NeedsAuth
        };
        let got_other = ask(other, running.port, &["PING"]);
        let got_local = ask(local, running.port, &["PING"]);
        seen.extend([got_other, got_local]);
        if got_other != expect_other || got_local != expect_local {
            failures.push(format!(
                "{}: PING from another host {got_other:?} (predicted {expect_other:?}), from 127.0.0.1 {got_local:?} (predicted {expect_local:?})",
                case.name
            ));
        }
        for user in &p.open_users {
            let expect = if p.protected {
                Answer::Denied
            } else {
                Answer::Ran
            };
            let got = ask(other, running.port, &["AUTH", user, "anything"]);
            if got != expect {
                failures.push(format!(
                    "{}: AUTH {user} <anything> from another host {got:?} (predicted {expect:?})",
                    case.name
                ));
            }
        }
        running.stop();
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert_eq!(seen.len(), 3, "every kind of answer was observed: {seen:?}");
}

/// RL405's unsafe fix (`>password` → `#<sha256>`) keeps the password working.
#[test]
fn hashed_password_fix_still_authenticates() {
    if !redis::require_redis() {
        return;
    }
    // ACL files split on spaces; redis.conf `user` lines may quote a password with spaces.
    let password = "Xk2vP9qL7mZ4wR8nT3bY6cHq";
    let acl = format!("user default off\nuser app on >{password} ~* &* +@all\n");
    let conf = "user app on \">a b c\" ~* &* +@all\n";
    let mut fs = MemoryFs::new();
    fs.insert("/srv/users.acl", acl.clone());
    fs.insert("/srv/redis.conf", conf);
    let inputs = vec![
        redlint_core::Input {
            path: "users.acl".into(),
            host_path: Some("/srv/users.acl".into()),
            bytes: acl.clone().into_bytes(),
            kind: Kind::Acl,
        },
        redlint_core::Input {
            path: "redis.conf".into(),
            host_path: Some("/srv/redis.conf".into()),
            bytes: conf.as_bytes().to_vec(),
            kind: Kind::Redis,
        },
    ];
    let outcome = redlint_core::fix::fix(inputs, &fs, &redlint_core::Options::default(), true);
    let fixed = |name: &str| {
        outcome
            .files
            .iter()
            .find(|f| f.path == name)
            .map(|f| String::from_utf8_lossy(&f.fixed).into_owned())
            .unwrap_or_else(|| panic!("{name} was not fixed"))
    };
    let fixed_acl = fixed("users.acl");
    let fixed_conf = fixed("redis.conf");
    assert!(
        !fixed_acl.contains('>') && fixed_acl.contains(" #"),
        "{fixed_acl}"
    );
    assert!(
        !fixed_conf.contains('>') && fixed_conf.contains(" #"),
        "{fixed_conf}"
    );
    for (conf, files, pw) in [
        (
            "aclfile users.acl\n".to_string(),
            vec![("users.acl".to_string(), fixed_acl.into_bytes(), 0o644)],
            password,
        ),
        (fixed_conf, Vec::new(), "a b c"),
    ] {
        let running = redis::start(
            conf.as_bytes(),
            &Start {
                files,
                ..Start::default()
            },
        )
        .expect("starts with the hashed password");
        assert_eq!(
            ask([127, 0, 0, 1], running.port, &["AUTH", "app", pw]),
            Answer::Ran
        );
        assert_eq!(
            ask([127, 0, 0, 1], running.port, &["AUTH", "app", "wrong"]),
            Answer::NeedsAuth
        );
        running.stop();
    }
}

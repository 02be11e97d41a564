//! A user's effective permissions, computed the way Redis 7.0.15 applies rules: left to
//! right, each rule changing the state the previous ones left.

use std::collections::{BTreeMap, HashMap};

use super::rule::{cstr, AclError, AclRule, RuleKind, SelectorOp, SelectorRule};
use crate::knowledge::commands::{Category, CommandId, CommandTable};

/// What rule application needs besides the rule: the command table of the server mode and
/// `acl-pubsub-default` (7.0 default: `resetchannels`).
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub table: &'a CommandTable,
    /// `acl-pubsub-default allchannels`: new selectors (and `reset`) start with `&*`.
    pub pubsub_allchannels: bool,
}

impl<'a> Env<'a> {
    pub fn new(table: &'a CommandTable) -> Env<'a> {
        Env {
            table,
            pubsub_allchannels: false,
        }
    }
}

/// A key pattern with its permissions (`%R~`, `%W~`, `~` = both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub read: bool,
    pub write: bool,
}

/// A set of permissions: the user's root permissions, or one `(...)` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Set by `+@all`/`allcommands`, cleared by any rule that denies a command.
    pub all_commands: bool,
    pub all_keys: bool,
    pub all_channels: bool,
    /// One bit per command id.
    allowed: Vec<u64>,
    /// Redis' reserved bit: commands added later by modules (`+@all` sets it).
    pub future_commands: bool,
    /// Allowed first arguments of otherwise denied commands (`+select|0`).
    pub first_args: BTreeMap<CommandId, Vec<Vec<u8>>>,
    pub key_patterns: Vec<KeyPattern>,
    pub channels: Vec<Vec<u8>>,
    /// Pattern → index into `key_patterns` / `channels` (Redis dedupes both).
    key_index: HashMap<Vec<u8>, usize>,
    channel_index: HashMap<Vec<u8>, usize>,
}

impl Selector {
    /// An empty selector: no commands, no keys, channels per `acl-pubsub-default`.
    pub fn new(env: &Env<'_>) -> Selector {
        Selector {
            all_commands: false,
            all_keys: false,
            all_channels: env.pubsub_allchannels,
            allowed: vec![0; env.table.len().div_ceil(64)],
            future_commands: false,
            first_args: BTreeMap::new(),
            key_patterns: Vec::new(),
            channels: Vec::new(),
            key_index: HashMap::new(),
            channel_index: HashMap::new(),
        }
    }

    /// The command bit (the subcommand's own bit for a subcommand).
    pub fn allows(&self, id: CommandId) -> bool {
        self.allowed
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn set(&mut self, id: CommandId, value: bool) {
        if let Some(w) = self.allowed.get_mut(id as usize / 64) {
            if value {
                *w |= 1 << (id % 64);
            } else {
                *w &= !(1 << (id % 64));
            }
        }
        if !value {
            self.all_commands = false;
        }
    }

    /// `ACLChangeSelectorPerm`: a command and all its subcommands; forgets first-args.
    fn change(&mut self, table: &CommandTable, id: CommandId, allow: bool) {
        self.set(id, allow);
        self.first_args.remove(&id);
        for sub in &table.get(id).subcommands {
            self.set(*sub, allow);
        }
    }

    fn category(&mut self, table: &CommandTable, cat: Category, allow: bool) {
        for cmd in &table.commands {
            if cmd.in_category(cat) {
                self.change(table, cmd.id, allow);
            }
        }
    }

    /// Apply one selector rule (`ACLSetSelector`).
    pub fn apply(&mut self, env: &Env<'_>, rule: &SelectorRule) -> Result<(), AclError> {
        match rule {
            SelectorRule::AllKeys | SelectorRule::ResetKeys => {
                self.all_keys = *rule == SelectorRule::AllKeys;
                self.key_patterns.clear();
                self.key_index.clear();
            }
            SelectorRule::AllChannels | SelectorRule::ResetChannels => {
                self.all_channels = *rule == SelectorRule::AllChannels;
                self.channels.clear();
                self.channel_index.clear();
            }
            SelectorRule::AllCommands => {
                self.allowed.iter_mut().for_each(|w| *w = u64::MAX);
                self.future_commands = true;
                self.all_commands = true;
                self.first_args.clear();
            }
            SelectorRule::NoCommands => {
                self.allowed.iter_mut().for_each(|w| *w = 0);
                self.future_commands = false;
                self.all_commands = false;
                self.first_args.clear();
            }
            SelectorRule::KeyPattern { .. } | SelectorRule::BadKeyPattern if self.all_keys => {
                return Err(AclError::PatternAfterAllKeys)
            }
            SelectorRule::BadKeyPattern => return Err(AclError::Syntax),
            SelectorRule::KeyPattern {
                pattern,
                read,
                write,
            } => {
                match self.key_index.get(pattern) {
                    Some(&i) => {
                        self.key_patterns[i].read |= read;
                        self.key_patterns[i].write |= write;
                    }
                    None => {
                        self.key_index
                            .insert(pattern.clone(), self.key_patterns.len());
                        self.key_patterns.push(KeyPattern {
                            pattern: pattern.clone(),
                            read: *read,
                            write: *write,
                        });
                    }
                }
                self.all_keys = false;
            }
            SelectorRule::ChannelPattern(_) | SelectorRule::BadChannelPattern
                if self.all_channels =>
            {
                return Err(AclError::PatternAfterAllChannels)
            }
            SelectorRule::BadChannelPattern => return Err(AclError::Syntax),
            SelectorRule::ChannelPattern(p) => {
                if !self.channel_index.contains_key(p) {
                    self.channel_index.insert(p.clone(), self.channels.len());
                    self.channels.push(p.clone());
                }
                self.all_channels = false;
            }
            SelectorRule::Allow(id) => self.change(env.table, *id, true),
            SelectorRule::Deny(id) => self.change(env.table, *id, false),
            SelectorRule::AllowFirstArg(id, arg) => {
                let arg = cstr(arg).to_vec();
                let list = self.first_args.entry(*id).or_default();
                if !list.iter().any(|a| a.eq_ignore_ascii_case(&arg)) {
                    list.push(arg);
                }
            }
            SelectorRule::AllowCategory(c) => self.category(env.table, *c, true),
            SelectorRule::DenyCategory(c) => self.category(env.table, *c, false),
            SelectorRule::Invalid(e) => return Err(*e),
        }
        Ok(())
    }

    /// True if this selector may mention any key with the given access (`%R~*` etc.).
    pub fn has_unrestricted_keys(&self, read: bool, write: bool) -> bool {
        self.all_keys
            || self
                .key_patterns
                .iter()
                .any(|p| p.pattern == b"*" && (p.read || !read) && (p.write || !write))
    }
}

/// A user with its effective permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclUser {
    pub name: Vec<u8>,
    /// `on` (a new user is `off`).
    pub enabled: bool,
    pub nopass: bool,
    /// Hex SHA-256 of each password, in insertion order.
    pub passwords: Vec<String>,
    /// `Some(true)`: `sanitize-payload`, `Some(false)`: `skip-sanitize-payload`, `None`: the
    /// server's `sanitize-dump-payload` decides.
    pub sanitize_payload: Option<bool>,
    /// The permissions written directly on the user.
    pub root: Selector,
    /// The `(...)` selectors, in order.
    pub selectors: Vec<Selector>,
}

impl AclUser {
    /// A new user as `ACL SETUSER` / the loaders create it: `off resetkeys -@all` and
    /// channels per `acl-pubsub-default`.
    pub fn new(name: &[u8], env: &Env<'_>) -> AclUser {
        AclUser {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            sanitize_payload: None,
            root: Selector::new(env),
            selectors: Vec::new(),
        }
    }

    /// The built-in default user: `on nopass ~* &* +@all`.
    pub fn builtin_default(env: &Env<'_>) -> AclUser {
        let mut u = AclUser::new(b"default", env);
        for r in [
            SelectorRule::AllCommands,
            SelectorRule::AllKeys,
            SelectorRule::AllChannels,
        ] {
            let _ = u.root.apply(env, &r);
        }
        u.enabled = true;
        u.nopass = true;
        u
    }

    /// Root selector first, then the `(...)` selectors: the order Redis checks them in.
    pub fn all_selectors(&self) -> impl Iterator<Item = &Selector> {
        std::iter::once(&self.root).chain(self.selectors.iter())
    }

    /// Apply one rule (`ACLSetUser`). On error the user is unchanged.
    pub fn apply(&mut self, env: &Env<'_>, rule: &AclRule) -> Result<(), AclError> {
        self.apply_kind(env, &rule.kind)
    }

    pub fn apply_kind(&mut self, env: &Env<'_>, kind: &RuleKind) -> Result<(), AclError> {
        match kind {
            RuleKind::Noop => {}
            RuleKind::On => self.enabled = true,
            RuleKind::Off => self.enabled = false,
            RuleKind::SkipSanitizePayload => self.sanitize_payload = Some(false),
            RuleKind::SanitizePayload => self.sanitize_payload = Some(true),
            RuleKind::NoPass => {
                self.nopass = true;
                self.passwords.clear();
            }
            RuleKind::ResetPass => {
                self.nopass = false;
                self.passwords.clear();
            }
            RuleKind::AddPassword(h) | RuleKind::AddHash(h) => {
                if !self.passwords.contains(h) {
                    self.passwords.push(h.clone());
                }
                self.nopass = false;
            }
            RuleKind::RemovePassword(h) | RuleKind::RemoveHash(h) => {
                match self.passwords.iter().position(|p| p == h) {
                    Some(i) => {
                        self.passwords.remove(i);
                    }
                    None => return Err(AclError::NoSuchPassword),
                }
            }
            RuleKind::Selector(ops) => {
                let s = build_selector(env, ops)?;
                self.selectors.push(s);
            }
            RuleKind::ClearSelectors => self.selectors.clear(),
            RuleKind::Reset => {
                self.nopass = false;
                self.passwords.clear();
                let _ = self.root.apply(env, &SelectorRule::ResetKeys);
                let _ = self.root.apply(env, &SelectorRule::ResetChannels);
                if env.pubsub_allchannels {
                    let _ = self.root.apply(env, &SelectorRule::AllChannels);
                }
                self.enabled = false;
                self.sanitize_payload = Some(true);
                self.selectors.clear();
                let _ = self.root.apply(env, &SelectorRule::NoCommands);
            }
            // A failing selector rule changes nothing: every check comes before any change.
            RuleKind::Root(r) => self.root.apply(env, r)?,
            RuleKind::Invalid(e) => return Err(*e),
        }
        Ok(())
    }
}

/// A `(...)` selector: a fresh selector with the rules applied; the first failing rule fails it.
pub fn build_selector(env: &Env<'_>, ops: &[SelectorOp]) -> Result<Selector, AclError> {
    let mut s = Selector::new(env);
    for op in ops {
        s.apply(env, &op.rule)?;
    }
    Ok(s)
}

/// The first rule of a selector that fails, with its error.
pub fn failing_selector_op<'r>(
    env: &Env<'_>,
    ops: &'r [SelectorOp],
) -> Option<(&'r SelectorOp, AclError)> {
    let mut s = Selector::new(env);
    for op in ops {
        if let Err(e) = s.apply(env, &op.rule) {
            return Some((op, e));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::rule::parse_rule;
    use crate::knowledge::commands::redis;
    use crate::source::Span;

    fn user(rules: &str) -> Result<AclUser, (String, AclError)> {
        let env = Env::new(redis());
        let mut u = AclUser::new(b"u", &env);
        for r in rules.split(' ') {
            let rule = parse_rule(
                r.as_bytes(),
                Span::default(),
                &|_, _| Span::default(),
                redis(),
            );
            u.apply(&env, &rule).map_err(|e| (r.to_string(), e))?;
        }
        Ok(u)
    }
    fn allows(u: &AclUser, name: &str) -> bool {
        u.root
            .allows(redis().by_full_name(name.as_bytes()).unwrap().id)
    }

    #[test]
    fn order_matters() {
        let u = user("-debug +@all").unwrap();
        assert!(allows(&u, "debug") && u.root.all_commands);
        let u = user("+@all -debug").unwrap();
        assert!(!allows(&u, "debug") && allows(&u, "get") && !u.root.all_commands);
        let u = user("+@all -@dangerous +config|get").unwrap();
        assert!(allows(&u, "config|get") && !allows(&u, "config|set") && !allows(&u, "flushall"));
        let u = user("+@slow").unwrap();
        assert!(allows(&u, "config|set") && allows(&u, "set") && !allows(&u, "get"));
        let u = user("+config -config|set").unwrap();
        assert!(allows(&u, "config|get") && !allows(&u, "config|set"));
    }

    #[test]
    fn state_errors() {
        assert_eq!(
            user("~* ~foo").unwrap_err().1,
            AclError::PatternAfterAllKeys
        );
        assert_eq!(
            user("~* %X~foo").unwrap_err().1,
            AclError::PatternAfterAllKeys,
            "allkeys is checked first"
        );
        assert_eq!(
            user("&* &foo").unwrap_err().1,
            AclError::PatternAfterAllChannels
        );
        assert_eq!(user("<nopw").unwrap_err().1, AclError::NoSuchPassword);
        assert!(user(">pw <pw").is_ok());
        assert!(user("~* resetkeys ~foo").is_ok());
        assert!(user("%R~* ~foo").is_ok(), "%R~* is a pattern, not allkeys");
        let u = user("%R~a %W~a").unwrap();
        assert_eq!(
            u.root.key_patterns,
            [KeyPattern {
                pattern: b"a".to_vec(),
                read: true,
                write: true
            }]
        );
    }

    #[test]
    fn reset_and_selectors() {
        let u = user("on nopass ~* +@all (~x\t+get) reset").unwrap();
        assert!(
            !u.enabled
                && !u.nopass
                && u.selectors.is_empty()
                && !u.root.all_keys
                && !allows(&u, "get")
        );
        let u = user("(~x\t+get) (%R~y\t+@read)").unwrap();
        assert_eq!(u.selectors.len(), 2);
        assert!(user("(~x\t+nosuch)").is_err());
        let u = user("+select|0 +select|0 +SELECT|0").unwrap();
        assert_eq!(u.root.first_args.values().next().map(Vec::len), Some(1));
        let u = user("+select|0 -select").unwrap();
        assert!(u.root.first_args.is_empty());
    }
}

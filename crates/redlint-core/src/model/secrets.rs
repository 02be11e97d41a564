//! Where the secrets are: kept as a path for existing callers; the code lives in
//! [`crate::redact`], the one place every output redacts through.

pub use crate::redact::{find, is_secret_acl_rule, is_secret_yaml_key};

//! Lossless line syntax of the four config formats (plus Helm values, read through YAML). Each parser partitions its input into lines, so
//! printing the parsed document gives back the input byte for byte.

pub mod acl;
pub mod conf;
pub mod sysctl;
pub mod yaml;

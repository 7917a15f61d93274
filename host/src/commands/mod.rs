//! The `council-host` commands, one module each: its arguments and its `run`.

pub mod compose;
pub mod import;
pub mod inspect;
pub mod serve;

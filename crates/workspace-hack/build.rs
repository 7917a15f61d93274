//! Empty: it exists so that this crate's `[build-dependencies]` take part in the
//! build, which is what makes cargo resolve the build machine's side of the graph
//! (build scripts, proc-macros) with the workspace's features too.

fn main() {}

//! Golden files: a test renders its output and compares it with a file in the
//! repository; `BLESS=1` in the environment rewrites the file instead (the convention
//! of rustc's UI tests and `insta`), so an intended change is one command and a diff
//! to review.

use std::path::Path;

/// Whether this run rewrites golden files (`BLESS` is set, to anything).
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some()
}

/// Checks `actual` against the golden file at `path`, or rewrites the file when
/// [`blessing`]. Panics, naming the file, the first line that differs and how to
/// bless, when they differ or the file is missing.
pub fn check(path: &Path, actual: &str) {
    if blessing() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; rerun with BLESS=1 to write it{}",
            path.display(),
            command_hint()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  file:   {:?}\n  output: {:?}\n\
             rerun with BLESS=1 if the change is intended{}",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("(end of file)"),
            actual.lines().nth(line).unwrap_or("(end of output)"),
            command_hint()
        );
    }
}

/// `(BLESS=1 cargo test -p <package>)` for the package under test, when cargo says
/// which it is.
fn command_hint() -> String {
    std::env::var("CARGO_PKG_NAME")
        .map(|package| format!(" (BLESS=1 cargo test -p {package})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_output_passes_and_differing_output_names_the_line() {
        if blessing() {
            return; // this test checks the comparison, which blessing skips
        }
        let dir = std::env::temp_dir().join(format!("golden-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("expected.txt");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        check(&path, "one\ntwo\nthree\n");
        let message = std::panic::catch_unwind(|| check(&path, "one\nTWO\nthree\n"))
            .expect_err("a difference fails")
            .downcast::<String>()
            .unwrap();
        assert!(message.contains("first at line 2"), "{message}");
        assert!(message.contains("BLESS=1"), "{message}");
        let missing = std::panic::catch_unwind(|| check(&dir.join("absent.txt"), "x"));
        assert!(missing.is_err(), "a missing golden file fails");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

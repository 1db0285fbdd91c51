//! The one policy for tests that run an external tool (openssl, xmlsec1,
//! xmllint, poppler's pdftotext/pdffonts/pdfinfo/pdfdetach, qpdf, gpgsm,
//! softhsm2-util...): without the tool a test skips with a visible notice,
//! except in CI (`CI=true`), where a missing tool fails the test loudly,
//! because `.ci/run` installs every one of them.

use std::process::Command;

/// Whether `tool` can be run. Call it first in a test and return when it
/// says no.
pub fn tool_available(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        missing(tool);
    }
    found
}

/// Whether `python3` can import `module` (e.g. `jsonschema`, Debian
/// `python3-jsonschema`); the same policy as [`tool_available`].
#[allow(dead_code)] // only tests/json_schema.rs needs a Python module
pub fn python_module_available(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        missing(&format!("python3 module {module}"));
    }
    found
}

/// A missing tool: fails under `CI=true`, else a visible skip notice.
fn missing(tool: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is required in CI (.ci/run installs it: Debian packages openssl, xmlsec1, libxml2-utils, poppler-utils, qpdf, gpgsm, softhsm2, opensc, python3-jsonschema)"
    );
    // Written to stderr directly, not with eprintln!, so that the test
    // harness does not capture it: a skip must be visible.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {tool} is not installed (apt-get install openssl xmlsec1 libxml2-utils poppler-utils qpdf gpgsm gpg-agent softhsm2 opensc python3-jsonschema)"
    );
}

//! Running the `demail` binary from the CLI tests (feature `cli`).
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `demail` with `args` in the crate root, feeding `stdin` if given.
pub fn demail(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from another thread: a command that streams its output
    // (`mbox list -`, D150) fills the stdout pipe while it still reads.
    let mut writer = child.stdin.take().unwrap();
    let input = stdin.unwrap_or_default().to_vec();
    let feeder = std::thread::spawn(move || {
        // The command may stop reading early (an error); that is its result.
        let _ = writer.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

/// The JSON `demail` printed on standard output.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

/// The JSON Lines `demail mbox list|import` printed (D150): every line one
/// JSON object; panics on a line that is not.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            serde_json::from_slice(line).unwrap_or_else(|e| {
                panic!(
                    "{e}: {}: {}",
                    String::from_utf8_lossy(line),
                    String::from_utf8_lossy(&output.stderr)
                )
            })
        })
        .collect()
}

/// A fresh directory `name` under the target directory.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

//! Shared helpers of the S/MIME tests (tests/smime.rs, tests/smime_gpgsm.rs):
//! the draft, its content entity, the test key files and running an
//! external tool.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{data, path};

/// The e-mail address every signing test certificate names (SAN).
pub const SIGNER_ADDRESS: &str = "Versandbestaetigung@dmda-a.de-mail.de";

/// The draft, sent by the address of the test signers' certificates so that
/// a signature by them matches From (RFC 8550 §3).
pub fn draft() -> Vec<u8> {
    String::from_utf8(data("e2e/draft.eml"))
        .unwrap()
        .replacen(
            "From: pn_katze@dmda-b.de-mail.de",
            &format!("From: {SIGNER_ADDRESS}"),
            1,
        )
        .into_bytes()
}

/// Runs `args[0]` with the other arguments and `input` on stdin:
/// (success, stdout, stderr).
pub fn run(args: &[&str], input: &[u8]) -> (bool, Vec<u8>, String) {
    run_command(Command::new(args[0]).args(&args[1..]), input)
}

/// Runs a prepared command with `input` on stdin: (success, stdout, stderr).
pub fn run_command(command: &mut Command, input: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A tool that fails early closes its input; its stderr says why.
    let _ = child.stdin.take().unwrap().write_all(input);
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The path of `tests/data/keys/<name>.<kind>.pem` (`kind`: `cert` or `key`).
pub fn keyfile(name: &str, kind: &str) -> String {
    path(&format!("keys/{name}.{kind}.pem"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The header fields of the draft that are not content fields, and its
/// content entity in canonical (CRLF) form.
pub fn entity_of(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(message).replace("\r\n", "\n");
    let (header, body) = text.split_once("\n\n").unwrap();
    let mut out = String::new();
    for line in header
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("content-"))
    {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body.replace('\n', "\r\n"));
    out.into_bytes()
}

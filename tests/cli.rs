//! The `demail inspect` command: JSON output and exit codes (0 valid, 1
//! violates the TR, 2 unreadable or not a mail).
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn demail(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn inspect_valid_message_prints_typed_envelope_and_exits_0() {
    let output = demail(&["inspect", "tests/data/normal.eml"], None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v = json(&output);
    assert_eq!(v["kind"], "normal");
    assert_eq!(v["message_type"], "normal");
    assert!(!v["chosen_recipient"]["to"].as_array().unwrap().is_empty());
    assert!(v["chosen_recipient"]["bcc"].is_array());
    assert!(v["options"]["private"].is_boolean());
    assert_eq!(v["options"]["private"], true);
    assert_eq!(v["auth_level"], "high");
    assert_eq!(v["integrity_present"], true);
    assert_eq!(v["violations"].as_array().unwrap().len(), 0);
    assert!(!v["subject"].as_str().unwrap().is_ascii());
}

#[test]
fn inspect_reads_standard_input() {
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/notification.eml"
    ))
    .unwrap();
    let output = demail(&["inspect", "-"], Some(&raw));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["notification_type"], "unknown-recipient");
}

#[test]
fn inspect_invalid_message_lists_violations_and_exits_1() {
    let output = demail(&["inspect", "tests/data/duplicate-to-element.eml"], None);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    let violation = &v["violations"][0];
    assert_eq!(violation["field"], "X-de-mail-chosen-recipient");
    assert_eq!(violation["rule"], "invalid-value");
    assert_eq!(violation["section"], "TR 01201-3.4 §3.1.8");
}

#[test]
fn inspect_lenient_accepts_notification_with_valid_key_fields() {
    let strict = demail(&["inspect", "tests/data/notification-missing-type.eml"], None);
    assert_eq!(strict.status.code(), Some(1));
    let lenient = demail(
        &["inspect", "--lenient", "tests/data/notification-missing-type.eml"],
        None,
    );
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(json(&lenient)["violations"].as_array().unwrap().len(), 1);
}

#[test]
fn inspect_duplicate_field_is_a_warning() {
    let output = demail(&["inspect", "tests/data/duplicate-header-first-wins.eml"], None);
    assert_eq!(output.status.code(), Some(0));
    let warnings = json(&output)["warnings"].as_array().unwrap().clone();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("X-de-mail-private"));
}

#[test]
fn inspect_not_a_mail_exits_2_with_one_line_on_stderr() {
    for file in [
        "tests/data/not-a-mail.eml",
        "tests/data/cr-without-lf.eml",
        "tests/data/missing-file.eml",
    ] {
        let output = demail(&["inspect", file], None);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("demail: "));
    }
}

//! The `demail inspect` command: JSON output and exit codes (0 valid, 1
//! violates the TR, 2 unreadable or not a mail).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
use cli::{demail, json};

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
    assert_eq!(v["schema_version"], "1");
    let envelope = &v["envelope"];
    assert_eq!(envelope["kind"], "normal");
    assert_eq!(envelope["message_type"], "normal");
    assert!(!envelope["chosen_recipient"]["to"].as_array().unwrap().is_empty());
    assert!(envelope["chosen_recipient"]["bcc"].is_array());
    assert!(envelope["private"].is_boolean());
    assert_eq!(envelope["private"], true);
    assert_eq!(envelope["auth_level"], "high");
    assert!(envelope["integrity"].is_string());
    // One time format: RFC 3339 in UTC (D182).
    assert_eq!(envelope["date"], "2024-03-12T08:15:02Z");
    assert_eq!(v["validation"]["violations"].as_array().unwrap().len(), 0);
    assert!(!envelope["subject"].as_str().unwrap().is_ascii());
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
    assert_eq!(
        json(&output)["envelope"]["notification_type"],
        "unknown-recipient"
    );
}

#[test]
fn inspect_invalid_message_lists_violations_and_exits_1() {
    let output = demail(&["inspect", "tests/data/duplicate-to-element.eml"], None);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    let violation = &v["validation"]["violations"][0];
    assert_eq!(violation["field"], "X-de-mail-chosen-recipient");
    assert_eq!(violation["rule"], "invalid_value");
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
    assert_eq!(
        json(&lenient)["validation"]["violations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn inspect_duplicate_field_is_a_warning() {
    let output = demail(&["inspect", "tests/data/duplicate-header-first-wins.eml"], None);
    assert_eq!(output.status.code(), Some(0));
    let warnings = json(&output)["envelope"]["warnings"].as_array().unwrap().clone();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0]["code"], "duplicate");
    assert_eq!(warnings[0]["field"], "X-de-mail-private");
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

const TRUST: [&str; 6] = [
    "--trust-anchor",
    "tests/data/keys/ca.cert.pem",
    "--intermediate",
    "tests/data/keys/intermediate.cert.pem",
    "--at",
    "2026-11-24T00:00:00Z",
];

#[test]
fn verify_signed_sample_passes_with_exit_0() {
    let mut args = vec!["verify", "tests/data/signed/normal-rsa3072.eml"];
    args.extend(TRUST);
    let output = demail(&args, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let v = json(&output);
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["mode"], "signed");
    assert_eq!(v["algorithm"], "sha256/rsa");
    assert_eq!(v["trusted"], true);
    assert_eq!(v["certificate"]["key"], "RSA-3072");
    assert_eq!(v["envelope"]["kind"], "normal");
}

#[test]
fn verify_without_trust_anchor_is_untrusted_with_exit_1() {
    let output = demail(
        &[
            "verify",
            "tests/data/signed/normal-rsa3072.eml",
            "--at",
            "2026-11-24T00:00:00Z",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["verdict"], "signer_not_trusted");
}

#[test]
fn verify_tampered_message_fails_with_fc01() {
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/signed/normal-rsa3072.eml"
    ))
    .unwrap();
    let tampered = String::from_utf8_lossy(&raw).replacen("Subject: ", "Subject: Fw: ", 1);
    let mut args = vec!["verify", "-"];
    args.extend(TRUST);
    let output = demail(&args, Some(tampered.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["failure"]["error_case"], "fc_01");
}

#[test]
fn sign_then_verify_round_trip_through_the_cli() {
    let dir = std::env::temp_dir().join(format!("demail-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("signed.eml");
    let output = demail(
        &[
            "sign",
            "tests/data/normal.eml",
            "--key",
            "tests/data/keys/p384.key.pem",
            "--cert",
            "tests/data/keys/p384.cert.pem",
            "--alg",
            "sha384/ec-dsa",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut args = vec!["verify", out.to_str().unwrap()];
    args.extend(TRUST);
    let verified = demail(&args, None);
    assert_eq!(verified.status.code(), Some(0));
    assert_eq!(json(&verified)["algorithm"], "sha384/ec-dsa");
}

#[test]
fn sign_usage_errors_exit_2() {
    let output = demail(&["sign", "tests/data/normal.eml", "--alg", "sha256/rsa"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs --key"));
    let output = demail(&["sign", "tests/data/normal.eml", "--alg", "sha1"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = demail(&["verify", "tests/data/not-a-mail.eml"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = demail(&["verify", "tests/data/normal.eml", "--at", "yesterday"], None);
    assert_eq!(output.status.code(), Some(2));
}

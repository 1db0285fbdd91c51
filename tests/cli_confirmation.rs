//! `demail confirm`, `demail check-confirmation` and `demail notify`
//! (TR 01201-3.4 §3.5.1, §3.5.2): output and exit codes (0 fits, 1 mismatch
//! or bad signature, 2 unreadable input or usage).
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn demail(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn out(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_confirmation");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).display().to_string()
}

const KEY: &str = "tests/data/keys/p256.key.pem";
const CERT: &str = "tests/data/keys/p256.cert.pem";

fn confirm(kind: &str, system: &str, extra: &[&str], output: &str) -> Output {
    let mut args = vec![
        "confirm",
        kind,
        "tests/data/signed/normal-rsa3072.eml",
        "--provider-key",
        KEY,
        "--provider-cert",
        CERT,
        "--provider-name",
        "DMDA B GmbH",
        "--system-address",
        system,
        "--at",
        "2024-03-12T09:15:06+01:00",
        "-o",
        output,
    ];
    args.extend_from_slice(extra);
    demail(&args)
}

fn check(confirmation: &str) -> (Output, serde_json::Value) {
    let output = demail(&[
        "check-confirmation",
        confirmation,
        "--original",
        "tests/data/signed/normal-rsa3072.eml",
        "--trust-anchor",
        "tests/data/keys/ca.cert.pem",
        "--intermediate",
        "tests/data/keys/intermediate.cert.pem",
        "--at",
        "2026-11-24T00:00:00Z",
    ]);
    let json = serde_json::from_slice(&output.stdout).unwrap();
    (output, json)
}

/// The mismatch codes.
fn codes(json: &serde_json::Value) -> Vec<String> {
    json["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn confirm_then_check_confirmation_for_every_kind() {
    for (kind, system, extra) in [
        ("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", &[][..]),
        ("receipt", "Eingangsbestaetigung@dmda-b.de-mail.de", &[][..]),
        (
            "retrieve",
            "Abholbestaetigung@dmda-b.de-mail.de",
            &["--delivered-at", "2024-03-12T09:15:05+01:00"][..],
        ),
        ("malware", "Schadsoftware-Warnung@dmda-b.de-mail.de", &[][..]),
    ] {
        let file = out(&format!("{kind}.eml"));
        let built = confirm(kind, system, extra, &file);
        assert_eq!(
            built.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let (_, json) = check(&file);
        assert_eq!(codes(&json), Vec::<String>::new(), "{kind}: {json}");
        assert_eq!(json["passed"], true);
        // TR 01201-3.4 §3.5.1: the XML is signed, and the signature verifies.
        assert!(json["message"]["hash"].is_string());
        assert_eq!(json["xml_signature"]["passed"], true);
        assert!(json["message"].get("signed").is_none());
        assert_eq!(json["kind"], kind);
        assert_eq!(json["integrity"]["verdict"], "pass");
    }
}

#[test]
fn check_confirmation_exits_1_on_a_mismatch() {
    // A confirmation checked against another original: subject, hash, metadata differ.
    let file = out("mismatch.eml");
    assert_eq!(
        confirm("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", &[], &file)
            .status
            .code(),
        Some(0)
    );
    let output = demail(&[
        "check-confirmation",
        &file,
        "--original",
        "tests/data/normal-minimal.eml",
        "--trust-anchor",
        "tests/data/keys/ca.cert.pem",
        "--at",
        "2026-11-24T00:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["passed"], false);
    let codes = codes(&json);
    assert!(codes.contains(&"hash".to_owned()), "{codes:?}");
    assert!(codes.contains(&"header_subject".to_owned()), "{codes:?}");
}

#[test]
fn check_confirmation_without_trust_anchor_exits_1() {
    let file = out("untrusted.eml");
    confirm("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", &[], &file);
    let output = demail(&[
        "check-confirmation",
        &file,
        "--original",
        "tests/data/signed/normal-rsa3072.eml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // D53: the original is verified with the same (empty) trust options.
    assert_eq!(
        codes(&json),
        ["original_integrity", "integrity_signature", "xml_signature"]
    );
    // Present is not valid: without a trust anchor the signer is not trusted.
    assert!(json["message"]["hash"].is_string());
    assert_eq!(json["xml_signature"]["passed"], false);
}

#[test]
fn unreadable_input_and_usage_errors_exit_2() {
    let output = demail(&[
        "check-confirmation",
        "no-such-file.eml",
        "--original",
        "tests/data/normal.eml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = demail(&[
        "check-confirmation",
        "tests/data/not-a-mail.eml",
        "--original",
        "tests/data/normal.eml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    // Retrieve without --delivered-at; a system address of the wrong kind.
    let file = out("usage.eml");
    assert_eq!(
        confirm("retrieve", "Abholbestaetigung@dmda-b.de-mail.de", &[], &file)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        confirm("receipt", "Versandbestaetigung@dmda-b.de-mail.de", &[], &file)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        demail(&["confirm", "dispatch", "tests/data/normal.eml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn notify_builds_each_type() {
    for (kind, system) in [
        ("unknown-recipient", "Meldung@dmda-b.de-mail.de"),
        ("closed-account", "Meldung@dmda-b.de-mail.de"),
        ("invalid-format", "Meldung@dmda-b.de-mail.de"),
        ("other", "Meldung@dmda-b.de-mail.de"),
        ("malware", "Schadsoftware-Warnung@dmda-b.de-mail.de"),
    ] {
        let file = out(&format!("notify-{kind}.eml"));
        let output = demail(&[
            "notify",
            kind,
            "tests/data/normal.eml",
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            system,
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--reason",
            "Empfänger unbekannt",
            "--at",
            "2024-03-12T09:15:07+01:00",
            "-o",
            &file,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let inspected = demail(&["inspect", &file]);
        assert_eq!(
            inspected.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&inspected.stdout)
        );
        let json: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
        assert_eq!(json["envelope"]["kind"], "notification");
        let expected_type = if kind == "malware" { "other" } else { kind };
        assert_eq!(json["envelope"]["notification_type"], expected_type);
        let received = demail::notification::read_notification(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(received.kind.as_str(), kind);
    }
}

// TR 01201-3.4 §3.1.21, PVD FU Schritt 48, D53: a genuine confirmation does
// not vouch for an original whose body was changed after it was confirmed.
#[test]
fn check_confirmation_of_a_tampered_original_exits_1_with_original_integrity() {
    let file = out("tampered-dispatch.eml");
    let built = confirm("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", &[], &file);
    assert_eq!(built.status.code(), Some(0));
    let original = std::fs::read("tests/data/signed/normal-rsa3072.eml").unwrap();
    let text = String::from_utf8(original).unwrap();
    // Change one word of the body only; the header stays as signed.
    let (header, body) = text.split_at(text.find("\r\n\r\n").unwrap());
    assert!(body.contains("Lindenwegs"));
    let tampered = format!("{header}{}", body.replacen("Lindenwegs", "Birkenwegs", 1));
    let original_file = out("tampered-original.eml");
    std::fs::write(&original_file, tampered).unwrap();
    let output = demail(&[
        "check-confirmation",
        &file,
        "--original",
        &original_file,
        "--trust-anchor",
        "tests/data/keys/ca.cert.pem",
        "--intermediate",
        "tests/data/keys/intermediate.cert.pem",
        "--at",
        "2026-11-24T00:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(codes(&json), ["original_integrity"], "{json}");
    assert_eq!(json["passed"], false);
    assert_eq!(json["original_integrity"]["failure"]["error_case"], "fc_01");
    assert_eq!(json["original_integrity"]["body_hash_ok"], false);
    let message = json["mismatches"][0]["message"].as_str().unwrap();
    assert!(message.contains("changed"), "{message}");
}

// PVD FU Schritt 36 and 67, D56: `confirm` refuses a dispatch or receipt
// confirmation for a forwarded copy with exit 1, naming the rule.
#[test]
fn confirm_for_a_forwarded_copy_exits_1_naming_the_rule() {
    for (kind, system, rule) in [
        ("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", "Schritt 36"),
        ("receipt", "Eingangsbestaetigung@dmda-b.de-mail.de", "Schritt 67"),
    ] {
        let file = out(&format!("forwarded-{kind}.eml"));
        let output = demail(&[
            "confirm",
            kind,
            "tests/data/forwarded.eml",
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            system,
            "-o",
            &file,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{kind}: {stderr}");
        assert!(stderr.contains(rule), "{kind}: {stderr}");
        assert!(stderr.contains("forwarded"), "{kind}: {stderr}");
    }
}

// PVD FU Schritt 45, D57: `notify` about a message from a system address
// (here a confirmation) exits 1.
#[test]
fn notify_about_a_system_address_exits_1() {
    let output = demail(&[
        "notify",
        "invalid-format",
        "tests/data/confirmation-dispatch.eml",
        "--provider-name",
        "DMDA B GmbH",
        "--system-address",
        "Meldung@dmda-b.de-mail.de",
        "-o",
        &out("notify-system.eml"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Schritt 45"), "{stderr}");
}

// D53: check-confirmation verifies the original with the options `verify`
// takes: an original signed with RSA-2048 passes by default and fails (exit
// 1, original_integrity, FC-02) under --tr-02102, as `verify --tr-02102` does.
#[test]
fn check_confirmation_verifies_the_original_with_the_verify_options() {
    let original = out("original-rsa2048.eml");
    let signed = demail(&[
        "sign",
        "tests/data/normal.eml",
        "--key",
        "tests/data/keys/rsa2048.key.pem",
        "--cert",
        "tests/data/keys/rsa2048.cert.pem",
        "-o",
        &original,
    ]);
    assert_eq!(
        signed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let file = out("rsa2048-dispatch.eml");
    let built = demail(&[
        "confirm",
        "dispatch",
        original.as_str(),
        "--provider-key",
        KEY,
        "--provider-cert",
        CERT,
        "--provider-name",
        "DMDA B GmbH",
        "--system-address",
        "Versandbestaetigung@dmda-a.de-mail.de",
        "--at",
        "2024-03-12T09:15:06+01:00",
        "-o",
        &file,
    ]);
    assert_eq!(built.status.code(), Some(0));
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check-confirmation",
            file.as_str(),
            "--original",
            original.as_str(),
            "--trust-anchor",
            "tests/data/keys/ca.cert.pem",
            "--intermediate",
            "tests/data/keys/intermediate.cert.pem",
            "--at",
            "2026-11-24T00:00:00Z",
        ];
        args.extend_from_slice(extra);
        demail(&args)
    };
    assert_eq!(check(&[]).status.code(), Some(0));
    let strict = check(&["--tr-02102"]);
    assert_eq!(strict.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(codes(&json), ["original_integrity"], "{json}");
    assert_eq!(json["original_integrity"]["failure"]["error_case"], "fc_02");
}

// D54: a confirmation whose message was signed again with another trusted
// certificate than its XML: exit 1, signer_mismatch.
#[test]
fn check_confirmation_with_another_integrity_signer_exits_1_with_signer_mismatch() {
    let file = out("p256-dispatch.eml");
    assert_eq!(
        confirm("dispatch", "Versandbestaetigung@dmda-a.de-mail.de", &[], &file)
            .status
            .code(),
        Some(0)
    );
    let mixed = out("p384-resigned-dispatch.eml");
    let signed = demail(&[
        "sign",
        &file,
        "--key",
        "tests/data/keys/p384.key.pem",
        "--cert",
        "tests/data/keys/p384.cert.pem",
        "--alg",
        "sha384/ec-dsa",
        "-o",
        &mixed,
    ]);
    assert_eq!(
        signed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let (output, json) = check(&mixed);
    assert_eq!(output.status.code(), Some(1), "{json}");
    assert_eq!(codes(&json), ["signer_mismatch"], "{json}");
    assert_eq!(json["integrity"]["verdict"], "pass");
}

//! The exit codes and JSON of `demail verify`, `sign` and `inspect` for the
//! fail-closed rules of issue 11 (docs/decisions.md D46–D52): 0 pass, 1
//! refused or failed check, 2 unreadable input or usage.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::Output;

#[path = "common/cli.rs"]
mod cli;
mod common;
mod xmldsig_common;
use cli::{demail, json};
use common::independent::{openssl, recompute_hash_only, resign_with_openssl};
use common::{data, path};
use xmldsig_common::{temp_dir, tool_available};

const TRUST: [&str; 6] = [
    "--trust-anchor",
    "tests/data/keys/ca.cert.pem",
    "--intermediate",
    "tests/data/keys/intermediate.cert.pem",
    "--at",
    "2026-11-24T00:00:00Z",
];

fn verify(message: &[u8], extra: &[&str]) -> Output {
    let mut args = vec!["verify", "-"];
    args.extend(TRUST);
    args.extend(extra);
    demail(&args, Some(message))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn signed_sample() -> Vec<u8> {
    data("signed/normal-rsa3072.eml")
}

fn append_field(message: &[u8], field: &str) -> Vec<u8> {
    String::from_utf8_lossy(message)
        .replacen("\r\n\r\n", &format!("\r\n{field}\r\n\r\n"), 1)
        .into_bytes()
}

// TR 01201-3.4 §3.1.1, §3.1.21; D46
#[test]
fn cli_duplicate_signed_subject_fails_fc01_exit_1_and_first_wins_flag_passes() {
    let forged = append_field(&signed_sample(), "Subject: forged");
    let offset = String::from_utf8_lossy(&forged).find("Subject: forged").unwrap();
    let output = verify(&forged, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let v = json(&output);
    assert_eq!(v["failure"]["error_case"], "fc_01");
    assert_eq!(v["failure"]["code"], "duplicate_signed_field");
    assert_eq!(v["failure"]["offset"], offset);
    assert!(
        v["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("Subject occurs twice")
    );
    assert_eq!(v["duplicates"][0]["offset"], offset);

    let output = verify(&forged, &["--allow-duplicate-fields"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let v = json(&output);
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["duplicates"][0]["field"], "Subject");
    assert_eq!(v["duplicates"][0]["offset"], offset);
}

// TR 01201-3.4 §3.1.21 condition 4; D47
#[test]
fn cli_bare_lf_fails_fc01_exit_1_with_offset() {
    let text = String::from_utf8(signed_sample()).unwrap();
    let offset = text.find("MIME-Version: 1.0\r\n").unwrap() + "MIME-Version: 1.0".len();
    let mut forged = text.into_bytes();
    forged.remove(offset);
    let output = verify(&forged, &[]);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(
        (v["failure"]["error_case"].as_str(), v["failure"]["code"].as_str()),
        (Some("fc_01"), Some("bare_line_feed"))
    );
    assert_eq!(v["failure"]["offset"], offset);
}

// TR 01201-3.1 Schritt 48 FC-04; D48
#[test]
fn cli_hash_only_with_authoritative_yes_capitalised_fails_fc04_exit_1() {
    if !tool_available("openssl") {
        return;
    }
    let message =
        String::from_utf8(data("normal.eml"))
            .unwrap()
            .replacen("authoritative: yes", "authoritative: no", 1);
    let hashed = demail(&["sign", "-"], Some(message.as_bytes()));
    assert_eq!(hashed.status.code(), Some(0));
    let forged =
        String::from_utf8(hashed.stdout)
            .unwrap()
            .replacen("authoritative: no", "authoritative: Yes", 1);
    let forged = recompute_hash_only(forged.as_bytes());
    let output = verify(&forged, &[]);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(v["failure"]["error_case"], "fc_04");
    assert_eq!(v["failure"]["code"], "unsigned_authoritative");
    assert_eq!(v["invalid_authoritative"], "Yes");
}

// TR 01201-3.4 §3.4.1, §3.5.1; D49
#[test]
fn cli_hash_only_confirmation_and_require_signature_exit_1() {
    let hashed = demail(&["sign", "tests/data/confirmation-dispatch.eml"], None);
    assert_eq!(hashed.status.code(), Some(0));
    let output = verify(&hashed.stdout, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["failure"]["code"], "unsigned_confirmation");

    let minimal = data("signed/normal-minimal-hash-only.eml");
    assert_eq!(verify(&minimal, &[]).status.code(), Some(0));
    let output = verify(&minimal, &["--require-signature"]);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(
        (v["failure"]["error_case"].as_str(), v["failure"]["code"].as_str()),
        (Some("fc_04"), Some("signature_required"))
    );
}

// TR 01201-3.1 Schritt 48 FC-02; D50
#[test]
fn cli_rsa_1024_signed_message_fails_fc02_naming_the_key() {
    if !tool_available("openssl") {
        return;
    }
    let message = resign_with_openssl(
        &signed_sample(),
        &path("keys/rsa1024.key.pem"),
        &path("keys/rsa1024.cert.pem"),
    );
    let output = verify(&message, &[]);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(
        (v["failure"]["error_case"].as_str(), v["failure"]["code"].as_str()),
        (Some("fc_02"), Some("weak_key"))
    );
    assert!(
        v["failure"]["message"].as_str().unwrap().contains("RSA-1024"),
        "{v}"
    );
    assert_eq!(v["header_ok"], serde_json::Value::Null);
}

fn fingerprint(cert: &Path) -> String {
    let out = openssl(
        &[
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-in",
            cert.to_str().unwrap(),
        ],
        b"",
    );
    let text = String::from_utf8(out).unwrap();
    text.trim().rsplit('=').next().unwrap().to_owned()
}

// TR 01201-3.4 §3.1.14; D52
#[test]
fn cli_provider_directory_listed_passes_unlisted_fails_fc02_bad_file_exit_2() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("cli-provider-directory");
    std::fs::copy(path("keys/rsa3072.cert.pem"), dir.join("rsa3072.pem")).unwrap();
    let directory = |name: &str, json: String| {
        let file = dir.join(name);
        std::fs::write(&file, json).unwrap();
        file.to_str().unwrap().to_owned()
    };
    let rsa = fingerprint(&path("keys/rsa3072.cert.pem"));
    let p256 = fingerprint(&path("keys/p256.cert.pem"));
    let sample = signed_sample();

    let no_directory = verify(&sample, &[]);
    assert_eq!(json(&no_directory)["signer_binding"]["state"], "not_checked");

    for listed in [
        format!(r#"{{"domains": {{"stadt-musterstadt.de-mail.de": [{{"sha256": "{rsa}"}}]}}}}"#),
        r#"{"domains": {"Stadt-Musterstadt.de-mail.de": [{"certificate": "rsa3072.pem"}]}}"#.to_owned(),
        r#"{"domains": {"stadt-musterstadt.de-mail.de": [{"name_of": "rsa3072.pem"}]}}"#.to_owned(),
    ] {
        let file = directory("listed.json", listed.clone());
        let output = verify(&sample, &["--provider-directory", &file]);
        assert_eq!(output.status.code(), Some(0), "{listed}: {}", stdout(&output));
        let v = json(&output);
        assert_eq!(v["signer_binding"]["state"], "listed");
        assert_eq!(v["signer_binding"]["domain"], "stadt-musterstadt.de-mail.de");
    }

    let other = directory(
        "other.json",
        format!(
            r#"{{"domains": {{"stadt-musterstadt.de-mail.de": [{{"sha256": "{p256}"}}], "beispiel.de-mail.de": [{{"sha256": "{rsa}"}}]}}}}"#
        ),
    );
    let output = verify(&sample, &["--provider-directory", &other]);
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert_eq!(
        (v["failure"]["error_case"].as_str(), v["failure"]["code"].as_str()),
        (Some("fc_02"), Some("signer_not_listed"))
    );
    assert_eq!(v["signer_binding"]["state"], "not_listed");

    for bad in [
        "not json",
        r#"{"providers": {}}"#,
        r#"{"domains": {"a.de-mail.de": [{"sha256": "00"}]}}"#,
        r#"{"domains": {"a.de-mail.de": [{"fingerprint": "00"}]}}"#,
        r#"{"domains": {"a.de-mail.de": [{"certificate": "missing.pem"}]}}"#,
        // Security review of issue 11, finding 1: a printed subject is ambiguous.
        r#"{"domains": {"a.de-mail.de": [{"subject": "C=DE, O=DMDA A GmbH, CN=DMDA A Signaturdienst rsa3072"}]}}"#,
    ] {
        let file = directory("bad.json", bad.to_owned());
        let output = verify(&sample, &["--provider-directory", &file]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(output.stdout.is_empty());
    }
}

// TR 01201-3.1 Schritt 30, 48 FC-04 (exit 1); TR 01201-3.4 §3.1.14 (exit 2)
#[test]
fn cli_sign_refuses_hash_only_authoritative_exit_1_and_mismatched_key_exit_2() {
    let output = demail(&["sign", "tests/data/normal.eml"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("FC-04"));

    let output = demail(
        &[
            "sign",
            "tests/data/normal.eml",
            "--key",
            "tests/data/keys/p256.key.pem",
            "--cert",
            "tests/data/keys/p384.cert.pem",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not match the certificate"));
}

// RFC 5322 §3.6; TR 01201-3.4 §3.1.21 condition 4
#[test]
fn cli_inspect_reports_singleton_duplicates_and_bare_lf_as_violations() {
    let duplicate = append_field(&data("normal.eml"), "To: mallory@evil.de-mail.de");
    let offset = String::from_utf8_lossy(&duplicate).find("To: mallory").unwrap();
    let output = demail(&["inspect", "-"], Some(&duplicate));
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    let duplicate = &v["validation"]["duplicates"][0];
    assert_eq!(duplicate["name"], "To");
    assert_eq!(duplicate["offset"], offset);

    let lf = String::from_utf8(data("normal.eml"))
        .unwrap()
        .replace("\r\n", "\n");
    let output = demail(&["inspect", "-"], Some(lf.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    let v = json(&output);
    assert!(v["validation"]["bare_line_feed"].is_u64(), "{v}");
    assert_eq!(v["valid"], false);
}

// TR 01201-3.1 Schritt 30, 48 FC-04; D48: split-bcc inherits the guard of sign
#[test]
fn cli_split_bcc_of_authoritative_message_without_key_exits_1() {
    let dir = temp_dir("cli-split-bcc-authoritative");
    let message = String::from_utf8(data("e2e/smime-encrypted.eml"))
        .unwrap()
        .replacen("x-de-mail-authoritative: no", "x-de-mail-authoritative: yes", 1);
    let d = dir.to_str().unwrap();
    let output = demail(&["split-bcc", "-", "-d", d], Some(message.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("FC-04"));
    assert!(!dir.join("to-cc.eml").exists());
    let signed = demail(
        &[
            "split-bcc",
            "-",
            "-d",
            d,
            "--key",
            "tests/data/keys/p256.key.pem",
            "--cert",
            "tests/data/keys/p256.cert.pem",
        ],
        Some(message.as_bytes()),
    );
    assert_eq!(
        signed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
}

// D52: the directory is in VerifyOptions, so check-confirmation applies it to
// the confirmation (system address domain) and to the original (sender domain)
#[test]
fn cli_check_confirmation_applies_the_provider_directory() {
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("cli-confirmation-directory");
    let confirmation = dir.join("dispatch.eml");
    let confirmation = confirmation.to_str().unwrap();
    let built = demail(
        &[
            "confirm",
            "dispatch",
            "tests/data/signed/normal-rsa3072.eml",
            "--provider-key",
            "tests/data/keys/p256.key.pem",
            "--provider-cert",
            "tests/data/keys/p256.cert.pem",
            "--provider-name",
            "DMDA A GmbH",
            "--system-address",
            "Versandbestaetigung@dmda-a.de-mail.de",
            "--at",
            "2024-03-12T09:15:06+01:00",
            "-o",
            confirmation,
        ],
        None,
    );
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let rsa = fingerprint(&path("keys/rsa3072.cert.pem"));
    let p256 = fingerprint(&path("keys/p256.cert.pem"));
    let check = |json: String| {
        let file = dir.join("directory.json");
        std::fs::write(&file, json).unwrap();
        let mut args = vec![
            "check-confirmation",
            confirmation,
            "--original",
            "tests/data/signed/normal-rsa3072.eml",
            "--provider-directory",
            file.to_str().unwrap(),
        ];
        args.extend(TRUST);
        let output = demail(&args, None);
        (output.status.code(), stdout(&output))
    };
    // p256 serves the sender's domain: it may confirm dispatch (D93).
    let both = format!(
        r#"{{"domains": {{"dmda-a.de-mail.de": [{{"sha256": "{p256}"}}], "stadt-musterstadt.de-mail.de": [{{"sha256": "{rsa}"}}, {{"sha256": "{p256}"}}]}}}}"#
    );
    let (code, out) = check(both);
    assert_eq!(code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["provider_binding"]["state"], "listed");
    assert_eq!(v["provider_binding"]["domain"], "stadt-musterstadt.de-mail.de");
    // Review of issue 11, finding 3: a provider listed only for its own
    // system domain does not serve the sender: exit 1.
    let not_senders = format!(
        r#"{{"domains": {{"dmda-a.de-mail.de": [{{"sha256": "{p256}"}}], "stadt-musterstadt.de-mail.de": [{{"sha256": "{rsa}"}}]}}}}"#
    );
    let (code, out) = check(not_senders);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("\"provider_not_responsible\""), "{out}");
    // The confirmation's signer is not listed for dmda-a.de-mail.de.
    let original_only =
        format!(r#"{{"domains": {{"stadt-musterstadt.de-mail.de": [{{"sha256": "{rsa}"}}]}}}}"#);
    let (code, out) = check(original_only);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not listed in the provider directory"), "{out}");
    // The original's signer is not listed for its sender's domain.
    let confirmation_only = format!(r#"{{"domains": {{"dmda-a.de-mail.de": [{{"sha256": "{p256}"}}]}}}}"#);
    let (code, out) = check(confirmation_only);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("original_integrity"), "{out}");
}

// Review of issue 11, finding 6; D52: with a directory a hash-only message
// passes as "unsigned" (exit 0); --require-signature refuses it (exit 1).
#[test]
fn cli_provider_directory_reports_hash_only_as_unsigned_and_require_signature_exit_1() {
    let dir = temp_dir("cli-directory-unsigned");
    let file = dir.join("directory.json");
    std::fs::write(&file, r#"{"domains": {}}"#).unwrap();
    let file = file.to_str().unwrap();
    let hashed = data("signed/normal-minimal-hash-only.eml");
    let output = verify(&hashed, &["--provider-directory", file]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(json(&output)["signer_binding"]["state"], "unsigned");
    let output = verify(&hashed, &["--provider-directory", file, "--require-signature"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

//! The `demail forward`, `redirect`, `split-bcc` and `mbox` commands and the
//! `end_to_end` object of `demail inspect`: JSON output and exit codes (0
//! done, 1 refused or invalid messages, 2 unreadable input or usage).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
use cli::{demail, json, json_lines};

use std::path::{Path, PathBuf};
use std::process::Output;

use demail::bcc::split_bcc;
use demail::envelope::Envelope;
use demail::integrity::SignOptions;
use demail::integrity::{Verdict, verify};
use demail::trust::VerifyOptions;

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

/// A fresh directory under the target's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_forward-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn passes(message: &[u8]) -> bool {
    verify(&Envelope::parse(message).unwrap(), &VerifyOptions::default()).verdict == Verdict::Pass
}

const RESEND: [&str; 8] = [
    "--mailbox",
    "max.mustermann@dmda-a.de-mail.de",
    "--to",
    "max.privat@dmda-c.de-mail.de",
    "--date",
    "Fri, 15 Mar 2024 08:00:00 +0100",
    "--message-id",
    "fw.1@mx.dmda-a.de-mail.de",
];

// TR 01201-3.4 §3.2: `demail forward` writes the forwarded message.
#[test]
fn forward_writes_message_that_still_verifies_and_exits_0() {
    let mut args = vec!["forward", "tests/data/signed/normal-minimal-hash-only.eml"];
    args.extend(RESEND);
    let output = demail(&args, None);
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let envelope = Envelope::parse(&output.stdout).unwrap();
    assert_eq!(
        envelope.metadata().resent_from.as_deref(),
        Some("max.mustermann@dmda-a.de-mail.de")
    );
    assert_eq!(
        envelope.metadata().envelope_to.as_deref(),
        Some("max.privat@dmda-c.de-mail.de")
    );
    assert!(passes(&output.stdout));
    assert!(envelope.validate().is_valid());
}

// TR 01201-3.4 §3.3, D41: `demail redirect` (from stdin, to a file).
#[test]
fn redirect_writes_message_without_resent_from() {
    let dir = temp_dir("redirect");
    let out = dir.join("out.eml");
    let mut args = vec![
        "redirect",
        "-",
        "-o",
        out.to_str().unwrap(),
        "--rcpt-to",
        "relay@dmda-c.de-mail.de",
    ];
    args.extend(RESEND);
    let input = std::fs::read("tests/data/signed/normal-minimal-hash-only.eml").unwrap();
    let output = demail(&args, Some(&input));
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read(&out).unwrap();
    let envelope = Envelope::parse(&written).unwrap();
    assert!(envelope.metadata().resent_from.is_none());
    assert_eq!(
        envelope.metadata().envelope_to.as_deref(),
        Some("relay@dmda-c.de-mail.de")
    );
    assert!(passes(&written));
}

// PVD FU Schritt 72 FC-01 and §3.1.3.2: refusals exit 1; bad input exits 2.
#[test]
fn forward_refusals_exit_1_and_bad_input_exits_2() {
    let mut looped = vec![
        "forward",
        "tests/data/forwarded.eml",
        "--mailbox",
        "a@dmda-b.de-mail.de",
    ];
    looped.extend(["--to", "erika.mustermann@mustermann.de-mail.de"]);
    assert_eq!(code(&demail(&looped, None)), Some(1));
    let mut retrieve = vec!["forward", "tests/data/normal-attachment.eml"];
    retrieve.extend(RESEND);
    assert_eq!(code(&demail(&retrieve, None)), Some(1));
    let mut missing = vec!["forward", "tests/data/does-not-exist.eml"];
    missing.extend(RESEND);
    assert_eq!(code(&demail(&missing, None)), Some(2));
    let mut not_mail = vec!["forward", "-"];
    not_mail.extend(RESEND);
    assert_eq!(code(&demail(&not_mail, Some(b""))), Some(2));
    let bad_address = [
        "forward",
        "tests/data/normal.eml",
        "--mailbox",
        "not an address",
        "--to",
        "a@b.de",
    ];
    assert_eq!(code(&demail(&bad_address, None)), Some(2));
}

// TR 01201-3.4 §3.1.8: `demail split-bcc` writes one file per copy.
#[test]
fn split_bcc_writes_copies_and_reports_them() {
    let dir = temp_dir("split");
    let output = demail(
        &[
            "split-bcc",
            "tests/data/e2e/smime-encrypted.eml",
            "-d",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let copies = report["copies"].as_array().unwrap();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0]["addressee"], "to/cc");
    assert_eq!(
        copies[0]["chosen_recipient"],
        serde_json::json!({"to": ["max.mustermann@dmda-a.de-mail.de"], "cc": [], "bcc": []})
    );
    assert_eq!(copies[1]["addressee"], "geheim@dmda-c.de-mail.de");
    assert_eq!(
        copies[1]["chosen_recipient"]["bcc"][0],
        "geheim@dmda-c.de-mail.de"
    );
    let to_cc = std::fs::read(dir.join("to-cc.eml")).unwrap();
    assert!(!String::from_utf8_lossy(&to_cc).contains("geheim"));
    assert!(passes(&to_cc));
    assert!(passes(&std::fs::read(dir.join("bcc-1.eml")).unwrap()));
}

// TR 01201-3.4 §3.1.21: a message that is not ready to be hashed exits 1.
#[test]
fn split_bcc_of_incomplete_message_exits_1() {
    let dir = temp_dir("split-incomplete");
    let output = demail(
        &[
            "split-bcc",
            "tests/data/missing-sender.eml",
            "-d",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&output), Some(1));
    let output = demail(&["split-bcc", "-", "-d", dir.to_str().unwrap()], Some(b"garbage"));
    assert_eq!(code(&output), Some(2));
}

/// The `a=` tag of a message's `X-de-mail-integrity`.
fn algorithm_tag(message: &[u8]) -> String {
    let envelope = Envelope::parse(message).unwrap();
    let integrity = envelope.metadata().integrity.clone().unwrap();
    let tag = integrity
        .split(';')
        .map(str::trim)
        .find_map(|t| t.strip_prefix("a="))
        .unwrap();
    tag.to_owned()
}

// TR 01201-3.4 §3.1.21 (a= of X-de-mail-integrity): `split-bcc --alg` takes
// the algorithm like `demail sign --alg`, hash-only or with a key.
#[test]
fn split_bcc_alg_sets_the_integrity_algorithm_like_sign() {
    let dir = temp_dir("split-alg");
    let d = dir.to_str().unwrap();
    let input = "tests/data/e2e/smime-encrypted.eml";
    let output = demail(&["split-bcc", input, "-d", d, "--alg", "sha512"], None);
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in ["to-cc.eml", "bcc-1.eml"] {
        let copy = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(algorithm_tag(&copy), "sha512", "{name}");
        assert!(passes(&copy), "{name}");
    }
    let output = demail(
        &[
            "split-bcc",
            input,
            "-d",
            d,
            "--key",
            "tests/data/keys/p384.key.pem",
            "--cert",
            "tests/data/keys/p384.cert.pem",
            "--alg",
            "sha384/ec-dsa",
        ],
        None,
    );
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in ["to-cc.eml", "bcc-1.eml"] {
        let copy = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(algorithm_tag(&copy), "sha384/ec-dsa", "{name}");
        let report = verify(&Envelope::parse(&copy).unwrap(), &VerifyOptions::default());
        assert_eq!(report.verdict, Verdict::SignatureValidUntrusted, "{name}");
    }
    // The usage errors of `demail sign --alg`.
    let output = demail(&["split-bcc", input, "-d", d, "--alg", "sha256/rsa"], None);
    assert_eq!(code(&output), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs --key"));
    assert_eq!(
        code(&demail(&["split-bcc", input, "-d", d, "--alg", "sha1"], None)),
        Some(2)
    );
}

// TR 01201-3.4 §3.6: export, list and import; import writes the valid
// messages as plain RFC 5322 files, byte-exact, with integrity intact.
#[test]
fn mbox_export_list_import_round_trip() {
    let dir = temp_dir("mbox");
    let mbox = dir.join("export.mbox");
    let files = [
        "tests/data/signed/normal-minimal-hash-only.eml",
        "tests/data/e2e/pgp-mime-signed.eml",
    ];
    let hashed_pgp = dir.join("pgp.eml");
    // The vector has a BCC recipient: its to/cc copy is the hashed message.
    let copies = split_bcc(&std::fs::read(files[1]).unwrap(), &SignOptions::hash_only()).unwrap();
    std::fs::write(&hashed_pgp, &copies[0].message).unwrap();
    let output = demail(
        &[
            "mbox",
            "export",
            files[0],
            hashed_pgp.to_str().unwrap(),
            "-o",
            mbox.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(json(&output)["messages"], 2);

    let output = demail(&["mbox", "list", mbox.to_str().unwrap()], None);
    assert_eq!(code(&output), Some(0));
    let list = json_lines(&output);
    assert_eq!(list.len(), 3, "two messages and the summary (D150)");
    assert_eq!(list[2]["summary"]["messages"], 2);
    assert_eq!(list[0]["offset"], 0);
    assert_eq!(list[1]["subject"], "Vertrauliche Unterlagen");

    let imported = dir.join("imported");
    let output = demail(
        &[
            "mbox",
            "import",
            mbox.to_str().unwrap(),
            "-d",
            imported.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        code(&output),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json_lines(&output);
    let summary = &report[2]["summary"];
    assert_eq!(
        (summary["valid"].as_u64(), summary["invalid"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(report[0]["integrity"]["verdict"], "pass");
    assert_eq!(
        std::fs::read(imported.join("0001.eml")).unwrap(),
        std::fs::read(files[0]).unwrap()
    );
    assert_eq!(
        std::fs::read(imported.join("0002.eml")).unwrap(),
        std::fs::read(&hashed_pgp).unwrap()
    );
}

// TR 01201-3.4 §3.6: "Ansonsten ist ein Fehler auszugeben": invalid
// messages are reported with index and offset, exit 1.
#[test]
fn mbox_import_reports_invalid_messages_and_exits_1() {
    let mut file = b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n".to_vec();
    file.extend_from_slice(&std::fs::read("tests/data/normal-minimal.eml").unwrap());
    file.push(b'\n');
    let second = file.len();
    file.extend_from_slice(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: plain\r\n\r\nhi\r\n\n");
    let output = demail(&["mbox", "import", "-"], Some(&file));
    assert_eq!(code(&output), Some(1));
    let report = json_lines(&output);
    let summary = &report[2]["summary"];
    assert_eq!(
        (summary["valid"].as_u64(), summary["invalid"].as_u64()),
        (Some(1), Some(1))
    );
    let bad = &report[1];
    assert_eq!(bad["index"], 1);
    assert_eq!(bad["offset"].as_u64(), Some(second as u64));
    assert_eq!(bad["valid"], false);
    assert!(bad["problem"]["message"].as_str().unwrap().contains("De-Mail"));
    assert_eq!(
        code(&demail(&["mbox", "import", "tests/data/none.mbox"], None)),
        Some(2)
    );
    assert_eq!(
        code(&demail(
            &["mbox", "export", "tests/data/not-a-mail.eml", "-o", "/dev/null"],
            None
        )),
        Some(2)
    );
}

// TR 01201-3.4 §2.1.3: `demail inspect` shows the end-to-end protection.
#[test]
fn inspect_shows_end_to_end_protection() {
    let v = json(&demail(&["inspect", "tests/data/e2e/smime-encrypted.eml"], None));
    assert_eq!(v["end_to_end"]["protection"]["provider_can_read"], false);
    assert_eq!(v["end_to_end"]["protection"]["encrypted"], "whole");
    assert_eq!(
        v["end_to_end"]["protection"]["findings"][0]["mechanism"],
        "smime_encrypted"
    );
    assert_eq!(v["end_to_end"]["protection"]["findings"][0]["part"], "0");
    let v = json(&demail(&["inspect", "tests/data/e2e/pgp-mime-signed.eml"], None));
    assert_eq!(v["end_to_end"]["protection"]["signed"], "whole");
    assert_eq!(v["end_to_end"]["protection"]["findings"][0]["covered"][0], "1");
    let v = json(&demail(&["inspect", "tests/data/normal.eml"], None));
    assert_eq!(v["end_to_end"]["protection"]["provider_can_read"], true);
    assert_eq!(
        v["end_to_end"]["protection"]["findings"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

// TR 01201-3.4 §2.1.3, RFC 4880 §6.2: plaintext between two inline PGP
// blocks is readable, so `inspect` must not report the content as encrypted.
#[test]
fn inspect_reports_inline_pgp_with_plaintext_between_blocks_as_parts() {
    let v = json(&demail(
        &["inspect", "tests/data/e2e/inline-pgp-plaintext-between.eml"],
        None,
    ));
    assert_eq!(v["end_to_end"]["protection"]["encrypted"], "parts");
    assert_eq!(v["end_to_end"]["protection"]["provider_can_read"], true);
    assert_eq!(
        v["end_to_end"]["protection"]["findings"][0]["mechanism"],
        "inline_pgp_encrypted"
    );
    assert_eq!(v["end_to_end"]["protection"]["findings"][0]["part"], "0");
    assert_eq!(
        v["end_to_end"]["protection"]["findings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

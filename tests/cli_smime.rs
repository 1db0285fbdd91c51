//! `demail protect` and `demail open` (RFC 8551; TR 01201-3.4 §2.1.3), the
//! `smime_signatures` of `inspect`'s `end_to_end` (PVD FU Schritt 63–64),
//! and the protected message through sign, verify, forward, split-bcc and
//! mbox unchanged. Exit codes: 0 done, 1 refused or failed check, 2
//! unreadable input or usage.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
use cli::{demail, json};

use std::path::{Path, PathBuf};

use demail::address::DeMailAddress;
use demail::bcc::split_bcc;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::SignOptions;
use demail::mbox::{DEFAULT_MAX_MESSAGE, FromLine, MboxReader, MboxWriter};
use demail::resend::{Resend, forward};

const KEYS: &str = "tests/data/keys";
const DRAFT: &str = "tests/data/e2e/draft.eml";
/// The e-mail address every signing test certificate names (SAN).
const SIGNER_ADDRESS: &str = "Versandbestaetigung@dmda-a.de-mail.de";
const AT: &str = "2026-11-24T00:00:00Z";

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_smime-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key(name: &str) -> String {
    format!("{KEYS}/{name}.key.pem")
}

fn cert(name: &str) -> String {
    format!("{KEYS}/{name}.cert.pem")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `demail open` of `file` as p256-enc with the test CA; (exit code, JSON, opened message).
fn open_as_p256(file: &Path, dir: &Path) -> (Option<i32>, serde_json::Value, Vec<u8>) {
    let out = dir.join("opened.eml");
    let _ = std::fs::remove_file(&out);
    let output = demail(
        &[
            "open",
            s(file),
            "--key",
            &key("p256-enc"),
            "--cert",
            &cert("p256-enc"),
            "--trust-anchor",
            &cert("ca"),
            "--intermediate",
            &cert("intermediate"),
            "--at",
            AT,
            "-o",
            s(&out),
        ],
        None,
    );
    let opened = std::fs::read(&out).unwrap_or_default();
    (output.status.code(), json(&output), opened)
}

fn body_of(message: &[u8]) -> Vec<u8> {
    Envelope::parse(message).unwrap().body().to_vec()
}

// README flow: protect → sign → verify → (forward, split-bcc, mbox) → open;
// the content comes back unchanged and the signature passes each time.
#[test]
fn protected_message_goes_through_sign_verify_forward_split_bcc_mbox_and_opens() {
    let dir = temp_dir("flow");
    // RFC 8550 §3: the signer's certificate names the Sender address.
    let draft = dir.join("draft.eml");
    let text = String::from_utf8(std::fs::read(DRAFT).unwrap()).unwrap();
    std::fs::write(
        &draft,
        text.replacen("From: ", &format!("Sender: {SIGNER_ADDRESS}\r\nFrom: "), 1),
    )
    .unwrap();
    let protected = dir.join("protected.eml");
    let output = demail(
        &[
            "protect",
            s(&draft),
            "--recipient-cert",
            &cert("p256-enc"),
            "--sign-key",
            &key("rsa2048-dual"),
            "--sign-cert",
            &cert("rsa2048-dual"),
            "--encrypt-to-self",
            "-o",
            s(&protected),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json(&output);
    assert_eq!(summary["provider_can_read"], false);
    assert_eq!(summary["subject_encrypted"], false);
    assert_eq!(summary["recipients"].as_array().unwrap().len(), 2);

    let signed = dir.join("signed.eml");
    let output = demail(
        &[
            "sign",
            s(&protected),
            "--key",
            &key("rsa3072"),
            "--cert",
            &cert("rsa3072"),
            "-o",
            s(&signed),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = demail(
        &[
            "verify",
            s(&signed),
            "--trust-anchor",
            &cert("ca"),
            "--intermediate",
            &cert("intermediate"),
            "--at",
            AT,
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let signed_bytes = std::fs::read(&signed).unwrap();
    let inspect = json(&demail(&["inspect", s(&signed)], None));
    assert_eq!(inspect["end_to_end"]["protection"]["provider_can_read"], false);
    assert_eq!(inspect["end_to_end"]["protection"]["encrypted"], "whole");

    // Every operation keeps the protected body byte for byte.
    let resend = Resend::new(
        DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap(),
        DeMailAddress::parse("max.privat@dmda-c.de-mail.de").unwrap(),
        DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap(),
        "fw.smime@mx.dmda-a.de-mail.de",
    );
    let forwarded = forward(&signed_bytes, &resend).unwrap();
    let copies = split_bcc(
        &protected_bytes_without_integrity(&signed_bytes),
        &SignOptions::hash_only(),
    )
    .unwrap();
    let mut writer = MboxWriter::new(Vec::new());
    writer
        .write_message(&forwarded, &FromLine::for_message(&forwarded))
        .unwrap();
    let mbox = writer.into_inner();
    let imported: Vec<Vec<u8>> = MboxReader::new(&mbox[..], DEFAULT_MAX_MESSAGE)
        .map(|m| m.unwrap().data)
        .collect();
    let mut all = vec![signed_bytes.clone(), forwarded];
    all.extend(copies.into_iter().map(|c| c.message));
    all.extend(imported);

    for (i, message) in all.iter().enumerate() {
        assert_eq!(body_of(message), body_of(&signed_bytes), "copy {i}");
        let file = dir.join(format!("copy-{i}.eml"));
        std::fs::write(&file, message).unwrap();
        let (code, report, opened) = open_as_p256(&file, &dir);
        assert_eq!(code, Some(0), "copy {i}: {report}");
        assert_eq!(report["signatures"][0]["verdict"], "pass", "copy {i}");
        assert_eq!(report["signatures"][0]["signer"]["serial"], "30:0f");
        assert_eq!(report["content_encryption"], "aes256-gcm");
        assert_eq!(
            body_of(&opened),
            body_of(&std::fs::read(DRAFT).unwrap()),
            "copy {i}"
        );
        assert!(
            String::from_utf8_lossy(&opened)
                .contains("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
        );
    }
}

/// split-bcc hashes a message anew; it starts from the provider's input
/// (the protected draft without an integrity field).
fn protected_bytes_without_integrity(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(message);
    let mut out = String::new();
    let mut skipping = false;
    for line in text.split_inclusive("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("x-de-mail-integrity:") || lower.starts_with("x-de-mail-signature-certificate:")
        {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with(' ') || line.starts_with('\t')) {
            continue;
        }
        skipping = false;
        out.push_str(line);
    }
    out.into_bytes()
}

// Exit 1 with a snake_case code for a refusal; exit 2 for usage errors.
#[test]
fn refusals_exit_1_with_codes_and_usage_errors_exit_2() {
    let dir = temp_dir("refusals");
    let output = demail(
        &[
            "protect",
            "tests/data/normal-minimal.eml",
            "--recipient-cert",
            &cert("p256-enc"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["error"]["code"], "already_sealed");

    let protected = dir.join("p.eml");
    let output = demail(
        &[
            "protect",
            DRAFT,
            "--recipient-cert",
            &cert("p384-enc"),
            "--cipher",
            "aes256-cbc",
            "-o",
            s(&protected),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let (code, report, _) = open_as_p256(&protected, &dir);
    assert_eq!(code, Some(1));
    assert_eq!(report["error"]["code"], "not_for_this_recipient");

    // RFC 8550 §4.4.2 (D66, D120): a signing-only certificate as recipient,
    // given directly or as the --encrypt-to-self signer, is refused.
    for args in [
        vec!["--recipient-cert", &cert("rsa2048")],
        vec![
            "--recipient-cert",
            &cert("p256-enc"),
            "--sign-key",
            &key("rsa2048"),
            "--sign-cert",
            &cert("rsa2048"),
            "--encrypt-to-self",
        ],
    ] {
        let mut all = vec!["protect", DRAFT];
        all.extend(args.iter().copied());
        let output = demail(&all, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(json(&output)["error"]["code"], "recipient_key_usage", "{args:?}");
    }

    let output = demail(
        &[
            "protect",
            DRAFT,
            "--recipient-cert",
            &cert("p256-enc"),
            "--cipher",
            "des",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let output = demail(
        &[
            "open",
            "tests/data/not-a-mail.eml",
            "--key",
            &key("p256-enc"),
            "--cert",
            &cert("p256-enc"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

// PVD FU Schritt 63–64 in inspect: an S/MIME signature found is verified
// (no trust anchors: valid but not trusted), a changed one is FC-01, one
// by a certificate that does not name From/Sender is FC-02 (RFC 8550 §3).
#[test]
fn inspect_verifies_smime_signatures_it_finds() {
    let fixture = String::from_utf8(std::fs::read("tests/data/e2e/smime-signed.eml").unwrap()).unwrap();
    let report = json(&demail(&["inspect", "tests/data/e2e/smime-signed.eml"], None));
    let signer = &report["end_to_end"]["smime_signatures"][0]["signers"][0];
    assert_eq!(signer["signature_valid"], true, "{report}");
    assert_eq!(signer["failure"]["error_case"], "fc_02", "{report}");
    assert_eq!(signer["failure"]["code"], "signer_address_mismatch");
    assert_eq!(signer["signer_addresses"][0], SIGNER_ADDRESS);

    let from_signer = fixture.replacen(
        "From: pn_katze@dmda-b.de-mail.de",
        &format!("From: {SIGNER_ADDRESS}"),
        1,
    );
    let report = json(&demail(&["inspect", "-"], Some(from_signer.as_bytes())));
    let signer = &report["end_to_end"]["smime_signatures"][0]["signers"][0];
    assert_eq!(signer["verdict"], "signer_not_trusted", "{report}");

    let changed = from_signer.replacen(
        "Die Unterlagen liegen bei.",
        "Die Unterlagen liegen nicht bei.",
        1,
    );
    let report = json(&demail(&["inspect", "-"], Some(changed.as_bytes())));
    let signer = &report["end_to_end"]["smime_signatures"][0]["signers"][0];
    assert_eq!(signer["failure"]["error_case"], "fc_01", "{report}");
    assert_eq!(signer["failure"]["code"], "digest_mismatch");
}

// RFC 5652 §6.3 (CBC does not authenticate), D67: `open` refuses unsigned
// AES-CBC content with exit 1 unless `--allow-unauthenticated` is given,
// and reports `content_authenticated`.
#[test]
fn open_refuses_unauthenticated_cbc_unless_allowed() {
    let dir = temp_dir("cbc");
    let protected = dir.join("cbc.eml");
    let output = demail(
        &[
            "protect",
            DRAFT,
            "--recipient-cert",
            &cert("p256-enc"),
            "--cipher",
            "aes256-cbc",
            "-o",
            s(&protected),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let (code, report, _) = open_as_p256(&protected, &dir);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["error"]["code"], "content_decryption_failed");
    let output = demail(
        &[
            "open",
            s(&protected),
            "--key",
            &key("p256-enc"),
            "--cert",
            &cert("p256-enc"),
            "--allow-unauthenticated",
        ],
        None,
    );
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert_eq!(report["content_authenticated"], false);
    assert_eq!(report["content_encryption"], "aes256-cbc");
}

//! End-to-end transparency (TR 01201-3.4 §2.1.3: client-side signed or
//! encrypted messages "müssen bei De-Mail verlustfrei weitergeleitet
//! werden"): recognition of the protection, and byte-for-byte pass-through
//! in every operation of the crate. Vectors: tests/data/e2e/ (README there).

use std::io::Write;
use std::process::{Command, Stdio};

use demail::address::DeMailAddress;
use demail::bcc::{Addressee, split_bcc};
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::SignOptions;
use demail::integrity::{Verdict, verify};
use demail::mbox::{DEFAULT_MAX_MESSAGE, FromLine, MboxReader, MboxWriter};
use demail::protection::{
    Coverage, Mechanism, ProtectionError, ProtectionLimits, analyze, analyze_with_limits,
};
use demail::resend::{Resend, forward, redirect};
use demail::trust::VerifyOptions;

mod common;
use common::{data, path};

/// (file, [(mechanism, part, covered)], signed, encrypted)
type Expected = (
    &'static str,
    &'static [(Mechanism, &'static str, &'static [&'static str])],
    Coverage,
    Coverage,
);

const VECTORS: [Expected; 11] = [
    (
        "e2e/smime-encrypted.eml",
        &[(Mechanism::SmimeEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Whole,
    ),
    (
        "e2e/smime-auth-encrypted.eml",
        &[(Mechanism::SmimeEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Whole,
    ),
    (
        "e2e/smime-signed.eml",
        &[(Mechanism::SmimeSigned, "0", &["1"])],
        Coverage::Whole,
        Coverage::None,
    ),
    (
        "e2e/smime-opaque-signed.eml",
        &[(Mechanism::SmimeSigned, "0", &["0"])],
        Coverage::Whole,
        Coverage::None,
    ),
    (
        "e2e/smime-encrypted-attachment.eml",
        &[(Mechanism::SmimeEncrypted, "2", &["2"])],
        Coverage::None,
        Coverage::Parts,
    ),
    (
        "e2e/pgp-mime-encrypted.eml",
        &[(Mechanism::PgpMimeEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Whole,
    ),
    (
        "e2e/pgp-mime-signed.eml",
        &[(Mechanism::PgpMimeSigned, "0", &["1"])],
        Coverage::Whole,
        Coverage::None,
    ),
    (
        "e2e/inline-pgp-encrypted.eml",
        &[(Mechanism::InlinePgpEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Whole,
    ),
    (
        "e2e/inline-pgp-signed.eml",
        &[(Mechanism::InlinePgpSigned, "0", &["0"])],
        Coverage::Whole,
        Coverage::None,
    ),
    (
        "e2e/inline-pgp-plaintext-between.eml",
        &[(Mechanism::InlinePgpEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Parts,
    ),
    (
        "e2e/inline-pgp-plaintext-before-signature.eml",
        &[(Mechanism::InlinePgpEncrypted, "0", &["0"])],
        Coverage::None,
        Coverage::Parts,
    ),
];

// TR 01201-3.4 §2.1.3: which protection the content really has.
#[test]
fn protection_of_each_vector_is_recognised() {
    for (name, expected, signed, encrypted) in VECTORS {
        let protection = analyze(&data(name)).unwrap();
        let found: Vec<(Mechanism, String, Vec<String>)> = protection
            .findings
            .iter()
            .map(|f| {
                (
                    f.mechanism,
                    f.part.to_string(),
                    f.covered.iter().map(ToString::to_string).collect(),
                )
            })
            .collect();
        let expected: Vec<(Mechanism, String, Vec<String>)> = expected
            .iter()
            .map(|(m, p, c)| (*m, p.to_string(), c.iter().map(ToString::to_string).collect()))
            .collect();
        assert_eq!(found, expected, "{name}");
        assert_eq!(
            (protection.signed, protection.encrypted),
            (signed, encrypted),
            "{name}"
        );
        assert_eq!(
            protection.provider_can_read(),
            encrypted != Coverage::Whole,
            "{name}"
        );
    }
}

// TR 01201-3.4 §2.1.3, RFC 4880 §6.2/§7: inline PGP protects the whole text
// only when the text is exactly one armored block; plaintext between two
// blocks (or before a signature block) is readable by the provider.
#[test]
fn inline_pgp_is_whole_only_when_the_text_is_one_armored_block() {
    for name in [
        "e2e/inline-pgp-plaintext-between.eml",
        "e2e/inline-pgp-plaintext-before-signature.eml",
    ] {
        let message = data(name);
        assert!(
            String::from_utf8_lossy(&message).contains("\r\nMein Passwort ist geheim123\r\n"),
            "{name}: plaintext outside the armor"
        );
        let protection = analyze(&message).unwrap();
        assert_eq!(protection.encrypted, Coverage::Parts, "{name}");
        assert_eq!(protection.signed, Coverage::None, "{name}");
        assert!(protection.provider_can_read(), "{name}");
    }
    for name in ["e2e/inline-pgp-encrypted.eml", "e2e/inline-pgp-signed.eml"] {
        let protection = analyze(&data(name)).unwrap();
        assert!(
            protection.encrypted == Coverage::Whole || protection.signed == Coverage::Whole,
            "{name}"
        );
    }
}

// TR 01201-3.4 §2.1.3: without client-side protection the provider reads it.
#[test]
fn plain_messages_have_no_end_to_end_protection() {
    for name in ["normal-minimal.eml", "normal-attachment.eml", "notification.eml"] {
        let protection = analyze(&data(name)).unwrap();
        assert!(protection.findings.is_empty(), "{name}");
        assert_eq!(
            (protection.signed, protection.encrypted),
            (Coverage::None, Coverage::None)
        );
        assert!(protection.provider_can_read());
    }
}

#[test]
fn analysis_limits_are_typed_errors() {
    let message = data("e2e/pgp-mime-signed.eml");
    let tight = ProtectionLimits {
        max_depth: 1,
        ..ProtectionLimits::default()
    };
    assert!(matches!(
        analyze_with_limits(&message, &tight),
        Err(ProtectionError::TooDeep { .. })
    ));
    let tight = ProtectionLimits {
        max_parts: 2,
        ..ProtectionLimits::default()
    };
    assert!(matches!(
        analyze_with_limits(&message, &tight),
        Err(ProtectionError::TooManyParts { limit: 2 })
    ));
    let tight = ProtectionLimits {
        max_bytes: 10,
        ..ProtectionLimits::default()
    };
    assert!(matches!(
        analyze_with_limits(&message, &tight),
        Err(ProtectionError::TooLarge { .. })
    ));
    // Deep nesting from hostile input is bounded, not a stack overflow.
    let mut deep = String::from("Subject: x\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for i in 0..200 {
        deep.push_str(&format!(
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n",
            i + 1
        ));
    }
    assert!(matches!(
        analyze(deep.as_bytes()),
        Err(ProtectionError::TooDeep { .. })
    ));
}

fn resend() -> Resend<'static> {
    Resend::new(
        DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap(),
        DeMailAddress::parse("max.privat@dmda-c.de-mail.de").unwrap(),
        DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap(),
        "fw.e2e@mx.dmda-a.de-mail.de",
    )
}

fn body(message: &[u8]) -> Vec<u8> {
    Envelope::parse(message).unwrap().body().to_vec()
}

fn mbox_round_trip(messages: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut writer = MboxWriter::new(Vec::new());
    for m in messages {
        writer.write_message(m, &FromLine::for_message(m)).unwrap();
    }
    let file = writer.into_inner();
    MboxReader::new(&file[..], DEFAULT_MAX_MESSAGE)
        .map(|m| m.unwrap().data)
        .collect()
}

/// Every operation, chained: BCC fan-out (hashed), forward, redirect and
/// mbox export/import. Returns every produced message.
fn through_every_operation(original: &[u8]) -> Vec<Vec<u8>> {
    let copies = split_bcc(original, &SignOptions::hash_only()).unwrap();
    assert_eq!(copies.len(), 2, "to/cc copy and one BCC copy");
    assert_eq!(copies[0].addressee, Addressee::ToCc);
    let received = copies[0].message.clone();
    let forwarded = forward(&received, &resend()).unwrap();
    let redirected = redirect(&received, &resend()).unwrap();
    let mut all: Vec<Vec<u8>> = copies.into_iter().map(|c| c.message).collect();
    all.extend([forwarded, redirected]);
    let imported = mbox_round_trip(&all);
    assert_eq!(imported, all, "mbox round trip is byte-exact");
    all
}

// TR 01201-3.4 §2.1.3: the body of protected messages passes every
// operation byte for byte, and the De-Mail integrity value still verifies.
#[test]
fn protected_content_passes_every_operation_unchanged() {
    for (name, ..) in VECTORS {
        let original = data(name);
        let protection = analyze(&original).unwrap();
        for message in through_every_operation(&original) {
            assert_eq!(body(&message), body(&original), "{name}");
            assert_eq!(analyze(&message).unwrap(), protection, "{name}");
            let envelope = Envelope::parse(&message).unwrap();
            assert_eq!(
                verify(&envelope, &VerifyOptions::default()).verdict,
                Verdict::Pass,
                "{name}"
            );
        }
    }
}

fn openssl(args: &[&str], input: &[u8]) -> Option<(bool, Vec<u8>)> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input).ok()?;
    let output = child.wait_with_output().ok()?;
    Some((output.status.success(), output.stdout))
}

// TR 01201-3.4 §2.1.3: the recipient can still decrypt and verify with its
// own tools after every operation (openssl cms, when installed; .ci/run
// installs it).
#[test]
fn smime_content_still_decrypts_and_verifies_after_every_operation() {
    if !common::tool_available("openssl") {
        return;
    }
    let key = path("keys/rsa2048.key.pem");
    let cert = path("keys/rsa2048.cert.pem");
    let (key, cert) = (key.to_str().unwrap(), cert.to_str().unwrap());
    for name in ["e2e/smime-encrypted.eml", "e2e/smime-auth-encrypted.eml"] {
        for message in through_every_operation(&data(name)) {
            let (ok, plain) = openssl(&["cms", "-decrypt", "-inkey", key, "-recip", cert], &message).unwrap();
            assert!(ok, "{name}: openssl cms -decrypt failed");
            assert!(String::from_utf8_lossy(&plain).contains("Die Unterlagen liegen bei."));
        }
    }
    for name in ["e2e/smime-signed.eml", "e2e/smime-opaque-signed.eml"] {
        for message in through_every_operation(&data(name)) {
            let (ok, _) = openssl(&["cms", "-verify", "-noverify", "-inform", "SMIME"], &message).unwrap();
            assert!(ok, "{name}: openssl cms -verify failed");
        }
    }
}

//! The owned [`Verifier`] (issue 13 §1; docs/decisions.md D191–D193): the
//! same report as [`integrity::verify`] and [`xmldsig::verify`] with the
//! same settings, cold and with a warm certificate cache, for good,
//! tampered, untrusted, revoked (CRL) and expired-at-the-time signers; one
//! `Arc<Verifier>` shared by concurrent tokio tasks; the cache's bound.
//! TR 01201-3.4 §3.1.21, PVD FU Schritt 48.
#![cfg(feature = "provider")]

mod common;

use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::Verifier;
use demail::certificate::CertificateError;
use demail::confirmation::check_confirmation;
use demail::envelope::Envelope;
use demail::integrity::{ErrorCase, Failure, SignOptions, Verdict, VerificationReport, sign, verify};
use demail::status::{CertificateStatus, Evidence};
use demail::trust::VerifyOptions;
use demail::xmldsig::{self, XmlSignOptions, sign_enveloped};

use common::status_pki::{StatusPki, make};
use common::{Trust, data, now, signer, tool_available, trust};
use demail::signer::Signer;

/// 2046-01-19: after the notAfter (2045-01-01) of every committed test certificate.
fn after_expiry() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(2_400_000_000)
}

fn signed_with(signer: &dyn Signer) -> Vec<u8> {
    sign(&data("normal.eml"), &SignOptions::signed(signer)).unwrap()
}

/// tests/data/normal.eml signed by the committed test key `name`.
fn signed_by(name: &str) -> Vec<u8> {
    signed_with(&signer(name))
}

fn tampered(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec()).unwrap();
    assert!(text.contains("\r\n\r\n"));
    text.replacen("\r\n\r\n", "\r\n\r\nAppended to the body.\r\n", 1)
        .into_bytes()
}

/// The committed test PKI as a Verifier.
fn verifier_for(trust: &Trust) -> Verifier {
    Verifier::builder()
        .trust_anchors(trust.anchors.clone())
        .intermediates(trust.intermediates.clone())
        .build()
}

/// `integrity::verify` with `trust` at `at`: what the Verifier must answer.
fn expected(message: &[u8], trust: &Trust, evidence: &Evidence, at: SystemTime) -> VerificationReport {
    let options = VerifyOptions {
        time: at,
        trust_anchors: &trust.anchors,
        intermediates: &trust.intermediates,
        status_evidence: evidence,
        ..VerifyOptions::default()
    };
    verify(&Envelope::parse(message).unwrap(), &options)
}

/// Verifies `message` cold and warm; both reports must equal `integrity::verify`'s.
fn assert_same_as_integrity_verify(
    verifier: &Verifier,
    message: &[u8],
    expected: &VerificationReport,
    at: SystemTime,
) {
    let cold = verifier.verify_envelope(message, at).unwrap();
    let warm = verifier.verify_envelope(message, at).unwrap();
    assert_eq!(&cold, expected);
    assert_eq!(&warm, expected);
}

// TR 01201-3.4 §3.1.21: good, tampered and untrusted signers get the report integrity::verify gives
#[test]
fn tr_3_1_21_verifier_gives_the_report_of_integrity_verify() {
    let trust = trust();
    let verifier = verifier_for(&trust);
    let none = Evidence::default();
    for name in ["p256", "rsa3072", "bp256", "untrusted"] {
        let message = signed_by(name);
        let report = expected(&message, &trust, &none, now());
        assert_same_as_integrity_verify(&verifier, &message, &report, now());
        if name == "untrusted" {
            assert!(
                matches!(
                    report.failure(),
                    Some(Failure::Certificate(CertificateError::Untrusted(_)))
                ),
                "{name}"
            );
        } else {
            assert_eq!(report.verdict, Verdict::Pass, "{name}");
        }
        let changed = tampered(&message);
        let report = expected(&changed, &trust, &none, now());
        assert_eq!(report.verdict, Verdict::Fail(Failure::BodyHashMismatch), "{name}");
        assert_same_as_integrity_verify(&verifier, &changed, &report, now());
    }
    assert_eq!(verifier.cached_certificates(), 4);
}

// TR 01201-3.1 Schritt 48 FC-02, D192: a path cached at one time is not reused after the signer
// expired; openssl refuses the same chain at that time
#[test]
fn tr_3_1_21_cached_path_is_not_reused_after_expiry() {
    let trust = trust();
    let verifier = verifier_for(&trust);
    let message = signed_by("p256");
    let none = Evidence::default();
    assert!(verifier.verify_envelope(&message, now()).unwrap().passed());
    let report = expected(&message, &trust, &none, after_expiry());
    assert!(matches!(
        report.failure(),
        Some(Failure::Certificate(CertificateError::Expired { .. }))
    ));
    assert_eq!(report.trusted, Some(false));
    assert_same_as_integrity_verify(&verifier, &message, &report, after_expiry());
    // Back inside the window: the cached path holds again.
    assert!(verifier.verify_envelope(&message, now()).unwrap().passed());
    if tool_available("openssl") {
        let at = |seconds: u64| openssl_verifies_at(seconds, "p256");
        assert!(at(1_795_478_400));
        assert!(!at(2_400_000_000));
    }
}

/// `openssl verify -attime` of the committed certificate `name` with the committed chain.
fn openssl_verifies_at(seconds: u64, name: &str) -> bool {
    let keys = common::path("keys");
    Command::new("openssl")
        .args(["verify", "-attime", &seconds.to_string(), "-CAfile"])
        .arg(keys.join("ca.cert.pem"))
        .arg("-untrusted")
        .arg(keys.join("intermediate.cert.pem"))
        .arg(keys.join(format!("{name}.cert.pem")))
        .output()
        .unwrap()
        .status
        .success()
}

fn status_pki() -> Option<&'static StatusPki> {
    static PKI: OnceLock<Option<StatusPki>> = OnceLock::new();
    PKI.get_or_init(|| make("verifier-pki")).as_ref()
}

// PVD FU Schritt 48, D193: a revoked signer fails FC-02 with the CRL; the status is judged afresh
// for other evidence, never taken from the cache
#[test]
fn revoked_signer_fails_with_the_crl_and_status_is_not_cached() {
    let Some(pki) = status_pki() else { return };
    let trust = Trust {
        anchors: vec![pki.cert("root")],
        intermediates: vec![pki.cert("sub")],
    };
    let message = signed_with(&pki.signer("provider-revoked"));
    let at = pki.after_revocation;
    let after = Evidence {
        crls: vec![pki.bytes("crl-after.der")],
        ..Evidence::default()
    };
    let before = Evidence {
        crls: vec![pki.bytes("crl-before.der")],
        ..Evidence::default()
    };
    let without = verifier_for(&trust);
    let revoked = without.with_evidence(after.clone());
    let not_yet = revoked.with_evidence(before.clone());
    for (verifier, evidence) in [
        (&without, &Evidence::default()),
        (&revoked, &after),
        (&not_yet, &before),
    ] {
        let report = expected(&message, &trust, evidence, at);
        assert_same_as_integrity_verify(verifier, &message, &report, at);
    }
    let report = revoked.verify_envelope(&message, at).unwrap();
    let Some(failure @ Failure::Status(CertificateStatus::Revoked { .. })) = report.failure() else {
        panic!("expected revoked, got {:?}", report.verdict);
    };
    assert_eq!(failure.case(), ErrorCase::Fc02CertificateInvalid);
    assert_eq!(
        without.verify_envelope(&message, at).unwrap().status,
        CertificateStatus::NotChecked
    );
    assert!(matches!(
        not_yet.verify_envelope(&message, at).unwrap().status,
        CertificateStatus::Good { .. }
    ));
    // The three share one cache: one certificate parsed, its path found once.
    assert_eq!(without.cached_certificates(), 1);
}

// TR 01201-3.4 §3.5.1: verify_xml gives the report of xmldsig::verify, for a good and a changed document
#[test]
fn tr_3_5_1_verify_xml_gives_the_report_of_xmldsig_verify() {
    let trust = trust();
    let verifier = verifier_for(&trust);
    let document = b"<Acknowledge xmlns=\"urn:example:ack\"><MessageId>m-1</MessageId></Acknowledge>";
    let signed = sign_enveloped(document, &XmlSignOptions::new(&signer("p384"))).unwrap();
    let changed = String::from_utf8(signed.clone())
        .unwrap()
        .replace("m-1", "m-2")
        .into_bytes();
    let options = VerifyOptions {
        time: now(),
        trust_anchors: &trust.anchors,
        intermediates: &trust.intermediates,
        ..VerifyOptions::default()
    };
    for xml in [&signed, &changed] {
        let expected = xmldsig::verify(xml, &options).unwrap();
        assert_eq!(verifier.verify_xml(xml, now()).unwrap(), expected);
        assert_eq!(verifier.verify_xml(xml, now()).unwrap(), expected);
    }
    assert!(verifier.verify_xml(&signed, now()).unwrap().passed());
    assert!(!verifier.verify_xml(&changed, now()).unwrap().passed());
}

// TR 01201-3.4 §3.5.1, D53: check_confirmation through the Verifier is check_confirmation with its options
#[test]
fn tr_3_5_1_check_confirmation_uses_the_verifier_settings() {
    let trust = trust();
    let verifier = verifier_for(&trust);
    let confirmation = data("signed/confirmation-dispatch-bp256.eml");
    let original = data("signed/normal-rsa3072.eml");
    let options = VerifyOptions {
        time: now(),
        trust_anchors: &trust.anchors,
        intermediates: &trust.intermediates,
        ..VerifyOptions::default()
    };
    let expected = check_confirmation(&confirmation, &original, &options).unwrap();
    let report = verifier
        .check_confirmation(&confirmation, &original, now())
        .unwrap();
    assert_eq!(format!("{report:?}"), format!("{expected:?}"));
    assert_eq!(report.integrity, expected.integrity);
    assert_eq!(report.original_integrity.verdict, Verdict::Pass);
}

// D191: the cache holds at most its capacity, whatever number of signers it sees; verdicts stay right
#[test]
fn certificate_cache_stays_within_its_bound() {
    let trust = trust();
    let verifier = Verifier::builder()
        .trust_anchors(trust.anchors.clone())
        .intermediates(trust.intermediates.clone())
        .cache_capacity(2)
        .build();
    for _ in 0..2 {
        for name in ["p256", "p384", "rsa2048", "rsa3072", "bp256"] {
            let message = signed_by(name);
            let report = verifier.verify_envelope(&message, now()).unwrap();
            assert_eq!(report.verdict, Verdict::Pass, "{name}");
            assert!(verifier.cached_certificates() <= 2, "{name}");
        }
    }
    assert_eq!(verifier.cached_certificates(), 2);
}

const fn assert_send_sync<T: Send + Sync>() {}
const _: () = assert_send_sync::<Verifier>();

fn assert_send<T: Send>(_: &T) {}

/// Holds `&Verifier` across awaits, as a service handler does.
async fn verify_between_awaits(verifier: &Verifier, message: &[u8]) -> Verdict {
    tokio::task::yield_now().await;
    let report = verifier.verify_envelope(message, now()).unwrap();
    tokio::task::yield_now().await;
    report.verdict
}

// D191: one Arc<Verifier> shared by concurrent tasks on a multi-threaded runtime; every verdict
// is the one integrity::verify gives, and a future holding &Verifier across an await is Send
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_verifier_serves_concurrent_tasks() {
    let trust = trust();
    let verifier = Arc::new(verifier_for(&trust));
    let none = Evidence::default();
    let messages: Vec<(Vec<u8>, Verdict)> = ["p256", "rsa3072", "untrusted"]
        .into_iter()
        .map(signed_by)
        .flat_map(|message| [tampered(&message), message])
        .map(|message| {
            let verdict = expected(&message, &trust, &none, now()).verdict;
            (message, verdict)
        })
        .collect();
    let messages = Arc::new(messages);
    assert_send(&verify_between_awaits(&verifier, &messages[0].0));
    let tasks: Vec<_> = (0..48)
        .map(|task| {
            let (verifier, messages) = (Arc::clone(&verifier), Arc::clone(&messages));
            tokio::spawn(async move {
                let (message, expected) = &messages[task % messages.len()];
                let verdict = verify_between_awaits(&verifier, message).await;
                (task, verdict == *expected)
            })
        })
        .collect();
    for task in tasks {
        let (task, right) = task.await.unwrap();
        assert!(right, "task {task}");
    }
    assert_eq!(verifier.cached_certificates(), 3);
}

//! Evidence for archives and the status of the CA chain (issue 13 §6, §8;
//! docs/decisions.md D199, D200, D202): De-Mail messages signed by the
//! certificates of tests/data/pki/make.sh, verified with its CRLs and OCSP
//! responses, the evidence written as a bundle and verified again offline
//! at the same past time from the bundle alone. TR 01201-3.4 §3.1.21, PVD FU
//! Schritt 48: a revoked certificate of the path is FC-02, an unusable
//! piece of evidence FC-03. The chain verdicts are cross-checked with
//! `openssl verify -crl_check_all`.

mod common;

use std::sync::OnceLock;
use std::time::SystemTime;

use demail::certificate::Certificate;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::integrity::{ErrorCase, Failure, Verdict, VerificationReport, verify};
use demail::status::evidence::{EvidenceBundle, EvidenceBundleError};
use demail::status::{
    CertificateStatus, Evidence, EvidenceError, Indication, RevocationReason, SubIndication,
};
use demail::trust::{StatusPolicy, VerifyOptions};

use common::status_pki::{StatusPki, make};

fn pki() -> Option<&'static StatusPki> {
    static PKI: OnceLock<Option<StatusPki>> = OnceLock::new();
    PKI.get_or_init(|| make("evidence-pki")).as_ref()
}

/// The root as the caller's anchor, the intermediate for path building.
struct Path {
    anchors: [Certificate; 1],
    intermediates: [Certificate; 1],
}

impl Path {
    fn of(pki: &StatusPki) -> Self {
        Path {
            anchors: [pki.cert("root")],
            intermediates: [pki.cert("sub")],
        }
    }

    /// Verification at `time` with `evidence`, the default policy.
    fn options<'a>(&'a self, evidence: &'a Evidence, time: SystemTime) -> VerifyOptions<'a> {
        VerifyOptions {
            time,
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            status_evidence: evidence,
            ..VerifyOptions::default()
        }
    }
}

fn check(message: &[u8], options: &VerifyOptions<'_>) -> VerificationReport {
    verify(&Envelope::parse(message).unwrap(), options)
}

/// `openssl verify -crl_check_all` of `cert` through the intermediate to
/// the root with `crls` (PEM names), now (openssl refuses evidence newer
/// than an `-attime`, which D130 accepts).
fn openssl_accepts(pki: &StatusPki, cert: &str, crls: &[&str]) -> bool {
    let mut command = std::process::Command::new("openssl");
    command
        .args(["verify", "-crl_check_all", "-CAfile"])
        .arg(pki.path("root.pem"))
        .arg("-untrusted")
        .arg(pki.path("sub.pem"));
    for crl in crls {
        command.arg("-CRLfile").arg(pki.path(&format!("{crl}.pem")));
    }
    command.arg(pki.path(&format!("{cert}.pem")));
    command.output().unwrap().status.success()
}

/// The evidence of a report as a bundle, written out and read back.
fn round_trip(report: &VerificationReport, time: SystemTime, given: &Evidence) -> EvidenceBundle {
    let time = DateTime::from_system_time(time, 0).unwrap();
    let bundle = EvidenceBundle::collect(time, [(&report.status, report.chain.as_slice())], given);
    EvidenceBundle::parse(bundle.to_text().as_bytes()).unwrap()
}

/// The options of an offline verification from `bundle`: the caller's
/// anchors, the bundle's certificates as intermediates, its evidence and
/// time, status required (D200).
fn offline<'a>(bundle: &'a EvidenceBundle, anchors: &'a [Certificate]) -> VerifyOptions<'a> {
    VerifyOptions {
        time: bundle.time.to_system_time(),
        trust_anchors: anchors,
        intermediates: &bundle.certificates,
        status_evidence: &bundle.evidence,
        status_policy: StatusPolicy::Require,
        ..VerifyOptions::default()
    }
}

// TR 01201-3.4 §3.1.21, D199: the signature was made while the certificate was good; the
// evidence of that verification (the CRL from before the later revocation, the root's CRL
// for the intermediate, the chain) verifies again offline at the same past time, from the
// bundle alone, with the same verdict — while the same message checked with today's CRL fails
#[test]
fn d199_evidence_round_trip_at_a_past_time_gives_the_same_verdict() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-revoked");
    let path = Path::of(pki);
    // The online-style verification: the caller's evidence, more than is needed.
    let given = pki.crls(&["crl-before.der", "crl-root.der", "crl-stale.der"]);
    let online = path.options(&given, pki.before_revocation);
    let report = check(&message, &online);
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.status);
    assert_eq!(report.status.code(), "good");
    let codes = |r: &VerificationReport| r.chain.iter().map(|c| c.status.code()).collect::<Vec<_>>();
    assert_eq!(codes(&report), ["good", "not_checked"]);
    assert!(report.chain[1].anchor);

    let bundle = round_trip(&report, pki.before_revocation, &given);
    assert_eq!(bundle.certificates, [pki.cert("sub"), pki.cert("root")]);
    // Only what decided: the stale CRL was about the signer's issuer but not used.
    assert_eq!(
        bundle.evidence.crls,
        [pki.bytes("crl-before.der"), pki.bytes("crl-root.der")]
    );
    let again = check(&message, &offline(&bundle, &path.anchors));
    assert_eq!(again.verdict, report.verdict);
    assert_eq!(again.status, report.status);
    assert_eq!(again.chain, report.chain);
    assert_eq!(again.indication, report.indication);
    assert!(openssl_accepts(
        pki,
        "provider-revoked",
        &["crl-before", "crl-root"]
    ));

    // Today, with the CRL that lists the revocation: FC-02.
    let today = pki.crls(&["crl-after.der", "crl-root.der"]);
    let report = check(
        &message,
        &VerifyOptions {
            time: pki.after_revocation,
            status_evidence: &today,
            ..online
        },
    );
    assert_eq!(
        report.failure().map(Failure::case),
        Some(ErrorCase::Fc02CertificateInvalid)
    );
    assert!(!openssl_accepts(
        pki,
        "provider-revoked",
        &["crl-after", "crl-root"]
    ));
}

// D199: a bundle whose CRL was edited is refused — the CRL's signature no longer verifies,
// so the status is not confirmed (FC-03); text slipped between the blocks is refused on reading
#[test]
fn d199_tampered_bundle_is_refused() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-revoked");
    let path = Path::of(pki);
    let given = pki.crls(&["crl-before.der", "crl-root.der"]);
    let online = path.options(&given, pki.before_revocation);
    let report = check(&message, &online);
    assert!(report.passed());
    let mut bundle = round_trip(&report, pki.before_revocation, &given);
    // Change one byte of the signer's CRL (in its signature, the last bytes).
    let crl = &mut bundle.evidence.crls[0];
    let last = crl.len() - 3;
    crl[last] ^= 0x01;
    let tampered = EvidenceBundle::parse(bundle.to_text().as_bytes()).unwrap();
    let again = check(&message, &offline(&tampered, &path.anchors));
    let Some(Failure::Status(CertificateStatus::Unavailable(unavailable))) = again.failure() else {
        panic!("expected unavailable, got {:?}", again.verdict);
    };
    assert_eq!(
        again.failure().map(Failure::case),
        Some(ErrorCase::Fc03StatusUnchecked)
    );
    assert!(matches!(
        unavailable.rejected[0].error,
        EvidenceError::CrlSignature(_) | EvidenceError::CrlDecode(_)
    ));

    // A CRL removed from the bundle: the status is not confirmed, which an offline
    // verification from evidence refuses (D200).
    let mut thinned = round_trip(&report, pki.before_revocation, &given);
    thinned.evidence.crls.remove(0);
    let again = check(&message, &offline(&thinned, &path.anchors));
    assert_eq!(again.failure().map(Failure::code), Some("status_not_confirmed"));

    let text = round_trip(&report, pki.before_revocation, &given).to_text();
    let edited = text.replacen(
        "-----END CERTIFICATE-----\n",
        "-----END CERTIFICATE-----\nsee also\n",
        1,
    );
    assert!(matches!(
        EvidenceBundle::parse(edited.as_bytes()),
        Err(EvidenceBundleError::Pem { .. })
    ));
    let other_version = text.replacen("demail-evidence: 1", "demail-evidence: 2", 1);
    assert_eq!(
        EvidenceBundle::parse(other_version.as_bytes()),
        Err(EvidenceBundleError::Format)
    );
    let label = text.replacen("X509 CRL-----", "PRIVATE KEY-----", 2);
    assert!(matches!(
        EvidenceBundle::parse(label.as_bytes()),
        Err(EvidenceBundleError::Label { .. })
    ));
}

// D200: the bundle's certificates are intermediates only; without the caller's anchor the
// signer is not trusted, and a bundle cannot bring its own root
#[test]
fn d200_bundle_certificates_are_never_trust_anchors() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-good");
    let path = Path::of(pki);
    let given = pki.crls(&["crl-before.der", "crl-root.der"]);
    let online = path.options(&given, pki.before_revocation);
    let report = check(&message, &online);
    assert!(report.passed());
    let bundle = round_trip(&report, pki.before_revocation, &given);
    let untrusted = check(&message, &offline(&bundle, &[]));
    assert!(!untrusted.passed());
    assert_eq!(untrusted.trusted, None);
    assert!(untrusted.chain.is_empty());
    let other_root = [common::cert("ca")];
    let foreign = check(&message, &offline(&bundle, &other_root));
    assert_eq!(
        foreign.failure().map(Failure::code),
        Some("untrusted_certificate")
    );
}

// RFC 5280 §6.1.3 a 3, D202, PVD FU Schritt 48: the root revoked the intermediate — FC-02
// for the signer (whose own status is good), the revoked CA named in the chain; openssl
// refuses the same path
#[test]
fn d202_revoked_intermediate_fails_fc02_for_the_signer() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-good");
    let path = Path::of(pki);
    let given = pki.crls(&["crl-after.der", "crl-root-revoked-sub.der"]);
    let options = path.options(&given, SystemTime::now());
    let report = check(&message, &options);
    assert_eq!(report.status.code(), "good");
    let CertificateStatus::Revoked { revocation, .. } = &report.chain[0].status else {
        panic!(
            "expected the intermediate revoked, got {:?}",
            report.chain[0].status
        );
    };
    assert_eq!(revocation.reason, Some(RevocationReason::CaCompromise));
    assert_eq!(report.chain[0].certificate, pki.cert("sub"));
    let failure = report.failure().expect("a revoked CA fails");
    assert_eq!(failure.case(), ErrorCase::Fc02CertificateInvalid);
    assert_eq!(failure.code(), "certificate_revoked");
    assert_eq!(
        report.indication,
        Some(Indication::Indeterminate(SubIndication::RevokedCaNoPoe))
    );
    assert!(!openssl_accepts(
        pki,
        "provider-good",
        &["crl-after", "crl-root-revoked-sub"]
    ));

    // Before the root revoked it, the same CRL says revoked-after: the chain passes.
    let before = check(
        &message,
        &VerifyOptions {
            time: pki.after_revocation,
            ..options
        },
    );
    assert_eq!(before.chain[0].status.code(), "revoked_after");
    assert!(before.passed(), "{:?}", before.verdict);
}

// D202, D155: status required means every CA below the anchor too; evidence for the signer
// alone leaves the intermediate not checked (FC-03), and the root's CRL completes it
#[test]
fn d202_required_status_covers_the_chain() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-good");
    let path = Path::of(pki);
    let signer_only = pki.crls(&["crl-before.der"]);
    let options = |evidence, status_policy| VerifyOptions {
        status_policy,
        ..path.options(evidence, pki.before_revocation)
    };
    let report = check(&message, &options(&signer_only, StatusPolicy::Require));
    assert_eq!(report.status.code(), "good");
    assert_eq!(
        report.failure().map(Failure::case),
        Some(ErrorCase::Fc03StatusUnchecked)
    );
    // The default policy lets the unchecked CA pass, as it does an unchecked signer.
    let lenient = check(&message, &options(&signer_only, StatusPolicy::IfGiven));
    assert!(lenient.passed());
    assert_eq!(lenient.chain[0].status.code(), "unavailable");

    let both = pki.crls(&["crl-before.der", "crl-root.der"]);
    let report = check(&message, &options(&both, StatusPolicy::Require));
    assert!(report.passed(), "{:?}", report.verdict);
    assert_eq!(report.chain[0].status.code(), "good");
}

// D202, RFC 5280 §6.3.3: a stale root CRL for the intermediate is evidence about it that
// cannot be used: FC-03 even under the default policy
#[test]
fn d202_unusable_evidence_for_the_intermediate_fails_fc03() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-good");
    let path = Path::of(pki);
    let mut root_crl = pki.bytes("crl-root.der");
    let last = root_crl.len() - 3;
    root_crl[last] ^= 0x01;
    let mut given = Evidence::default();
    given.crls.extend([pki.bytes("crl-before.der"), root_crl]);
    let options = path.options(&given, pki.before_revocation);
    let report = check(&message, &options);
    assert_eq!(report.status.code(), "good");
    assert_eq!(report.chain[0].status.code(), "unavailable");
    assert_eq!(
        report.failure().map(Failure::case),
        Some(ErrorCase::Fc03StatusUnchecked)
    );
}

// RFC 6960 §2.2, D202: the root's OCSP responder says the intermediate is revoked — FC-02 for
// the signer; the signer's own OCSP response is about another certificate for the CA check
// and does not count against it (D157); openssl reads the same answer
#[cfg(feature = "ocsp")]
#[test]
fn d202_intermediate_revoked_by_ocsp_fails_fc02() {
    let Some(pki) = pki() else { return };
    let message = pki.signed("provider-good");
    let path = Path::of(pki);
    let mut given = Evidence::default();
    given
        .ocsp_responses
        .extend([pki.bytes("ocsp-good.der"), pki.bytes("ocsp-root-sub-revoked.der")]);
    let options = path.options(&given, SystemTime::now());
    let report = check(&message, &options);
    assert_eq!(report.status.code(), "good");
    let CertificateStatus::Revoked { revocation, source } = &report.chain[0].status else {
        panic!(
            "expected the intermediate revoked, got {:?}",
            report.chain[0].status
        );
    };
    assert_eq!(revocation.reason, Some(RevocationReason::CaCompromise));
    assert!(matches!(
        source,
        demail::status::StatusSource::Ocsp { index: 1, .. }
    ));
    assert_eq!(
        report.failure().map(Failure::case),
        Some(ErrorCase::Fc02CertificateInvalid)
    );

    let output = std::process::Command::new("openssl")
        .args(["ocsp", "-resp_text", "-noverify", "-respin"])
        .arg(pki.path("ocsp-root-sub-revoked.der"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("Cert Status: revoked") && text.contains("cACompromise"),
        "{text}"
    );
}

// D199: hostile bundles — cut short at every byte, or with a byte changed — read as a bundle
// or a typed error, never a panic; a cut inside a block is refused, and no cut adds a block
#[test]
fn d199_truncated_or_changed_bundles_are_typed_errors() {
    let mut bundle = EvidenceBundle {
        time: DateTime::parse_rfc3339("2026-11-24T00:00:00Z").unwrap(),
        certificates: vec![common::cert("intermediate"), common::cert("ca")],
        evidence: Evidence::default(),
    };
    bundle.evidence.crls.push(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    bundle.evidence.ocsp_responses.push(vec![0x30, 0x00]);
    let text = bundle.to_text();
    let bytes = text.as_bytes();
    let blocks =
        |b: &EvidenceBundle| b.certificates.len() + b.evidence.crls.len() + b.evidence.ocsp_responses.len();
    for end in 0..bytes.len() {
        match EvidenceBundle::parse(&bytes[..end]) {
            // Only the final line end may go without losing a block.
            Ok(read) => assert!(blocks(&read) < 4 || end + 1 == bytes.len(), "cut at {end}"),
            Err(
                EvidenceBundleError::Pem { .. } | EvidenceBundleError::Format | EvidenceBundleError::Time(_),
            ) => {}
            Err(EvidenceBundleError::NoSeparator | EvidenceBundleError::NotText) => {}
            Err(other) => panic!("cut at {end}: {other:?}"),
        }
    }
    assert_eq!(EvidenceBundle::parse(bytes).unwrap(), bundle);
    for at in (0..bytes.len()).step_by(5) {
        let mut changed = bytes.to_vec();
        changed[at] ^= 0x21;
        if let Ok(read) = EvidenceBundle::parse(&changed) {
            assert!(blocks(&read) <= 4, "byte {at}");
        }
    }
}

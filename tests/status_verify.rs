//! The signer certificate's revocation status in the verifiers (issue 13;
//! docs/decisions.md D155–D158): De-Mail messages signed with
//! `integrity::sign` by the certificates of tests/data/pki/make.sh, verified
//! with the CRLs and OCSP responses made with them. TR 01201-3.4 §3.1.21,
//! PVD FU Schritt 48: revoked → FC-02 (with time and reason); unknown or
//! unusable evidence, or none when status is required → FC-03. Each CRL
//! verdict is cross-checked with `openssl verify -crl_check`.
#![cfg(feature = "provider")]

#[cfg(feature = "cli")]
#[path = "common/cli.rs"]
mod cli;
mod common;

use std::sync::OnceLock;
use std::time::SystemTime;

use demail::certificate::Certificate;
use demail::confirmation::check_confirmation;
use demail::envelope::Envelope;
use demail::integrity::{ErrorCase, Failure, SignOptions, Verdict, VerificationReport, sign, verify};
use demail::status::{CertificateStatus, Evidence, Indication, RevocationReason, SubIndication};
use demail::trust::{StatusPolicy, VerifyOptions};

use common::status_pki::{StatusPki, confirmation_by, make};

fn pki() -> Option<&'static StatusPki> {
    static PKI: OnceLock<Option<StatusPki>> = OnceLock::new();
    PKI.get_or_init(|| make("status-verify-pki")).as_ref()
}

/// The root as anchor, the intermediate for path building; for
/// confirmations also the crate's test CA, which issued the original's signer.
struct Anchors {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

fn anchors(pki: &StatusPki) -> Anchors {
    Anchors {
        anchors: vec![pki.cert("root"), common::cert("ca")],
        intermediates: vec![pki.cert("sub"), common::cert("intermediate")],
    }
}

fn options<'a>(anchors: &'a Anchors, evidence: &'a Evidence, time: SystemTime) -> VerifyOptions<'a> {
    VerifyOptions {
        time,
        trust_anchors: &anchors.anchors,
        intermediates: &anchors.intermediates,
        status_evidence: evidence,
        ..VerifyOptions::default()
    }
}

#[cfg(feature = "ocsp")]
fn ocsp(pki: &StatusPki, names: &[&str]) -> Evidence {
    Evidence {
        crls: Vec::new(),
        ocsp_responses: names.iter().map(|name| pki.bytes(name)).collect(),
        ..Evidence::default()
    }
}

fn check(message: &[u8], options: &VerifyOptions<'_>) -> VerificationReport {
    verify(&Envelope::parse(message).unwrap(), options)
}

/// `openssl verify -crl_check` of `cert` with `crl` (DER) at the current time.
fn openssl_accepts(pki: &StatusPki, cert: &str, crl: &str) -> bool {
    let pem = pki.path(&format!("{crl}.pem"));
    let output = std::process::Command::new("openssl")
        .args(["verify", "-crl_check", "-CAfile"])
        .arg(pki.path("chain.pem"))
        .arg("-CRLfile")
        .arg(pem)
        .arg(pki.path(&format!("{cert}.pem")))
        .output()
        .unwrap();
    output.status.success()
}

// TR 01201-3.4 §3.1.21, PVD FU Schritt 48: a revoked provider certificate fails FC-02 with time and reason
#[test]
fn tr_3_1_21_revoked_signer_fails_fc02_with_time_and_reason() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = pki.crls(&["crl-after.der"]);
    let report = check(
        &pki.signed("provider-revoked"),
        &options(&anchors, &evidence, pki.after_revocation),
    );
    let Verdict::Fail(failure @ Failure::Status(CertificateStatus::Revoked { revocation, .. })) =
        &report.verdict
    else {
        panic!("expected revoked, got {:?}", report.verdict);
    };
    assert_eq!(failure.case(), ErrorCase::Fc02CertificateInvalid);
    assert_eq!(failure.code(), "certificate_revoked");
    assert_eq!(revocation.reason, Some(RevocationReason::KeyCompromise));
    assert!(pki.before_revocation <= revocation.time && revocation.time <= pki.after_revocation);
    assert_eq!(
        report.indication,
        Some(Indication::Indeterminate(SubIndication::RevokedNoPoe))
    );
    assert!(!openssl_accepts(pki, "provider-revoked", "crl-after"));
}

// RFC 5280 §6.3.3: a CRL from before the revocation does not list the certificate: pass, status good
#[test]
fn rfc5280_6_3_3_crl_before_the_revocation_passes() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = pki.crls(&["crl-before.der"]);
    let report = check(
        &pki.signed("provider-revoked"),
        &options(&anchors, &evidence, pki.after_revocation),
    );
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.status.code(), "good");
    assert_eq!(report.indication, Some(Indication::TotalPassed));
    assert!(openssl_accepts(pki, "provider-revoked", "crl-before"));
}

// RFC 5280 §6.3.3 a 1, D155: a stale CRL confirms nothing: FC-03 (TRY_LATER), required or not
#[test]
fn rfc5280_6_3_3_stale_crl_fails_fc03() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = pki.crls(&["crl-stale.der"]);
    let message = pki.signed("provider-good");
    for policy in [StatusPolicy::Require, StatusPolicy::IfGiven] {
        let report = check(
            &message,
            &VerifyOptions {
                status_policy: policy,
                ..options(&anchors, &evidence, pki.after_revocation)
            },
        );
        let failure = report.failure().expect("stale CRL must fail");
        assert_eq!(failure.case(), ErrorCase::Fc03StatusUnchecked, "{policy:?}");
        assert_eq!(report.status.code(), "unavailable");
        assert_eq!(
            report.indication,
            Some(Indication::Indeterminate(SubIndication::TryLater))
        );
    }
}

// RFC 6960 §2.2 "good": an OCSP response saying good passes
#[cfg(feature = "ocsp")]
#[test]
fn rfc6960_2_2_ocsp_good_passes() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = ocsp(pki, &["ocsp-good.der"]);
    let report = check(
        &pki.signed("provider-good"),
        &options(&anchors, &evidence, SystemTime::now()),
    );
    assert_eq!(report.verdict, Verdict::Pass);
    assert!(matches!(report.status, CertificateStatus::Good { .. }));
}

// RFC 6960 §2.2 "revoked", PVD FU Schritt 48: an OCSP response saying revoked fails FC-02
#[cfg(feature = "ocsp")]
#[test]
fn rfc6960_2_2_ocsp_revoked_fails_fc02() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = ocsp(pki, &["ocsp-revoked.der"]);
    let report = check(
        &pki.signed("provider-revoked"),
        &options(&anchors, &evidence, SystemTime::now()),
    );
    let failure = report.failure().expect("revoked must fail");
    assert_eq!(failure.case(), ErrorCase::Fc02CertificateInvalid);
    assert!(matches!(
        report.status,
        CertificateStatus::Revoked { revocation, .. } if revocation.reason == Some(RevocationReason::KeyCompromise)
    ));
}

// D131, EN 319 102-1 §5.6.2.1: revoked after the verification time (the archive case) passes as revoked_after
#[test]
fn d131_revoked_after_the_verification_time_passes_as_revoked_after() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = pki.crls(&["crl-after.der"]);
    let report = check(
        &pki.signed("provider-revoked"),
        &options(&anchors, &evidence, pki.before_revocation),
    );
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.status.code(), "revoked_after");
    assert_eq!(report.indication, Some(Indication::TotalPassed));
}

// D155: without evidence the default policy passes with not_checked (INDETERMINATE/TRY_LATER);
// StatusPolicy::Require fails FC-03; a hash-only message has no certificate status at all
#[test]
fn d155_no_evidence_passes_with_a_warning_by_default_and_fails_fc03_when_required() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let none = Evidence::default();
    let message = pki.signed("provider-revoked");
    let report = check(&message, &options(&anchors, &none, pki.after_revocation));
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.status, CertificateStatus::NotChecked);
    assert_eq!(
        report.indication,
        Some(Indication::Indeterminate(SubIndication::TryLater))
    );
    let required = VerifyOptions {
        status_policy: StatusPolicy::Require,
        ..options(&anchors, &none, pki.after_revocation)
    };
    let report = check(&message, &required);
    assert_eq!(
        report.failure().map(Failure::case),
        Some(ErrorCase::Fc03StatusUnchecked)
    );
    let hash_only = sign(&common::data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let report = check(&hash_only, &required);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.indication, None);
}

// D157: evidence only about other certificates (another CA's CRL) says nothing about this one
#[test]
fn d157_crl_of_another_issuer_counts_as_no_evidence() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let evidence = pki.crls(&["crl-root.der"]);
    let message = pki.signed("provider-good");
    let report = check(&message, &options(&anchors, &evidence, pki.after_revocation));
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.status.code(), "unavailable");
    let required = VerifyOptions {
        status_policy: StatusPolicy::Require,
        ..options(&anchors, &evidence, pki.after_revocation)
    };
    assert_eq!(
        check(&message, &required).failure().map(Failure::case),
        Some(ErrorCase::Fc03StatusUnchecked)
    );
}

// TR 01201-3.4 §3.5.1, PVD FU Schritt 48: a confirmation signed by a revoked provider certificate fails
#[test]
fn tr_3_5_1_confirmation_signed_by_a_revoked_provider_fails() {
    let Some(pki) = pki() else { return };
    let anchors = anchors(pki);
    let (confirmation, original) = confirmation_by(pki, "provider-revoked");
    // The original's signer (the crate's test CA) is outside the CRL's scope (D157).
    let before = pki.crls(&["crl-before.der"]);
    let report = check_confirmation(
        &confirmation,
        &original,
        &options(&anchors, &before, pki.after_revocation),
    )
    .unwrap();
    assert!(report.passed(), "{report:?}");
    let after = pki.crls(&["crl-after.der"]);
    let report = check_confirmation(
        &confirmation,
        &original,
        &options(&anchors, &after, pki.after_revocation),
    )
    .unwrap();
    assert!(!report.passed());
    assert_eq!(
        report.integrity.failure().map(Failure::case),
        Some(ErrorCase::Fc02CertificateInvalid)
    );
    let xml = report
        .xml_signature
        .as_ref()
        .expect("the XML signature is checked");
    assert_eq!(xml.status.code(), "revoked");
    assert!(!xml.passed());
    assert!(report.original_integrity.passed());
}

// PVD FU Schritt 48, D158: `demail verify --crl` of a revoked signer exits 1 with FC-02 and the
// status code in the JSON; `--require-status` without evidence exits 1 with FC-03
#[cfg(feature = "cli")]
#[test]
fn revoked_signer_exits_1_with_fc02_in_the_json() {
    let Some(pki) = pki() else { return };
    let file = pki.path("signed-revoked.eml");
    std::fs::write(&file, pki.signed("provider-revoked")).unwrap();
    let path = |name: &str| pki.path(name).to_string_lossy().into_owned();
    let (message, root, sub) = (path("signed-revoked.eml"), path("root.pem"), path("sub.pem"));
    let base = [
        "verify",
        &message,
        "--trust-anchor",
        &root,
        "--intermediate",
        &sub,
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        cli::demail(&args, None)
    };
    let crl_pem = path("crl-after.pem");
    let revoked = run(&["--crl", &crl_pem]);
    assert_eq!(revoked.status.code(), Some(1));
    let json = cli::json(&revoked);
    assert_eq!(json["failure"]["error_case"], "fc_02");
    assert_eq!(json["failure"]["code"], "certificate_revoked");
    assert_eq!(json["status"]["code"], "revoked");
    assert_eq!(json["status"]["revocation"]["reason"], "key_compromise");
    assert_eq!(json["indication"]["indication"], "indeterminate");
    assert_eq!(json["indication"]["sub_indication"], "revoked_no_poe");

    let crl_der = path("crl-before.der");
    let good = run(&["--crl", &crl_der]);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
    assert_eq!(cli::json(&good)["status"]["code"], "good");

    let unchecked = run(&[]);
    assert_eq!(unchecked.status.code(), Some(0));
    assert_eq!(cli::json(&unchecked)["status"]["code"], "not_checked");
    assert_eq!(cli::json(&unchecked)["indication"]["sub_indication"], "try_later");
    let required = run(&["--require-status"]);
    assert_eq!(required.status.code(), Some(1));
    assert_eq!(cli::json(&required)["failure"]["error_case"], "fc_03");

    let ocsp = path("ocsp-revoked.der");
    let by_ocsp = run(&["--ocsp-response", &ocsp]);
    assert_eq!(by_ocsp.status.code(), Some(1));
    assert_eq!(cli::json(&by_ocsp)["failure"]["error_case"], "fc_02");

    let missing = run(&["--crl", "/nonexistent/crl.der"]);
    assert_eq!(missing.status.code(), Some(2));
}

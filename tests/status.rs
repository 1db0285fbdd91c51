//! Certificate status (issue 13): CRLs (RFC 5280 §6.3) and OCSP responses
//! (RFC 6960 §3.2) against the test PKI of tests/data/pki/make.sh, made
//! fresh by openssl for this test binary, with every verdict cross-checked
//! against `openssl verify -crl_check` or `openssl ocsp` on the same
//! artefacts. TR 01201-3.4 §3.1.21 and PVD FU Schritt 48: revoked → FC-02,
//! status unknown or unavailable → FC-03.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::certificate::Certificate;
use demail::status::{
    CertificateStatus, Evidence, EvidenceError, EvidenceKind, Indication, RevocationReason, StatusOptions,
    StatusSource, SubIndication, TimeBasis, check_status,
};

/// The PKI of tests/data/pki/make.sh, made once per test run.
struct Pki {
    dir: PathBuf,
    /// Before the revocation of provider-revoked.
    before_revocation: SystemTime,
    /// After it.
    after_revocation: SystemTime,
}

fn pki() -> Option<&'static Pki> {
    static PKI: OnceLock<Option<Pki>> = OnceLock::new();
    PKI.get_or_init(|| {
        common::status_pki::make("status-pki").map(|made| Pki {
            dir: made.dir,
            before_revocation: made.before_revocation,
            after_revocation: made.after_revocation,
        })
    })
    .as_ref()
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(&String::from_utf8(self.bytes(&format!("{name}.pem"))).unwrap()).unwrap()
    }

    /// The status of `name` (issued by the intermediate) at `time`.
    fn status(&self, name: &str, time: SystemTime, evidence: &Evidence) -> CertificateStatus {
        self.status_with(name, time, evidence, &StatusOptions::default())
    }

    fn status_with(
        &self,
        name: &str,
        time: SystemTime,
        evidence: &Evidence,
        options: &StatusOptions,
    ) -> CertificateStatus {
        check_status(&self.cert(name), &self.cert("sub"), time, evidence, options)
    }

    fn crls(&self, names: &[&str]) -> Evidence {
        Evidence {
            crls: names.iter().map(|name| self.bytes(name)).collect(),
            ocsp_responses: Vec::new(),
            ..Evidence::default()
        }
    }

    fn ocsp(&self, names: &[&str]) -> Evidence {
        Evidence {
            crls: Vec::new(),
            ocsp_responses: names.iter().map(|name| self.bytes(name)).collect(),
            ..Evidence::default()
        }
    }

    /// `openssl <args>` in the PKI directory: (success, stdout + stderr).
    fn openssl(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// `openssl verify -crl_check` of `cert` with `crl`, at the current time.
    fn openssl_crl_verdict(&self, cert: &str, crl: &str) -> (bool, String) {
        self.openssl(&[
            "verify",
            "-crl_check",
            "-CAfile",
            "chain.pem",
            "-CRLfile",
            crl,
            cert,
        ])
    }

    #[cfg_attr(not(feature = "ocsp"), allow(dead_code))]
    /// `openssl ocsp -respin` of `response` for `cert`, at the current time.
    fn openssl_ocsp_verdict(&self, response: &str, cert: &str) -> (bool, String) {
        self.openssl(&[
            "ocsp",
            "-respin",
            response,
            "-CAfile",
            "chain.pem",
            "-issuer",
            "sub.pem",
            "-cert",
            cert,
            "-no_nonce",
        ])
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// The rejections of an unavailable status.
fn rejections(status: &CertificateStatus) -> Vec<(EvidenceKind, &EvidenceError)> {
    match status {
        CertificateStatus::Unavailable(unavailable) => {
            unavailable.rejected.iter().map(|r| (r.kind, &r.error)).collect()
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
}

fn fc(status: &CertificateStatus) -> Option<&'static str> {
    status.error_case().map(|case| case.code())
}

// ---------------------------------------------------------------- CRLs

#[test]
fn rfc5280_6_3_crl_without_the_serial_says_good() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-good", now(), &pki.crls(&["crl-after.der"]));
    let CertificateStatus::Good {
        source,
        this_update,
        next_update,
    } = &status
    else {
        panic!("{status:?}")
    };
    assert_eq!(*source, StatusSource::Crl { index: 0 });
    assert!(*this_update >= pki.after_revocation - Duration::from_secs(1));
    assert!(next_update.unwrap() > now() + Duration::from_secs(29 * 86400));
    assert_eq!(fc(&status), None);
    assert_eq!(Indication::of(&status, TimeBasis::Now), Indication::TotalPassed);
    let (ok, text) = pki.openssl_crl_verdict("provider-good.pem", "crl-after.pem");
    assert!(ok, "openssl disagrees: {text}");
}

#[test]
fn rfc5280_6_3_3_revoked_certificate_is_revoked_fc02_with_time_and_reason() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-revoked", now(), &pki.crls(&["crl-after.der"]));
    let CertificateStatus::Revoked { revocation, source } = &status else {
        panic!("{status:?}")
    };
    assert_eq!(*source, StatusSource::Crl { index: 0 });
    assert_eq!(revocation.reason, Some(RevocationReason::KeyCompromise));
    assert!(revocation.time > pki.before_revocation && revocation.time < pki.after_revocation);
    assert_eq!(fc(&status), Some("FC-02"));
    assert_eq!(
        Indication::of(&status, TimeBasis::Now),
        Indication::Indeterminate(SubIndication::RevokedNoPoe)
    );
    // Existing after the revocation does not prove being made after it...
    assert_eq!(
        Indication::of(&status, TimeBasis::ProofOfExistence),
        Indication::Indeterminate(SubIndication::RevokedNoPoe)
    );
    // ...a content time-stamp does (EN 319 102-1 §5.3.4; D134).
    let failed = Indication::of(&status, TimeBasis::SignedNotBefore);
    assert_eq!(failed, Indication::TotalFailed(SubIndication::Revoked));
    assert_eq!(
        (
            failed.as_str(),
            failed.sub_indication().map(SubIndication::as_str)
        ),
        ("TOTAL-FAILED", Some("REVOKED"))
    );
    let (ok, text) = pki.openssl_crl_verdict("provider-revoked.pem", "crl-after.pem");
    assert!(
        !ok && text.contains("certificate revoked"),
        "openssl disagrees: {text}"
    );
}

#[test]
fn rfc5280_5_crl_in_pem_is_read_like_der() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-revoked", now(), &pki.crls(&["crl-after.pem"]));
    assert_eq!(status.code(), "revoked");
}

#[test]
fn rfc5280_6_3_3_crl_from_before_the_revocation_says_good_and_a_later_one_wins() {
    let Some(pki) = pki() else { return };
    // What the old CRL says, on its own: openssl agrees.
    let old = pki.status("provider-revoked", now(), &pki.crls(&["crl-before.der"]));
    assert_eq!(old.code(), "good");
    let (ok, text) = pki.openssl_crl_verdict("provider-revoked.pem", "crl-before.pem");
    assert!(ok, "openssl disagrees: {text}");
    // Fail closed (D129): a revocation in any valid evidence wins.
    let both = pki.status(
        "provider-revoked",
        now(),
        &pki.crls(&["crl-before.der", "crl-after.der"]),
    );
    assert!(
        matches!(
            &both,
            CertificateStatus::Revoked {
                source: StatusSource::Crl { index: 1 },
                ..
            }
        ),
        "{both:?}"
    );
}

#[test]
fn rfc5280_6_3_3_revocation_after_the_verification_time_is_reported_as_such() {
    let Some(pki) = pki() else { return };
    // The archive case: verified at a time before the revocation.
    let time = pki.before_revocation;
    let status = pki.status("provider-revoked", time, &pki.crls(&["crl-after.der"]));
    let CertificateStatus::RevokedAfter { revocation, .. } = &status else {
        panic!("{status:?}")
    };
    assert!(revocation.time > time);
    assert_eq!(fc(&status), None);
    assert_eq!(
        Indication::of(&status, TimeBasis::ProofOfExistence),
        Indication::TotalPassed
    );
    // A time only claimed by the signer proves nothing (D134).
    for basis in [TimeBasis::Claimed, TimeBasis::SignedNotBefore] {
        assert_eq!(
            Indication::of(&status, basis),
            Indication::Indeterminate(SubIndication::RevokedNoPoe)
        );
    }
}

#[test]
fn rfc5280_6_3_3_a_stale_crl_is_unavailable_fc03() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-good", now(), &pki.crls(&["crl-stale.der"]));
    let next_update = UNIX_EPOCH + Duration::from_secs(1_748_822_400); // 2025-06-02T00:00:00Z
    assert_eq!(
        rejections(&status),
        vec![(EvidenceKind::Crl, &EvidenceError::CrlStale { next_update })]
    );
    assert_eq!(rejections(&status)[0].1.code(), "crl_stale");
    assert_eq!(fc(&status), Some("FC-03"));
    assert_eq!(
        Indication::of(&status, TimeBasis::Now),
        Indication::Indeterminate(SubIndication::TryLater)
    );
    let (ok, text) = pki.openssl_crl_verdict("provider-good.pem", "crl-stale.pem");
    assert!(
        !ok && text.contains("CRL has expired"),
        "openssl disagrees: {text}"
    );
    // At a time inside its window the same CRL is good evidence.
    let inside = UNIX_EPOCH + Duration::from_secs(1_748_800_000);
    assert_eq!(
        pki.status("provider-good", inside, &pki.crls(&["crl-stale.der"]))
            .code(),
        "good"
    );
}

#[test]
fn rfc5280_6_3_3_crl_signed_by_the_wrong_key_is_rejected() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-revoked", now(), &pki.crls(&["crl-wrong-key.der"]));
    let rejected = rejections(&status);
    assert!(
        matches!(
            rejected[..],
            [(EvidenceKind::Crl, EvidenceError::CrlSignature(_))]
        ),
        "{rejected:?}"
    );
    assert_eq!(fc(&status), Some("FC-03"));
    let (ok, text) = pki.openssl_crl_verdict("provider-good.pem", "crl-wrong-key.pem");
    assert!(!ok, "openssl accepts the CRL signed by the wrong key: {text}");
}

#[test]
fn rfc5280_6_3_3_b_crl_of_another_issuer_is_out_of_scope() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-revoked", now(), &pki.crls(&["crl-root.der"]));
    assert_eq!(
        rejections(&status),
        vec![(EvidenceKind::Crl, &EvidenceError::CrlNotInScope)]
    );
    let (ok, text) = pki.openssl_crl_verdict("provider-good.pem", "crl-root.pem");
    assert!(
        !ok && text.contains("unable to get certificate CRL"),
        "openssl disagrees: {text}"
    );
}

#[test]
fn rfc5280_6_3_certificate_outside_its_validity_is_out_of_bounds() {
    let Some(pki) = pki() else { return };
    let before_not_before = UNIX_EPOCH + Duration::from_secs(1_704_067_200); // 2024-01-01
    let status = pki.status("provider-good", before_not_before, &pki.crls(&["crl-after.der"]));
    let rejected = rejections(&status);
    assert!(
        matches!(rejected[..], [(_, EvidenceError::CertificateOutsideValidity(_))]),
        "{rejected:?}"
    );
    assert_eq!(
        Indication::of(&status, TimeBasis::Now),
        Indication::Indeterminate(SubIndication::OutOfBoundsNoPoe)
    );
}

#[test]
fn rfc5280_6_3_certificate_of_another_issuer_has_no_chain() {
    let Some(pki) = pki() else { return };
    let status = check_status(
        &pki.cert("provider-good"),
        &pki.cert("root"),
        now(),
        &pki.crls(&["crl-root.der"]),
        &StatusOptions::default(),
    );
    let rejected = rejections(&status);
    assert!(
        matches!(rejected[..], [(_, EvidenceError::NotIssuedBy(_))]),
        "{rejected:?}"
    );
    assert_eq!(
        Indication::of(&status, TimeBasis::Now),
        Indication::Indeterminate(SubIndication::NoCertificateChainFound)
    );
}

#[test]
fn tr_3_1_21_no_evidence_is_not_checked_fc03() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-good", now(), &Evidence::default());
    assert_eq!(status, CertificateStatus::NotChecked);
    assert_eq!(status.code(), "not_checked");
    assert_eq!(fc(&status), Some("FC-03"));
    assert_eq!(
        Indication::of(&status, TimeBasis::Now),
        Indication::Indeterminate(SubIndication::TryLater)
    );
}

#[test]
fn rfc5280_5_garbage_crl_is_a_typed_rejection() {
    let Some(pki) = pki() else { return };
    let evidence = Evidence {
        crls: vec![
            b"-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n".to_vec(),
            vec![0x30, 0x03, 0x02, 0x01],
        ],
        ocsp_responses: Vec::new(),
        ..Evidence::default()
    };
    let status = pki.status("provider-good", now(), &evidence);
    let rejected = rejections(&status);
    assert!(
        matches!(
            rejected[..],
            [
                (EvidenceKind::Crl, EvidenceError::CrlPem),
                (EvidenceKind::Crl, EvidenceError::CrlDecode(_))
            ]
        ),
        "{rejected:?}"
    );
}

#[test]
fn rfc5280_5_mutated_crls_never_panic_nor_pass_a_revoked_certificate() {
    let Some(pki) = pki() else { return };
    let crl = pki.bytes("crl-after.der");
    let cert = pki.cert("provider-revoked");
    let sub = pki.cert("sub");
    for position in 0..crl.len() {
        let mut mutated = crl.clone();
        mutated[position] ^= 0x5a;
        let evidence = Evidence {
            crls: vec![mutated],
            ocsp_responses: Vec::new(),
            ..Evidence::default()
        };
        let status = check_status(&cert, &sub, now(), &evidence, &StatusOptions::default());
        assert!(
            !matches!(status, CertificateStatus::Good { .. }),
            "byte {position}: {status:?}"
        );
    }
}

// ---------------------------------------------------------------- OCSP

#[cfg(not(feature = "ocsp"))]
#[test]
fn rfc6960_ocsp_response_without_the_ocsp_feature_is_unavailable_fc03() {
    let Some(pki) = pki() else { return };
    let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-good.der"]));
    assert_eq!(
        rejections(&status),
        vec![(EvidenceKind::Ocsp, &EvidenceError::OcspNotBuilt)]
    );
    assert_eq!(fc(&status), Some("FC-03"));
}

#[cfg(feature = "ocsp")]
mod ocsp {
    use super::*;
    use demail::status::Responder;
    use demail::status::ocsp::{CertIdHash, OcspError, build_request};

    fn ocsp_error(status: &CertificateStatus) -> &OcspError {
        match rejections(status)[..] {
            [(EvidenceKind::Ocsp, EvidenceError::Ocsp(error))] => error,
            ref other => panic!("expected one OCSP rejection, got {other:?}"),
        }
    }

    #[test]
    fn rfc6960_3_2_good_response_by_a_delegated_responder() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-good.der"]));
        let CertificateStatus::Good {
            source: StatusSource::Ocsp {
                index: 0, responder, ..
            },
            next_update: Some(next_update),
            ..
        } = &status
        else {
            panic!("{status:?}")
        };
        assert!(matches!(responder, Responder::Delegated { subject } if subject.contains("CN=responder")));
        assert!(*next_update > now());
        assert_eq!(fc(&status), None);
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-good.der", "provider-good.pem");
        assert!(
            ok && text.contains("Response verify OK") && text.contains("provider-good.pem: good"),
            "{text}"
        );
    }

    #[test]
    fn rfc6960_4_2_2_2_response_signed_by_the_issuing_ca() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-by-ca.der"]));
        assert!(
            matches!(
                &status,
                CertificateStatus::Good {
                    source: StatusSource::Ocsp {
                        responder: Responder::Issuer,
                        ..
                    },
                    ..
                }
            ),
            "{status:?}"
        );
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-by-ca.der", "provider-good.pem");
        assert!(ok && text.contains("Response verify OK"), "{text}");
    }

    #[test]
    fn rfc6960_4_2_2_3_responder_named_by_key_hash() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-by-key.der"]));
        assert!(
            matches!(
                &status,
                CertificateStatus::Good {
                    source: StatusSource::Ocsp {
                        responder: Responder::Delegated { .. },
                        ..
                    },
                    ..
                }
            ),
            "{status:?}"
        );
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-by-key.der", "provider-good.pem");
        assert!(ok && text.contains("Response verify OK"), "{text}");
    }

    #[test]
    fn rfc6960_4_2_2_2_responder_issued_by_another_ca_is_not_authorized() {
        let Some(pki) = pki() else { return };
        // OCSPSigning, chains to the same root, but not issued by the
        // certificate's issuer: it may not answer for it.
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-foreign.der"]));
        let error = ocsp_error(&status);
        assert!(
            matches!(error, OcspError::ResponderNotAuthorized(_)),
            "{status:?}"
        );
        assert_eq!(error.code(), "ocsp_responder_not_authorized");
        assert_eq!(fc(&status), Some("FC-03"));
        let (_, text) = pki.openssl_ocsp_verdict("ocsp-foreign.der", "provider-good.pem");
        assert!(text.contains("Response Verify Failure"), "{text}");
    }

    #[test]
    fn rfc6960_2_2_revoked_response_is_fc02_with_time_and_reason() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-revoked", now(), &pki.ocsp(&["ocsp-revoked.der"]));
        let CertificateStatus::Revoked { revocation, .. } = &status else {
            panic!("{status:?}")
        };
        assert_eq!(revocation.reason, Some(RevocationReason::KeyCompromise));
        assert!(revocation.time > pki.before_revocation && revocation.time < pki.after_revocation);
        assert_eq!(fc(&status), Some("FC-02"));
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-revoked.der", "provider-revoked.pem");
        assert!(ok && text.contains("provider-revoked.pem: revoked"), "{text}");
        // Before the revocation the same response shows the archive case.
        let earlier = pki.status(
            "provider-revoked",
            pki.before_revocation,
            &pki.ocsp(&["ocsp-revoked.der"]),
        );
        assert_eq!(earlier.code(), "revoked_after");
    }

    #[test]
    fn rfc6960_2_2_unknown_response_is_fc03() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-unlisted", now(), &pki.ocsp(&["ocsp-unknown.der"]));
        assert!(matches!(status, CertificateStatus::Unknown { .. }), "{status:?}");
        assert_eq!(fc(&status), Some("FC-03"));
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-unknown.der", "provider-unlisted.pem");
        assert!(ok && text.contains("provider-unlisted.pem: unknown"), "{text}");
    }

    #[test]
    fn rfc6960_3_2_1_response_for_another_certificate_is_rejected() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-other.der"]));
        assert_eq!(*ocsp_error(&status), OcspError::NotForCertificate);
        assert_eq!(fc(&status), Some("FC-03"));
        let (_, text) = pki.openssl_ocsp_verdict("ocsp-other.der", "provider-good.pem");
        assert!(text.contains("No Status found"), "{text}");
    }

    #[test]
    fn rfc6960_4_2_2_2_responder_without_ocsp_signing_is_not_authorized() {
        let Some(pki) = pki() else { return };
        let status = pki.status("provider-good", now(), &pki.ocsp(&["ocsp-noeku.der"]));
        assert!(
            matches!(ocsp_error(&status), OcspError::ResponderNotAuthorized(_)),
            "{status:?}"
        );
        let (ok, text) = pki.openssl_ocsp_verdict("ocsp-noeku.der", "provider-good.pem");
        assert!(!ok || text.contains("Response Verify Failure"), "{text}");
        assert!(text.contains("missing ocspsigning usage"), "{text}");
    }

    #[test]
    fn rfc6960_3_2_replayed_response_outside_its_window_is_rejected() {
        let Some(pki) = pki() else { return };
        // ocsp-good.der has nextUpdate one day after thisUpdate; replayed
        // two days later it proves nothing. (openssl ocsp checks the window
        // only at the current time, so there is no openssl verdict here.)
        let later = now() + Duration::from_secs(2 * 86400);
        let status = pki.status("provider-good", later, &pki.ocsp(&["ocsp-good.der"]));
        assert!(
            matches!(ocsp_error(&status), OcspError::OutsideWindow { .. }),
            "{status:?}"
        );
        assert_eq!(
            Indication::of(&status, TimeBasis::Now),
            Indication::Indeterminate(SubIndication::TryLater)
        );
        // ocsp-short.der: nextUpdate one minute after thisUpdate.
        let status = pki.status(
            "provider-good",
            now() + Duration::from_secs(120),
            &pki.ocsp(&["ocsp-short.der"]),
        );
        assert!(
            matches!(ocsp_error(&status), OcspError::OutsideWindow { .. }),
            "{status:?}"
        );
    }

    #[test]
    fn rfc6960_3_2_2_tampered_signature_is_rejected() {
        let Some(pki) = pki() else { return };
        let mut response = pki.bytes("ocsp-good.der");
        // The produced-at time's last digit sits inside tbsResponseData.
        let produced = response.windows(2).position(|w| w == [0x18, 0x0f]).unwrap();
        response[produced + 2 + 13] ^= 0x01;
        std::fs::write(pki.path("ocsp-tampered.der"), &response).unwrap();
        let evidence = Evidence {
            crls: Vec::new(),
            ocsp_responses: vec![response],
            ..Evidence::default()
        };
        let status = pki.status("provider-good", now(), &evidence);
        assert_eq!(*ocsp_error(&status), OcspError::Signature);
        let (_, text) = pki.openssl_ocsp_verdict("ocsp-tampered.der", "provider-good.pem");
        assert!(text.contains("Response Verify Failure"), "{text}");
    }

    #[test]
    fn rfc6960_4_1_1_request_built_by_the_crate_is_answered_by_openssl() {
        let Some(pki) = pki() else { return };
        for (hash, name) in [(CertIdHash::Sha1, "sha1"), (CertIdHash::Sha256, "sha256")] {
            let nonce = b"demail nonce 0123456789";
            let request =
                build_request(&pki.cert("provider-good"), &pki.cert("sub"), hash, Some(nonce)).unwrap();
            let request_file = format!("crate-{name}.req");
            let response_file = format!("crate-{name}.resp");
            std::fs::write(pki.path(&request_file), &request).unwrap();
            // openssl reads the request: the certID names the certificate.
            let (ok, text) = pki.openssl(&["ocsp", "-reqin", &request_file, "-req_text"]);
            assert!(ok, "{text}");
            assert!(text.contains(&format!("Hash Algorithm: {name}")), "{text}");
            assert!(text.contains("Serial Number: 1000"), "{text}");
            assert!(text.contains("OCSP Nonce"), "{text}");
            // An openssl responder answers it, echoing the nonce (RFC 8954).
            let (ok, text) = pki.openssl(&[
                "ocsp",
                "-index",
                "index.txt",
                "-rsigner",
                "responder.pem",
                "-rkey",
                "responder.key",
                "-CA",
                "sub.pem",
                "-reqin",
                &request_file,
                "-respout",
                &response_file,
                "-ndays",
                "1",
            ]);
            assert!(ok, "{text}");
            let evidence = pki.ocsp(&[&response_file]);
            let asked = StatusOptions {
                nonce: Some(nonce.to_vec()),
                ..StatusOptions::default()
            };
            let status = pki.status_with("provider-good", now(), &evidence, &asked);
            assert_eq!(status.code(), "good", "{status:?}");
            let wrong = StatusOptions {
                nonce: Some(b"another nonce".to_vec()),
                ..StatusOptions::default()
            };
            let status = pki.status_with("provider-good", now(), &evidence, &wrong);
            assert_eq!(*ocsp_error(&status), OcspError::NonceMismatch);
        }
    }

    #[test]
    fn rfc8954_nonce_asked_for_but_missing_is_rejected() {
        let Some(pki) = pki() else { return };
        let asked = StatusOptions {
            nonce: Some(b"fresh".to_vec()),
            ..StatusOptions::default()
        };
        let status = pki.status_with("provider-good", now(), &pki.ocsp(&["ocsp-good.der"]), &asked);
        assert_eq!(*ocsp_error(&status), OcspError::NonceMissing);
    }

    #[test]
    fn rfc6960_3_2_ocsp_and_crl_together_fail_closed() {
        let Some(pki) = pki() else { return };
        // An old CRL without the entry does not hide the OCSP revocation...
        let evidence = Evidence {
            crls: vec![pki.bytes("crl-before.der")],
            ocsp_responses: vec![pki.bytes("ocsp-revoked.der")],
            ..Evidence::default()
        };
        let status = pki.status("provider-revoked", now(), &evidence);
        assert!(
            matches!(
                status,
                CertificateStatus::Revoked {
                    source: StatusSource::Ocsp { index: 0, .. },
                    ..
                }
            ),
            "{status:?}"
        );
        // ...and a CRL entry wins over evidence given after it.
        let evidence = Evidence {
            crls: vec![pki.bytes("crl-after.der")],
            ocsp_responses: vec![pki.bytes("ocsp-revoked.der")],
            ..Evidence::default()
        };
        let status = pki.status("provider-revoked", now(), &evidence);
        assert!(
            matches!(
                status,
                CertificateStatus::Revoked {
                    source: StatusSource::Crl { index: 0 },
                    ..
                }
            ),
            "{status:?}"
        );
    }

    #[test]
    fn rfc6960_4_2_1_mutated_responses_never_panic_nor_pass_a_revoked_certificate() {
        let Some(pki) = pki() else { return };
        let response = pki.bytes("ocsp-revoked.der");
        let cert = pki.cert("provider-revoked");
        let sub = pki.cert("sub");
        for position in 0..response.len() {
            let mut mutated = response.clone();
            mutated[position] ^= 0x5a;
            let evidence = Evidence {
                crls: Vec::new(),
                ocsp_responses: vec![mutated],
                ..Evidence::default()
            };
            let status = check_status(&cert, &sub, now(), &evidence, &StatusOptions::default());
            assert!(
                !matches!(status, CertificateStatus::Good { .. }),
                "byte {position}: {status:?}"
            );
        }
    }
}

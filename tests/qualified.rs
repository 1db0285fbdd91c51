//! QCStatements (ETSI EN 319 412-5 §4.2, RFC 3739 §3.2.6) of certificates
//! made by openssl at test time, read by the crate and cross-checked with
//! `openssl asn1parse` on the same certificate. TR 01201-3.4 §3.4.1, §3.5.1:
//! confirmations carry qualified signatures.

mod common;
mod xmldsig_common;

use std::process::Command;
use std::time::SystemTime;

use common::pki::{Issued, Issuer, issue, signer_extensions};
use demail::certificate::{Certificate, CertificateError};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::integrity::{ErrorCase, Failure, SignOptions, Verdict, VerificationReport, sign, verify};
use demail::qualified::{QcError, QcStatements, QcType};
use demail::signer::CertifiedKey;
use demail::trust::{VerifyOptions, check_qualified};
use xmldsig_common::{temp_dir, tool_available};

/// openssl config sections for a qcStatements extension with `statements`
/// (section names of the form `[name]\nid = OID:...`).
fn qc_extension(statements: &[&str], sections: &str) -> String {
    let list: String = statements
        .iter()
        .enumerate()
        .map(|(i, name)| format!("s{i} = SEQUENCE:{name}\n"))
        .collect();
    format!(
        "{}1.3.6.1.5.5.7.1.3 = ASN1:SEQUENCE:qcs\n\n[qcs]\n{list}\n{sections}",
        signer_extensions(None)
    )
}

const SECTIONS: &str = "[compliance]\nid = OID:0.4.0.1862.1.1\n\n\
[sscd]\nid = OID:0.4.0.1862.1.4\n\n\
[type_eseal]\nid = OID:0.4.0.1862.1.6\ntypes = SEQUENCE:eseal_list\n\n\
[eseal_list]\nt = OID:0.4.0.1862.1.6.2\n\n\
[type_esign]\nid = OID:0.4.0.1862.1.6\ntypes = SEQUENCE:esign_list\n\n\
[esign_list]\nt = OID:0.4.0.1862.1.6.1\n\n\
[pds]\nid = OID:0.4.0.1862.1.5\n";

/// A key and certificate with these statements, issued by the committed
/// intermediate; `None` without openssl.
fn issued(name: &str, statements: &[&str]) -> Option<Issued> {
    if !tool_available("openssl") {
        return None;
    }
    let dir = temp_dir(&format!("qualified-{name}"));
    Some(issue(
        &dir,
        name,
        "ec:P-256",
        &Issuer::Committed("intermediate"),
        &qc_extension(statements, SECTIONS),
    ))
}

/// A certificate with these statements, and openssl's list of the OIDs in it.
fn certificate(name: &str, statements: &[&str]) -> Option<(Certificate, Vec<String>)> {
    let issued = issued(name, statements)?;
    let pem = std::fs::read_to_string(&issued.cert).unwrap();
    let parse = |extra: &[&str]| {
        let output = Command::new("openssl")
            .args(["asn1parse", "-in"])
            .arg(&issued.cert)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    // The offset of the extension's OCTET STRING, the line after `:qcStatements`.
    let outer = parse(&[]);
    let mut lines = outer.lines().skip_while(|line| !line.ends_with(":qcStatements"));
    let offset = lines
        .nth(1)
        .expect("openssl sees qcStatements")
        .split(':')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let oids = parse(&["-strparse", &offset])
        .lines()
        .filter_map(|line| {
            line.split_once("OBJECT            :")
                .map(|(_, oid)| oid.trim().to_owned())
        })
        .collect();
    Some((Certificate::from_pem(&pem).unwrap(), oids))
}

#[test]
fn en_319_412_5_qualified_eseal_in_qscd_is_read() {
    let Some((cert, openssl_oids)) = certificate("qc-eseal", &["compliance", "type_eseal", "sscd", "pds"])
    else {
        return;
    };
    let statements = QcStatements::of(&cert).unwrap().expect("qcStatements present");
    assert!(statements.compliance && statements.sscd);
    assert_eq!(statements.types, vec![QcType::ESeal]);
    assert_eq!(statements.other, vec!["0.4.0.1862.1.5".to_owned()]);
    assert!(statements.qualified_for(&QcType::ESeal));
    assert!(!statements.qualified_for(&QcType::ESign));
    // openssl sees the same statements, in the same order.
    assert_eq!(
        openssl_oids,
        [
            "0.4.0.1862.1.1",
            "0.4.0.1862.1.6",
            "0.4.0.1862.1.6.2",
            "0.4.0.1862.1.4",
            "0.4.0.1862.1.5"
        ]
    );
}

#[test]
fn en_319_412_5_4_2_3_qualified_esign_is_not_an_eseal() {
    let Some((cert, openssl_oids)) = certificate("qc-esign", &["compliance", "type_esign"]) else {
        return;
    };
    let statements = QcStatements::of(&cert).unwrap().unwrap();
    assert_eq!(statements.types, vec![QcType::ESign]);
    assert!(!statements.sscd);
    assert!(statements.qualified_for(&QcType::ESign) && !statements.qualified_for(&QcType::ESeal));
    assert_eq!(
        openssl_oids,
        ["0.4.0.1862.1.1", "0.4.0.1862.1.6", "0.4.0.1862.1.6.1"]
    );
}

#[test]
fn en_319_412_5_4_2_1_type_without_compliance_is_not_qualified() {
    let Some((cert, _)) = certificate("qc-no-compliance", &["type_eseal", "sscd"]) else {
        return;
    };
    let statements = QcStatements::of(&cert).unwrap().unwrap();
    assert!(!statements.compliance);
    assert!(!statements.qualified_for(&QcType::ESeal));
}

#[test]
fn en_319_412_5_compliance_without_type_is_no_type() {
    // D135: without QcType no type is assumed.
    let Some((cert, _)) = certificate("qc-no-type", &["compliance"]) else {
        return;
    };
    let statements = QcStatements::of(&cert).unwrap().unwrap();
    assert!(statements.compliance && statements.types.is_empty());
    assert!(!statements.qualified_for(&QcType::ESeal) && !statements.qualified_for(&QcType::ESign));
}

#[test]
fn rfc3739_3_2_6_certificate_without_qc_statements_is_not_qualified() {
    let cert = common::cert("p256");
    assert_eq!(QcStatements::of(&cert).unwrap(), None);
}

#[test]
fn rfc3739_3_2_6_malformed_qc_statements_are_a_typed_error() {
    // Not a SEQUENCE.
    assert!(matches!(
        QcStatements::from_der(&[0x04, 0x00]),
        Err(QcError::Malformed { statement: None, .. })
    ));
    // A statement whose ID is not an OID.
    assert!(matches!(
        QcStatements::from_der(&[0x30, 0x04, 0x30, 0x02, 0x05, 0x00]),
        Err(QcError::Malformed {
            statement: Some(0),
            ..
        })
    ));
    // An empty OID, and an OID whose last sub-identifier is cut.
    for statement in [
        [0x30, 0x04, 0x30, 0x02, 0x06, 0x00].as_slice(),
        &[0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x8e],
    ] {
        assert!(matches!(
            QcStatements::from_der(statement),
            Err(QcError::Malformed {
                statement: Some(0),
                ..
            })
        ));
    }
    // QcType whose list is not a SEQUENCE OF OID.
    let qc_type = [
        0x30, 0x0c, 0x30, 0x0a, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x02, 0x00,
    ];
    assert!(matches!(
        QcStatements::from_der(&qc_type),
        Err(QcError::Malformed {
            statement: Some(0),
            ..
        })
    ));
    // Trailing bytes after the sequence.
    assert!(matches!(
        QcStatements::from_der(&[0x30, 0x00, 0x00]),
        Err(QcError::Malformed { statement: None, .. })
    ));
    // Every truncation of a good value is an error or a smaller reading, never a panic.
    let good = [
        0x30, 0x14, 0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x01, 0x30, 0x08, 0x06, 0x06, 0x04,
        0x00, 0x8e, 0x46, 0x01, 0x04,
    ];
    let read = QcStatements::from_der(&good).unwrap();
    assert!(read.compliance && read.sscd && read.types.is_empty());
    for end in 0..good.len() {
        let _ = QcStatements::from_der(&good[..end]);
    }
}

/// `tests/data/normal.eml` signed with a certificate issued by the committed
/// intermediate with `statements`, verified at now with `require_qualified`.
fn verify_requiring_qualified(name: &str, statements: &[&str]) -> Option<VerificationReport> {
    let issued = issued(name, statements)?;
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&issued.key).unwrap()).unwrap();
    let cert = Certificate::from_pem(&std::fs::read_to_string(&issued.cert).unwrap()).unwrap();
    let signer = CertifiedKey::new(key, cert).unwrap();
    let signed = sign(&common::data("normal.eml"), &SignOptions::signed(&signer)).unwrap();
    let anchors = [common::cert("ca")];
    let intermediates = [common::cert("intermediate")];
    let options = VerifyOptions {
        time: SystemTime::now(),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        require_qualified: true,
        ..VerifyOptions::default()
    };
    Some(verify(&Envelope::parse(&signed).unwrap(), &options))
}

// TR 01201-3.4 §3.5.1, D201: when a qualified certificate is required, an EU qualified
// seal certificate (QcCompliance, QcType eseal) passes and the report says qualified
#[test]
fn d201_required_qualified_eseal_signer_passes() {
    let Some(report) = verify_requiring_qualified("qc-required-eseal", &["compliance", "type_eseal"]) else {
        return;
    };
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.verdict);
    assert_eq!(report.qualified, Some(true));
}

// TR 01201-3.4 §3.5.1, D201, PVD FU Schritt 48: a signer without QcCompliance fails FC-02
// with the rule `not_qualified` and what its QCStatements say
#[test]
fn d201_required_qualified_fails_fc02_without_compliance() {
    let Some(report) = verify_requiring_qualified("qc-required-nocompliance", &["type_eseal"]) else {
        return;
    };
    assert_eq!(report.qualified, Some(false));
    let Some(
        failure @ Failure::Certificate(CertificateError::NotQualified {
            compliance,
            types,
            readable,
            ..
        }),
    ) = report.failure()
    else {
        panic!("expected not qualified, got {:?}", report.verdict);
    };
    assert_eq!(failure.case(), ErrorCase::Fc02CertificateInvalid);
    assert_eq!(failure.code(), "not_qualified");
    assert!(!compliance && *readable);
    assert_eq!(types, &["eseal"]);
}

// D201: the crate's test certificates carry no QCStatements: not qualified, and not required
// by default
#[test]
fn d201_certificate_without_qcstatements_is_not_qualified() {
    let cert = common::cert("p256");
    assert!(matches!(
        check_qualified(&cert),
        Err(CertificateError::NotQualified {
            compliance: false,
            readable: true,
            ..
        })
    ));
    assert!(!VerifyOptions::default().require_qualified);
}

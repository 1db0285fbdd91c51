//! `demail verify` and `check-confirmation` with `--evidence-out`,
//! `--evidence`, `--require-qualified` and the chain's status (issue 13
//! §6–§9; docs/decisions.md D199–D202): exit 0 pass, 1 refused, 2 unusable
//! input or usage; the JSON carries the report's `status`, `qualified`,
//! ETSI `indication` and `chain`, serialized like every report (D181).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
mod common;

use std::sync::OnceLock;
use std::time::SystemTime;

use cli::{demail, json};
use demail::fields::DateTime;
use demail::integrity::{SignOptions, sign};
use demail::status::evidence::EvidenceBundle;

use common::status_pki::{StatusPki, confirmation_by, make};

fn pki() -> Option<&'static StatusPki> {
    static PKI: OnceLock<Option<StatusPki>> = OnceLock::new();
    PKI.get_or_init(|| make("cli-evidence-pki")).as_ref()
}

/// A file of the PKI as a command-line argument.
fn arg(pki: &StatusPki, name: &str) -> String {
    pki.path(name).to_string_lossy().into_owned()
}

/// `tests/data/normal.eml` signed by `provider`, written into the PKI's
/// directory; its path.
fn signed_file(pki: &StatusPki, provider: &str) -> String {
    let signed = pki.signed(provider);
    let name = format!("cli-evidence-{provider}.eml");
    std::fs::write(pki.path(&name), signed).unwrap();
    arg(pki, &name)
}

fn rfc3339(time: SystemTime) -> String {
    DateTime::from_system_time(time, 0).unwrap().to_rfc3339()
}

fn run(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let output = demail(args, None);
    let code = output.status.code();
    let value = if output.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        json(&output)
    };
    (code, value)
}

/// `demail verify MESSAGE` with the PKI's root as anchor, its intermediate,
/// and `extra` arguments.
fn verify_under_root(pki: &StatusPki, message: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let (root, sub) = (arg(pki, "root.pem"), arg(pki, "sub.pem"));
    let mut args = vec!["verify", message, "--trust-anchor", &root, "--intermediate", &sub];
    args.extend_from_slice(extra);
    run(&args)
}

// D199, D200, TR 01201-3.4 §3.1.21: `verify --evidence-out` writes the bundle; `verify
// --evidence` with only the caller's anchor verifies offline at the bundle's time with the
// same verdict; an edited CRL in the bundle exits 1 (FC-03); --evidence with --crl is a usage
// error (exit 2); without an anchor the bundle's root is not trusted (exit 1)
#[test]
fn d199_verify_evidence_out_then_offline_from_the_bundle() {
    let Some(pki) = pki() else { return };
    let message = signed_file(pki, "provider-revoked");
    let root = arg(pki, "root.pem");
    let bundle = arg(pki, "evidence.pem");
    let at = rfc3339(pki.before_revocation);
    let (crl_before, crl_root) = (arg(pki, "crl-before.pem"), arg(pki, "crl-root.der"));
    let (code, online) = verify_under_root(
        pki,
        &message,
        &[
            "--crl",
            &crl_before,
            "--crl",
            &crl_root,
            "--at",
            &at,
            "--evidence-out",
            &bundle,
        ],
    );
    assert_eq!(code, Some(0), "{online}");
    assert_eq!(online["status"]["code"], "good");
    assert_eq!(online["qualified"], false);
    assert_eq!(online["indication"]["indication"], "total_passed");
    assert_eq!(online["chain"][0]["status"]["code"], "good");
    assert_eq!(online["chain"][1]["anchor"], true);
    let written = EvidenceBundle::parse(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(written.time.to_system_time(), pki.before_revocation);
    assert_eq!(written.evidence.crls.len(), 2);

    let (code, offline) = run(&["verify", &message, "--trust-anchor", &root, "--evidence", &bundle]);
    assert_eq!(code, Some(0), "{offline}");
    for key in ["verdict", "status", "indication", "certificate", "chain"] {
        assert_eq!(offline[key], online[key], "{key}");
    }

    let text = std::fs::read_to_string(&bundle).unwrap();
    let crl_at = text.find("-----BEGIN X509 CRL-----\n").unwrap() + 200;
    let mut edited = text.into_bytes();
    edited[crl_at] = if edited[crl_at] == b'A' { b'B' } else { b'A' };
    let tampered = arg(pki, "evidence-tampered.pem");
    std::fs::write(&tampered, edited).unwrap();
    let (code, refused) = run(&[
        "verify",
        &message,
        "--trust-anchor",
        &root,
        "--evidence",
        &tampered,
    ]);
    assert_eq!(code, Some(1), "{refused}");
    assert_eq!(refused["failure"]["error_case"], "fc_03");

    let output = demail(
        &[
            "verify",
            &message,
            "--trust-anchor",
            &root,
            "--evidence",
            &bundle,
            "--crl",
            &crl_root,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let (code, _) = run(&["verify", &message, "--evidence", &bundle]);
    assert_eq!(code, Some(1));
    let (code, _) = run(&[
        "verify",
        &message,
        "--trust-anchor",
        &root,
        "--evidence",
        &message,
    ]);
    assert_eq!(code, Some(2));
}

// RFC 5280 §6.1.3 a 3, D202: the root's CRL revokes the intermediate: exit 1, FC-02, the
// revoked CA in `chain` with its reason
#[test]
fn d202_verify_revoked_intermediate_exits_1_with_fc02() {
    let Some(pki) = pki() else { return };
    let message = signed_file(pki, "provider-good");
    let (crl_after, crl_root) = (arg(pki, "crl-after.der"), arg(pki, "crl-root-revoked-sub.der"));
    let (code, report) = verify_under_root(pki, &message, &["--crl", &crl_after, "--crl", &crl_root]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["failure"]["error_case"], "fc_02");
    assert_eq!(report["failure"]["code"], "certificate_revoked");
    assert_eq!(report["status"]["code"], "good");
    assert_eq!(report["chain"][0]["status"]["code"], "revoked");
    assert_eq!(
        report["chain"][0]["status"]["revocation"]["reason"],
        "ca_compromise"
    );
    assert_eq!(report["indication"]["sub_indication"], "revoked_ca_no_poe");
    assert_eq!(
        report["chain"][0]["certificate"]["subject"],
        "C=DE, O=DMDA Test, CN=DMDA Test Sub-CA"
    );
}

// D201, TR 01201-3.4 §3.5.1: `--require-qualified` refuses a signer without QCStatements
// (exit 1, FC-02, `not_qualified`), for verify and check-confirmation alike
#[test]
fn d201_require_qualified_refuses_an_unqualified_signer() {
    let Some(pki) = pki() else { return };
    let message = signed_file(pki, "provider-good");
    let (code, report) = verify_under_root(pki, &message, &[]);
    assert_eq!(code, Some(0), "{report}");
    let (code, report) = verify_under_root(pki, &message, &["--require-qualified"]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["failure"]["error_case"], "fc_02");
    assert_eq!(report["failure"]["code"], "not_qualified");
    assert_eq!(report["qualified"], false);

    let output = demail(&["check-confirmation", "--help"], None);
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--require-qualified",
        "--evidence-out",
        "--evidence ",
        "--trusted-list ",
        "--trusted-list-signer",
    ] {
        assert!(help.contains(option), "check-confirmation --help lacks {option}");
    }
}

// D203, TS 119 612: `verify --trusted-list --trusted-list-signer` takes the list's granted
// CA/QC certificates as anchors (exit 0 for a provider under the listed root); a list signed
// by another certificate is unusable input (exit 2); a list without its signer is a usage
// error (exit 2)
#[test]
fn d203_verify_with_a_trusted_list_as_anchors() {
    let dir = cli::temp_dir("cli-trusted-list");
    let list = demail::xmldsig::sign_enveloped(
        common::trusted_list::trusted_list("").as_bytes(),
        &demail::xmldsig::XmlSignOptions::new(&common::signer("p256")),
    )
    .unwrap();
    let list_path = dir.join("tsl.xml");
    std::fs::write(&list_path, list).unwrap();
    let message_path = provider_signed_message(&dir);
    let (list, message) = (list_path.to_string_lossy(), message_path.to_string_lossy());
    let base = [
        "verify",
        &message,
        "--intermediate",
        "tests/data/keys/intermediate.cert.pem",
        "--trusted-list",
        &list,
    ];
    let with = |signer: &str| -> Vec<String> {
        base.iter()
            .map(|s| s.to_string())
            .chain(["--trusted-list-signer".to_owned(), signer.to_owned()])
            .collect()
    };
    let args = with("tests/data/keys/p256.cert.pem");
    let (code, report) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["trusted"], true);
    let args = with("tests/data/keys/p384.cert.pem");
    let output = demail(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("trusted-list signer"));
    assert_eq!(demail(&base, None).status.code(), Some(2));
}

/// normal.eml signed by the provider certificate below the test CA, in `dir`.
fn provider_signed_message(dir: &std::path::Path) -> std::path::PathBuf {
    let message = sign(
        &common::data("normal.eml"),
        &SignOptions::signed(&common::signer("rsa2048")),
    )
    .unwrap();
    let path = dir.join("signed.eml");
    std::fs::write(&path, message).unwrap();
    path
}

// D213, TS 119 612 §5.7.1: `--trusted-list` takes a XAdES-BES signed list (signed by xmlsec1,
// as the EU member states sign theirs); its granted CA/QC is the anchor (exit 0)
#[test]
fn d213_verify_with_a_xades_signed_trusted_list() {
    if !common::tool_available("xmlsec1") || !common::tool_available("openssl") {
        return;
    }
    let dir = cli::temp_dir("cli-trusted-list-xades");
    let list_path = dir.join("tsl-xades.xml");
    let list = common::trusted_list::XadesTemplate::default().sign_with_xmlsec1("cli");
    std::fs::write(&list_path, list).unwrap();
    let message_path = provider_signed_message(&dir);
    let (list, message) = (list_path.to_string_lossy(), message_path.to_string_lossy());
    let (code, report) = run(&[
        "verify",
        &message,
        "--intermediate",
        "tests/data/keys/intermediate.cert.pem",
        "--trusted-list",
        &list,
        "--trusted-list-signer",
        "tests/data/keys/p256.cert.pem",
    ]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["trusted"], true);
}

// D199: `check-confirmation --evidence-out` writes one bundle for the three signatures it
// checked (the paths of the confirmation's signer and of the original's); the confirmation's
// own integrity then verifies offline from it with the same verdict
#[test]
fn d199_check_confirmation_evidence_out_covers_every_signature() {
    let Some(pki) = pki() else { return };
    let (confirmation, original) = confirmation_by(pki, "provider-good");
    let (confirmation_path, original_path) = (pki.path("cli-confirmation.eml"), pki.path("cli-original.eml"));
    std::fs::write(&confirmation_path, confirmation).unwrap();
    std::fs::write(&original_path, original).unwrap();
    let (confirmation, original) = (
        confirmation_path.to_string_lossy(),
        original_path.to_string_lossy(),
    );
    let (root, sub, bundle) = (
        arg(pki, "root.pem"),
        arg(pki, "sub.pem"),
        arg(pki, "confirmation-evidence.pem"),
    );
    let (crl_before, crl_root) = (arg(pki, "crl-before.der"), arg(pki, "crl-root.der"));
    let (code, report) = run(&[
        "check-confirmation",
        &confirmation,
        "--original",
        &original,
        "--trust-anchor",
        &root,
        "--trust-anchor",
        "tests/data/keys/ca.cert.pem",
        "--intermediate",
        &sub,
        "--intermediate",
        "tests/data/keys/intermediate.cert.pem",
        "--crl",
        &crl_before,
        "--crl",
        &crl_root,
        "--at",
        &rfc3339(pki.before_revocation),
        "--evidence-out",
        &bundle,
    ]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["integrity"]["qualified"], false);
    assert_eq!(report["xml_signature"]["qualified"], false);
    assert_eq!(report["xml_signature"]["chain"][0]["status"]["code"], "good");
    assert_eq!(report["original_integrity"]["chain"][1]["anchor"], true);
    let written = EvidenceBundle::parse(&std::fs::read(&bundle).unwrap()).unwrap();
    let subjects: Vec<&str> = written.certificates.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "C=DE, O=DMDA Test, CN=DMDA Test Sub-CA",
            "C=DE, O=DMDA Test, CN=DMDA Test Root CA",
            "C=DE, O=demail Test PKI, CN=demail Test Provider CA",
            "C=DE, O=demail Test PKI, CN=demail Test Root CA",
        ]
    );
    assert_eq!(written.evidence.crls.len(), 2);
    let (code, offline) = run(&[
        "verify",
        &confirmation,
        "--trust-anchor",
        &root,
        "--evidence",
        &bundle,
    ]);
    assert_eq!(code, Some(0), "{offline}");
    assert_eq!(offline["certificate"], report["integrity"]["certificate"]);
}

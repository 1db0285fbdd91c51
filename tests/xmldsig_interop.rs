//! XML-DSig against a real peer: xmlsec1 (Debian package xmlsec1, 1.2.37,
//! OpenSSL backend) verifies what the crate signs, and the crate verifies
//! what xmlsec1 signs from the templates in tests/data/xmldsig/.
//!
//! Without xmlsec1 these tests skip with a printed reason; in CI (`CI=true`)
//! they fail instead, since `.ci/run` installs it.
#![cfg(feature = "xml")]

mod xmldsig_common;
use xmldsig_common as common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use demail::certificate::Certificate;
use demail::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xmldsig::{Canonicalization, XmlSignOptions, XmlSignatureFailure, sign_enveloped, verify};

const KEYS: &str = "tests/data/keys";
const TEMPLATES: &str = "tests/data/xmldsig";

/// A document shaped like the Acknowledge-Message of TR 01201-3.4 §3.5.3,
/// with a default namespace, a prefixed one, xml:lang, references and CR LF.
const DOCUMENT: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
<!-- before -->\r\n\
<Acknowledge xmlns=\"urn:example:demail:acknowledge\" xmlns:x=\"urn:example:extra\" xml:lang=\"de\">\r\n\
  <MessageId>&lt;20250301.abc@dmda-a.de-mail.de&gt;</MessageId>\r\n\
  <x:Note t=\"a &amp; b\">Zugestellt &#x26; abgeholt \xE2\x82\xAC</x:Note><!-- inside -->\r\n\
  <Empty/>\r\n\
</Acknowledge>\r\n";

fn key_path(name: &str) -> PathBuf {
    Path::new(KEYS).join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn signer(name: &str) -> CertifiedKey {
    let key = SigningKey::from_pkcs8_pem(&read(&key_path(&format!("{name}.key.pem")))).expect("key");
    let certificate =
        Certificate::from_pem(&read(&key_path(&format!("{name}.cert.pem")))).expect("certificate");
    CertifiedKey::new(key, certificate).expect("key and certificate belong together")
}

/// 2026-11-24T00:00:00Z, inside the test certificates' validity.
fn time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_478_400)
}

struct Trust {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

impl Trust {
    fn test_pki() -> Self {
        Trust {
            anchors: vec![
                Certificate::from_pem(&read(&key_path("ca.cert.pem"))).unwrap(),
                Certificate::from_pem(&read(&key_path("bp-ca.cert.pem"))).unwrap(),
            ],
            intermediates: vec![Certificate::from_pem(&read(&key_path("intermediate.cert.pem"))).unwrap()],
        }
    }

    fn options(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            time: time(),
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            ..VerifyOptions::default()
        }
    }
}

/// Runs `xmlsec1 --verify` with the test PKI; returns (success, output).
fn xmlsec_verify(file: &Path, extra: &[&str]) -> (bool, String) {
    let output = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(key_path("ca.cert.pem"))
        .arg("--trusted-pem")
        .arg(key_path("bp-ca.cert.pem"))
        .arg("--untrusted-pem")
        .arg(key_path("intermediate.cert.pem"))
        .args(["--enabled-reference-uris", "empty,same-doc"])
        .args(["--verification-time", "2026-11-24 00:00:00"])
        .args(extra)
        .arg(file)
        .output()
        .expect("run xmlsec1");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Signs with the crate, verifies with xmlsec1 (and with the crate), and
/// checks that xmlsec1 rejects a tampered copy.
fn crate_signs_xmlsec_verifies(name: &str, options: &XmlSignOptions<'_>, dir: &Path) {
    let signed = sign_enveloped(DOCUMENT, options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trust = Trust::test_pki();
    let report = verify(&signed, &trust.options()).unwrap();
    assert!(report.passed(), "{name}: {:?}", report.failures);

    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, &signed).unwrap();
    let (ok, output) = xmlsec_verify(&file, &[]);
    assert!(
        ok,
        "xmlsec1 rejects the crate's {name} signature:\n{output}\n{}",
        String::from_utf8_lossy(&signed)
    );

    let tampered = String::from_utf8(signed)
        .unwrap()
        .replace("abgeholt", "abgelehnt");
    let file = dir.join(format!("{name}-tampered.xml"));
    std::fs::write(&file, tampered).unwrap();
    let (ok, output) = xmlsec_verify(&file, &[]);
    assert!(!ok, "xmlsec1 accepts a tampered {name} document:\n{output}");
}

#[test]
fn xmlsec1_verifies_rsa_pkcs1_signatures_of_the_crate() {
    if !common::tool_available("xmlsec1") {
        return;
    }
    let dir = common::temp_dir("xmldsig-rsa");
    let certified = signer("rsa3072");
    for (hash, method) in [
        (HashAlgorithm::Sha256, Canonicalization::Inclusive),
        (HashAlgorithm::Sha384, Canonicalization::InclusiveWithComments),
        (
            HashAlgorithm::Sha512,
            Canonicalization::Exclusive {
                inclusive_prefixes: vec!["x".into(), "#default".into()],
            },
        ),
    ] {
        let name = format!(
            "rsa-{}-{}",
            hash.as_str(),
            method.uri().rsplit('/').next().unwrap_or("")
        );
        let options = XmlSignOptions::new(&certified)
            .hash(hash)
            .digest(hash)
            .canonicalization(method);
        crate_signs_xmlsec_verifies(&name.replace('#', "-"), &options, &dir);
    }
}

#[test]
fn xmlsec1_verifies_ecdsa_signatures_of_the_crate() {
    if !common::tool_available("xmlsec1") {
        return;
    }
    let dir = common::temp_dir("xmldsig-ecdsa");
    for (name, hash) in [
        ("p256", HashAlgorithm::Sha256),
        ("p256", HashAlgorithm::Sha512),
        ("p384", HashAlgorithm::Sha384),
        ("p384", HashAlgorithm::Sha256),
        ("bp256", HashAlgorithm::Sha256),
        ("bp384", HashAlgorithm::Sha384),
        ("bp-signer", HashAlgorithm::Sha256),
    ] {
        let certified = signer(name);
        let options = XmlSignOptions::new(&certified).hash(hash).canonicalization(
            Canonicalization::ExclusiveWithComments {
                inclusive_prefixes: vec![],
            },
        );
        crate_signs_xmlsec_verifies(&format!("{name}-{}", hash.as_str()), &options, &dir);
    }
}

/// Signs a template with `xmlsec1 --sign` and returns the signed document.
fn xmlsec_sign(template: &str, key: &str, dir: &Path, extra: &[&str]) -> Vec<u8> {
    let out = dir.join(format!("{template}-{key}.xml"));
    let output = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!(
            "{},{}",
            key_path(&format!("{key}.key.pem")).display(),
            key_path(&format!("{key}.cert.pem")).display()
        ))
        .args(extra)
        .arg("--output")
        .arg(&out)
        .arg(Path::new(TEMPLATES).join(template))
        .output()
        .expect("run xmlsec1");
    assert!(
        output.status.success(),
        "xmlsec1 --sign {template}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(out).unwrap()
}

fn xmlsec_signs_crate_verifies(template: &str, key: &str, extra: &[&str]) {
    let dir = common::temp_dir(&format!("xmlsec-sign-{template}-{key}"));
    let signed = xmlsec_sign(template, key, &dir, extra);
    let trust = Trust::test_pki();
    let report = verify(&signed, &trust.options()).unwrap_or_else(|e| {
        panic!(
            "{template} signed by xmlsec1 with {key}: {e}\n{}",
            String::from_utf8_lossy(&signed)
        )
    });
    assert!(
        report.passed(),
        "{template} with {key}: {:?}\n{}\ncanonical SignedInfo:\n{}",
        report.failures,
        String::from_utf8_lossy(&signed),
        String::from_utf8_lossy(report.canonical_signed_info())
    );
    let content = String::from_utf8_lossy(report.signed_content());
    assert!(content.contains("Zugestellt &amp; abgeholt"), "{content}");
    assert!(!content.contains("Signature"), "{content}");

    // The same document changed in signed content fails the digest check.
    let tampered = String::from_utf8(signed)
        .unwrap()
        .replace("abgeholt", "abgelehnt");
    let report = verify(tampered.as_bytes(), &trust.options()).unwrap();
    assert_eq!(report.failures, vec![XmlSignatureFailure::DigestMismatch]);
}

#[test]
fn crate_verifies_xmlsec1_rsa_sha256_inclusive_c14n() {
    if common::tool_available("xmlsec1") {
        xmlsec_signs_crate_verifies("template-rsa-sha256-c14n.xml", "rsa3072", &[]);
        xmlsec_signs_crate_verifies("template-rsa-sha256-c14n.xml", "rsa2048", &[]);
    }
}

#[test]
fn crate_verifies_xmlsec1_rsa_sha512_exclusive_c14n() {
    if common::tool_available("xmlsec1") {
        xmlsec_signs_crate_verifies("template-rsa-sha512-exc-c14n.xml", "rsa3072", &[]);
    }
}

#[test]
fn crate_verifies_xmlsec1_ecdsa_p256_exclusive_c14n_with_prefix_list() {
    if common::tool_available("xmlsec1") {
        xmlsec_signs_crate_verifies("template-ecdsa-sha256-exc-c14n.xml", "p256", &[]);
    }
}

#[test]
fn crate_verifies_xmlsec1_ecdsa_brainpool() {
    if common::tool_available("xmlsec1") {
        xmlsec_signs_crate_verifies("template-ecdsa-sha256-exc-c14n.xml", "bp256", &[]);
        xmlsec_signs_crate_verifies("template-ecdsa-sha256-exc-c14n.xml", "bp-signer", &[]);
    }
}

#[test]
fn crate_verifies_xmlsec1_ecdsa_p384_with_comments_and_id_reference() {
    if common::tool_available("xmlsec1") {
        let id_attr = ["--id-attr:Id", "urn:example:demail:acknowledge:Acknowledge"];
        xmlsec_signs_crate_verifies("template-ecdsa-sha384-c14n-comments-id.xml", "p384", &id_attr);
        xmlsec_signs_crate_verifies("template-ecdsa-sha384-c14n-comments-id.xml", "p256", &id_attr);
    }
}

// xmlsec1 1.2.37 has no RSA-PSS (it came with 1.3); the crate's PSS
// signature is checked by OpenSSL over SignedInfo canonicalized by xmllint
// (exclusive C14N, so the extracted element canonicalizes as in context).
#[test]
fn rsa_pss_signature_verifies_with_openssl_over_xmllint_canonical_signed_info() {
    if !common::tool_available("xmllint") || !common::tool_available("openssl") {
        return;
    }
    let dir = common::temp_dir("xmldsig-pss");
    let certified = signer("rsa3072");
    let public_key = dir.join("rsa3072.pub.pem");
    let extracted = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(key_path("rsa3072.cert.pem"))
        .output()
        .unwrap();
    assert!(extracted.status.success());
    std::fs::write(&public_key, extracted.stdout).unwrap();
    for hash in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        let options = XmlSignOptions::new(&certified)
            .scheme(SignatureScheme::RsassaPss)
            .hash(hash)
            .canonicalization(Canonicalization::Exclusive {
                inclusive_prefixes: vec![],
            });
        let signed = String::from_utf8(sign_enveloped(DOCUMENT, &options).unwrap()).unwrap();
        let trust = Trust::test_pki();
        let report = verify(signed.as_bytes(), &trust.options()).unwrap();
        assert!(report.passed(), "{:?}", report.failures);

        let start = signed.find("<ds:SignedInfo>").unwrap();
        let end = signed.find("</ds:SignedInfo>").unwrap() + "</ds:SignedInfo>".len();
        let standalone = signed[start..end].replacen(
            "<ds:SignedInfo>",
            "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
            1,
        );
        let signed_info_file = dir.join(format!("signed-info-{}.xml", hash.as_str()));
        std::fs::write(&signed_info_file, standalone).unwrap();
        let canonical = Command::new("xmllint")
            .arg("--exc-c14n")
            .arg(&signed_info_file)
            .output()
            .unwrap();
        assert!(canonical.status.success());
        assert_eq!(canonical.stdout, report.canonical_signed_info());
        let canonical_file = dir.join(format!("signed-info-{}.c14n", hash.as_str()));
        std::fs::write(&canonical_file, &canonical.stdout).unwrap();

        let value_start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let value_end = signed.find("</ds:SignatureValue>").unwrap();
        let value = base64_decode(&signed[value_start..value_end]);
        let signature_file = dir.join(format!("signature-{}.bin", hash.as_str()));
        std::fs::write(&signature_file, value).unwrap();
        let salt = match hash {
            HashAlgorithm::Sha256 => "32",
            HashAlgorithm::Sha384 => "48",
            HashAlgorithm::Sha512 => "64",
        };
        let output = Command::new("openssl")
            .args(["dgst", &format!("-{}", hash.as_str())])
            .args([
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                &format!("rsa_pss_saltlen:{salt}"),
            ])
            .args(["-sigopt", &format!("rsa_mgf1_md:{}", hash.as_str())])
            .arg("-verify")
            .arg(&public_key)
            .arg("-signature")
            .arg(&signature_file)
            .arg(&canonical_file)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "openssl rejects the RSA-PSS {} signature: {}{}",
            hash.as_str(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // And the check is not vacuous: PKCS#1 v1.5 padding does not verify it.
        let wrong = Command::new("openssl")
            .args(["dgst", &format!("-{}", hash.as_str()), "-verify"])
            .arg(&public_key)
            .arg("-signature")
            .arg(&signature_file)
            .arg(&canonical_file)
            .output()
            .unwrap();
        assert!(!wrong.status.success());
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    let compact: String = text.split_ascii_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(compact).unwrap()
}

// The crate's ds:Signature is valid against the W3C xmldsig-core schema
// (local copy, tests/data/xmldsig/README.md). Not with an InclusiveNamespaces
// PrefixList: the schema's strict wildcard in CanonicalizationMethod would
// need the Exc-C14N schema too, which is not in the local copy.
#[test]
fn crate_signature_validates_against_xmldsig_core_schema() {
    if !common::tool_available("xmllint") {
        return;
    }
    let dir = common::temp_dir("xmldsig-schema");
    let certified = signer("p256");
    let methods = [
        Canonicalization::Inclusive,
        Canonicalization::ExclusiveWithComments {
            inclusive_prefixes: vec![],
        },
    ];
    for (n, method) in methods.into_iter().enumerate() {
        let options = XmlSignOptions::new(&certified).canonicalization(method);
        let signed = String::from_utf8(sign_enveloped(DOCUMENT, &options).unwrap()).unwrap();
        let start = signed.find("<ds:Signature").unwrap();
        let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let file = dir.join(format!("signature-{n}.xml"));
        std::fs::write(&file, &signed[start..end]).unwrap();
        let output = Command::new("xmllint")
            .args(["--nonet", "--noout", "--schema"])
            .arg(Path::new(TEMPLATES).join("xmldsig-core-schema.xsd"))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            &signed[start..end]
        );
    }
    // And the schema is not vacuous: an unknown child of SignedInfo is invalid.
    let bad = dir.join("invalid.xml");
    std::fs::write(
        &bad,
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo><ds:Bogus/></ds:SignedInfo></ds:Signature>",
    )
    .unwrap();
    let output = Command::new("xmllint")
        .args(["--nonet", "--noout", "--schema"])
        .arg(Path::new(TEMPLATES).join("xmldsig-core-schema.xsd"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
}

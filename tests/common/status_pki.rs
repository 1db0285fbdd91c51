//! The certificate-status PKI of tests/data/pki/make.sh (issue 13), made
//! fresh by openssl once per test binary (TEST KEYS ONLY): a root, the
//! intermediate "DMDA Test Sub-CA", provider certificates (one revoked
//! between two CRLs), CRLs and OCSP responses.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::integrity::{SignOptions, sign};
use demail::signer::CertifiedKey;
use demail::status::Evidence;

use super::tool_available;

/// The made PKI.
pub struct StatusPki {
    /// Where make.sh wrote it.
    pub dir: PathBuf,
    /// Before the revocation of provider-revoked.
    pub before_revocation: SystemTime,
    /// After it.
    pub after_revocation: SystemTime,
}

/// Runs make.sh into `CARGO_TARGET_TMPDIR/<dir_name>`; `None` when openssl
/// is missing (skipped locally, a failure under CI, per `tool_available`).
pub fn make(dir_name: &str) -> Option<StatusPki> {
    make_with_locations(dir_name, &[])
}

/// [`make`] with the provider certificates naming `[ocsp_url, crl_url]` in
/// their AIA and CRL distribution points (tests/status_online.rs).
pub fn make_with_locations(dir_name: &str, urls: &[&str]) -> Option<StatusPki> {
    if !tool_available("openssl") {
        return None;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    let _ = std::fs::remove_dir_all(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/make.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(&dir)
        .args(urls)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "make.sh: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let times = std::fs::read_to_string(dir.join("times.txt")).unwrap();
    let mut times = times
        .lines()
        .map(|line| UNIX_EPOCH + Duration::from_secs(line.trim().parse().unwrap()));
    Some(StatusPki {
        before_revocation: times.next().unwrap(),
        after_revocation: times.next().unwrap(),
        dir,
    })
}

impl StatusPki {
    /// A file of the PKI.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A file's bytes.
    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// `<name>.pem` as a certificate.
    pub fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(&String::from_utf8(self.bytes(&format!("{name}.pem"))).unwrap()).unwrap()
    }

    /// `<name>.key` (PKCS#8) as a signing key.
    pub fn key(&self, name: &str) -> SigningKey {
        SigningKey::from_pkcs8_pem(&String::from_utf8(self.bytes(&format!("{name}.key"))).unwrap()).unwrap()
    }

    /// `<name>.key` with its certificate `<name>.crt` as a signer.
    pub fn signer(&self, name: &str) -> CertifiedKey {
        CertifiedKey::new(self.key(name), self.cert(name)).unwrap()
    }

    /// tests/data/normal.eml signed by the PKI's `provider`.
    pub fn signed(&self, provider: &str) -> Vec<u8> {
        sign(
            &super::data("normal.eml"),
            &SignOptions::signed(&self.signer(provider)),
        )
        .unwrap()
    }

    /// These CRL files as evidence.
    pub fn crls(&self, names: &[&str]) -> Evidence {
        let mut evidence = Evidence::default();
        evidence.crls.extend(names.iter().map(|name| self.bytes(name)));
        evidence
    }
}

/// A dispatch confirmation of tests/data/signed/normal-rsa3072.eml, made
/// and signed (integrity and XML signature) by the PKI's `provider`.
#[cfg(feature = "provider")]
pub fn confirmation_by(pki: &StatusPki, provider: &str) -> (Vec<u8>, Vec<u8>) {
    use demail::address::DeMailAddress;
    use demail::confirmation::{ConfirmationKind, ConfirmationRequest, acknowledge_message, assemble};
    use demail::envelope::Envelope;
    use demail::fields::DateTime;
    use demail::provider::Issuer;

    let original = super::data("signed/normal-rsa3072.eml");
    let envelope = Envelope::parse(&original).unwrap();
    let kind = ConfirmationKind::Dispatch;
    let issuer = Issuer::new(
        "DMDA GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).unwrap(),
    );
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: DateTime::parse_rfc5322("Wed, 13 Mar 2024 08:00:00 +0100").unwrap(),
        delivery_time: None,
        message_id: None,
    };
    let message = acknowledge_message(&envelope, &request).unwrap();
    let confirmation = assemble(&envelope, &request, &message, &pki.signer(provider)).unwrap();
    (confirmation, original)
}

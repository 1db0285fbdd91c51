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
use demail::signer::CertifiedKey;

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
    if !tool_available("openssl") {
        return None;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    let _ = std::fs::remove_dir_all(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/make.sh");
    let output = Command::new("bash").arg(script).arg(&dir).output().unwrap();
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
}

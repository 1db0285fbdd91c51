//! Shared loaders of the integration tests: vectors from `tests/data/` and
//! the test keys and certificates of `tests/data/keys/` (made by
//! `make_keys.sh`; test keys only).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use demail::certificate::Certificate;
use demail::crypto::{HashAlgorithm, SigningKey};
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;

/// The path of a file under `tests/data/`.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The bytes of a file under `tests/data/`.
pub fn data(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a file under `tests/data/`.
pub fn text(name: &str) -> String {
    String::from_utf8(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The certificate `tests/data/keys/<name>.cert.pem`.
pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&text(&format!("keys/{name}.cert.pem"))).unwrap()
}

/// The private key `tests/data/keys/<name>.key.pem` (PKCS#8).
pub fn key(name: &str) -> SigningKey {
    SigningKey::from_pkcs8_pem(&text(&format!("keys/{name}.key.pem"))).unwrap()
}

/// Whether this build signs with the test key `name` and `hash`
/// (docs/decisions.md D188): ring alone signs P-256 with SHA-256 and P-384
/// with SHA-384; the other NIST pairs need feature `ecdsa-prehash`, the
/// brainpool keys (`bp*`) feature `brainpool`; RSA always.
pub fn build_signs(name: &str, hash: HashAlgorithm) -> bool {
    match (name, hash) {
        (name, _) if name.starts_with("bp") => cfg!(feature = "brainpool"),
        ("p256", HashAlgorithm::Sha256) | ("p384", HashAlgorithm::Sha384) => true,
        ("p256" | "p384", _) => cfg!(feature = "ecdsa-prehash"),
        _ => true,
    }
}

/// Whether this build verifies the shipped sample `name` (under
/// tests/data/signed/): the brainpool-signed ones need feature `brainpool`.
pub fn build_verifies_sample(name: &str) -> bool {
    cfg!(feature = "brainpool") || !name.contains("bp256")
}

/// The signer of `tests/data/keys/<name>.key.pem` with its certificate
/// `<name>.cert.pem` (docs/decisions.md D178).
pub fn signer(name: &str) -> CertifiedKey {
    CertifiedKey::new(key(name), cert(name)).unwrap()
}

pub mod independent;
pub mod pki;
pub mod smime;
pub mod softhsm;
pub mod status_pki;
pub mod tools;
#[cfg(feature = "xml")]
pub mod trusted_list;
#[allow(unused_imports)] // not every test file runs a tool
pub use tools::tool_available;

/// 2026-11-24T00:00:00Z: every test certificate but the short-lived one is valid.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_478_400)
}

/// The test PKI's root and intermediate, owned for [`options`].
pub struct Trust {
    pub anchors: Vec<Certificate>,
    pub intermediates: Vec<Certificate>,
}

/// The test root as trust anchor, the test intermediate for path building.
pub fn trust() -> Trust {
    Trust {
        anchors: vec![cert("ca")],
        intermediates: vec![cert("intermediate")],
    }
}

/// Verification at [`now`] against `trust`, every other option default.
pub fn options(trust: &Trust) -> VerifyOptions<'_> {
    VerifyOptions {
        time: now(),
        trust_anchors: &trust.anchors,
        intermediates: &trust.intermediates,
        ..VerifyOptions::default()
    }
}

//! The test PKI of `tests/data/keys/` (made by `make_keys.sh`), loaded once,
//! for the targets that verify signatures.

use std::sync::OnceLock;

use demail::certificate::Certificate;

/// The test root CA.
pub fn anchors() -> &'static [Certificate] {
    static ANCHORS: OnceLock<Vec<Certificate>> = OnceLock::new();
    ANCHORS.get_or_init(|| {
        let pem = include_str!("../../../tests/data/keys/ca.cert.pem");
        vec![Certificate::from_pem(pem).expect("test CA")]
    })
}

/// The test intermediate CA.
pub fn intermediates() -> &'static [Certificate] {
    static INTERMEDIATES: OnceLock<Vec<Certificate>> = OnceLock::new();
    INTERMEDIATES.get_or_init(|| {
        let pem = include_str!("../../../tests/data/keys/intermediate.cert.pem");
        vec![Certificate::from_pem(pem).expect("test intermediate")]
    })
}

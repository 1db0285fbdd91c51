//! PEM and base64 helpers shared by the certificate, key, integrity and
//! XML-DSig code (RFC 7468 textual encodings; RFC 4648 base64), in a module
//! of their own so that `crypto` and `certificate` do not depend on each
//! other.
//!
//! Crate-internal; the public entry points are
//! [`crate::certificate::Certificate::from_pem`] and
//! [`crate::crypto::SigningKey::from_pkcs8_pem`]:
//!
//! ```
//! use demail::certificate::Certificate;
//!
//! let pem = std::fs::read_to_string("tests/data/keys/ca.cert.pem")?;
//! assert_eq!(Certificate::all_from_pem(&pem)?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine as _;

/// Decodes base64 that may be folded: ASCII white space is ignored, as in
/// PEM bodies, the certificate field and the `b=`/`bh=` tags.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.split_ascii_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(compact).ok()
}

/// The DER of the first PEM block with the given label.
pub(crate) fn pem_to_der(pem: &str, label: &str) -> Option<Vec<u8>> {
    pem_blocks(pem, label).into_iter().next().flatten()
}

pub(crate) fn pem_blocks(pem: &str, label: &str) -> Vec<Option<Vec<u8>>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let Some(stop) = rest[body_start..].find(&end) else {
            blocks.push(None);
            break;
        };
        blocks.push(decode_base64(&rest[body_start..body_start + stop]));
        rest = &rest[body_start + stop + end.len()..];
    }
    blocks
}

//! The `"end_to_end"` object of `demail inspect` (TR 01201-3.4 §2.1.3).

use serde_json::{Value, json};

use demail::protection::analyze;

/// Which client-side protection the content has, by MIME structure (nothing
/// is decrypted or verified), or `{"error": ...}` when it cannot be analysed.
pub(crate) fn end_to_end_json(raw: &[u8]) -> Value {
    match analyze(raw) {
        Ok(protection) => json!({
            "provider_can_read": protection.provider_can_read(),
            "signed": protection.signed.as_str(),
            "encrypted": protection.encrypted.as_str(),
            "findings": protection.findings.iter().map(|f| json!({
                "mechanism": f.mechanism.as_str(),
                "part": f.part.to_string(),
                "covered": f.covered.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "note": "from the MIME structure; signatures are not verified",
        }),
        Err(error) => json!({ "error": error.to_string() }),
    }
}

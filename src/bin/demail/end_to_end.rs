//! The `"end_to_end"` object of `demail inspect` (TR 01201-3.4 §2.1.3).

use serde_json::{Value, json};

use demail::protection::verify_signatures;
use demail::trust::VerifyOptions;

/// Which client-side protection the content has, by MIME structure, with
/// every S/MIME signature verified (PVD FU Schritt 63–64; no trust anchors,
/// so a valid signature is reported as not trusted; nothing is decrypted),
/// or `{"error": ...}` when it cannot be analysed.
pub(crate) fn end_to_end_json(raw: &[u8]) -> Value {
    match verify_signatures(raw, &VerifyOptions::default()) {
        Ok((protection, checks)) => json!({
            "provider_can_read": protection.provider_can_read(),
            "signed": protection.signed.as_str(),
            "encrypted": protection.encrypted.as_str(),
            "findings": protection.findings.iter().map(|f| json!({
                "mechanism": f.mechanism.as_str(),
                "part": f.part.to_string(),
                "covered": f.covered.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "smime_signatures": checks.iter().map(|check| json!({
                "part": check.part.to_string(),
                "signers": match &check.result {
                    Ok(reports) => json!(reports.iter().map(crate::smime::signature_json).collect::<Vec<_>>()),
                    Err(error) => json!({ "error": { "code": error.code(), "message": error.to_string() } }),
                },
            })).collect::<Vec<_>>(),
            "note": "from the MIME structure; S/MIME signatures verified without trust anchors (use `demail open` or the library to check trust); encrypted content is not opened; the Subject is never encrypted",
        }),
        Err(error) => json!({ "error": error.to_string() }),
    }
}

//! The `"end_to_end"` object of `demail inspect` (TR 01201-3.4 §2.1.3).

use serde::Serialize;

use demail::protection::{Protection, ProtectionError, SignatureCheck, verify_signatures};
use demail::trust::VerifyOptions;

/// What `inspect` says about the client-side protection of the content.
const NOTE: &str = "from the MIME structure; S/MIME signatures verified without trust anchors (use `demail open` or the library to check trust); encrypted content is not opened; the Subject is never encrypted";

/// Which client-side protection the content has, by MIME structure, with
/// every S/MIME signature verified (PVD FU Schritt 63–64; no trust anchors,
/// so a valid signature is reported as not trusted; nothing is decrypted),
/// or the `error` why it cannot be analysed.
#[derive(Serialize)]
pub(crate) struct EndToEnd {
    protection: Option<Protection>,
    smime_signatures: Vec<SignatureCheck>,
    error: Option<ProtectionError>,
    note: &'static str,
}

impl EndToEnd {
    /// The analysis of `raw`.
    pub(crate) fn of(raw: &[u8]) -> Self {
        let (protection, smime_signatures, error) = match verify_signatures(raw, &VerifyOptions::default()) {
            Ok((protection, checks)) => (Some(protection), checks, None),
            Err(error) => (None, Vec::new(), Some(error)),
        };
        EndToEnd {
            protection,
            smime_signatures,
            error,
            note: NOTE,
        }
    }
}

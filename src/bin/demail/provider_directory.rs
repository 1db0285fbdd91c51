//! `--provider-directory FILE`: the JSON provider directory of
//! docs/decisions.md D52, read into a [`ProviderMap`].
//!
//! ```json
//! { "domains": {
//!     "dmda-a.de-mail.de": [
//!       { "certificate": "certs/dmda-a-signer.pem" },
//!       { "sha256": "3F:A1:...:09" },
//!       { "name_of": "certs/dmda-a-signer.pem" } ] } }
//! ```
//! Certificate paths are relative to the directory file.

use std::path::Path;

use serde_json::Value;

use demail::certificate::Certificate;
use demail::provider_directory::{AllowedSigner, ProviderMap};

/// Reads the directory file; every error is a usage error (exit 2).
pub(crate) fn load(path: &Path) -> Result<ProviderMap, String> {
    let text = super::read_text(path)?;
    let bad = |what: String| format!("{}: {what} (see docs/decisions.md D52)", path.display());
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let domains = json
        .get("domains")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("no \"domains\" object".into()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut map = ProviderMap::default();
    for (domain, entries) in domains {
        let entries = entries
            .as_array()
            .ok_or_else(|| bad(format!("domain {domain}: not a list")))?;
        for entry in entries {
            let signer = signer(entry, base).map_err(|e| bad(format!("domain {domain}: {e}")))?;
            map.allow(domain, signer);
        }
    }
    Ok(map)
}

fn signer(entry: &Value, base: &Path) -> Result<AllowedSigner, String> {
    let object = entry.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
        format!("entry {entry} must be an object with one of \"certificate\", \"sha256\", \"name_of\"")
    })?;
    let (key, value) = object.iter().next().ok_or("empty entry")?;
    let text = value
        .as_str()
        .ok_or_else(|| format!("\"{key}\" must be a string"))?;
    match key.as_str() {
        "certificate" => {
            let file = base.join(text);
            let cert = Certificate::from_pem(&super::read_text(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Ok(AllowedSigner::Fingerprint(cert.sha256_fingerprint()))
        }
        "sha256" => fingerprint(text).map(AllowedSigner::Fingerprint),
        "name_of" => {
            let file = base.join(text);
            let cert = Certificate::from_pem(&super::read_text(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Ok(AllowedSigner::issuer_and_subject_of(&cert))
        }
        "subject" => Err(
            "\"subject\" entries are no longer accepted: a printed subject is ambiguous; \
             use \"name_of\" with a certificate file (issuer and subject compared as DER)"
                .to_owned(),
        ),
        other => Err(format!("unknown key \"{other}\"")),
    }
}

/// 64 hex digits, `:` separators allowed, either case.
fn fingerprint(text: &str) -> Result<[u8; 32], String> {
    let hex: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
    let error = || format!("\"{text}\" is not a SHA-256 fingerprint (64 hex digits)");
    if hex.len() != 64 {
        return Err(error());
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        let digits = std::str::from_utf8(pair).map_err(|_| error())?;
        out[i] = u8::from_str_radix(digits, 16).map_err(|_| error())?;
    }
    Ok(out)
}

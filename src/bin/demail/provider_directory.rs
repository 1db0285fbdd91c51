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

use demail::provider_directory::{AllowedSigner, ProviderMap};

use crate::io::{self, CliError};

/// Why a directory file is not of the form of D52.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DirectoryError {
    #[error("not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("no \"domains\" object")]
    NoDomains,
    #[error("domain {domain}: not a list")]
    NotAList { domain: String },
    #[error(
        "domain {domain}: entry {entry} must be an object with one of \"certificate\", \"sha256\", \"name_of\""
    )]
    Entry { domain: String, entry: String },
    #[error("domain {domain}: \"{key}\" must be a string")]
    NotAString { domain: String, key: String },
    #[error(
        "domain {domain}: \"subject\" entries are no longer accepted: a printed subject is ambiguous; \
         use \"name_of\" with a certificate file (issuer and subject compared as DER)"
    )]
    Subject { domain: String },
    #[error("domain {domain}: unknown key \"{key}\"")]
    UnknownKey { domain: String, key: String },
    #[error("domain {domain}: \"{text}\" is not a SHA-256 fingerprint (64 hex digits)")]
    Fingerprint { domain: String, text: String },
}

/// Reads the directory file; every error is a usage error (exit 2).
pub(crate) fn load(path: &Path) -> Result<ProviderMap, CliError> {
    let bad =
        |e: DirectoryError| CliError::invalid(format!("{} (see docs/decisions.md D52)", path.display()), e);
    let text = io::read_text(path)?;
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(DirectoryError::NotJson(e)))?;
    let domains = json
        .get("domains")
        .and_then(Value::as_object)
        .ok_or_else(|| bad(DirectoryError::NoDomains))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut map = ProviderMap::default();
    for (domain, entries) in domains {
        let entries = entries.as_array().ok_or_else(|| {
            bad(DirectoryError::NotAList {
                domain: domain.clone(),
            })
        })?;
        for entry in entries {
            let signer = match signer(domain, entry, base)? {
                Ok(signer) => signer,
                Err(error) => return Err(bad(error)),
            };
            map.allow(domain, signer);
        }
    }
    Ok(map)
}

/// One entry: a certificate file (PEM or DER), a fingerprint, or the names
/// of a certificate file; an unreadable file is the outer error.
fn signer(
    domain: &str,
    entry: &Value,
    base: &Path,
) -> Result<Result<AllowedSigner, DirectoryError>, CliError> {
    let Some((key, value)) = entry
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return Ok(Err(DirectoryError::Entry {
            domain: domain.to_owned(),
            entry: entry.to_string(),
        }));
    };
    let Some(text) = value.as_str() else {
        return Ok(Err(DirectoryError::NotAString {
            domain: domain.to_owned(),
            key: key.clone(),
        }));
    };
    Ok(match key.as_str() {
        "certificate" => Ok(AllowedSigner::Fingerprint(
            io::load_certificate(&base.join(text))?.sha256_fingerprint(),
        )),
        "sha256" => {
            fingerprint(text)
                .map(AllowedSigner::Fingerprint)
                .ok_or_else(|| DirectoryError::Fingerprint {
                    domain: domain.to_owned(),
                    text: text.to_owned(),
                })
        }
        "name_of" => Ok(AllowedSigner::issuer_and_subject_of(&io::load_certificate(
            &base.join(text),
        )?)),
        "subject" => Err(DirectoryError::Subject {
            domain: domain.to_owned(),
        }),
        other => Err(DirectoryError::UnknownKey {
            domain: domain.to_owned(),
            key: other.to_owned(),
        }),
    })
}

/// 64 hex digits, `:` separators allowed, either case.
fn fingerprint(text: &str) -> Option<[u8; 32]> {
    let hex: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}
